"""Benchmark 1: Tahaluf's entity scorer against seqeval and nervaluate.

One generated corpus (:func:`synthetic.bio_corpus` (``benchmarks/synthetic.py``), fixed seed) of
``--tokens`` tokens: reference and system IOB2 tags, one list per sentence.
In the same run, on the same data:

``seqeval``            ``classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True)``:
                       micro, macro and per-type P/R/F1 (the same output as Tahaluf's strict scorer)
``seqeval_f1``         ``f1_score(gold, pred, mode="strict", scheme=IOB2)`` alone (seqeval's cheapest call)
``tahaluf_strict``     :func:`tahaluf.scoring.entities.strict_bio` on the same lists of tag strings
``nervaluate``         ``Evaluator(gold, pred, tags, loader="list").evaluate()``: strict, exact,
                       partial and ent_type counts, overall and per type; one nervaluate document
                       per sentence (its fastest use)
``tahaluf_modes``      :func:`tahaluf.scoring.entities.score_spans` (strict counts + the four
                       nervaluate schemas, overall and per type, no bootstrap) on token spans
                       already decoded, grouped into articles of ``--sentences-per-doc`` sentences
``tahaluf_modes_conv`` the same, including the conversion from tag strings to spans
``tahaluf_modes_sent`` the same as ``tahaluf_modes`` with one document per sentence (nervaluate's unit)

Input representation: seqeval, nervaluate, ``tahaluf_strict`` and
``tahaluf_modes_conv`` all start from the same Python lists of tag strings
and include their own conversion; ``tahaluf_modes`` and
``tahaluf_modes_sent`` start from spans (the scorer's native input) and
exclude it. The ratios of both are reported.

Parity: Tahaluf's strict scores must equal seqeval's exactly (micro, macro,
per type: precision, recall, F1, support), and its schema counts must equal
nervaluate's (correct, incorrect, partial, missed, spurious, overall and per
type) with P/R/F1 equal to the scorer's 6 reported decimals.

Run alone: ``python benchmarks/bench_scoring.py --tokens 1000000 --repeats 3``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import chain
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, measure

#: Tahaluf reports scores rounded to 6 decimals (tahaluf.core.metrics.DIGITS)
ROUNDED_TOL = 5e-7
TARGET_SPEEDUP = 10.0


def _missing(what: str, e: Exception) -> RuntimeError:
    return RuntimeError(f"the scorer API this benchmark needs is missing: {what} ({type(e).__name__}: {e})")


def tahaluf_api():
    """The scorer functions used, in one place (the scorer is the module under test)."""
    try:
        from tahaluf.core.tagging import TagSet, decode, sentence_starts
        from tahaluf.scoring.entities import score_spans, strict_bio
    except (ImportError, AttributeError) as e:
        raise _missing("tahaluf.scoring.entities.strict_bio/score_spans, tahaluf.core.tagging.TagSet/decode/"
                       "sentence_starts", e) from e
    return TagSet, decode, sentence_starts, score_spans, strict_bio


def group(sents: list[list[str]], per_doc: int) -> list[list[list[str]]]:
    return [sents[k:k + per_doc] for k in range(0, len(sents), per_doc)]


def to_spans(docs: list[list[list[str]]]) -> list[list[tuple[int, int, int]]]:
    """Token spans ``(start, end, type)`` per document with Tahaluf's strict IOB2 decoder."""
    TagSet, decode, sentence_starts, _, _ = tahaluf_api()
    ts = TagSet()
    out = []
    for doc in docs:
        ids = ts.encode(chain.from_iterable(doc))
        s, e, t = decode(ids, sentence_starts([len(x) for x in doc]))
        out.append(list(zip(s.tolist(), e.tolist(), t.tolist())))
    return out


# -- parity ------------------------------------------------------------------------

#: the macro average may differ in the last bits: seqeval sums the per-type
#: scores in sorted label order, Tahaluf in schema order
MACRO_TOL = 1e-12


