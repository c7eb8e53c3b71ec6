"""Plain-text reports of scores, and the match-mode table of the README.

:func:`render` prints a result of :func:`tahaluf.scoring.evaluate.evaluate` for a
terminal; :func:`modes_table` computes, with the scorer itself, what each
entity match mode makes of example spans (``tahaluf evaluate --modes-table``
prints it; the README's table is that output).
"""

from __future__ import annotations

from collections.abc import Mapping

from tahaluf.core.schema import SCHEMA
from tahaluf.scoring.entities import COUNT_KEYS, MODES, greedy_counts


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _ci(ci) -> str:
    return "" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _per_doc(per: dict | None, title: str) -> list[str]:
    if not per:
        return []
    keys = list(next(iter(per.values())).keys())
    out = [title, f"  {'doc_id':<22} " + " ".join(f"{k:>12}" for k in keys)]
    for doc_id, row in per.items():
        out.append(f"  {doc_id:<22} " + " ".join(
            f"{row[k]:>12.3f}" if isinstance(row[k], float) else f"{row[k]:>12}" for k in keys))
    return out


def render(res: Mapping, *, per_doc: bool = False) -> str:
    lines = [f"reference: {res['reference']} (data {res['data']})   submission: {res['submission']}   "
             + (f"protocol: {res['protocol']}" if res.get("protocol") else f"split: {res['split']}")
             + f"   documents: {res['n_docs']}"]
    task = res["task"]
    if task == "entities":
        lines.append(f"space: {res['space']}   reference entities: {res['n_gold']}   predicted: {res['n_pred']}")
        lines.append(f"{'mode':<9} {'P':>6} {'R':>6} {'F1':>6}  {'95% CI':<17} {'correct':>7} {'incorr':>6} "
                     f"{'partial':>7} {'missed':>6} {'spurious':>8}")
        for mode, b in res["modes"].items():
            lines.append(f"{mode:<9} {_f(b['precision']):>6} {_f(b['recall']):>6} {_f(b['f1']):>6}  "
                         f"{_ci(b['ci95']['f1']):<17} {b['correct']:>7} {b['incorrect']:>6} {b['partial']:>7} "
                         f"{b['missed']:>6} {b['spurious']:>8}")
        m = res["strict"]["macro"]
        lines.append(f"strict macro: P {_f(m['precision'])} R {_f(m['recall'])} F1 {_f(m['f1'])} "
                     f"{_ci(m['ci95']['f1'])}")
        lines.append(f"{'type':<7} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}   (strict)")
        for lab, b in res["strict"]["per_type"].items():
            lines.append(f"{lab:<7} {_f(b['precision']):>6} {_f(b['recall']):>6} {_f(b['f1']):>6} "
                         f"{b['tp']:>5} {b['fp']:>5} {b['fn']:>5}")
    elif task == "quotes":
        lines.append(f"reference quotations: {res['n_gold']}   predicted: {res['n_pred']}")
        lines.append(f"{'':<26} {'P':>6} {'R':>6} {'F1':>6}  95% CI")
        for group in ("quote", "cue", "source", "end_to_end"):
            for mode, b in res[group].items():
                lines.append(f"{group + ' ' + mode:<26} {_f(b['precision']):>6} {_f(b['recall']):>6} "
                             f"{_f(b['f1']):>6}  {_ci(b['ci95']['f1'])}")
        s = res["speaker"]
        lines.append(f"speaker accuracy on matched quotations: {_f(s['accuracy'])} "
                     f"({s['correct']}/{s['n_matched']}) {_ci(s['ci95']['accuracy'])}")
        t = res["quote_type"]
        lines.append(f"quote type accuracy on matched quotations: {_f(t['accuracy'])} "
                     f"({t['correct']}/{t['n_matched']})")
    else:
        lines.append(f"items: {res['n_items']}   missing: {res['n_missing']} (policy: {res['missing']})")
        for t, r in res["per_target"].items():
            lines.append(f"target {t} ({r['n_items']} items), scored on its own:")
            for k in ("macro_f1", "f_avg", "accuracy"):
                lines.append(f"  {k:<9} {_f(r[k])}  {_ci(r['ci95'][k])}")
            lines.append(f"  {'class':<8} {'P':>6} {'R':>6} {'F1':>6} {'support':>7} {'pred':>5}")
            for lab, b in r["per_class"].items():
                lines.append(f"  {lab:<8} {_f(b['precision']):>6} {_f(b['recall']):>6} {_f(b['f1']):>6} "
                             f"{b['support']:>7} {b['n_pred']:>5}")
            c = r["confusion"]
            lines.append("  confusion (rows reference, columns prediction):")
            lines.append(f"    {'':<8}" + " ".join(f"{x:>8}" for x in c["columns"]))
            for lab, row in zip(c["labels"], c["matrix"]):
                lines.append(f"    {lab:<8}" + " ".join(f"{x:>8}" for x in row))
            if per_doc:
                lines += _per_doc(r.get("per_doc"), f"  per article ({t}):")
    if per_doc and res.get("per_doc"):
        lines += _per_doc(res["per_doc"], "per article:")
    for t, block in (res["per_target"].items() if task == "stance" else ((None, res),)):
        f = block.get("folds")
        if f:
            lines.append(f"LODO{'' if t is None else ' ' + t} {f['metric']}: pooled over the {f['n_folds']} held-out "
                         f"articles {f['pooled']:.3f} (primary); mean over folds {f['mean']:.3f} "
                         f"(sd {f['sd']:.3f}, min {f['min']:.3f}, max {f['max']:.3f})")
    iv = res.get("intervals")
    if iv and iv["degenerate"]:
        lines.append(f"warning: {iv['warning']}")
    for mode, sig in res["signatures"].items():
        lines.append(f"signature ({mode}): {sig}")
    return "\n".join(lines)


