"""``tahaluf docs``: regenerate the generated blocks of the documentation.

The documents are ``README.md``, ``DATASHEET.md`` and every ``docs/*.md``. A
block is the text between ``<!-- BEGIN name: SOURCE -->`` and
``<!-- END name -->``; what replaces it depends on SOURCE:

``tahaluf ARGS``  the output of ``tahaluf ARGS`` run from the repository root,
                  in a fenced ``text`` block (verbatim for ``--markdown`` output
                  and names ending ``-md``)
``include PATH``  a generated file of the repository, copied (the benchmark
                  table, which takes minutes to regenerate)
``table NAME``    a Markdown table made from a registry of the package, one of
                  :data:`TABLES` (subcommands, finding ids with their fixtures,
                  labels, baselines, the results-file keys, the module map)

So every number, label and id printed in the documents comes from the code or
the command written next to it, and ``tahaluf docs --check`` (run by the
tests) fails when a document is stale. An unknown SOURCE or table name, or a
``BEGIN`` without its ``END``, is an error: a typo cannot leave a block
unchecked. A source used by several blocks is run once.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from tahaluf.cli import COMMANDS, EXIT_INVALID, EXIT_OK, build_parser, command, main
from tahaluf.core import paths
from tahaluf.core.errors import FINDING_IDS, TahalufError, did_you_mean
from tahaluf.core.fileio import write_files
from tahaluf.core.schema import QUOTE_REGION_LABELS, RELATION_LABELS, SCHEMA

#: documents always regenerated, besides ``docs/*.md`` (each must exist)
DOCUMENTS = ("README.md", "DATASHEET.md")
_BLOCK = re.compile(r"^(<!-- BEGIN (?P<name>[\w-]+): (?P<source>[^>]*?) -->\n)(?P<body>.*?)(<!-- END (?P=name) -->)",
                    re.DOTALL | re.MULTILINE)
_BEGIN = re.compile(r"^<!-- BEGIN ", re.MULTILINE)
_PACKAGE = Path(__file__).resolve().parents[1]


def documents() -> list[Path]:
    root = Path(paths.root())
    return [root / n for n in DOCUMENTS] + sorted((root / "docs").glob("*.md"))


# -- tables from the registries -----------------------------------------------------------

def _cell(text) -> str:
    """A table cell: ``|`` escaped; outside code spans, ``<`` before a letter
    too (Markdown would read ``<system>`` as an HTML tag)."""
    parts = str(text).replace("|", "\\|").split("`")
    return "`".join(re.sub(r"<(?=[A-Za-z/])", "&lt;", x) if i % 2 == 0 else x for i, x in enumerate(parts))


def _row(cells) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(header, rows) -> str:
    return "\n".join([_row(header), "|" + "---|" * len(header)] + [_row(r) for r in rows]) + "\n"


def _codes(xs) -> str:
    return " ".join(f"`{x}`" for x in xs)


def finding_ids_table() -> str:
    """:data:`~tahaluf.core.errors.FINDING_IDS`, each with its fixture and the
    reason its first line gives (``# INVALID (id): why``)."""
    fixtures = Path(paths.root()) / "tests" / "fixtures"
    rows = []
    for fid, meaning in FINDING_IDS.items():
        found = sorted(fixtures.glob(f"{fid}.*"))
        if not found:
            raise TahalufError(f"finding id {fid!r} has no fixture tests/fixtures/{fid}.*")
        first = found[0].read_text(encoding="utf-8").split("\n", 1)[0]
        why = re.sub(r"^#\s*INVALID\s*\([^)]*\):\s*", "", first)
        rows.append([f"`{fid}`", meaning, f"`tests/fixtures/{found[0].name}`: {why}"])
    return _table(["id", "meaning", "fixture: why it is invalid"], rows)


def labels_table() -> str:
    """The labels of :data:`~tahaluf.core.schema.SCHEMA`, layer by layer."""
    from tahaluf.core.tagging import tag_names  # (numpy) imported when a table is made, not per CLI start
    tags = tag_names(SCHEMA)
    rows = [
        ["1 entities", "entity types", _codes(SCHEMA.entity_labels)],
        ["1 entities", f"BIO tags (`ClassLabel` ids 0-{len(tags) - 1}, in this order)", _codes(tags)],
        ["2 quotations", "region labels", _codes(QUOTE_REGION_LABELS)],
        ["2 quotations", "relations", _codes(RELATION_LABELS)],
        ["2 quotations", "quote types", _codes(SCHEMA.quote_types)],
        ["3 stance", "labels", _codes(SCHEMA.stance_labels)],
    ]
    rows += [["3 stance", f"target `{t.name}` ({'required' if t.required else 'optional'})", t.description]
             for t in SCHEMA.stance_targets]
    return _table(["layer", "what", "values"], rows)


def baselines_table() -> str:
    """The baseline systems as :data:`tahaluf.baselines.SYSTEMS` declares them."""
    from tahaluf.baselines import SYSTEMS
    rows = [[f"`{s.name}`", s.task, f"`{s.cls}`", s.description,
             ", ".join(f"{k}={v}" for k, v in s.config.items()) or "—"] for s in SYSTEMS]
    return _table(["system", "task", "class", "what", "configuration (fixed)"], rows)


def result_schema_table() -> str:
    """:data:`tahaluf.baselines.results.RESULT_SCHEMA`, key by key."""
    from tahaluf.baselines.results import RESULT_SCHEMA
    return _table(["key", "meaning"], [[f"`{k}`", v] for k, v in RESULT_SCHEMA.items()])


#: subcommand -> the page that documents it (a subcommand without one is an error)
COMMAND_DOCS: dict[str, str] = {
    "validate": "docs/validation.md", "reproduce": "docs/baselines.md", "agreement": "docs/annotation.md",
    "stats": "docs/annotation.md", "baselines": "docs/baselines.md", "leaderboard": "docs/baselines.md",
    "build": "docs/dataset.md", "export-conll": "docs/dataset.md#conll-2003-export",
    "evaluate": "docs/scoring.md", "show": "docs/viewer.md", "studio": "docs/labelstudio.md",
    "docs": "docs/architecture.md#generated-documentation", "hashes": "docs/dataset.md#the-two-hashes",
    "submit": "docs/scoring.md#submitting-to-the-leaderboard", "compare": "docs/scoring.md#comparing-systems",
    "convert": "docs/scoring.md#row-shaped-submissions",
    "schema": "docs/annotation.md#extending-the-schema", "add-article": "docs/annotation.md#adding-an-article",
}


def commands_table() -> str:
    """The subcommands as :data:`tahaluf.cli.COMMANDS` registers them, with
    their runnable example and their page (links relative to the repository root)."""
    build_parser()
    rows = []
    for c in COMMANDS.values():
        if c.name not in COMMAND_DOCS:
            raise TahalufError(f"subcommand {c.name!r} has no page in tahaluf.commands.docs.COMMAND_DOCS")
        page = COMMAND_DOCS[c.name]
        rows.append([f"`tahaluf {c.name}`", c.help, f"`{c.example}`",
                     f"[{page.split('/')[-1].split('#')[0].removesuffix('.md')}]({page})"])
    return _table(["command", "does", "example", "more"], rows)


# -- the module map: the package's import graph -----------------------------------------

def _module_names(package: Path) -> dict[str, Path]:
    out = {}
    for p in sorted(package.rglob("*.py")):
        parts = p.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def import_graph(package: Path = _PACKAGE) -> dict[str, tuple[str, set[str]]]:
    """module -> (first sentence of its docstring, the package modules it
    imports, at module level or inside a function). Importing ``a.b.c`` also
    runs ``a.b``, so it counts as importing the package ``a.b`` too, except from
    inside ``a.b`` and except the root package ``tahaluf``."""
    mods = _module_names(package)
    graph = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: set[str] = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                deps |= {a.name for a in n.names if a.name in mods}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module in mods:
                subs = {f"{n.module}.{a.name}" for a in n.names} & mods.keys()
                deps |= subs
                if len(subs) < len(n.names):
                    deps.add(n.module)
        for d in list(deps):
            parts = d.split(".")
            for k in range(2, len(parts)):
                parent = ".".join(parts[:k])
                if parent in mods and not name.startswith(parent + ".") and name != parent:
                    deps.add(parent)
        deps.discard(name)
        deps.discard("tahaluf")
        para = (ast.get_docstring(tree) or "").split("\n\n")[0].replace("\n", " ")
        sentence = re.split(r"(?<=\.)\s", para)[0].rstrip(".")
        graph[name] = (re.sub(r":\w+:`", "`", sentence.replace("``", "`")), deps)
    return graph


def _tier(name: str) -> str:
    if name == "tahaluf":
        return "package"
    if name.startswith("tahaluf.core"):
        return "core"
    if name in ("tahaluf.cli", "tahaluf.__main__") or name.startswith("tahaluf.commands"):
        return "commands"
    return "feature"


def levels(graph: dict[str, tuple[str, set[str]]]) -> dict[str, str]:
    """The layer of every module: ``core``, ``commands``, ``package`` (the
    root), or for a feature ``1`` plus the highest level among the features it
    imports (``1``: it imports only the core). Modules that import each other,
    directly or not, share one level, marked ``(cycle)``."""
    feats = {m for m in graph if _tier(m) == "feature"}
    reach: dict[str, set[str]] = {}
    for m in feats:
        seen, todo = set(), [m]
        while todo:
            for d in graph[todo.pop()][1]:
                if d in feats and d not in seen:
                    seen.add(d)
                    todo.append(d)
        reach[m] = seen
    group = {m: frozenset({m} | {d for d in reach[m] if m in reach[d]}) for m in feats}
    memo: dict[frozenset, int] = {}

    def level(g: frozenset) -> int:
        if g not in memo:
            below = {group[d] for m in g for d in graph[m][1] if d in feats} - {g}
            memo[g] = 1 + max((level(b) for b in below), default=0)
        return memo[g]

    return {m: (_tier(m) if m not in feats else
                f"{level(group[m])}{' (cycle)' if len(group[m]) > 1 else ''}") for m in graph}


def modules_table() -> str:
    """One row per module of the package: its layer, what it is, and the modules
    above the core that it imports (``core`` stands for any ``tahaluf.core`` module)."""
    graph = import_graph()
    lv = levels(graph)
    order = {"core": (0,), "commands": (98,), "package": (99,)}
    rows = []
    for m in sorted(graph, key=lambda m: (order.get(lv[m]) or (int(lv[m].split()[0]),), m)):
        what, deps = graph[m]
        shown = sorted({d if _tier(m) == "core" or _tier(d) != "core" else "core" for d in deps},
                       key=lambda d: (d != "core", d))
        rows.append([lv[m], f"`{m}`", what or "—", ", ".join(d.removeprefix("tahaluf.") for d in shown) or "—"])
    return _table(["layer", "module", "what it is", "imports"], rows)


#: ``table NAME`` -> the function that makes it
TABLES: dict[str, Callable[[], str]] = {
    "commands": commands_table,
    "finding-ids": finding_ids_table,
    "labels": labels_table,
    "baselines": baselines_table,
    "result-schema": result_schema_table,
    "modules": modules_table,
}


# -- regeneration ---------------------------------------------------------------------------

def _run(args: str) -> str:
    out = io.StringIO()
    with contextlib.chdir(paths.root()), contextlib.redirect_stdout(out):
        rc = main(args.split())
    if rc != EXIT_OK:
        raise TahalufError(f"`tahaluf {args}` exited {rc} while regenerating a documentation block")
    return out.getvalue()


def block_body(name: str, source: str, cache: dict[str, str] | None = None) -> str:
    """The text a block ``<!-- BEGIN name: source -->`` holds."""
    cache = {} if cache is None else cache
    if source not in cache:
        kind, _, arg = source.partition(" ")
        if kind == "tahaluf":
            cache[source] = _run(arg).rstrip("\n") + "\n"
        elif kind == "include":
            body = (Path(paths.root()) / arg).read_text(encoding="utf-8")
            body = "\n".join(line for line in body.splitlines() if not line.startswith("<!-- generated"))
            cache[source] = body.strip("\n") + "\n"
        elif kind == "table":
            if arg not in TABLES:
                raise TahalufError(f"block {name!r}: unknown table {arg!r}. {did_you_mean(arg, TABLES)}")
            cache[source] = TABLES[arg]()
        else:
            raise TahalufError(f"block {name!r}: unknown source {source!r}; "
                               "expected `tahaluf ARGS`, `include PATH` or `table NAME`")
    body = cache[source]
    if source.startswith("tahaluf ") and "--markdown" not in source and not name.endswith("-md"):
        body = f"```text\n{body}```\n"
    return body


def regenerate(text: str, where: str = "", cache: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """``text`` with every generated block regenerated, and the names of the
    blocks that changed."""
    cache = {} if cache is None else cache
    blocks = list(_BLOCK.finditer(text))
    if len(blocks) != len(_BEGIN.findall(text)):
        raise TahalufError(f"{where}: a `<!-- BEGIN name: ... -->` line has no matching `<!-- END name -->`")
    changed = []

    def repl(m: re.Match) -> str:
        body = block_body(m["name"], m["source"], cache)
        if body != m["body"]:
            changed.append(m["name"])
        return m.group(1) + body + m.group(5)
    return _BLOCK.sub(repl, text), changed


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="exit 1 if a document is stale; write nothing")


def _run_docs(args: argparse.Namespace) -> int:
    root, cache, stale, updates = Path(paths.root()), {}, [], {}
    for p in documents():
        name = p.relative_to(root).as_posix()
        if not p.is_file():
            raise TahalufError(f"{name}: the document is missing")
        old = p.read_text(encoding="utf-8")
        new, changed = regenerate(old, name, cache)
        if new != old:
            stale.append((name, changed))
            updates[name] = new
    if updates and not args.check:
        write_files(root, updates)  # all documents or none
    if args.check:
        for name, changed in stale:
            print(f"[{name}]: [docs-stale] generated blocks {', '.join(changed)} differ from their source; "
                  "run `tahaluf docs`")
        return EXIT_INVALID if stale else EXIT_OK
    print(f"regenerated: {', '.join(n for n, _ in stale) or 'nothing (up to date)'}")
    return EXIT_OK


command("docs", "regenerate the generated blocks of README.md, DATASHEET.md and docs/*.md",
        "tahaluf docs --check")(_add_args).run(_run_docs)
