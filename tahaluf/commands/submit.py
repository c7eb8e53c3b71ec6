"""``tahaluf submit``: validate and score predictions, write ``submissions/<name>/`` for a pull request.

Writes, whole and atomically, ``submissions/<name>/<run>.jsonl`` (the
predictions as given) and ``results.json`` (the scores, with provenance:
command, package version, documents hash, signature, date); see
:mod:`tahaluf.scoring.entries`. ``tahaluf leaderboard`` then re-scores the
entry from its predictions. Exit codes: 0 written; 3 the predictions were
refused (every finding listed); 1 other invalid input.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tahaluf.cli import EXIT_OK, EXIT_REFUSED, command


def _args(p: argparse.ArgumentParser) -> None:
    from tahaluf.scoring.entries import PROTOCOLS
    from tahaluf.scoring.tasks import TASKS
    p.add_argument("predictions", help="JSON Lines predictions (submission format)")
    p.add_argument("--task", choices=tuple(TASKS), required=True, help="what the predictions are for")
    p.add_argument("--name", required=True, help="the entry's name (a-z 0-9 . _ -), its folder")
    p.add_argument("--description", required=True, help="what the system does, in one line")
    p.add_argument("--protocol", choices=PROTOCOLS, default=None,
                   help="lodo: one held-out prediction per article (trained on the other four each time)")
    p.add_argument("--split", choices=("test", "validation"), default=None,
                   help="a fixed split's predictions (trained on train); default without --protocol: test")
    p.add_argument("--data", type=Path, default=None,
                   help="a built Tahaluf dataset folder to read the reference from (default: $TAHALUF_DATA, "
                        "else the clone's gold)")
    p.add_argument("--out", type=Path, default=None, help="folder of the entries (default: submissions/)")


def run(args: argparse.Namespace) -> int:
    from tahaluf.baselines import SYSTEMS
    from tahaluf.commands.evaluate import resolve_input
    from tahaluf.core.errors import TahalufError
    from tahaluf.core.paths import root
    from tahaluf.scoring.entries import write_submission
    from tahaluf.scoring.source import reference
    from tahaluf.scoring.submission import SubmissionRefused
    if args.protocol and args.split:
        raise TahalufError("--protocol lodo covers every article; leave out --split")
    split = "all" if args.protocol else (args.split or "test")
    ref = reference(args.data)
    out = args.out or root() / "submissions"
    cmd = "tahaluf submit " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if sys.argv[1:2] == ["submit"] \
        else f"tahaluf submit {shlex.quote(args.predictions)} --task {args.task} --name {args.name}"
    try:
        res = write_submission(resolve_input(args.predictions), task=args.task, name=args.name,
                               description=args.description, out_dir=out, docs=ref.docs, reference=ref.name,
                               protocol=args.protocol, split=split, command=cmd, speakers=ref.speakers,
                               taken=[s.name for s in SYSTEMS], data_hash=ref.data)
    except SubmissionRefused as e:
        print(f"refused: {e}", file=sys.stderr)
        return EXIT_REFUSED
    run_name = args.protocol or split
    score = res["runs"][run_name]["score"]
    print(f"wrote {out / args.name}/ ({run_name}.jsonl, results.json)")
    print(f"signature: {score['signature']}")
    print("next: `tahaluf leaderboard` re-scores it; open a pull request with the folder")
    return EXIT_OK


command("submit", "validate and score predictions, write submissions/<name>/ (predictions + results.json)",
        "tahaluf submit baselines/entities-crf/lodo.jsonl --task entities --protocol lodo --name crf-copy "
        "--description 'a copy of entities-crf' --out submissions-example")(_args).run(run)
