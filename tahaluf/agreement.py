"""Inter-annotator agreement between two independent annotation passes.

Computed by code from the two passes *before* adjudication (``tahaluf
agreement``). Pass A is treated as the reference and pass B as the
"prediction"; F1 is symmetric, so swapping the passes swaps precision and
recall and leaves F1 unchanged. Every figure carries the counts it is made of
(``tp``/``fp``/``fn``, ``n``/``agree``) so that readers can recompute it.

Speaker ids
    Each pass wrote speaker ids as its annotator chose them. Before comparing,
    every id is mapped through the registry ``annotation/speakers.json``: a
    registry id maps to itself, an id listed in a record's ``aliases`` maps to
    that record's id (pass B's ``noroza`` -> ``nawroza``). The result reports
    how many quotations were re-mapped and which ids are in neither place
    (those are compared as written).

Span matching (:func:`match_spans`)
    The scorer's matcher, :func:`tahaluf.core.spans.match`: *strict* is its
    ``exact`` mode with the same label, *overlap* its ``overlap`` mode (at least
    one character in common, the same label, one to one, the most pairs and then
    the most shared characters). Unmatched spans of B are false positives,
    unmatched spans of A false negatives. ``F1 = 2tp / (2tp + fp + fn)``.

Entities
    Strict and overlap P/R/F1 overall and per type (per-type counts split the
    same matching by label). Token-level Cohen's kappa for comparison with
    Wojood (0.979): tokens are :func:`tahaluf.core.text.tokenize`'s; a token is
    tagged by :func:`tahaluf.core.tagging.tags_of`, the projection every
    consumer uses (overlap rule, ``first-wins`` where two entities touch one
    token). Kappa is given over all tokens (Wojood's convention) and over the
    tokens tagged by at least one pass (which removes the mass of agreeing
    ``O`` tokens that inflates token-level kappa).

Quotations
    * ``span_exact`` / ``span_overlap``: P/R/F1 of QUOTE spans, strict and
      overlap (all quotations carry the label ``QUOTE``).
    * ``cue_exact`` / ``source_exact``: P/R/F1 over the *distinct* cue
      (resp. source) spans of each document, matched by identical offsets (a
      cue shared by two halves of an interrupted quotation counts once).
    * ``on_matched``: for the quotation pairs matched by *overlap*: the fraction
      whose cue is identical (same offsets, or both absent), likewise source,
      ``quote_type``, mapped ``speaker_id``, exact quote span; Cohen's kappa is
      added for ``quote_type``.
    * ``attribution``: like PolNeAR's attribution-level agreement, a matched
      pair *agrees on the attribution* when the quote span is exactly the same
      AND the cue is identical AND the source is identical AND the mapped
      speaker is the same. Reported as (1) the fraction of overlap-matched
      pairs that agree in full, ``agree / n_matched``, and (2) an attribution
      F1 over all quotations, counting a fully agreeing pair as a true
      positive: ``2 * agree / (n_a + n_b)``.

Stance (per stance target of the schema)
    On the quotation pairs matched by overlap where both passes gave a label:
    raw agreement, Cohen's kappa (:func:`sklearn.metrics.cohen_kappa_score`) and
    Krippendorff's alpha (the ``krippendorff`` package, nominal level), with
    the number of items and the confusion counts. Document-level stance the
    same way over the documents. Kappa and alpha are ``None`` ("undefined")
    when both passes used one and the same label for every item (chance
    agreement is then 1 and both coefficients are 0/0).

Disagreements (:func:`disagreements`)
    A flat list, in document and offset order, of every difference the
    adjudicator has to resolve: entity spans only in A or only in B (an A span
    and a B span that overlap are reported together as one ``boundary``,
    ``label`` or ``boundary+label`` item), quotations only in one pass,
    quotation pairs whose span, type, cue, source, speaker or stance differ,
    and document stances that differ.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tahaluf.core import spans, tagging
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.metrics import PRF, rnd
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import alias_table

#: Wojood's reported token-level Cohen's kappa (Jarrar et al., 2022), for comparison.
WOJOOD_KAPPA = 0.979

MATCH_MODES = ("strict", "overlap")
#: the names of the two totals in a P/R/F1 block of agreement (pass A, pass B)
AB = ("n_a", "n_b")


# -- speaker ids ----------------------------------------------------------------

@dataclass(frozen=True)
class SpeakerMapping:
    """What :func:`map_speakers` did to one pass."""

    #: quotations whose speaker id was changed (alias -> registry id)
    mapped_quotes: int
    #: alias -> registry id, for the aliases met in this pass
    aliases: Mapping[str, str]
    #: ids in neither the registry nor any alias list (compared as written)
    unknown: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"mapped_quotes": self.mapped_quotes, "aliases": dict(sorted(self.aliases.items())),
                "unknown": list(self.unknown)}


def map_speakers(docs: Sequence[Document], speakers: Mapping[str, Speaker]) -> tuple[list[Document], SpeakerMapping]:
    """Copies of ``docs`` with every quotation's speaker id mapped to the registry id."""
    import dataclasses
    table = alias_table(speakers)
    n = 0
    used: dict[str, str] = {}
    unknown: set[str] = set()
    out = []
    for d in docs:
        qs = []
        for q in d.quotes:
            sid = q.speaker_id
            if sid is not None and sid in table and table[sid] != sid:
                n += 1
                used[sid] = table[sid]
                q = dataclasses.replace(q, speaker_id=table[sid])
            elif sid is not None and sid not in table:
                unknown.add(sid)
            qs.append(q)
        out.append(d.with_layers(quotes=tuple(qs)))
    return out, SpeakerMapping(n, used, tuple(sorted(unknown)))