def strict_parity(seq: dict, tah: dict, labels: list[str]) -> dict[str, Any]:
    """seqeval's classification_report dict vs strict_bio's result: micro and
    per-type values bit for bit, the macro average within :data:`MACRO_TOL`."""
    pairs = [("micro", seq["micro avg"], tah["micro"]), ("macro", seq["macro avg"], tah["macro"])]
    pairs += [(lab, seq[lab], tah["per_type"].get(lab, {})) for lab in labels if lab in seq]
    diffs, mismatches = [], []
    for name, s, t in pairs:
        for ks, kt in (("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")):
            a, b = float(s[ks]), t.get(kt)
            d = abs(a - b) if b is not None else float("inf")
            diffs.append(d)
            if d > (MACRO_TOL if name == "macro" else 0.0):
                mismatches.append({"where": name, "metric": kt, "seqeval": a, "tahaluf": b})
        if name != "macro" and int(s["support"]) != int(t.get("support", -1)):
            mismatches.append({"where": name, "metric": "support", "seqeval": int(s["support"]),
                               "tahaluf": t.get("support")})
    extra = sorted(set(tah["per_type"]) - {lab for lab in labels if lab in seq})
    if extra:
        mismatches.append({"where": "per_type", "metric": "types", "seqeval": None, "tahaluf": extra})
    return {"identical": not mismatches, "bit_identical": not mismatches and max(diffs) == 0.0,
            "compared_values": len(diffs), "max_abs_diff": max(diffs), "mismatches": mismatches[:20]}


