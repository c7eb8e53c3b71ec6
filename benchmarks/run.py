"""Tahaluf's benchmarks: ``python benchmarks/run.py`` (about an hour on 2 cores, most of it at 50,000 articles).

Runs, in one go and on generated data with fixed seeds:

1. :mod:`bench_scoring`: the entity scorer against seqeval and nervaluate on
   a corpus of ``--tokens`` tokens (default 1,000,000), with parity checks.
2. :mod:`bench_pipeline`: validation, dataset build and scoring on synthetic
   corpora of ``--sizes`` articles (default 5, 50, 500, 5,000, 50,000), cost per
   token, linearity, peak memory per size and step, and a profile of any step
   that is not linear. Every measurement is repeated ``--repeats`` times
   (default 3; the pipeline steps at the largest size ``--repeats-largest``
   times, default 1). Each run of a step is its own process.

and writes ``benchmarks/results.json`` and ``benchmarks/RESULTS.md`` (the
table ``docs/performance.md`` includes), atomically. ``--quick`` runs a small version
(20,000 tokens; 5 and 10 articles; one run each) and writes nothing unless
``--out`` is given; the test suite runs it. ``--render results.json`` only
writes ``RESULTS.md`` again from an existing results file.

``results.json``, key by key:

``schema``           format name and version of this file
``command``          the command line that produced it
``created``          UTC time of the run
``machine``          CPU model, cores, RAM, OS, Python, library versions, git commit and
                     whether the tree had uncommitted changes, load average at the start
``load_average_end`` load average when the run ended (other processes compete for the CPUs)
``scoring``          benchmark 1: ``corpus`` (tokens, sentences, documents, entities, seed),
                     ``timings`` (per tool: every run's wall seconds, median, min, max,
                     spread = (max - min) / median), ``ratios`` (median over median),
                     ``parity`` (every compared value, mismatches), ``target`` (10x, met?)
``pipeline``         benchmark 2 and 3: ``sizes`` -> ``corpus`` (articles, tokens, ...) and
                     ``steps`` -> ``wall``/``cpu`` summaries, ``per_token_seconds``,
                     ``rss_peak_bytes``, ``rss_after_imports_bytes``, ``phases``,
                     ``timeout_seconds``, and ``cold_load`` (the first load of the
                     reference, which fills the reference cache: seconds, peak RSS); ``analysis`` (per-token ratio largest vs reference size,
                     growth exponents, linear?), ``profiles`` (culprit functions of non-linear steps)
``summary``          the verdicts: speedup and parity of benchmark 1, linearity of benchmark 2,
                     peak memory per step at the largest size and its growth from the
                     smallest size of at least 500 articles (``memory_growth``)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_pipeline
import bench_scoring
from common import fmt_mib, fmt_s, machine

SCHEMA = "tahaluf benchmarks v1"
QUICK = {"tokens": 20_000, "sizes": [5, 10], "repeats": 1, "scoring_repeats": 2}
#: the issue's bound on the peak resident memory of build and of score at 5,000 articles
MEMORY_LIMIT_5000 = 600 << 20


def summarise(res: dict[str, Any]) -> dict[str, Any]:
    sc, pl = res["scoring"], res["pipeline"]
    largest = str(max(int(n) for n in pl["sizes"]))
    mem = {}
    for step, v in pl["sizes"][largest]["steps"].items():
        mem[step] = {"rss_peak_bytes": v["rss_peak_bytes"], "rss_after_imports_bytes": v["rss_after_imports_bytes"]}
    par = sc["parity"]
    sizes = sorted(int(n) for n in pl["sizes"])
    base = next((n for n in sizes if n >= 500), sizes[0])
    growth = {}
    for step in bench_pipeline.STEPS:
        a = pl["sizes"][str(base)]["steps"][step]["rss_peak_bytes"]
        b = pl["sizes"][largest]["steps"][step]["rss_peak_bytes"]
        growth[step] = {"from": base, "to": int(largest), "ratio": round(b / a, 3) if a and b else None}
    return {
        "scoring_tokens": sc["corpus"]["tokens"],
        "speedup_vs_seqeval": sc["ratios"]["seqeval / tahaluf_strict"],
        "speedup_target": sc["target"]["speedup_vs_seqeval"],
        "speedup_target_met": sc["target"]["met"],
        "strict_identical_to_seqeval": par["strict_vs_seqeval"]["identical"],
        "modes_identical_to_nervaluate": par["modes_vs_nervaluate"]["identical"],
        "pipeline_linear": pl["analysis"]["all_linear"],
        "per_token_ratio": {s: v["per_token_ratio"] for s, v in pl["analysis"]["steps"].items()},
        "largest_size": int(largest),
        "peak_memory_at_largest": mem,
        "memory_growth": growth,
        "culprits": {s: (p.get("culprit") or {}).get("function") for s, p in pl["profiles"].items()},
    }


# -- Markdown -------------------------------------------------------------------------

def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows) -> list[str]:
    return [_row(header), "|" + "---|" * len(header)] + [_row(r) for r in rows]


def _load(x) -> str:
    return "n/a" if not x else ", ".join(f"{v:.2f}" for v in x)


def _spread(s: dict) -> str:
    if not s or s.get("median") is None:
        return "n/a"
    if s["n"] < 2:
        return f"{fmt_s(s['median'])} (1 run)"
    return f"{fmt_s(s['median'])} ({fmt_s(s['min'])} – {fmt_s(s['max'])})"


def markdown(res: dict[str, Any]) -> str:
    m, sc, pl = res["machine"], res["scoring"], res["pipeline"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    out = [
        "<!-- generated by benchmarks/run.py; do not edit by hand -->",
        (f"Measured {res['created']} with `{res['command']}` on {m['cpu_model']}, {m['cpus_usable']} cores, "
         f"{m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}; {libs}; "
         f"commit `{(m['git_commit'] or 'unknown')[:12]}`{' (uncommitted changes)' if m['git_dirty'] else ''}. "
         f"Load average {_load(m['load_average_at_start'])} at the start, {_load(res['load_average_end'])} at "
         "the end (1, 5, 15 minutes). Times are medians of repeated runs (min – max in brackets)."),
        "",
        (f"**Entity scoring, {sc['corpus']['tokens']:,} tokens** ({sc['corpus']['sentences']:,} sentences, "
         f"{sc['corpus']['reference_entities']:,} reference entities; `{sc['corpus']['generator']}`, "
         f"seed {sc['corpus']['seed']})"),
        "",
    ]
    t, r, par = sc["timings"], sc["ratios"], sc["parity"]
    ok = {True: "identical", False: "**differs**"}
    sp = par["strict_vs_seqeval"]
    strict_ok = ("identical, bit for bit" if sp["bit_identical"] else
                 f"identical (macro average within {sp['max_abs_diff']:.0e}: summation order)" if sp["identical"]
                 else "**differs**")
    rows = [
        ["seqeval `classification_report` (strict, IOB2)", "tag strings", _spread(t["seqeval"]),
         f"{r['seqeval / tahaluf_strict']}x", strict_ok],
        ["seqeval `f1_score` alone", "tag strings", _spread(t["seqeval_f1"]),
         f"{r['seqeval_f1 / tahaluf_strict']}x", ok[bool(par["seqeval_f1_equal"])]],
        ["**Tahaluf `strict_bio`**", "tag strings", _spread(t["tahaluf_strict"]), "1x", ""],
        ["nervaluate `Evaluator.evaluate` (4 schemas, per type)", "tag strings", _spread(t["nervaluate"]),
         f"{r['nervaluate / tahaluf_modes_conv']}x", ok[par["modes_vs_nervaluate"]["identical"]]],
        ["**Tahaluf `score_spans`** (strict + 4 schemas, per type), incl. tags -> spans", "tag strings",
         _spread(t["tahaluf_modes_conv"]), "1x", ""],
        ["Tahaluf `score_spans`, spans given", f"spans, 1 doc = {sc['corpus']['sentences_per_doc']} sentences",
         _spread(t["tahaluf_modes"]),
         f"nervaluate {r['nervaluate / tahaluf_modes']}x slower", ""],
        ["Tahaluf `score_spans`, spans given, 1 doc = 1 sentence", "spans", _spread(t["tahaluf_modes_sent"]),
         f"nervaluate {r['nervaluate / tahaluf_modes_sent']}x slower", ""],
    ]
    out += _table(["scorer", "input", "time", "slower than Tahaluf by", "scores vs Tahaluf"], rows)
    s = par["strict_vs_seqeval"]
    out += ["", (f"Target: Tahaluf's strict scorer at least {sc['target']['speedup_vs_seqeval']:g}x faster than "
                 f"seqeval with identical results: **{'met' if sc['target']['met'] else 'NOT met'}** "
                 f"({r['seqeval / tahaluf_strict']}x; {s['compared_values']} values compared, largest difference "
                 f"{s['max_abs_diff']:.1e}; nervaluate: {par['modes_vs_nervaluate']['compared_values']} counts and "
                 "scores compared). In process CPU time, which other load on the machine hardly affects, the "
                 f"ratio is {sc['ratios_cpu']['seqeval / tahaluf_strict']}x (nervaluate: "
                 f"{sc['ratios_cpu']['nervaluate / tahaluf_modes_conv']}x)."), ""]

    sizes = sorted(int(n) for n in pl["sizes"])
    out += [("**Validation, dataset build and scoring** (synthetic articles recombined from the annotated ones; "
             "each run in a fresh interpreter, imports excluded from the times; peak RSS is the peak resident set "
             "size of the step's process, imports included)"), ""]
    rows = []
    for n in sizes:
        e = pl["sizes"][str(n)]
        cells = [f"{n:,}", f"{e['corpus']['tokens']:,}"]
        for step in bench_pipeline.STEPS:
            v = e["steps"][step]
            if v["timeout_seconds"]:
                cells.append(f"> {v['timeout_seconds']:.0f} s (stopped)")
            else:
                cells.append(f"{_spread(v['wall'])}; {v['per_token_seconds'] * 1e6:.1f} µs/token")
        cells.append(" / ".join(fmt_mib(e["steps"][step]["rss_peak_bytes"]) for step in bench_pipeline.STEPS))
        rows.append(cells)
    out += _table(["articles", "tokens", "validate", "build", "score (3 tasks)",
                   "peak RSS (validate / build / score)"], rows)
    ph = pl["sizes"][str(sizes[-1])]["steps"].get("score", {}).get("phases")
    if ph:
        out += ["", (f"`score` at {sizes[-1]:,} articles: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in ph.items())
                     + (" (`load` reads the reference once, from the reference cache; "
                        if pl["sizes"][str(sizes[-1])].get("cold_load") else
                        " (`load` reads and validates the reference once; ")
                     + "each task is one `tahaluf.scoring.evaluate` call with its 1,000-sample document bootstrap).")]
    cold = [(n, pl["sizes"][str(n)].get("cold_load")) for n in sizes]
    if any(c for _, c in cold):
        out += ["", ("First load of the reference (reads, converts and validates the annotations and writes the "
                     "reference cache, as a user's first `tahaluf evaluate` does; not in the table): "
                     + ", ".join(f"{n:,} articles {fmt_s(c['seconds'])} ({fmt_mib(c['rss_peak_bytes'])})"
                                 for n, c in cold if c) + ".")]
    out += ["", f"Runs per measurement: {pl['repeats']} ({pl['repeats_largest']} at {sizes[-1]:,} articles)."]
    base = next((n for n in sizes if n >= 500), sizes[0])
    if base != sizes[-1]:
        growth = []
        for step in bench_pipeline.STEPS:
            a = pl["sizes"][str(base)]["steps"][step]["rss_peak_bytes"]
            b = pl["sizes"][str(sizes[-1])]["steps"][step]["rss_peak_bytes"]
            growth.append(f"{step} {b / a:.2f}x" if a and b else f"{step} n/a")
        cold_a, cold_b = (pl["sizes"][str(n)].get("cold_load") or {} for n in (base, sizes[-1]))
        if cold_a.get("rss_peak_bytes") and cold_b.get("rss_peak_bytes"):
            growth.append(f"first load of the reference {cold_b['rss_peak_bytes'] / cold_a['rss_peak_bytes']:.2f}x")
        out += ["", f"Peak memory at {sizes[-1]:,} articles relative to {base:,} (flat if at most 1.5x): "
                + ", ".join(growth) + "."]
    if "5000" in pl["sizes"]:
        peaks = {step: pl["sizes"]["5000"]["steps"][step]["rss_peak_bytes"] for step in ("build", "score")}
        ok = all(v and v <= MEMORY_LIMIT_5000 for v in peaks.values())
        out += ["", f"Peak memory at 5,000 articles, at most {fmt_mib(MEMORY_LIMIT_5000)} each: "
                + ", ".join(f"{k} {fmt_mib(v) if v else 'n/a'}" for k, v in peaks.items())
                + f": **{'met' if ok else 'not met'}**."]
    ref = pl["reference_size"]
    out += ["", f"Per-token cost at {sizes[-1]:,} articles relative to {ref:,} (linear if at most "
            + f"{pl['linear_limit']}x):", ""]
    rows = []
    for step, a in pl["analysis"]["steps"].items():
        ratio = "n/a" if a["per_token_ratio"] is None else f"{a['per_token_ratio']}x"
        if a["timed_out_at_largest"]:
            ratio = "timed out"
        exps = ", ".join(f"{k}: {v}" for k, v in a["growth_exponents"].items())
        rows.append([step, ratio, "yes" if a["linear"] else "**no**", exps])
    out += _table(["step", "per-token ratio", "linear", "growth exponent (1 = linear)"], rows)
    out += ["", f"Peak memory at {sizes[-1]:,} articles (peak resident set size of the step's process; "
            + "after imports in brackets):", ""]
    rows = []
    for step in bench_pipeline.STEPS:
        v = pl["sizes"][str(sizes[-1])]["steps"][step]
        if v["rss_peak_bytes"]:
            rows.append([step, fmt_mib(v["rss_peak_bytes"]) + f" ({fmt_mib(v['rss_after_imports_bytes'])})"])
            continue
        done = [n for n in sizes if pl["sizes"][str(n)]["steps"][step]["rss_peak_bytes"]]
        w = pl["sizes"][str(done[-1])]["steps"][step] if done else None
        rows.append([step, "n/a (timed out)" + (f"; at {done[-1]:,} articles {fmt_mib(w['rss_peak_bytes'])} "
                                                f"({fmt_mib(w['rss_after_imports_bytes'])})" if w else "")])
    out += _table(["step", "peak RSS"], rows)
    if pl["profiles"]:
        out += ["", f"Profiles of the steps that are not linear (cProfile at {ref} articles and at the largest "
                + "size that finished):", ""]
        for step, p in pl["profiles"].items():
            c = p.get("culprit")
            if c:
                out.append(f"* `{step}` at {p['size']:,} articles: `{c['function']}` is called "
                           f"{c['ncalls_small']:,} -> {c['ncalls_large']:,} times and takes "
                           f"{c['cumtime_small']:.2f} s -> {c['cumtime_large']:.2f} s (with its callees) for "
                           f"{p['token_ratio']}x the tokens, {c['cumtime_excess']:.1f} s more than linear growth "
                           f"would give (the whole step under the profiler: {p['step_seconds_small']:.1f} s -> "
                           f"{p['step_seconds_large']:.1f} s); called from "
                           + ", ".join(f"`{x}`" for x in c["callers"]) + ".")
            elif "skipped" in p or "timeout" in p:
                out.append(f"* `{step}`: not profiled ({p.get('skipped') or 'profile run timed out'}).")
            else:
                out.append(f"* `{step}` at {p['size']:,} articles: no single package function accounts for "
                           f"half of the excess ({p['step_excess_seconds']:.1f} s).")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run Tahaluf's benchmarks and write results.json and RESULTS.md.")
    ap.add_argument("--quick", action="store_true", help="small and fast (smoke test); writes nothing unless --out")
    ap.add_argument("--tokens", type=int, default=None, help="tokens of the scoring corpus (default 1,000,000)")
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="corpus sizes in articles (5 50 500 5000 50000)")
    ap.add_argument("--repeats", type=int, default=None, help="runs of each measurement (default 3)")
    ap.add_argument("--repeats-largest", type=int, default=None,
                    help="runs of each pipeline step at the largest size (default 1)")
    ap.add_argument("--max-run-seconds", type=float, default=bench_pipeline.MAX_TIMEOUT,
                    help="stop any pipeline run after this long (default 3600)")
    ap.add_argument("--profile", choices=("auto", "always", "never"), default=None,
                    help="profile steps that are not linear (auto, the default), every step, or none")
    ap.add_argument("--skip-scoring", action="store_true", help="run the pipeline benchmark only")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for results.json and RESULTS.md (default: benchmarks/, or nothing with --quick)")
    ap.add_argument("--render", type=Path, default=None, metavar="RESULTS_JSON",
                    help="only write RESULTS.md again from an existing results.json (next to it, or into --out)")
    args = ap.parse_args(argv)
    if args.render is not None:
        from tahaluf.core.fileio import write_atomic
        res = json.loads(args.render.read_text(encoding="utf-8"))
        target = (args.out or args.render.parent) / "RESULTS.md"
        write_atomic(target, markdown(res))
        print(f"wrote {target}")
        return 0
    q = args.quick
    tokens = args.tokens or (QUICK["tokens"] if q else 1_000_000)
    sizes = args.sizes or (QUICK["sizes"] if q else list(bench_pipeline.SIZES))
    repeats = args.repeats or (QUICK["repeats"] if q else 3)
    profile = args.profile or ("never" if q else "auto")
    out_dir = args.out if args.out is not None else (None if q else HERE)

    def log(msg: str) -> None:
        print(msg, flush=True)

    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "schema": SCHEMA,
        "command": "python benchmarks/run.py" + ("" if argv is None and len(sys.argv) == 1 else " " + " ".join(
            shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
    }
    log(f"machine: {res['machine']['cpu_model']}, {res['machine']['cpus_usable']} cores, "
        f"{res['machine']['ram_gib']} GiB; load average {res['machine']['load_average_at_start']}")
    if args.skip_scoring:
        res["scoring"] = None
    else:
        res["scoring"] = bench_scoring.run(tokens, QUICK["scoring_repeats"] if q and not args.repeats else repeats,
                                           log=log)
    res["pipeline"] = bench_pipeline.run(sizes, repeats, profile=profile, log=log, max_timeout=args.max_run_seconds,
                                         repeats_largest=args.repeats_largest or (None if q else 1))
    res["load_average_end"] = list(os.getloadavg())
    res["seconds"] = round(time.perf_counter() - t0, 1)
    if res["scoring"] is not None:
        res["summary"] = summarise(res)
    md = markdown(res) if res["scoring"] is not None else None
    if out_dir is not None:
        from tahaluf.core.fileio import write_atomic
        write_atomic(out_dir / "results.json", json.dumps(res, indent=1, ensure_ascii=False) + "\n")
        if md:
            write_atomic(out_dir / "RESULTS.md", md)
        log(f"wrote {out_dir / 'results.json'}" + (f" and {out_dir / 'RESULTS.md'}" if md else ""))
    if md:
        print(md)
    log(f"benchmarks done in {res['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
