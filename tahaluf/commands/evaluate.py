"""``tahaluf evaluate``: score a submission (JSON Lines) against the reference.

Exit codes: 0 scored; 3 the submission was refused (every problem is listed
with its location and what was expected); 1 other invalid input (no such
file, invalid corpus); 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tahaluf.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, command
from tahaluf.core.errors import printable


def _args(p: argparse.ArgumentParser) -> None:
    from tahaluf.scoring.tasks import ALL, SPLIT_CHOICES, TASKS
    p.add_argument("submission", nargs="?",
                   help="JSON Lines file, one record per article ('-' reads standard input). A relative path "
                        "that does not exist here is looked up in the repository root.")
    p.add_argument("--task", choices=tuple(TASKS), help="what to score")
    p.add_argument("--split", choices=SPLIT_CHOICES, default=ALL,
                   help="the articles the submission covers (default: all)")
    p.add_argument("--protocol", choices=("lodo",), default=None,
                   help="label the signature with a known protocol instead of the split (lodo: one held-out "
                        "prediction per article; needs --split all)")
    p.add_argument("--reference", default=None,
                   help="score against another annotation: gold, pass_a, pass_b, or a folder of Label Studio "
                        "exports (an annotator's work); default: the gold")
    p.add_argument("--data", type=Path, default=None,
                   help="a built Tahaluf dataset folder to read the reference from (default: $TAHALUF_DATA, "
                        "else the clone's gold)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--per-doc", action="store_true", help="print the per-article breakdown")
    p.add_argument("--missing-stance", choices=("refuse", "wrong"), default="refuse",
                   help="a reference stance item with no prediction: refuse the submission (default) or count it wrong")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (0: no intervals)")
    p.add_argument("--seed", type=int, default=12345, help="bootstrap seed")
    p.add_argument("--modes-table", action="store_true",
                   help="print the table of what each entity match mode scores (README) and exit")


def resolve_input(path: str) -> Path:
    """``path``, or the same relative path in the repository root when it does not exist here."""
    p = Path(path)
    if p.exists() or p.is_absolute():
        return p
    from tahaluf.core.paths import root
    q = root() / p
    return q if q.exists() else p


def run(args: argparse.Namespace) -> int:
    from tahaluf.core import paths
    from tahaluf.core.metrics import Bootstrap
    from tahaluf.corpus import SOURCES, load_source
    from tahaluf.scoring.evaluate import evaluate
    from tahaluf.scoring.report import modes_table, render
    from tahaluf.scoring.source import reference as source_reference
    from tahaluf.scoring.submission import SubmissionRefused
    from tahaluf.scoring.tasks import ALL
    if args.modes_table:
        print(modes_table())
        return EXIT_OK
    if not args.submission or not args.task:
        print("error: evaluate needs SUBMISSION and --task (or --modes-table)", file=sys.stderr)
        return EXIT_USAGE
    if args.protocol and args.split != ALL:
        print("error: --protocol labels predictions for every article; use it with --split all", file=sys.stderr)
        return EXIT_USAGE
    if args.reference is not None and args.data is not None:
        print("error: --reference names an annotation of the clone, --data a dataset folder; give one",
              file=sys.stderr)
        return EXIT_USAGE
    speakers = data_hash = None
    if args.reference is None:
        ref = source_reference(args.data, lazy=True)
        docs, reference, data_hash, speakers = ref.docs, ref.name, ref.data, ref.speakers
    else:
        docs, reference = load_source(args.reference)
        named = reference in SOURCES or ("/" not in reference
                                         and (paths.annotation_dir() / "passes" / reference).is_dir())
        if not named:
            reference = "folder"  # the signature names a kind, never a path typed by the user; data: identifies it
    boot = Bootstrap(resamples=args.resamples, seed=args.seed) if args.resamples > 0 else None
    try:
        if args.submission == "-":
            res = evaluate(task=args.task, split=args.split, docs=docs, reference=reference, protocol=args.protocol,
                           bootstrap=boot, missing=args.missing_stance, name="<stdin>", text=sys.stdin.read(),
                           speakers=speakers, data_hash=data_hash)
        else:
            res = evaluate(resolve_input(args.submission), task=args.task, split=args.split, docs=docs,
                           reference=reference, protocol=args.protocol, bootstrap=boot, missing=args.missing_stance,
                           name=args.submission, speakers=speakers, data_hash=data_hash)
    except SubmissionRefused as e:
        print(printable(f"refused: {e}"), file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        if args.reference is not None:
            print(f"note: scored against {args.reference} (--reference), not the gold", file=sys.stderr)
        elif reference != "gold":
            print(f"note: scored against annotation {reference} (no adjudicated gold yet)", file=sys.stderr)
        print(render(res, per_doc=args.per_doc))
    return EXIT_OK


command("evaluate", "score a submission (JSON Lines) for entities, quotes or stance",
        "tahaluf evaluate baselines/entities-majority/lodo.jsonl --task entities --protocol lodo")(_args).run(run)