def spans_strict_parity(seq: dict, res: dict) -> dict[str, Any]:
    """score_spans' strict micro (rounded) vs seqeval."""
    m = res["strict"]["micro"]
    diffs = {k: abs(float(seq["micro avg"][ks]) - m[k])
             for k, ks in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"))}
    ok = all(d <= ROUNDED_TOL for d in diffs.values()) and res["n_gold"] == int(seq["micro avg"]["support"])
    return {"identical_to_6_decimals": ok, "abs_diff": diffs}


def modes_parity(nerv: dict, res: dict, labels: list[str]) -> dict[str, Any]:
    """nervaluate's counts vs score_spans' ``modes``, overall and per type."""
    keys = ("correct", "incorrect", "partial", "missed", "spurious")
    mismatches: list[dict] = []
    compared = 0
    out_counts = {}
    for mode, block in res["modes"].items():
        ov = nerv["overall"][mode]
        out_counts[mode] = {"tahaluf": {k: block[k] for k in keys}, "nervaluate": {k: getattr(ov, k) for k in keys}}
        for k in keys:
            compared += 1
            if block[k] != getattr(ov, k):
                mismatches.append({"mode": mode, "where": "overall", "count": k,
                                   "nervaluate": getattr(ov, k), "tahaluf": block[k]})
        for k in ("precision", "recall", "f1"):
            compared += 1
            if abs(block[k] - getattr(ov, k)) > ROUNDED_TOL:
                mismatches.append({"mode": mode, "where": "overall", "metric": k,
                                   "nervaluate": getattr(ov, k), "tahaluf": block[k]})
        for lab in labels:
            nt = nerv["entities"].get(lab, {}).get(mode)
            tt = block["per_type"].get(lab)
            if nt is None and tt is None:
                continue
            for k in keys:
                compared += 1
                a = 0 if nt is None else getattr(nt, k)
                b = 0 if tt is None else tt[k]
                if a != b:
                    mismatches.append({"mode": mode, "where": lab, "count": k, "nervaluate": a, "tahaluf": b})
    return {"identical": not mismatches, "compared_values": compared, "counts": out_counts,
            "mismatches": mismatches[:20]}


# -- the run ------------------------------------------------------------------------

def run(tokens: int = 1_000_000, repeats: int = 3, seed: int = 20240601, sentences_per_doc: int = 36,
        log=print) -> dict[str, Any]:
    import synthetic  # benchmarks/synthetic.py
    from nervaluate import Evaluator
    from seqeval.metrics import classification_report, f1_score
    from seqeval.scheme import IOB2

    from tahaluf.core.schema import SCHEMA

    _, _, _, score_spans, strict_bio = tahaluf_api()
    labels = list(SCHEMA.entity_labels)
    t0 = time.perf_counter()
    gold, pred = synthetic.bio_corpus(tokens, seed=seed, labels=labels)
    gen_s = time.perf_counter() - t0
    n_tok = sum(len(s) for s in gold)
    gold_docs, pred_docs = group(gold, sentences_per_doc), group(pred, sentences_per_doc)
    G, P = to_spans(gold_docs), to_spans(pred_docs)
    Gs, Ps = to_spans([[s] for s in gold]), to_spans([[s] for s in pred])
    n_ent = sum(len(x) for x in G)
    log(f"scoring: {n_tok} tokens, {len(gold)} sentences, {len(G)} documents, {n_ent} reference entities "
        f"(generated in {gen_s:.1f}s); {repeats} run(s) each")

    fns = {
        "seqeval": lambda: classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True,
                                                 zero_division=0),
        "seqeval_f1": lambda: f1_score(gold, pred, mode="strict", scheme=IOB2),
        "tahaluf_strict": lambda: strict_bio(gold, pred),
        "nervaluate": lambda: Evaluator(gold, pred, tags=labels, loader="list").evaluate(),
        "tahaluf_modes": lambda: score_spans(G, P, labels, bootstrap=None),
        "tahaluf_modes_conv": lambda: score_spans(to_spans(gold_docs), to_spans(pred_docs), labels, bootstrap=None),
        "tahaluf_modes_sent": lambda: score_spans(Gs, Ps, labels, bootstrap=None),
    }
    timings, results = {}, {}
    for name, fn in fns.items():
        timings[name], results[name] = measure(fn, repeats)
        log(f"  {name:<20} median {timings[name]['median']:.3f}s  (min {timings[name]['min']:.3f}, "
            f"max {timings[name]['max']:.3f})")

    parity = {
        "strict_vs_seqeval": strict_parity(results["seqeval"], results["tahaluf_strict"], labels),
        "spans_strict_vs_seqeval": spans_strict_parity(results["seqeval"], results["tahaluf_modes"]),
        "modes_vs_nervaluate": modes_parity(results["nervaluate"], results["tahaluf_modes"], labels),
        "modes_sent_equal_modes": results["tahaluf_modes_sent"]["modes"] == results["tahaluf_modes"]["modes"],
        "seqeval_f1_equal": abs(float(results["seqeval_f1"]) - results["tahaluf_strict"]["micro"]["f1"]) == 0.0,
    }
    med = {k: v["median"] for k, v in timings.items()}
    ratios = {
        "seqeval / tahaluf_strict": med["seqeval"] / med["tahaluf_strict"],
        "seqeval_f1 / tahaluf_strict": med["seqeval_f1"] / med["tahaluf_strict"],
        "nervaluate / tahaluf_modes": med["nervaluate"] / med["tahaluf_modes"],
        "nervaluate / tahaluf_modes_conv": med["nervaluate"] / med["tahaluf_modes_conv"],
        "nervaluate / tahaluf_modes_sent": med["nervaluate"] / med["tahaluf_modes_sent"],
    }
    ratios = {k: round(v, 2) for k, v in ratios.items()}
    cpu = {k: v["cpu"]["median"] for k, v in timings.items()}
    ratios_cpu = {k: round(cpu[a] / cpu[b], 2) if cpu[b] else None
                  for k, (a, b) in ((k, k.split(" / ")) for k in ratios)}
    micro = results["tahaluf_strict"]["micro"]
    out = {
        "corpus": {"tokens": n_tok, "sentences": len(gold), "documents": len(G),
                   "sentences_per_doc": sentences_per_doc, "reference_entities": n_ent,
                   "predicted_entities": sum(len(x) for x in P), "seed": seed,
                   "generator": "benchmarks/synthetic.py:bio_corpus", "generate_seconds": round(gen_s, 3)},
        "scores": {"strict_micro": micro, "nervaluate_strict": parity["modes_vs_nervaluate"]["counts"]["strict"]},
        "timings": timings,
        "ratios": ratios,
        "ratios_cpu": ratios_cpu,
        "parity": parity,
        "target": {"speedup_vs_seqeval": TARGET_SPEEDUP,
                   "met": ratios["seqeval / tahaluf_strict"] >= TARGET_SPEEDUP
                   and parity["strict_vs_seqeval"]["identical"]},
    }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", type=Path, default=None, help="write the result as JSON here")
    args = ap.parse_args(argv)
    res = {"machine": machine(), "scoring": run(args.tokens, args.repeats, args.seed)}
    text = json.dumps(res, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(json.dumps({"ratios": res["scoring"]["ratios"], "parity_ok": {
        k: (v.get("identical", v.get("identical_to_6_decimals")) if isinstance(v, dict) else v)
        for k, v in res["scoring"]["parity"].items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