# -- counting -------------------------------------------------------------------

@dataclass
class Agreement:
    """Raw agreement over ``n`` paired items."""

    n: int = 0
    agree: int = 0

    def add(self, same: bool) -> None:
        self.n += 1
        self.agree += bool(same)

    @property
    def rate(self) -> float | None:
        return _div(self.agree, self.n)

    def to_dict(self) -> dict:
        return {"n": self.n, "agree": self.agree, "rate": _r(self.rate)}


def _div(a: int, b: int) -> float | None:
    """A rate over ``b`` items; ``None`` over none (P/R/F1 use :class:`PRF`'s policy)."""
    return a / b if b else None


def _r(x: float | None) -> float | None:
    return None if x is None else rnd(x)


# -- matching -------------------------------------------------------------------

def match_spans(a: Sequence[Span], b: Sequence[Span], mode: str = "strict", *,
                same_label: bool = True) -> list[tuple[int, int]]:
    """One-to-one pairs of indices of spans ``a`` and ``b`` (:func:`tahaluf.core.spans.match`):
    ``strict`` is its ``exact`` mode, ``overlap`` its ``overlap`` mode; with
    ``same_label`` only spans with the same label pair."""
    if mode not in MATCH_MODES:
        raise TahalufError(f"unknown match mode {mode!r}. {did_you_mean(mode, MATCH_MODES)}")
    labels = {"gold_labels": [x.label for x in a], "pred_labels": [y.label for y in b]} if same_label else {}
    return spans.match([(x.start, x.end) for x in a], [(y.start, y.end) for y in b],
                       "exact" if mode == "strict" else "overlap", **labels)


def span_prf(a: Sequence[Span], b: Sequence[Span], mode: str) -> tuple[PRF, dict[str, PRF]]:
    """Overall and per-label counts of ``b`` against ``a``."""
    pairs = match_spans(a, b, mode)
    per: dict[str, PRF] = {}
    for i, _ in pairs:
        per.setdefault(a[i].label, PRF()).tp += 1
    ma, mb = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, s in enumerate(a):
        if i not in ma:
            per.setdefault(s.label, PRF()).fn += 1
    for j, s in enumerate(b):
        if j not in mb:
            per.setdefault(s.label, PRF()).fp += 1
    total = PRF(len(pairs), len(b) - len(pairs), len(a) - len(pairs))
    return total, per


