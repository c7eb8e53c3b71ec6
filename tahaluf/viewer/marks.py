"""Marks: the annotation layers of a document as nested ``<span>`` elements.

Nesting overlapping layers
--------------------------
Entities, quotations, cues, sources and boilerplate ranges overlap (a
quotation contains entities, a source is often an entity). Each is a
:class:`Mark` with a fixed nesting rank: boilerplate (outermost), quote,
cue/source, entity (innermost). Marks are ordered by ``(rank, start, -end,
id)``. The boundaries of all marks cut the text into segments; for each
segment the marks covering it, in that order, are the stack of elements that
must be open there. Between two segments the renderer keeps the longest common
prefix of the old and new stacks open, closes the rest and opens the new
marks. A mark that crosses the boundary of a mark ranked outside it is thereby
split into several ``<span>`` pieces; every piece carries the same attributes
(``data-id`` included), the first has class ``head`` and the last class
``tail`` (the quotation's speaker label is drawn before its head, an entity's
type after its tail, by CSS from ``data-*`` attributes so that they add no
text to the DOM).

Data attributes
---------------
Every mark element has ``data-kind`` (``entity | quote | cue | source |
boilerplate``), ``data-id`` (unique in the page), ``data-label`` (the entity
type, ``QUOTE``, ``CUE``, ``SOURCE`` or ``BOILERPLATE``), ``data-start`` and
``data-end`` (code-point offsets, half-open). Quotations add
``data-quote-id``, ``data-quote-type``, ``data-speaker`` (speaker id),
``data-speaker-name`` (English name from the speaker registry),
``data-stance`` (the value for the first stance target, ``stance_t1``) and
``data-stances`` (``target=value`` for every target). A cue or source shared
by several quotations is rendered once (:func:`linked`); its
``data-quote-id``, ``data-speaker``, ``data-speaker-name`` and ``data-stance``
list the values of its quotations (:func:`link_values`), space- (names:
`` | ``-) separated.

Speakers are looked up in a registry the caller passes (id -> record, as
:func:`tahaluf.corpus.load_speakers` gives it); :func:`speaker_lookup` adds
the aliases with :func:`tahaluf.core.speakers.lookup`, so a pass that wrote an
alias still shows the registry's English name.

Escaping: every text and attribute value goes through :func:`esc`; a carriage
return is written as ``&#13;`` because an HTML parser would otherwise turn it
into a line feed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.model import Document, Quote, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import lookup as _alias_lookup

#: The annotation layers a page can show. Boilerplate ranges are always greyed.
LAYERS: tuple[str, ...] = ("entities", "quotes")

#: Nesting rank: lower is further out.
RANK: dict[str, int] = {"boilerplate": 0, "quote": 1, "cue": 2, "source": 2, "entity": 3}

#: Background colour of each entity type (in schema order); unknown labels are grey.
ENTITY_COLOURS: dict[str, str] = {
    "PER": "#ffd3d3", "ORG": "#cfe2ff", "GPE": "#cdf2cb", "LOC": "#e8f5b8", "FAC": "#ffe1bd",
    "NORP": "#e6d4ff", "EVENT": "#ffd0ee", "DATE": "#cdeff2", "MONEY": "#f5eca6",
}
UNKNOWN_COLOUR = "#e2e2e2"
#: Colour of a quotation's label and underline, by stance.
STANCE_COLOURS: dict[str, str] = {"FAVOR": "#1a7f37", "AGAINST": "#c62828", "NONE": "#5f6670"}
NO_STANCE_COLOUR = "#222222"

#: A speaker registry as callers pass it: id -> record (or the records).
Speakers = Mapping[str, Speaker] | Iterable[Speaker]


@dataclass(frozen=True)
class Mark:
    """One annotation to draw: its kind, page-unique id, offsets, label and data attributes."""

    kind: str
    id: str
    start: int
    end: int
    label: str
    attrs: tuple[tuple[str, str], ...] = ()
    title: str = ""
    css: str = ""

    def sort_key(self) -> tuple:
        return (RANK[self.kind], self.start, -self.end, self.id)


def parse_layers(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"entities,quotes"`` (or an iterable of names) -> layer names in canonical order."""
    if spec is None:
        return LAYERS
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    for n in names:
        if n not in LAYERS:
            raise TahalufError(f"unknown layer {n!r}. {did_you_mean(n, LAYERS)}")
    return tuple(n for n in LAYERS if n in names)


