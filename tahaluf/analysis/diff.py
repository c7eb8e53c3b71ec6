"""The document diff: what changed between two annotations of one article.

:func:`diff_documents` compares an old and a new annotation of the same
article (the gold and what was pulled from Label Studio, or a document and
its converter round trip) and lists each difference as a :class:`Change`.

Matching is by offsets and labels, never by region or quotation id, so that
renumbered regions are no change:

* entities by ``(start, end)``; one label replaced by another at the same
  offsets is one ``~`` change of ``label``, anything else is a ``-`` per
  label that went and a ``+`` per label that came (labels are compared as
  multisets, so a duplicated entity shows);
* quotations by ``(start, end)``; a quotation at offsets only one side has is
  ``+`` or ``-`` (with a summary of its type, speaker and stance), one at
  offsets both have is compared field by field: ``quote_type``,
  ``speaker_id``, ``cue`` and ``source`` (as ``[start, end, text]``), and
  every stance target either side has;
* the document-level stance, target by target.

Changes come entities first, then quotations, then the document, each in
offset order. ``str(change)`` is the line ``tahaluf studio pull`` prints::

    + entity LOC [120,126) 'بغداد'
    ~ quote [300,380) '...' stance_t2: None -> 'AGAINST'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tahaluf.core.jsonio import short
from tahaluf.core.model import Document, Quote, Span


@dataclass(frozen=True)
class Change:
    """One difference between two annotations of a document."""

    op: str  # "+" added, "-" removed, "~" changed
    layer: str  # "entity" | "quote" | "document"
    start: int | None = None
    end: int | None = None
    field: str = ""
    old: Any = None
    new: Any = None
    text: str = ""

    def __str__(self) -> str:
        at = "" if self.start is None else f" [{self.start},{self.end})"
        txt = f" {short(self.text, 50)!r}" if self.text else ""
        if self.op == "~":
            return f"~ {self.layer}{at}{txt} {self.field}: {self.old!r} -> {self.new!r}"
        extra = f" {self.new if self.op == '+' else self.old}" if self.layer == "entity" else ""
        return f"{self.op} {self.layer}{extra}{at}{txt}"

    def to_dict(self) -> dict:
        return {"op": self.op, "layer": self.layer, "start": self.start, "end": self.end, "field": self.field,
                "old": self.old, "new": self.new, "text": self.text}


def _span_key(s: Span | None) -> list | None:
    return None if s is None else [s.start, s.end, s.text]


def diff_documents(old: Document | None, new: Document) -> list[Change]:
    """Changes from ``old`` to ``new`` (same article), matched by offsets and labels."""
    out: list[Change] = []
    o_ents: dict[tuple[int, int], list[Span]] = {}
    for e in (old.entities if old else ()):
        o_ents.setdefault((e.start, e.end), []).append(e)
    n_ents: dict[tuple[int, int], list[Span]] = {}
    for e in new.entities:
        n_ents.setdefault((e.start, e.end), []).append(e)
    for key in sorted(set(o_ents) | set(n_ents)):
        ol = sorted(e.label for e in o_ents.get(key, ()))
        nl = sorted(e.label for e in n_ents.get(key, ()))
        text = (o_ents.get(key) or n_ents.get(key))[0].text
        if ol and nl and ol != nl and len(ol) == len(nl) == 1:
            out.append(Change("~", "entity", *key, "label", ol[0], nl[0], text))
            continue
        for lab in _minus(ol, nl):
            out.append(Change("-", "entity", *key, old=lab, text=text))
        for lab in _minus(nl, ol):
            out.append(Change("+", "entity", *key, new=lab, text=text))

    o_q = {(q.span.start, q.span.end): q for q in (old.quotes if old else ())}
    n_q = {(q.span.start, q.span.end): q for q in new.quotes}
    for key in sorted(set(o_q) | set(n_q)):
        a, b = o_q.get(key), n_q.get(key)
        if a is None or b is None:
            q = a or b
            out.append(Change("+" if a is None else "-", "quote", *key, text=q.span.text,
                              old=None if a is None else _quote_summary(a),
                              new=None if b is None else _quote_summary(b)))
            continue
        for f, va, vb in (("quote_type", a.quote_type, b.quote_type), ("speaker_id", a.speaker_id, b.speaker_id),
                          ("cue", _span_key(a.cue), _span_key(b.cue)),
                          ("source", _span_key(a.source), _span_key(b.source))):
            if va != vb:
                out.append(Change("~", "quote", *key, f, va, vb, a.span.text))
        for t in sorted(set(a.stance) | set(b.stance)):
            if a.stance.get(t) != b.stance.get(t):
                out.append(Change("~", "quote", *key, t, a.stance.get(t), b.stance.get(t), a.span.text))
    od = dict(old.doc_stance) if old else {}
    for t in sorted(set(od) | set(new.doc_stance)):
        if od.get(t) != new.doc_stance.get(t):
            out.append(Change("~", "document", None, None, t, od.get(t), new.doc_stance.get(t)))
    return out


def _minus(a: list[str], b: list[str]) -> list[str]:
    """The multiset difference ``a - b``, in ``a``'s order."""
    rest = list(b)
    out = []
    for x in a:
        if x in rest:
            rest.remove(x)
        else:
            out.append(x)
    return out


def _quote_summary(q: Quote) -> dict:
    return {"quote_type": q.quote_type, "speaker_id": q.speaker_id, "stance": dict(q.stance)}
