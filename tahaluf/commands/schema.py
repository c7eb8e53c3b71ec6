"""``tahaluf schema``: show the annotation schema, add a stance target or an entity type.

The schema is ``annotation/schema.json`` (:mod:`tahaluf.core.schema`); the
additions are made by :mod:`tahaluf.extend` (append-only, validated, with the
labelling config regenerated, all or nothing)::

    tahaluf schema show
    tahaluf schema add-target --description "..." --description-ar "..." \\
        --favor "..." --against "..." --none "..."        # next free stance_tN
    tahaluf schema add-entity-type WEAPON --description "a named weapon system"
"""

from __future__ import annotations

import argparse

from tahaluf.cli import EXIT_OK, EXIT_USAGE, command
from tahaluf.core import paths

EXAMPLE = "tahaluf schema show"


def add_args(p: argparse.ArgumentParser) -> None:
    p.set_defaults(_schema_parser=p)
    sub = p.add_subparsers(dest="schema_cmd", metavar="SUBCOMMAND")
    sub.add_parser("show", help="print the targets, entity types, quote types and splits")
    s = sub.add_parser("add-target", help="append an (optional) stance target; regenerates the labelling config",
                       description="Append a stance target to annotation/schema.json. It is optional until every "
                                   "quotation and document has its label (then set \"required\": true).",
                       epilog='Example:\n  tahaluf schema add-target --description "Iran\'s influence in Iraq is '
                              'harmful" --description-ar "..." --favor "..." --against "..." --none "..."',
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--name", default=None, help="stance_tN (default: the next free number)")
    s.add_argument("--description", required=True, help="the target's wording in English")
    s.add_argument("--description-ar", required=True, help="the target's wording in Arabic")
    s.add_argument("--favor", required=True, help="what FAVOR means for this target")
    s.add_argument("--against", required=True, help="what AGAINST means for this target")
    s.add_argument("--none", required=True, help="what NONE means for this target")
    s.add_argument("--dry-run", action="store_true", help="check and say what would change; write nothing")
    s = sub.add_parser("add-entity-type", help="append an entity type; regenerates the labelling config")
    s.add_argument("name", help="upper-case ASCII, e.g. WEAPON")
    s.add_argument("--description", required=True, help="what the type covers (for the annotators)")
    s.add_argument("--dry-run", action="store_true", help="check and say what would change; write nothing")


def _rel(files) -> str:
    root = paths.root()
    return ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in files)


def run(args: argparse.Namespace) -> int:
    from tahaluf import extend
    from tahaluf.core.schema import load_schema
    cmd = getattr(args, "schema_cmd", None)
    if cmd is None:
        args._schema_parser.print_help()
        return EXIT_USAGE
    verb = "would write" if getattr(args, "dry_run", False) else "wrote"
    if cmd == "show":
        s = load_schema()
        print(f"annotation/schema.json: schema version {s.version}")
        print(f"entity types (tag order): {', '.join(s.entity_labels)}")
        print(f"quote types: {', '.join(s.quote_types)}; stance labels: {', '.join(s.stance_labels)}")
        for t in s.stance_targets:
            print(f"{t.name} ({'required' if t.required else 'optional'}): {t.description}")
            print(f"    {t.description_ar}")
        for name, ids in s.splits:
            print(f"split {name}: {', '.join(ids)}")
        return EXIT_OK
    if cmd == "add-target":
        t, files = extend.add_target(args.description, args.description_ar,
                                     {"FAVOR": args.favor, "AGAINST": args.against, "NONE": args.none},
                                     name=args.name, dry_run=args.dry_run)
        print(f"target {t.name} (optional): {t.description}; {verb} {_rel(files)}")
        if not args.dry_run:
            print("next: `tahaluf studio push` updates the running project's labelling config in place")
        return EXIT_OK
    files = extend.add_entity_type(args.name, args.description, dry_run=args.dry_run)
    print(f"entity type {args.name}; {verb} {_rel(files)}")
    return EXIT_OK


command("schema", "the annotation schema (annotation/schema.json): show it, add a stance target or entity type",
        EXAMPLE)(add_args).run(run)
