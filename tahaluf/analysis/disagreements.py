"""Every disagreement between two annotation passes, for the adjudicator.

:func:`disagreements` is a flat list, in document and offset order, of every
difference the adjudicator has to resolve (``tahaluf agreement
--disagreements FILE``). The passes are paired and their speaker ids mapped
exactly as for the agreement figures
(:func:`tahaluf.analysis.agreement.paired_documents`), and spans are matched
by the same matcher (:func:`tahaluf.analysis.agreement.match_spans`).

Entities
    Spans matched *strictly* (same offsets, same label) agree. The rest are
    paired by overlap regardless of label: a pair is one ``boundary``,
    ``label`` or ``boundary+label`` item (with a ``span_difference``: both
    offsets and the text only one pass covers, when the boundaries differ);
    an unpaired span is ``only_a`` or ``only_b``.

Quotations
    Quotations are paired by overlap (:func:`tahaluf.analysis.agreement.match_quotes`).
    A pair is an ``attributes`` item when its span, ``quote_type``, cue,
    source, mapped speaker or any stance differ (``differ`` names them); an
    unpaired quotation is ``only_a`` or ``only_b``. A speaker id that the
    registry mapped is shown with ``speaker_id_as_written``.

Document stance
    One ``doc_<target>`` item per stance target whose document label differs.

Within a document the span items are sorted by start, end, layer (entities
first) and kind; each carries ``context``, the text around it with the span
in ``[[...]]``. :func:`counts_by_kind` counts the items per ``layer/kind``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tahaluf.analysis.agreement import match_quotes, match_spans, paired_documents, same_span
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA, Schema

#: the order of the layers among items with the same offsets
LAYER_ORDER = {"entities": 0, "quotations": 1}

Item = tuple[int, int, dict]


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


def _entity_items(da: Document, db: Document) -> list[Item]:
    text = da.text
    items: list[Item] = []
    # strict matches agree; the rest are paired by overlap (any label)
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
    return items


def _quote_items(da: Document, db: Document, raw_a: Mapping[str, str | None], raw_b: Mapping[str, str | None],
                 schema: Schema) -> list[Item]:
    text = da.text
    items: list[Item] = []
    pairs = match_quotes(da, db)
    for i, j in pairs:
        x, y = da.quotes[i], db.quotes[j]
        diffs = []
        if not same_span(x.span, y.span):
            diffs.append("span")
        if x.quote_type != y.quote_type:
            diffs.append("quote_type")
        if not same_span(x.cue, y.cue):
            diffs.append("cue")
        if not same_span(x.source, y.source):
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
                                 "a": _quote_view(x, raw_a[x.quote_id]), "b": _quote_view(y, raw_b[y.quote_id]),
                                 "context": _context(text, s, e)}))
    for i, x in enumerate(da.quotes):
        if i not in {i for i, _ in pairs}:
            items.append((x.span.start, x.span.end, {
                "layer": "quotations", "kind": "only_a", "a": _quote_view(x, raw_a[x.quote_id]),
                "b": None, "context": _context(text, x.span.start, x.span.end)}))
    for j, y in enumerate(db.quotes):
        if j not in {j for _, j in pairs}:
            items.append((y.span.start, y.span.end, {
                "layer": "quotations", "kind": "only_b", "a": None,
                "b": _quote_view(y, raw_b[y.quote_id]),
                "context": _context(text, y.span.start, y.span.end)}))
    return items


def disagreements(a: Sequence[Document], b: Sequence[Document], speakers: Mapping[str, Speaker], *,
                  schema: Schema = SCHEMA) -> list[dict]:
    """Every difference between the passes, for the adjudicator (see module docstring)."""
    raw = {(p, d.doc_id): {q.quote_id: q.speaker_id for q in d.quotes} for p, docs in (("a", a), ("b", b))
           for d in docs}
    out: list[dict] = []
    for da, db in paired_documents(a, b, speakers)[0]:
        items = _entity_items(da, db) + _quote_items(da, db, raw[("a", da.doc_id)], raw[("b", db.doc_id)], schema)
        items.sort(key=lambda it: (it[0], it[1], LAYER_ORDER[it[2]["layer"]], it[2]["kind"]))
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