#: text of the match-mode examples, and the (reference, prediction) pairs shown
MODES_TEXT = "قال المتحدث باسم التحالف الدولي واين ماروتو إن القوات في قاعدة عين الأسد وصلت إلى بغداد"
MODES_EXAMPLES: tuple[tuple[str, tuple[str, str] | None, tuple[str, str] | None], ...] = (
    ("same span, same type", ("التحالف الدولي", "ORG"), ("التحالف الدولي", "ORG")),
    ("same span, other type", ("واين ماروتو", "PER"), ("واين ماروتو", "ORG")),
    ("overlap, same type", ("قاعدة عين الأسد", "FAC"), ("عين الأسد", "FAC")),
    ("overlap, other type", ("قاعدة عين الأسد", "FAC"), ("عين الأسد", "LOC")),
    ("missed", ("بغداد", "GPE"), None),
    ("spurious", None, ("المتحدث", "ORG")),
)


def modes_table() -> str:
    """The Markdown table of what each entity match mode scores, computed by the scorer."""
    labels = list(SCHEMA.entity_labels)

    def span(x):
        if x is None:
            return []
        s = MODES_TEXT.index(x[0])
        return [(s, s + len(x[0]), labels.index(x[1]))]

    def show(x):
        if x is None:
            return "—"
        s = MODES_TEXT.index(x[0])
        return f"{x[1]} `{x[0]}` [{s},{s + len(x[0])})"

    out = ["| case | reference | prediction | " + " | ".join(f"`{m}`" for m in MODES) + " |",
           "|---|---|---|" + "---|" * len(MODES)]
    for case, g, p in MODES_EXAMPLES:
        cells = []
        for m in MODES:
            counts = greedy_counts(m, span(g), span(p))
            cells.append(", ".join(k for k, v in zip(COUNT_KEYS, counts) if v))
        out.append(f"| {case} | {show(g)} | {show(p)} | " + " | ".join(cells) + " |")
    return "\n".join(out)
