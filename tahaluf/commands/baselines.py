"""``tahaluf baselines``: run the baseline systems (leave-one-document-out and the fixed split).

Writes ``baselines/<system>/`` (predictions in submission format and
``results.json``) for every system of :data:`tahaluf.baselines.SYSTEMS`, or
the ones named with ``--system``. A progress bar goes to standard error when
it is a terminal (``--progress`` forces it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tahaluf.cli import EXIT_OK, command


def _args(p: argparse.ArgumentParser) -> None:
    from tahaluf.baselines import SYSTEMS
    p.add_argument("--system", action="append", default=None, metavar="NAME",
                   help=f"run only this system (repeatable): {', '.join(s.name for s in SYSTEMS)}")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: baselines/ in the repository)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar on standard error (default: when it is a terminal)")


def run(args: argparse.Namespace) -> int:
    from tahaluf import leaderboard
    from tahaluf.baselines import run_all
    from tahaluf.core.paths import baselines_dir
    from tahaluf.scoring.tasks import TASKS, get
    out = args.out or baselines_dir()
    t0 = time.perf_counter()

    def finish(stage: Path) -> None:  # a folder with a leaderboard gets it regenerated in the same swap
        if (stage / "leaderboard.json").exists():
            leaderboard.write(stage, leaderboard.render(stage))

    results = run_all(args.system, out, show_progress=args.progress, finish=finish)
    for r in results:
        path, name = TASKS[r["task"]].headline
        lodo = get(r["runs"]["lodo"]["score"], path)
        test = get(r["runs"]["test"]["score"], path)
        print(f"{r['system']:<20} {name}: LODO {lodo:.3f}  test {test:.3f}")
    if results:
        print(f"reference: {results[0]['reference']} (data {results[0]['data']}); "
              f"{len(results)} system(s) written to {out} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return EXIT_OK


command("baselines", "run the baselines (leave-one-document-out and fixed split), write baselines/<system>/",
        "tahaluf baselines --system stance-majority --out baselines-example")(_args).run(run)
