"""Benchmark 2 and 3: validation, dataset build and scoring at growing corpus sizes.

For each size (articles), a synthetic corpus is recombined from the annotated
articles (:func:`synthetic.synthetic_documents`, fixed seed) and
written in the repository layout to a temporary folder, with system output
for the three tasks (:func:`synthetic.system_records`). Then each
step runs ``--repeats`` times, each time in a fresh interpreter with
``TAHALUF_ROOT`` pointing at the folder (``benchmarks/worker.py``), so the
package's real code paths run with cold caches (but the reference cache, see
below): ``validate``, ``build``, ``score`` (see the worker's docstring).

Reported per size and step: median wall time and spread, CPU time, cost per
token (median seconds / camel-tools tokens of the corpus), peak resident
memory (``VmHWM``: the step's process, imports included). Linearity: the per-token cost at the largest size must be within
``LINEAR_LIMIT`` (1.5x) of the cost at the reference size (50 articles); the
growth exponent between consecutive sizes (``log(t2/t1) / log(n2/n1)``, 1.0
is linear) is reported too.

Time limit: a run that takes more than ``TIMEOUT_FACTOR`` (3x) the time a
linear extrapolation from the reference size predicts (at least
``MIN_TIMEOUT`` s, at most ``--max-run-seconds``, default 3,600 s) is stopped
and recorded as a timeout: it is superlinear by definition (or the machine is
badly overloaded), and the later runs of that step at that size are skipped.

Repetitions: ``--repeats`` runs (default 3) of every step at every size,
except the largest size, which gets ``--repeats-largest`` (default 1): at
50,000 articles (48M tokens, 6 GB on disk) one run of each step takes minutes.

Culprits: for every step that is not linear, the step is profiled
(cProfile) at the reference size and at the largest size that finished, and
every function's *excess* is computed: its time at the large size minus its
time at the reference size scaled by the token ratio (a linear function has
an excess near 0). The culprit is the deepest function of the package whose
cumulative excess is at least half of the step's, reported with its call
counts at both sizes and its callers.

Reference cache: ``score`` loads the reference through
:func:`tahaluf.corpus.source_documents`, which reads the reference cache
(:mod:`tahaluf.cache`) once it exists. Before the timed ``score`` runs of a
size, one ``load`` run (untimed in the table) fills the cache the way a
user's first ``tahaluf evaluate`` does; its time and peak memory are kept as
``cold_load``.

Run alone: ``python benchmarks/bench_pipeline.py --sizes 5 50 500 5000 50000 --repeats 3 --repeats-largest 1``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, run_worker, summary

STEPS = ("validate", "build", "score")
LINEAR_LIMIT = 1.5
TIMEOUT_FACTOR = 3.0
MIN_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0
#: the default series of corpus sizes (articles)
SIZES = (5, 50, 500, 5000, 50000)
REFERENCE_SIZE = 50


def make_corpus(root: Path, n_articles: int, seed: int) -> dict[str, Any]:
    """Write a synthetic corpus of ``n_articles`` under ``root``; return its size."""
    import synthetic  # benchmarks/synthetic.py

    from tahaluf import corpus
    t0 = time.perf_counter()
    sources, source_name = corpus.source_documents()
    speakers = corpus.load_speakers()
    docs = synthetic.synthetic_documents(sources, n_articles, seed=seed)
    synthetic.write_repo(root, docs, speakers)
    for task, recs in synthetic.system_records(docs, list(speakers), seed=seed + 1).items():
        synthetic.write_jsonl(root / "submissions" / f"{task}.jsonl", recs)
    return {
        "articles": n_articles,
        "tokens": sum(d.metadata["synthetic"]["n_tokens"] for d in docs),
        "characters": sum(len(d.text) for d in docs),
        "entities": sum(len(d.entities) for d in docs),
        "quotes": sum(len(d.quotes) for d in docs),
        "bytes_on_disk": sum(p.stat().st_size for p in root.rglob("*") if p.is_file()),
        "recombined_from": source_name,
        "seed": seed,
        "generate_seconds": round(time.perf_counter() - t0, 3),
    }


# -- profiles ------------------------------------------------------------------------

def _load_profile(path: Path) -> dict:
    """function key -> (ncalls, tottime, cumtime, callers) from a cProfile dump."""
    st = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    out = {}
    for (fname, line, func), (cc, nc, tt, ct, callers) in st.items():
        out[f"{fname}:{line}({func})"] = (nc, tt, ct, [f"{c[0]}:{c[1]}({c[2]})" for c in callers])
    return out


def _short(key: str) -> str:
    """``/abs/path/tahaluf/seeds.py:40(load_metadata)`` -> ``tahaluf/seeds.py:40(load_metadata)``."""
    for marker in ("/tahaluf/", "/site-packages/", "/lib/python"):
        if marker in key:
            return key[key.index(marker) + 1:]
    return key


def culprits(small: Path, large: Path, scale: float, top: int = 8) -> dict[str, Any]:
    """Functions whose time grows faster than the corpus (see the module docstring)."""
    a, b = _load_profile(small), _load_profile(large)
    total_a = max((v[2] for v in a.values()), default=0.0)
    total_b = max((v[2] for v in b.values()), default=0.0)
    step_excess = total_b - total_a * scale
    rows = []
    for k, (nc, tt, ct, callers) in b.items():
        nc0, tt0, ct0, _ = a.get(k, (0, 0.0, 0.0, []))
        rows.append({"function": _short(k), "ncalls_small": nc0, "ncalls_large": nc,
                     "tottime_small": round(tt0, 4), "tottime_large": round(tt, 4),
                     "cumtime_small": round(ct0, 4), "cumtime_large": round(ct, 4),
                     "tottime_excess": round(tt - tt0 * scale, 4), "cumtime_excess": round(ct - ct0 * scale, 4),
                     "callers": [_short(c) for c in callers][:5]})
    by_tot = sorted(rows, key=lambda r: -r["tottime_excess"])[:top]
    pkg = [r for r in rows if r["function"].startswith("tahaluf/")
           and r["cumtime_excess"] >= 0.5 * step_excess > 0]
    culprit = min(pkg, key=lambda r: r["cumtime_large"]) if pkg else None
    return {"token_ratio": round(scale, 3), "step_seconds_small": round(total_a, 3),
            "step_seconds_large": round(total_b, 3), "step_excess_seconds": round(step_excess, 3),
            "culprit": culprit, "top_by_own_time_excess": by_tot,
            "package_functions_by_cumulative_excess": sorted(
                [r for r in rows if r["function"].startswith("tahaluf/")], key=lambda r: -r["cumtime_excess"])[:top]}


# -- the run ---------------------------------------------------------------------------

def run(sizes=SIZES, repeats: int = 3, seed: int = 7, profile: str = "auto",
        keep: Path | None = None, log=print, min_timeout: float = MIN_TIMEOUT, max_timeout: float = MAX_TIMEOUT,
        repeats_largest: int | None = 1) -> dict[str, Any]:
    sizes = sorted(set(sizes))
    ref = REFERENCE_SIZE if REFERENCE_SIZE in sizes else sizes[0]
    work = Path(tempfile.mkdtemp(prefix="tahaluf-bench-")) if keep is None else keep
    roots: dict[int, Path] = {}
    by_size: dict[int, dict[str, Any]] = {}
    t_start = time.perf_counter()
    try:
        for n in sizes:
            root = work / f"corpus-{n}"
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            info = make_corpus(root, n, seed)
            roots[n] = root
            log(f"pipeline: {n} articles, {info['tokens']} tokens (corpus written in {info['generate_seconds']}s)")
            entry: dict[str, Any] = {"corpus": info, "steps": {}}
            for step in STEPS:
                if step == "score":  # fill the reference cache as a first `tahaluf evaluate` would
                    rep = run_worker("load", root, timeout=3600.0)
                    entry["cold_load"] = {"seconds": round(rep["seconds"], 4), "rss_peak_bytes": rep["rss_peak_bytes"]}
                reports, timed_out = [], None
                limit = None
                if n > ref and ref in by_size and by_size[ref]["steps"][step].get("per_token_seconds"):
                    predicted = by_size[ref]["steps"][step]["per_token_seconds"] * info["tokens"]
                    limit = min(max_timeout, max(min_timeout, TIMEOUT_FACTOR * predicted))
                reps = repeats_largest if (n == sizes[-1] and repeats_largest and len(sizes) > 1) else repeats
                for _ in range(reps):
                    rep = run_worker(step, root, timeout=limit if limit else 3600.0)
                    if "timeout" in rep:
                        timed_out = rep["timeout"]
                        break
                    reports.append(rep)
                s = summary([r["seconds"] for r in reports])
                res = {"wall": s, "cpu": summary([r["cpu_seconds"] for r in reports]),
                       "import_seconds": summary([r["import_seconds"] for r in reports])["median"],
                       "phases": {k: round(statistics.median(r["phases"][k] for r in reports), 4)
                                  for k in (reports[0]["phases"] if reports else {})},
                       "rss_peak_bytes": max((r["rss_peak_bytes"] for r in reports), default=None),
                       "rss_after_imports_bytes": max((r["rss_before_bytes"] for r in reports), default=None),
                       "timeout_seconds": timed_out, "time_limit_seconds": limit,
                       "per_token_seconds": (s["median"] / info["tokens"]) if s["median"] else None,
                       "detail": reports[-1]["detail"] if reports else None}
                entry["steps"][step] = res
                if timed_out:
                    log(f"  {step:<9} TIMEOUT after {timed_out:.0f}s (limit: {TIMEOUT_FACTOR:g}x the linear "
                        f"extrapolation from {ref} articles, at most {max_timeout:g}s)")
                else:
                    log(f"  {step:<9} median {s['median']:.3f}s (min {s['min']:.3f}, max {s['max']:.3f}); "
                        f"{res['per_token_seconds'] * 1e6:.2f} us/token; peak RSS {res['rss_peak_bytes'] / 2**20:.0f} MiB")
            by_size[n] = entry

        analysis = analyse(by_size, sizes, ref)
        profiles = {}
        if profile != "never":
            for step in STEPS:
                a = analysis["steps"][step]
                if profile == "always" or not a["linear"]:
                    done = [n for n in sizes if n > ref and by_size[n]["steps"][step]["wall"]["median"]]
                    if not done:
                        profiles[step] = {"skipped": f"no size above {ref} articles finished"}
                        continue
                    big = done[-1]
                    log(f"profiling {step} at {ref} and {big} articles")
                    pa, pb = work / f"{step}-{ref}.prof", work / f"{step}-{big}.prof"
                    run_worker(step, roots[ref], timeout=3600.0, profile=pa)
                    rep = run_worker(step, roots[big], timeout=max(600.0, 4 * by_size[big]["steps"][step]["wall"]
                                     ["median"]), profile=pb)
                    if "timeout" in rep:
                        profiles[step] = {"size": big, "timeout": rep["timeout"]}
                        continue
                    scale = by_size[big]["corpus"]["tokens"] / by_size[ref]["corpus"]["tokens"]
                    profiles[step] = {"reference_size": ref, "size": big, **culprits(pa, pb, scale)}
                    c = profiles[step]["culprit"]
                    if c:
                        log(f"  culprit: {c['function']} ({c['ncalls_small']} -> {c['ncalls_large']} calls, "
                            f"{c['cumtime_small']:.2f}s -> {c['cumtime_large']:.2f}s)")
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return {"sizes": {str(n): by_size[n] for n in sizes}, "reference_size": ref, "analysis": analysis,
            "profiles": profiles, "linear_limit": LINEAR_LIMIT, "repeats": repeats,
            "repeats_largest": repeats_largest if len(sizes) > 1 else repeats,
            "timeout_rule": {"factor": TIMEOUT_FACTOR, "min_seconds": min_timeout, "max_seconds": max_timeout},
            "seconds": round(time.perf_counter() - t_start, 1)}


def analyse(by_size: dict[int, dict], sizes: list[int], ref: int) -> dict[str, Any]:
    """Per-token cost ratios against the reference size and growth exponents."""
    out: dict[str, Any] = {"steps": {}}
    largest = sizes[-1]
    def tokens(n):
        return by_size[n]["corpus"]["tokens"]

    def cost(n, step):
        if step == "total":
            meds = [by_size[n]["steps"][s]["wall"]["median"] for s in STEPS]
            return None if any(m is None for m in meds) else sum(meds)
        return by_size[n]["steps"][step]["wall"]["median"]

    for step in (*STEPS, "total"):
        exps = {}
        for n1, n2 in itertools.pairwise(sizes):
            c1, c2 = cost(n1, step), cost(n2, step)
            if c1 and c2:
                exps[f"{n1}->{n2}"] = round(math.log(c2 / c1) / math.log(tokens(n2) / tokens(n1)), 3)
        c_ref, c_big = cost(ref, step), cost(largest, step)
        timed_out = step != "total" and by_size[largest]["steps"][step]["timeout_seconds"] is not None
        if step == "total":
            timed_out = any(by_size[largest]["steps"][s]["timeout_seconds"] is not None for s in STEPS)
        ratio = None
        if c_ref and c_big:
            ratio = round((c_big / tokens(largest)) / (c_ref / tokens(ref)), 3)
        linear = bool(ratio is not None and ratio <= LINEAR_LIMIT and not timed_out)
        out["steps"][step] = {"per_token_ratio": ratio, "compared": f"{largest} vs {ref} articles",
                              "timed_out_at_largest": timed_out, "linear": linear, "growth_exponents": exps}
    out["all_linear"] = all(v["linear"] for v in out["steps"].values())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--repeats-largest", type=int, default=1, help="runs at the largest size (default 1)")
    ap.add_argument("--max-run-seconds", type=float, default=MAX_TIMEOUT)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", choices=("auto", "always", "never"), default="auto")
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpora and profiles in this folder")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    res = {"machine": machine(), "pipeline": run(args.sizes, args.repeats, args.seed, args.profile, args.keep,
                                                 max_timeout=args.max_run_seconds,
                                                 repeats_largest=args.repeats_largest)}
    text = json.dumps(res, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(json.dumps(res["pipeline"]["analysis"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
