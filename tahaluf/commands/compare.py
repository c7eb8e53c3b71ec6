"""``tahaluf compare``: paired comparison of two systems over articles (bootstrap interval, exact permutation p).

``A`` and ``B`` are predictions files, or entry names (a folder of
``baselines/`` or ``submissions/``, whose run ``--protocol``/``--split``
picks the predictions). See :mod:`tahaluf.scoring.compare` for both tests and
why the permutation test is the one that marks a difference.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tahaluf.cli import EXIT_OK, EXIT_REFUSED, command


def _args(p: argparse.ArgumentParser) -> None:
    from tahaluf.scoring.entries import PROTOCOLS
    from tahaluf.scoring.tasks import TASKS
    p.add_argument("a", help="predictions file or entry name (baselines/ or submissions/)")
    p.add_argument("b", help="predictions file or entry name")
    p.add_argument("--task", choices=tuple(TASKS), required=True)
    p.add_argument("--target", default=None, help="stance target (default: the first, stance_t1)")
    p.add_argument("--protocol", choices=PROTOCOLS, default=None, help="the run of an entry (default: lodo)")
    p.add_argument("--split", choices=("test", "validation"), default=None, help="a fixed split's run instead")
    p.add_argument("--data", type=Path, default=None,
                   help="a built Tahaluf dataset folder to read the reference from (default: $TAHALUF_DATA, "
                        "else the clone's gold)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _resolve(name: str, run: str) -> Path:
    from tahaluf.core.errors import TahalufError
    from tahaluf.core.paths import baselines_dir, root
    p = Path(name)
    if p.is_file():
        return p
    for folder in (p, baselines_dir() / name, root() / "submissions" / name):
        if (folder / "results.json").is_file():
            return folder / f"{run}.jsonl"
    raise TahalufError(f"{name}: neither a predictions file nor an entry of baselines/ or submissions/")


def run(args: argparse.Namespace) -> int:
    from tahaluf.core.errors import TahalufError
    from tahaluf.scoring.compare import paired, render
    from tahaluf.scoring.source import reference
    from tahaluf.scoring.submission import SubmissionRefused, load_submission
    if args.protocol and args.split:
        raise TahalufError("--protocol lodo covers every article; leave out --split")
    run_name = args.split or "lodo"
    split = args.split or "all"
    ref = reference(args.data)
    docs, speakers = ref.docs, ref.speakers
    try:
        subs = [load_submission(_resolve(x, run_name), task=args.task, split=split, docs=docs, speakers=speakers)
                for x in (args.a, args.b)]
    except SubmissionRefused as e:
        print(f"refused: {e}")
        return EXIT_REFUSED
    res = paired(*subs, target=args.target, speakers=speakers)
    print(json.dumps(res, indent=1) if args.json else render(res, args.a, args.b))
    return EXIT_OK


command("compare", "paired comparison of two systems over articles: bootstrap interval and exact permutation p",
        "tahaluf compare entities-gazetteer entities-crf --task entities")(_args).run(run)
