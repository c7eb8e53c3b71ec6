"""The canonical model: documents, spans, quotations, speakers.

Conventions (the only ones in the package):

* Offsets are Python ``str`` indices (Unicode code points) into the raw article
  text exactly as stored in ``seeds/``; spans are half-open, ``[start, end)``.
* Every span carries its text, and a span is checked against the document text
  where it is made: :meth:`Span.of` builds the text from the offsets, and
  :class:`Document` refuses to exist with a span whose offsets or text do not
  match (it raises :class:`~tahaluf.core.errors.TahalufError` listing every such
  span, with ids ``span-out-of-range`` / ``span-text-mismatch``).
* Layer-level checks (overlaps, labels, speakers, proclitics) are not made
  here; they are findings of :mod:`tahaluf.validate`.

Serialisation is lossless and deterministic: ``from_dict(to_dict(x)) == x``,
collections are kept in a canonical order (entities by offsets, quotations by
offsets then id), and :func:`dumps` writes UTF-8 JSON with a fixed key order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tahaluf.core.errors import Finding, TahalufError


@dataclass(frozen=True, order=True)
class Span:
    """A half-open character span ``[start, end)`` with its label and text."""

    start: int
    end: int
    label: str
    text: str

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or isinstance(
            self.start, bool
        ):
            raise TahalufError(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if not isinstance(self.text, str) or not isinstance(self.label, str):
            raise TahalufError(f"span label and text must be strings: {self!r}")

    @classmethod
    def of(cls, doc_text: str, start: int, end: int, label: str) -> "Span":
        """Make a span over ``doc_text``, taking its text from the offsets."""
        problem = _range_problem(doc_text, start, end)
        if problem:
            raise TahalufError(problem, [Finding("span-out-of-range", problem,
                                                 got=[start, end], expected=f"0 <= start < end <= {len(doc_text)}")])
        return cls(start, end, label, doc_text[start:end])

    def findings(self, doc_text: str, location: str) -> list[Finding]:
        """Offsets in range and text equal to ``doc_text[start:end]``."""
        problem = _range_problem(doc_text, self.start, self.end)
        if problem:
            return [Finding("span-out-of-range", problem, location, got=[self.start, self.end],
                            expected=f"0 <= start < end <= {len(doc_text)}")]
        actual = doc_text[self.start:self.end]
        if actual != self.text:
            return [Finding("span-text-mismatch", f"{self.label} span [{self.start}, {self.end}) text differs.",
                            location, got=self.text, expected=actual)]
        return []

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], label: str | None = None) -> "Span":
        return cls(d["start"], d["end"], d.get("label", label) if label is None else label, d["text"])


def _range_problem(text: str, start: Any, end: Any) -> str:
    if not (isinstance(start, int) and isinstance(end, int)):
        return f"offsets must be integers, got {start!r}, {end!r}"
    if not 0 <= start < end <= len(text):
        return f"span [{start}, {end}) is outside the text (length {len(text)}) or empty"
    return ""


@dataclass(frozen=True)
class Quote:
    """A quotation: its span, type, optional cue and source, speaker, stances.

    ``stance`` maps a stance target (``stance_t1`` ...) to a stance label.
    """

    quote_id: str
    span: Span
    quote_type: str
    speaker_id: str | None
    cue: Span | None = None
    source: Span | None = None
    stance: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stance", dict(sorted(self.stance.items())))

    def spans(self) -> list[tuple[str, Span]]:
        out = [("quote", self.span)]
        if self.cue is not None:
            out.append(("cue", self.cue))
        if self.source is not None:
            out.append(("source", self.source))
        return out

    def to_dict(self) -> dict:
        return {
            "quote_id": self.quote_id,
            "start": self.span.start,
            "end": self.span.end,
            "text": self.span.text,
            "quote_type": self.quote_type,
            "cue": _opt(self.cue),
            "source": _opt(self.source),
            "speaker_id": self.speaker_id,
            "stance": dict(self.stance),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Quote":
        return cls(
            quote_id=d["quote_id"],
            span=Span(d["start"], d["end"], "QUOTE", d["text"]),
            quote_type=d["quote_type"],
            speaker_id=d.get("speaker_id"),
            cue=None if d.get("cue") is None else Span.from_dict(d["cue"], "CUE"),
            source=None if d.get("source") is None else Span.from_dict(d["source"], "SOURCE"),
            stance=dict(d.get("stance", {})),
        )


def _opt(span: Span | None) -> dict | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": span.text}


@dataclass(frozen=True)
class Speaker:
    """An entry of the speaker registry ``annotation/speakers.json``."""

    speaker_id: str
    name_en: str
    kind: str = "person"  # person | institution
    spellings: tuple[str, ...] = ()
    role: str = ""
    affiliation: str = ""
    #: other ids the same speaker had in an annotation pass (mapped here for agreement)
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "spellings", tuple(self.spellings))
        object.__setattr__(self, "aliases", tuple(self.aliases))

    def to_dict(self) -> dict:
        return {"speaker_id": self.speaker_id, "name_en": self.name_en, "kind": self.kind,
                "spellings": list(self.spellings), "role": self.role,
                "affiliation": self.affiliation, "aliases": list(self.aliases)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Speaker":
        return cls(d["speaker_id"], d["name_en"], d.get("kind", "person"),
                   tuple(d.get("spellings", ())), d.get("role", ""), d.get("affiliation", ""),
                   tuple(d.get("aliases", ())))


@dataclass(frozen=True)
class Document:
    """An article: id, raw text, metadata, and its annotation layers.

    Constructing a document checks every span against the text and raises
    :class:`TahalufError` listing all spans that do not match.
    """

    doc_id: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    entities: tuple[Span, ...] = ()
    quotes: tuple[Quote, ...] = ()
    doc_stance: Mapping[str, str] = field(default_factory=dict)
    annotator: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", tuple(sorted(self.entities)))
        object.__setattr__(self, "quotes", tuple(sorted(
            self.quotes, key=lambda q: (q.span.start, q.span.end, q.quote_id))))
        object.__setattr__(self, "doc_stance", dict(sorted(self.doc_stance.items())))
        object.__setattr__(self, "metadata", dict(self.metadata))
        found = self.span_findings()
        if found:
            raise TahalufError(f"document {self.doc_id}: spans do not match the text", found)

    def span_findings(self, location: str = "") -> list[Finding]:
        loc = location or f"doc={self.doc_id}"
        out: list[Finding] = []
        for i, e in enumerate(self.entities):
            out += e.findings(self.text, f"{loc} entity={i}")
        for q in self.quotes:
            for role, s in q.spans():
                out += s.findings(self.text, f"{loc} quote={q.quote_id} {role}")
        return out

    @property
    def boilerplate(self) -> tuple[tuple[int, int], ...]:
        """The site-boilerplate ranges ``(start, end)`` of the metadata (never annotated)."""
        return tuple((b["start"], b["end"]) for b in self.metadata.get("boilerplate", ()))

    def in_boilerplate(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` lies wholly inside one boilerplate range."""
        return any(b0 <= start and end <= b1 for b0, b1 in self.boilerplate)

    def with_layers(self, **changes: Any) -> "Document":
        """A copy with some fields replaced (re-checked)."""
        import dataclasses
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "annotator": self.annotator,
            "metadata": dict(self.metadata),
            "text": self.text,
            "entities": [e.to_dict() for e in self.entities],
            "quotes": [q.to_dict() for q in self.quotes],
            "doc_stance": dict(self.doc_stance),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Document":
        return cls(
            doc_id=d["doc_id"],
            text=d["text"],
            metadata=d.get("metadata", {}),
            entities=tuple(Span.from_dict(e) for e in d.get("entities", ())),
            quotes=tuple(Quote.from_dict(q) for q in d.get("quotes", ())),
            doc_stance=dict(d.get("doc_stance", {})),
            annotator=d.get("annotator"),
        )
