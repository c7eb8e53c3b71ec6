"""The kill test: SIGKILL ``tahaluf build`` and ``tahaluf baselines`` at random moments and check the tree.

``python benchmarks/kill.py`` (30 kills per command, the bar of issue 14;
``--kills N``, ``--seed S``, ``--system NAME`` to run fewer baselines).

In a temporary copy of the repository's data (``seeds/``, ``annotation/``,
``dataset/``, ``baselines/``; the package is the one under test, through
``TAHALUF_ROOT``) the committed output is first marked *old* (a marker file
and a changed byte in every results file, so that a run must rewrite it),
and one complete run gives the *new* tree. Then, per kill: restore the old
tree, start the command, SIGKILL it after a delay drawn uniformly from
``[0, 1.1 x the complete run's time]`` (seeded), run the recovery every
command runs first (:func:`tahaluf.cli._recover`), and compare the output
folder, byte for byte, with the old and the new tree. Any other state (a
folder missing, some systems new and some old, a leaderboard matching
neither, a staging folder or temporary file left) is a failure. Prints one
line per kill and a summary; exits 1 on any failure. ``tests/test_kill.py``
runs a few kills of each command in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ("seeds", "annotation", "dataset", "baselines")
COMMANDS = {"build": ("dataset", ["build"]), "baselines": ("baselines", ["baselines"])}


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder`` (hidden files included)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent: Path, name: str) -> list[str]:
    """Hidden staging folders, old folders, journals or temporaries of ``name`` under ``parent``."""
    out = [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]
    out += [p.relative_to(parent).as_posix() for p in (parent / name).rglob(".*")] if (parent / name).is_dir() else []
    return out


def mark_old(repo: Path) -> None:
    """Make the committed output differ from what a run writes, so a run must replace it."""
    (repo / "dataset" / "OLD").write_text("old\n")
    with open(repo / "dataset" / "README.md", "a", encoding="utf-8") as fh:
        fh.write("\nold\n")
    for p in (repo / "baselines").glob("*/results.json"):
        data = json.loads(p.read_text(encoding="utf-8"))
        data["old"] = True  # not what a run writes: the run must replace the file
        p.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (repo / "baselines" / "OLD").write_text("old\n")


def env_for(repo: Path) -> dict[str, str]:
    env = {**os.environ, "TAHALUF_ROOT": str(repo), "PYTHONPATH": str(ROOT)}
    env.pop("TAHALUF_ALLOW_REMOTE", None)
    return env


def run_cli(repo: Path, argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tahaluf", *argv], env=env_for(repo), cwd=repo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def recover(repo: Path) -> None:
    subprocess.run([sys.executable, "-c", "from tahaluf.cli import _recover; _recover()"], env=env_for(repo),
                   cwd=repo, check=True)


def kill_test(command: str, kills: int, seed: int, extra: list[str], log=print) -> dict:
    """Run the kill test for one command; a dict with the counts and every failure."""
    folder, argv = COMMANDS[command]
    argv = argv + extra
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="tahaluf-kill-") as tmp:
        pristine = Path(tmp) / "pristine"
        for d in DATA:
            shutil.copytree(ROOT / d, pristine / d)
        mark_old(pristine)
        old = tree(pristine / folder)
        full = Path(tmp) / "full"
        shutil.copytree(pristine, full)
        t0 = time.perf_counter()
        rc = run_cli(full, argv).wait()
        duration = time.perf_counter() - t0
        if rc != 0:
            raise SystemExit(f"{command}: the complete run failed (exit {rc})")
        new = tree(full / folder)
        if new == old:
            raise SystemExit(f"{command}: the complete run did not change {folder}/; the test would prove nothing")
        counts = {"old": 0, "new": 0, "bad": 0}
        failures = []
        work = Path(tmp) / "work"
        for k in range(kills):
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(pristine, work)
            delay = rng.uniform(0, 1.1 * duration)
            proc = run_cli(work, argv)
            try:
                proc.wait(timeout=delay)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
            finally:  # also when this script is interrupted: never leave a run behind
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            recover(work)
            got = tree(work / folder) if (work / folder).is_dir() else None
            left = leftovers(work, folder)
            state = "old" if got == old else "new" if got == new else "bad"
            if left:
                state = "bad"
            counts[state] += 1
            if state == "bad":
                failures.append({"kill": k, "delay": round(delay, 2), "missing": got is None, "leftovers": left,
                                 "differs_from_old": sorted(set(old.items()) ^ set((got or {}).items()))[:5]})
            log(f"{command} kill {k + 1}/{kills} after {delay:5.1f}s"
                f"{' (finished first)' if finished else ''}: {state}")
    return {"command": command, "kills": kills, "seed": seed, "complete_run_seconds": round(duration, 1),
            **counts, "failures": failures}


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-ups (finally) on SIGTERM
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--command", choices=sorted(COMMANDS), action="append", default=None)
    ap.add_argument("--system", action="append", default=[], help="baselines: only these systems")
    args = ap.parse_args(argv)
    results = []
    for c in args.command or sorted(COMMANDS):
        extra = [x for s in args.system for x in ("--system", s)] if c == "baselines" else []
        results.append(kill_test(c, args.kills, args.seed, extra))
    for r in results:
        print(f"{r['command']}: {r['kills']} kills (seed {r['seed']}, complete run {r['complete_run_seconds']}s): "
              f"{r['old']} old, {r['new']} new, {r['bad']} partial")
    print(json.dumps(results, indent=1))
    return 1 if any(r["bad"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
