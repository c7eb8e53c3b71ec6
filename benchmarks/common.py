"""Shared benchmark plumbing: the machine record, timing, subprocess steps.

Timing
    :func:`measure` calls a function ``repeats`` times (after ``warmup``
    untimed calls), collecting garbage before each call, and keeps every wall
    time (``time.perf_counter``). :func:`summary` reports the median and the
    spread: min, max and ``spread = (max - min) / median``. Every number in
    ``results.json`` keeps its raw runs next to the summary.

Subprocess steps
    :func:`run_worker` runs ``benchmarks/worker.py`` in a fresh interpreter
    (no warm caches, one process per step and repetition), with a time limit;
    the worker times its step itself (imports excluded and reported apart)
    and reports its peak resident set size (``VmHWM``) before and after the
    step.

Machine
    :func:`machine` records the CPU model, cores, RAM, OS, Python and the
    versions of the libraries that are measured or used, plus the git commit
    of the tree and whether it had uncommitted changes.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: libraries whose versions are recorded with every result
LIBRARIES = ("tahaluf", "seqeval", "nervaluate", "numpy", "camel-tools", "datasets", "pyarrow",
             "huggingface-hub", "scikit-learn")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    ram = _ram_bytes()
    status = _git("status", "--porcelain")
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "ram_bytes": ram,
        "ram_gib": None if ram is None else round(ram / 2 ** 30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "libraries": versions,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "load_average_at_start": load,
    }


# -- timing ------------------------------------------------------------------------

def summary(times: list[float]) -> dict[str, Any]:
    """Median and spread of wall times (seconds)."""
    if not times:
        return {"runs": [], "n": 0, "median": None, "min": None, "max": None, "spread": None}
    med = statistics.median(times)
    return {"runs": [round(t, 6) for t in times], "n": len(times), "median": round(med, 6),
            "min": round(min(times), 6), "max": round(max(times), 6),
            "spread": round((max(times) - min(times)) / med, 4) if med > 0 else None}


def measure(fn: Callable[[], Any], repeats: int, warmup: int = 0) -> tuple[dict[str, Any], Any]:
    """Time ``fn`` ``repeats`` times; return the summary of the wall times
    (with the summary of the process CPU times under ``cpu``) and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {**summary(times), "cpu": summary(cpu)}, result


# -- subprocess steps ------------------------------------------------------------------

class StepFailed(RuntimeError):
    pass


def run_worker(step: str, root: Path, *, timeout: float, profile: Path | None = None,
               extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run one step in a fresh interpreter with ``TAHALUF_ROOT=root``.

    Returns the worker's report, or ``{"timeout": seconds}`` if it ran out of
    time (the process is killed). Raises :class:`StepFailed` if it failed.
    """
    env = dict(os.environ, TAHALUF_ROOT=str(root), PYTHONHASHSEED="0")
    cmd = [sys.executable, str(HERE / "worker.py"), step, str(root)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    cmd += list(extra)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its handle
        proc.communicate()
        return {"timeout": timeout}
    if proc.returncode != 0:
        raise StepFailed(f"step {step} on {root} failed (exit {proc.returncode}):\n{err[-3000:]}")
    lines = [x for x in out.splitlines() if x.startswith("{")]
    if not lines:
        raise StepFailed(f"step {step} on {root} printed no report:\n{out[-2000:]}\n{err[-2000:]}")
    return json.loads(lines[-1])


def fmt_s(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x >= 100:
        return f"{x:.0f} s"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.1f} ms"


def fmt_mib(n_bytes: float | None) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / 2 ** 20:.0f} MiB"