# -- kappa / alpha --------------------------------------------------------------

def cohen_kappa(la: Sequence[str], lb: Sequence[str]) -> float | None:
    """Cohen's kappa (sklearn), ``None`` when undefined (one label only, or no items)."""
    if not la or len(set(la) | set(lb)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score
    k = float(cohen_kappa_score(list(la), list(lb)))
    return None if math.isnan(k) else k


def krippendorff_alpha(la: Sequence[str], lb: Sequence[str]) -> float | None:
    """Krippendorff's alpha, nominal (``krippendorff`` package); ``None`` when undefined."""
    values = sorted(set(la) | set(lb))
    if not la or len(values) < 2:
        return None
    import krippendorff
    import numpy as np
    code = {v: k for k, v in enumerate(values)}
    data = np.array([[code[x] for x in la], [code[x] for x in lb]], dtype=float)
    alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(alpha) else alpha


def label_agreement(la: Sequence[str], lb: Sequence[str]) -> dict:
    """Raw agreement, kappa, alpha and the confusion counts of two label lists."""
    agree = sum(x == y for x, y in zip(la, lb))
    conf = Counter(f"{x}|{y}" for x, y in zip(la, lb))
    return {"n": len(la), "agree": agree, "rate": _r(_div(agree, len(la))),
            "cohen_kappa": _r(cohen_kappa(la, lb)), "krippendorff_alpha": _r(krippendorff_alpha(la, lb)),
            "labels_a": dict(sorted(Counter(la).items())), "labels_b": dict(sorted(Counter(lb).items())),
            "confusion_a|b": dict(sorted(conf.items()))}


# -- entities -------------------------------------------------------------------

def bio_tags(doc: Document, tokens: Sequence[Any] | None = None) -> list[str]:
    """BIO tag of each token of ``doc`` (:func:`tahaluf.core.tagging.tags_of`)."""
    if tokens is None:
        dt = tagging.doc_tokens(doc)
        starts, ends = dt.starts, dt.ends
    else:
        starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    return tagging.tags_of(starts, ends, sorted(doc.entities, key=lambda e: (e.start, e.end)))[0]


def entity_agreement(pairs: Sequence[tuple[Document, Document]]) -> dict:
    from tahaluf.core.text import tokenize
    out: dict[str, Any] = {}
    per_doc: dict[str, dict] = {}
    for mode in MATCH_MODES:
        total, per = PRF(), {}
        for da, db in pairs:
            t, p = span_prf(da.entities, db.entities, mode)
            total += t
            for lab, c in p.items():
                per.setdefault(lab, PRF()).__iadd__(c)
            per_doc.setdefault(da.doc_id, {})[mode] = t.to_dict(*AB)
        out[mode] = {"overall": total.to_dict(*AB),
                     "per_type": {k: per[k].to_dict(*AB) for k in sorted(per, key=_label_order)}}
    ta: list[str] = []
    tb: list[str] = []
    for da, db in pairs:
        toks = tokenize(da.text)
        ta += bio_tags(da, toks)
        tb += bio_tags(db, toks)
    tagged = [(x, y) for x, y in zip(ta, tb) if x != "O" or y != "O"]
    out["token_kappa"] = {
        "scheme": "BIO over tahaluf.core.text.tokenize tokens; a token is tagged if it overlaps an entity",
        "all_tokens": label_agreement(ta, tb) | {"wojood_kappa": WOJOOD_KAPPA},
        "tagged_tokens": label_agreement([x for x, _ in tagged], [y for _, y in tagged]),
    }
    for d in ("all_tokens", "tagged_tokens"):  # confusion over 19 BIO labels is too long to be useful here
        out["token_kappa"][d].pop("confusion_a|b")
    out["per_document"] = per_doc
    return out


def _label_order(label: str) -> tuple[int, str]:
    labs = SCHEMA.entity_labels
    return (labs.index(label) if label in labs else len(labs), label)


# -- quotations -----------------------------------------------------------------

def _same_span(x: Span | None, y: Span | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return (x.start, x.end) == (y.start, y.end)


def _distinct(spans: Iterable[Span | None], label: str) -> list[Span]:
    seen = {}
    for s in spans:
        if s is not None:
            seen.setdefault((s.start, s.end), Span(s.start, s.end, label, s.text))
    return [seen[k] for k in sorted(seen)]


def quote_pairs(da: Document, db: Document) -> list[tuple[Quote, Quote]]:
    """Quotations of ``da`` and ``db`` matched by overlap (one-to-one, greedy)."""
    pairs = match_spans([q.span for q in da.quotes], [q.span for q in db.quotes], "overlap")
    return [(da.quotes[i], db.quotes[j]) for i, j in pairs]


def attribution_agrees(qa: Quote, qb: Quote) -> bool:
    """Span exact, cue identical, source identical and same (mapped) speaker."""
    return (_same_span(qa.span, qb.span) and _same_span(qa.cue, qb.cue)
            and _same_span(qa.source, qb.source) and qa.speaker_id == qb.speaker_id)


def quotation_agreement(pairs: Sequence[tuple[Document, Document]]) -> dict:
    span = {m: PRF() for m in MATCH_MODES}
    cue, source = PRF(), PRF()
    on = {k: Agreement() for k in ("span_exact", "cue", "source", "quote_type", "speaker_id")}
    qt_a: list[str] = []
    qt_b: list[str] = []
    attr = Agreement()
    n_a = n_b = 0
    per_doc = {}
    for da, db in pairs:
        qa = [q.span for q in da.quotes]
        qb = [q.span for q in db.quotes]
        n_a += len(qa)
        n_b += len(qb)
        for m in MATCH_MODES:
            span[m] += span_prf(qa, qb, m)[0]
        cue += span_prf(_distinct((q.cue for q in da.quotes), "CUE"),
                        _distinct((q.cue for q in db.quotes), "CUE"), "strict")[0]
        source += span_prf(_distinct((q.source for q in da.quotes), "SOURCE"),
                           _distinct((q.source for q in db.quotes), "SOURCE"), "strict")[0]
        doc_attr = Agreement()
        for x, y in quote_pairs(da, db):
            on["span_exact"].add(_same_span(x.span, y.span))
            on["cue"].add(_same_span(x.cue, y.cue))
            on["source"].add(_same_span(x.source, y.source))
            on["quote_type"].add(x.quote_type == y.quote_type)
            on["speaker_id"].add(x.speaker_id == y.speaker_id)
            qt_a.append(x.quote_type)
            qt_b.append(y.quote_type)
            ok = attribution_agrees(x, y)
            attr.add(ok)
            doc_attr.add(ok)
        per_doc[da.doc_id] = {"span_overlap": span_prf(qa, qb, "overlap")[0].to_dict(*AB),
                              "attribution": doc_attr.to_dict()}
    on_matched = {k: v.to_dict() for k, v in on.items()}
    on_matched["quote_type"]["cohen_kappa"] = _r(cohen_kappa(qt_a, qt_b))
    return {
        "n_a": n_a, "n_b": n_b,
        "span_exact": span["strict"].to_dict(*AB),
        "span_overlap": span["overlap"].to_dict(*AB),
        "cue_exact": cue.to_dict(*AB),
        "source_exact": source.to_dict(*AB),
        "on_matched": on_matched,
        "attribution": {
            "definition": "a quotation pair matched by overlap agrees when quote span (exact), cue, "
                          "source (identical offsets or both absent) and mapped speaker_id are all equal",
            "n_matched": attr.n, "agree": attr.agree, "rate_on_matched": _r(attr.rate),
            "n_a": n_a, "n_b": n_b, "f1": _r(_div(2 * attr.agree, n_a + n_b)),
        },
        "per_document": per_doc,
    }


# -- stance ---------------------------------------------------------------------

def stance_agreement(pairs: Sequence[tuple[Document, Document]], schema: Schema = SCHEMA) -> dict:
    out = {}
    for t in schema.target_names:
        la, lb = [], []
        missing = 0
        for da, db in pairs:
            for x, y in quote_pairs(da, db):
                if t in x.stance and t in y.stance:
                    la.append(x.stance[t])
                    lb.append(y.stance[t])
                else:
                    missing += 1
        da_l, db_l = [], []
        for da, db in pairs:
            if t in da.doc_stance and t in db.doc_stance:
                da_l.append(da.doc_stance[t])
                db_l.append(db.doc_stance[t])
        out[t] = {"quotes": label_agreement(la, lb) | {"matched_without_label": missing},
                  "documents": label_agreement(da_l, db_l)}
    return out


# -- everything -----------------------------------------------------------------

def pair_documents(a: Sequence[Document], b: Sequence[Document]) -> list[tuple[Document, Document]]:
    """Documents of the two passes paired by id; both passes must cover the same
    documents with the same text."""
    ia = {d.doc_id: d for d in a}
    ib = {d.doc_id: d for d in b}
    if set(ia) != set(ib):
        raise TahalufError(
            f"the passes cover different documents: only in A {sorted(set(ia) - set(ib))}, "
            f"only in B {sorted(set(ib) - set(ia))}")
    for k, da in ia.items():
        ta, tb = da.text, ib[k].text
        if ta != tb:
            pos = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
            raise TahalufError(f"document {k}: the two passes have different texts (first difference at offset {pos})")
    return [(ia[k], ib[k]) for k in [d.doc_id for d in a]]


def agreement(a: Sequence[Document], b: Sequence[Document], speakers: Mapping[str, Speaker], *,
              schema: Schema = SCHEMA) -> dict:
    """All agreement figures of pass ``b`` against pass ``a`` (speaker ids mapped first)."""
    ma, sa = map_speakers(a, speakers)
    mb, sb = map_speakers(b, speakers)
    pairs = pair_documents(ma, mb)
    return {
        "documents": len(pairs),
        "speakers": {"a": sa.to_dict(), "b": sb.to_dict()},
        "entities": entity_agreement(pairs),
        "quotations": quotation_agreement(pairs),
        "stance": stance_agreement(pairs, schema),
    }


# -- disagreements --------------------------------------------------------------

def _context(text: str, start: int, end: int, width: int = 40) -> str:
    return text[max(0, start - width):start] + "[[" + text[start:end] + "]]" + text[end:end + width]


def _span_difference(text: str, x: Span, y: Span) -> dict:
    """Where two overlapping spans differ: their offsets and the text only one covers."""
    def only(p: Span, q: Span) -> list[str]:
        parts = []
        if p.start < q.start:
            parts.append(text[p.start:min(p.end, q.start)])
        if p.end > q.end:
            parts.append(text[max(p.start, q.end):p.end])
        return parts
    return {"start": [x.start, y.start], "end": [x.end, y.end], "a_only": only(x, y), "b_only": only(y, x)}


def _quote_view(q: Quote, raw_speaker: str | None) -> dict:
    d = q.to_dict()
    if raw_speaker != q.speaker_id:
        d["speaker_id_as_written"] = raw_speaker
    return d


def disagreements(a: Sequence[Document], b: Sequence[Document], speakers: Mapping[str, Speaker], *,
                  schema: Schema = SCHEMA) -> list[dict]:
    """Every difference between the passes, for the adjudicator (see module docstring)."""
    ma, _ = map_speakers(a, speakers)
    mb, _ = map_speakers(b, speakers)
    raw = {(p, d.doc_id, q.quote_id): q.speaker_id for p, docs in (("a", a), ("b", b)) for d in docs for q in d.quotes}
    out: list[dict] = []
    for da, db in pair_documents(ma, mb):
        text = da.text
        items: list[tuple[int, int, dict]] = []
        # entities: strict matches agree; the rest are paired by overlap (any label)
        ea, eb = list(da.entities), list(db.entities)
        strict = match_spans(ea, eb, "strict")
        ra = [e for i, e in enumerate(ea) if i not in {i for i, _ in strict}]
        rb = [e for j, e in enumerate(eb) if j not in {j for _, j in strict}]
        ov = match_spans(ra, rb, "overlap", same_label=False)
        for i, j in ov:
            x, y = ra[i], rb[j]
            kind = []
            if (x.start, x.end) != (y.start, y.end):
                kind.append("boundary")
            if x.label != y.label:
                kind.append("label")
            s, e = min(x.start, y.start), max(x.end, y.end)
            extra = {"span_difference": _span_difference(text, x, y)} if "boundary" in kind else {}
            items.append((s, e, {"layer": "entities", "kind": "+".join(kind), **extra,
                                 "a": x.to_dict(), "b": y.to_dict(), "context": _context(text, s, e)}))
        for i, x in enumerate(ra):
            if i not in {i for i, _ in ov}:
                items.append((x.start, x.end, {"layer": "entities", "kind": "only_a", "a": x.to_dict(), "b": None,
                                               "context": _context(text, x.start, x.end)}))
        for j, y in enumerate(rb):
            if j not in {j for _, j in ov}:
                items.append((y.start, y.end, {"layer": "entities", "kind": "only_b", "a": None, "b": y.to_dict(),
                                               "context": _context(text, y.start, y.end)}))
        # quotations
        pairs = match_spans([q.span for q in da.quotes], [q.span for q in db.quotes], "overlap")
        for i, j in pairs:
            x, y = da.quotes[i], db.quotes[j]
            diffs = []
            if not _same_span(x.span, y.span):
                diffs.append("span")
            if x.quote_type != y.quote_type:
                diffs.append("quote_type")
            if not _same_span(x.cue, y.cue):
                diffs.append("cue")
            if not _same_span(x.source, y.source):
                diffs.append("source")
            if x.speaker_id != y.speaker_id:
                diffs.append("speaker_id")
            for t in schema.target_names:
                if x.stance.get(t) != y.stance.get(t):
                    diffs.append(t)
            if diffs:
                s, e = min(x.span.start, y.span.start), max(x.span.end, y.span.end)
                extra = {"span_difference": _span_difference(text, x.span, y.span)} if "span" in diffs else {}
                items.append((s, e, {"layer": "quotations", "kind": "attributes", "differ": diffs, **extra,
                                     "a": _quote_view(x, raw[("a", da.doc_id, x.quote_id)]),
                                     "b": _quote_view(y, raw[("b", db.doc_id, y.quote_id)]),
                                     "context": _context(text, s, e)}))
        for i, x in enumerate(da.quotes):
            if i not in {i for i, _ in pairs}:
                items.append((x.span.start, x.span.end, {
                    "layer": "quotations", "kind": "only_a", "a": _quote_view(x, raw[("a", da.doc_id, x.quote_id)]),
                    "b": None, "context": _context(text, x.span.start, x.span.end)}))
        for j, y in enumerate(db.quotes):
            if j not in {j for _, j in pairs}:
                items.append((y.span.start, y.span.end, {
                    "layer": "quotations", "kind": "only_b", "a": None,
                    "b": _quote_view(y, raw[("b", db.doc_id, y.quote_id)]),
                    "context": _context(text, y.span.start, y.span.end)}))
        layer_order = {"entities": 0, "quotations": 1}
        items.sort(key=lambda it: (it[0], it[1], layer_order[it[2]["layer"]], it[2]["kind"]))
        for *_, it in items:
            out.append({"doc_id": da.doc_id, **it})
        for t in schema.target_names:
            if da.doc_stance.get(t) != db.doc_stance.get(t):
                out.append({"doc_id": da.doc_id, "layer": "stance", "kind": f"doc_{t}",
                            "a": da.doc_stance.get(t), "b": db.doc_stance.get(t)})
    return out


def counts_by_kind(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """``layer/kind`` -> number of disagreements (for the summary line)."""
    return dict(sorted(Counter(f"{d['layer']}/{d['kind']}" for d in items).items()))