def speaker_lookup(speakers: Speakers) -> dict[str, Speaker]:
    """speaker id and every alias -> :class:`Speaker` (passes may use an alias).

    ``speakers`` is the registry (id -> record), its records, or an earlier
    result of this function (which is rebuilt from its records).
    """
    recs = speakers.values() if isinstance(speakers, Mapping) else speakers
    return _alias_lookup({s.speaker_id: s for s in recs})


def speaker_name(speaker_id: str | None, lookup: Mapping[str, Speaker]) -> str:
    """The English name of a speaker id or alias, or a note that it is not in the registry."""
    if not speaker_id:
        return "(no speaker)"
    s = lookup.get(speaker_id)
    return s.name_en if s else f"{speaker_id} (not in the registry)"


def first_target(schema: Schema) -> str:
    """The stance target a quotation's label and ``data-stance`` show (``stance_t1``)."""
    return schema.target_names[0] if schema.target_names else ""


def first_stance(q: Quote, schema: Schema) -> str:
    """The quotation's stance towards :func:`first_target` (``""`` if none)."""
    return q.stance.get(first_target(schema), "")


def uniq(xs: Iterable[str]) -> list[str]:
    """``xs`` without repeats, in first-seen order."""
    return list(dict.fromkeys(xs))


def linked(doc: Document) -> dict[tuple[str, int, int], list[Quote]]:
    """``(kind, start, end)`` of every cue and source -> the quotations that share it."""
    out: dict[tuple[str, int, int], list[Quote]] = {}
    for q in doc.quotes:
        for kind, span in q.spans()[1:]:
            out.setdefault((kind, span.start, span.end), []).append(q)
    return out


def link_values(qs: Sequence[Quote], lookup: Mapping[str, Speaker],
                schema: Schema) -> tuple[tuple[str, ...], str, str, str]:
    """What a shared cue or source shows of its quotations: their ids, and the
    distinct speaker ids, English names (`` | ``-joined) and stances."""
    return (tuple(q.quote_id for q in qs),
            " ".join(uniq(q.speaker_id or "" for q in qs)),
            " | ".join(uniq(speaker_name(q.speaker_id, lookup) for q in qs)),
            " ".join(uniq(first_stance(q, schema) for q in qs)))


def boilerplate_ranges(doc: Document) -> tuple[tuple[int, int], ...]:
    """:attr:`Document.boilerplate`, refused unless every range is a non-empty part of the text."""
    try:
        ranges = doc.boilerplate
    except (KeyError, TypeError) as e:
        raise TahalufError(f"document {doc.doc_id}: malformed boilerplate metadata: {e}") from e
    for b0, b1 in ranges:
        if not (isinstance(b0, int) and isinstance(b1, int) and 0 <= b0 < b1 <= len(doc.text)):
            raise TahalufError(f"document {doc.doc_id}: boilerplate range [{b0}, {b1}) is outside the "
                               f"text (length {len(doc.text)}) or empty")
    return ranges


