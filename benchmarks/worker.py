"""One pipeline step in a fresh interpreter: ``python benchmarks/worker.py STEP ROOT [--profile FILE]``.

``ROOT`` is a repository layout (``seeds/``, ``annotation/gold/``,
``annotation/speakers.json``, ``submissions/``) and ``TAHALUF_ROOT`` must
point at it, so the package's real code paths read it. Steps:

``validate``  :func:`tahaluf.validate.validate_corpus` (what ``tahaluf validate`` runs); no finding allowed
``build``     :func:`tahaluf.dataset.build` into ``ROOT/dataset`` (what ``tahaluf build`` runs), with
              each article placed by its position (the fixed split names only the five real articles)
``load``      :func:`tahaluf.corpus.source_documents` with ``lazy=True`` (as ``tahaluf evaluate`` opens
              the reference), which fills the reference cache (:mod:`tahaluf.cache`) if it is empty
              (what ``bench_pipeline.py`` runs before ``score``)
``score``     :func:`tahaluf.scoring.evaluate` of ``submissions/<task>.jsonl`` for entities, quotes and
              stance on split ``all`` (default bootstrap), as ``tahaluf evaluate`` does: the reference
              is opened once (:func:`tahaluf.corpus.source_documents` with ``lazy=True``: the reference
              cache, each document read when its record is scored; timed as the phase ``load``)

The step is timed inside the process (imports excluded, reported as
``import_seconds``); ``rss_before_bytes`` is the peak resident set size after
the imports and ``rss_peak_bytes`` the peak at the end (``VmHWM``, see
:func:`_rss`). One JSON line is printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path


def _rss() -> int:
    """Peak resident set size of this process in bytes: ``VmHWM`` of
    ``/proc/self/status`` (reset by exec; ``ru_maxrss`` is not on Linux and
    would report the parent's peak from before the fork), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def placements(root: Path):
    """Split and fold of every article: positions 0-4 of every five go
    train, train, validation, test, test (the real corpus's 2/1/2)."""
    from tahaluf import seeds
    from tahaluf.dataset import Placement
    names = ("train", "train", "validation", "test", "test")
    return {d: Placement(names[i % 5], i) for i, d in enumerate(seeds.doc_ids(root / "seeds"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=("validate", "build", "load", "score"))
    ap.add_argument("root", type=Path)
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile stats of the step here")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    if Path(os.environ.get("TAHALUF_ROOT", "")).resolve() != root:
        print(f"TAHALUF_ROOT must be {root}", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    from tahaluf import corpus, dataset, validate
    import_s = time.perf_counter() - t0
    phases: dict[str, float] = {}
    detail: dict = {}

    def step() -> None:
        if args.step == "validate":
            found, notes = validate.validate_corpus()
            if found:
                raise SystemExit(f"validation found {len(found)} problem(s): {found[0]}")
            detail["notes"] = notes
        elif args.step == "build":
            pl = placements(root)
            res = dataset.build(root / "dataset", placements=pl)
            detail.update(source=res.source, counts=res.counts, tokens=res.entity_stats.tokens,
                          data_hash=res.data_hash)
        elif args.step == "load":
            docs, ref = corpus.source_documents(lazy=True)  # as `tahaluf evaluate` opens it: not held
            detail.update(documents=len(docs), source=ref)
        else:
            from tahaluf.scoring.evaluate import evaluate
            from tahaluf.scoring.tasks import TASKS, get
            t = time.perf_counter()
            docs, ref = corpus.source_documents(lazy=True)  # read one at a time while scoring, not held
            phases["load"] = time.perf_counter() - t
            for task in TASKS:
                t = time.perf_counter()
                res = evaluate(root / "submissions" / f"{task}.jsonl", task=task, split="all",
                               docs=docs, reference=ref)
                phases[task] = time.perf_counter() - t
                detail[task] = {"headline": TASKS[task].headline.name, "value": get(res, TASKS[task].headline.path),
                                "signature": res["signature"]}

    gc.collect()
    rss0 = _rss()
    c0, t0 = time.process_time(), time.perf_counter()
    if args.profile:
        import cProfile
        prof = cProfile.Profile()
        prof.runcall(step)
        prof.dump_stats(str(args.profile))
    else:
        step()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"step": args.step, "seconds": seconds, "cpu_seconds": cpu, "import_seconds": import_s,
                      "phases": phases, "rss_before_bytes": rss0, "rss_peak_bytes": _rss(),
                      "profiled": bool(args.profile), "detail": detail}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
