"""``tahaluf leaderboard``: regenerate baselines/LEADERBOARD.md, leaderboard.json and the plots.

Reads every entry of ``baselines/`` and ``submissions/``, re-scores each from
its predictions and refuses (exit 1, every reason listed) an entry that does
not re-score to its recorded numbers (:mod:`tahaluf.scoring.entries`);
prints the leaderboard tables.
``--check`` writes nothing and exits 1 if the files on disk differ from what
would be generated; ``--dry-run`` only prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tahaluf.cli import EXIT_INVALID, EXIT_OK, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", type=Path, default=None,
                   help="folder with <system>/results.json; the leaderboard is written there (default: baselines/)")
    p.add_argument("--submissions", type=Path, default=None,
                   help="folder with outside entries <name>/results.json + predictions (default: submissions/)")
    p.add_argument("--data", type=Path, default=None,
                   help="a built Tahaluf dataset folder to read the reference from (default: $TAHALUF_DATA, "
                        "else the clone's gold)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--dry-run", action="store_true", help="print the tables, write nothing")
    group.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if the files on disk are not what would be generated")


def run(args: argparse.Namespace) -> int:
    import json

    from tahaluf.core.paths import baselines_dir
    from tahaluf.leaderboard import build, collect, render, tables, write
    folder = args.dir or baselines_dir()
    if args.dry_run:
        print(tables(build(collect(folder, args.submissions, args.data))))
        return EXIT_OK
    files = render(folder, args.submissions, args.data)
    if args.check:
        stale = [rel for rel, data in files.items()
                 if not (folder / rel).exists() or (folder / rel).read_bytes() != data]
        for rel in stale:
            print(f"stale: {folder / rel} (run `tahaluf leaderboard`)", file=sys.stderr)
        return EXIT_INVALID if stale else EXIT_OK
    write(folder, files)
    print(tables(json.loads(files["leaderboard.json"])))
    print(f"wrote {', '.join(sorted(files))} in {folder}", file=sys.stderr)
    return EXIT_OK


command("leaderboard", "regenerate baselines/LEADERBOARD.md, leaderboard.json and plots; print the tables",
        "tahaluf leaderboard --dry-run")(_args).run(run)