def marks(doc: Document, speakers: Speakers, layers: str | Iterable[str] | None = LAYERS, *,
          schema: Schema = SCHEMA) -> list[Mark]:
    """The marks of ``doc`` for the chosen layers, plus its boilerplate ranges."""
    layers = parse_layers(layers)
    lookup = speaker_lookup(speakers) if "quotes" in layers else {}
    out: list[Mark] = []
    for i, (b0, b1) in enumerate(boilerplate_ranges(doc)):
        what = str(doc.metadata["boilerplate"][i].get("what", ""))
        out.append(Mark("boilerplate", f"boilerplate-{i + 1}", b0, b1, "BOILERPLATE",
                        title=f"boilerplate (not annotated): {what}".strip()))
    if "entities" in layers:
        for i, e in enumerate(doc.entities):
            css = f"l{schema.entity_labels.index(e.label)}" if e.label in schema.entity_labels else "lx"
            out.append(Mark("entity", f"ent-{i + 1}", e.start, e.end, e.label, title=e.label, css=css))
    if "quotes" in layers:
        for q in doc.quotes:
            first = first_stance(q, schema)
            pairs = " ".join(f"{k}={v}" for k, v in q.stance.items())
            name = speaker_name(q.speaker_id, lookup)
            tag = f"{name} · {first or 'no stance'}"
            extra = [f"{k.replace('stance_', '')}:{v}" for k, v in q.stance.items()
                     if k != first_target(schema)]
            if extra:
                tag += " · " + " · ".join(extra)
            out.append(Mark(
                "quote", f"quote-{q.quote_id}", q.span.start, q.span.end, "QUOTE",
                attrs=(("data-quote-id", q.quote_id), ("data-quote-type", q.quote_type),
                       ("data-speaker", q.speaker_id or ""), ("data-speaker-name", name),
                       ("data-stance", first), ("data-stances", pairs), ("data-tag", tag)),
                title=f"{q.quote_id} · {q.quote_type} quotation · {name} · {pairs or 'no stance'}",
                css=f"s-{first}" if first in STANCE_COLOURS else "s-x"))
        for (kind, s0, s1), qs in sorted(linked(doc).items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            ids, spk, names, stances = link_values(qs, lookup, schema)
            out.append(Mark(
                kind, f"{kind}-{s0}-{s1}", s0, s1, kind.upper(),
                attrs=(("data-quote-id", " ".join(ids)), ("data-speaker", spk),
                       ("data-speaker-name", names), ("data-stance", stances)),
                title=f"{kind} of {' '.join(ids)} · {names}"))
    return sorted(out, key=Mark.sort_key)


def esc(s: object) -> str:
    """Escape text or an attribute value (quotes included); CR kept as ``&#13;``."""
    return html.escape(str(s), quote=True).replace("\r", "&#13;")


def _open_tag(m: Mark, head: bool, tail: bool) -> str:
    cls = " ".join(c for c in ("m", f"k-{m.kind}", m.css, "head" if head else "", "tail" if tail else "") if c)
    attrs = [("class", cls), ("data-kind", m.kind), ("data-id", m.id), ("data-label", m.label),
             ("data-start", str(m.start)), ("data-end", str(m.end)), *m.attrs]
    if m.title:
        attrs.append(("title", m.title))
    return "<span " + " ".join(f'{k}="{esc(v)}"' for k, v in attrs) + ">"


#: private-use characters (U+E000-U+F8FF): no font shows them, so the page marks them
_PUA = re.compile("[\ue000-\uf8ff]")


def _pua_marker(m: re.Match) -> str:
    """A private-use character kept as stored, in a span that says what it is (the label is CSS
    ``::after`` content, so the article's text content stays ``doc.text``)."""
    code = f"U+{ord(m.group()):04X}"
    return (f'<span class="pua" data-note="{code}" title="{code}: a private-use character, kept as '
            f'stored (no font has a glyph for it; see the notes above)">{m.group()}</span>')


def render_text(text: str, ms: Sequence[Mark]) -> str:
    """``text`` with ``ms`` as nested ``<span>`` elements (see the module docstring)."""
    order = sorted(ms, key=Mark.sort_key)
    for m in order:
        if not 0 <= m.start < m.end <= len(text):
            raise TahalufError(f"mark {m.id} [{m.start}, {m.end}) is outside the text (length {len(text)})")
    bounds = sorted({0, len(text), *(m.start for m in order), *(m.end for m in order)})
    # tokens: text strings and [mark, piece_start, piece_end] lists for open/close
    tokens: list = []
    stack: list[list] = []  # open pieces: [mark, start, end]

    def close_to(k: int, at: int) -> None:
        while len(stack) > k:
            piece = stack.pop()
            piece[2] = at
            tokens.append(("close", piece))

    for a, b in pairwise(bounds):
        active = [m for m in order if m.start <= a and b <= m.end]
        k = 0
        while k < len(stack) and k < len(active) and stack[k][0] is active[k]:
            k += 1
        close_to(k, a)
        for m in active[k:]:
            piece = [m, a, None]
            stack.append(piece)
            tokens.append(("open", piece))
        tokens.append(("text", text[a:b]))
    close_to(0, len(text))
    out = []
    for kind, x in tokens:
        if kind == "text":
            out.append(_PUA.sub(_pua_marker, esc(x)))
        elif kind == "open":
            m, p0, p1 = x
            out.append(_open_tag(m, p0 == m.start, p1 == m.end))
        else:
            out.append("</span>")
    return "".join(out)
