"""``tahaluf build``: write the Hugging Face dataset ``dataset/`` from the gold.

See :mod:`tahaluf.dataset` for the configs, the rules and the card. With no
option the build replaces ``dataset/`` atomically; ``--check`` builds into a
temporary folder and compares it with the committed ``dataset/`` (exit 1 if
they differ); ``--dry-run`` builds into a temporary folder, prints the summary
and keeps nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tahaluf.cli import EXIT_INVALID, EXIT_OK, command


def _args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--out", type=Path, default=None,
                   help="folder to write (default: dataset/ of the repository); replaced whole")
    g.add_argument("--check", action="store_true",
                   help="build into a temporary folder and compare with the committed dataset/ (exit 1 if stale)")
    g.add_argument("--dry-run", action="store_true",
                   help="build into a temporary folder, print the summary, keep nothing")


def _summary(res, seconds: float) -> None:
    if res.source != "gold":
        print(f"note: annotation/gold/ does not exist yet; built from {res.source} (not the gold)")
    print(f"source: {res.source}")
    for c, per in res.counts.items():
        print(f"  {c:<10} " + "  ".join(f"{s}={n}" for s, n in per.items()))
    e = res.entity_stats
    print(f"entities: {e.entities} spans; {e.start_inside_token} start and {e.end_inside_token} end inside a "
          f"token; {e.crossing_sentence} cross a sentence boundary")
    print(f"data files hash: {res.data_hash}  ({seconds:.1f}s)")


def run(args: argparse.Namespace) -> int:
    from tahaluf import dataset
    from tahaluf.core import paths
    t0 = time.perf_counter()
    if args.check or args.dry_run:
        with tempfile.TemporaryDirectory(prefix="tahaluf-build-") as tmp:
            res = dataset.build(Path(tmp) / "dataset")
            _summary(res, time.perf_counter() - t0)
            if args.dry_run:
                print("dry run: nothing written")
                return EXIT_OK
            committed = paths.dataset_dir()
            diffs = dataset.compare(res.path, committed)
        if diffs:
            for d in diffs:
                print(f"[{committed}]: [dataset-stale] {d}")
            print(f"{committed} is not what `tahaluf build` makes now: run `tahaluf build` and commit dataset/")
            return EXIT_INVALID
        print(f"{committed} is up to date")
        return EXIT_OK
    res = dataset.build(args.out)
    _summary(res, time.perf_counter() - t0)
    print(f"wrote {res.path}")
    return EXIT_OK


command("build", "write the Hugging Face dataset (dataset/: JSON Lines per config and split, card)",
        "tahaluf build --dry-run")(_args).run(run)
