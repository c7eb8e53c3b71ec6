"""Findings with stable ids, and the one exception type of the package.

Every check returns :class:`Finding` objects instead of raising at the first
problem, so that ``tahaluf validate`` can list everything that is wrong and
tests can assert on the id. The ids are stable: they are documented in
:data:`FINDING_IDS`, each has an invalid fixture under ``tests/fixtures/``,
and scripts may match on them.

A finding prints like the Universal Dependencies validator's messages::

    [seeds/metadata.json doc=000_fccf310b8a8da4fc]: [span-text-mismatch] entity 3 text differs. Got 'العراقي'. Expected 'العراق'.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: id -> what it means. The fixture for id ``x-y`` is ``tests/fixtures/x-y.*``.
FINDING_IDS: dict[str, str] = {
    # spans and text
    "span-out-of-range": "a span's offsets are not 0 <= start < end <= len(text)",
    "span-text-mismatch": "the span text recorded is not text[start:end]",
    "span-in-boilerplate": "a span overlaps a boilerplate range of the document",
    "span-whitespace": "a span starts or ends with white space",
    "span-word-boundary": "an entity or cue span starts or ends inside a word (other than after proclitics)",
    "proclitic-in-span": "an entity or cue span starts with a one-letter proclitic or a fused لل",
    "entity-overlap": "two entity spans overlap (entities are flat)",
    "quote-overlap": "two quotation spans overlap (quotations never nest)",
    # labels and values
    "unknown-label": "a label, quote type, stance value or stance target the schema does not know",
    "unknown-from-name": "a Label Studio result whose from_name (or to_name) is not in the labeling config",
    "duplicate-id": "two regions, quotes or speakers share an id",
    # quotations
    "unknown-speaker": "a quotation's speaker_id is not in annotation/speakers.json",
    "quote-without-speaker": "a quotation has no speaker_id",
    "cue-without-quote": "a CUE region is not linked to any QUOTE by a cue_of relation",
    "source-without-quote": "a SOURCE region is not linked to any QUOTE by a said relation",
    "dangling-relation": "a relation names a region id that does not exist, or links the wrong kinds of region",
    "attribute-on-non-quote": "a per-region attribute (quote_type, stance, speaker_id) sits on a region that is not a QUOTE",
    "missing-attribute": "a QUOTE lacks quote_type or a required stance, or a document lacks its document stance",
    "mixed-annotators": "one annotation file mixes the work of several annotators where one is expected",
    # documents and files
    "seed-text-changed": "a stored article no longer has the sha256 its metadata records",
    "unknown-document": "an annotation names a document that is not in seeds/",
    "missing-document": "a document of the corpus has no annotation",
    "malformed-file": "a file is not valid JSON or lacks required fields",
    "wrong-type": "a field has the wrong JSON type or shape (a list where an object belongs, an id that is a number, ...)",
    "duplicate-key": "a JSON object has the same key twice (JSON parsers disagree on which one wins)",
    "nesting-too-deep": "JSON nests deeper than tahaluf.core.jsonio.MAX_DEPTH levels",
    "number-out-of-range": "a JSON number too large to be an offset, count or id, or not finite",
    "unsafe-id": "a doc, quote, speaker, system or target id does not match its declared pattern (tahaluf.core.ids)",
}


@dataclass(frozen=True)
class Finding:
    """One problem: a stable id, where it is, what was got and what was expected."""

    id: str
    message: str
    location: str = ""
    got: Any = None
    expected: Any = None

    def __post_init__(self) -> None:
        if self.id not in FINDING_IDS:
            raise ValueError(f"unregistered finding id {self.id!r}")

    def __str__(self) -> str:
        out = f"[{self.location}]: [{self.id}] {self.message}"
        if self.got is not None:
            out += f" Got {self.got!r}."
        if self.expected is not None:
            out += f" Expected {self.expected!r}."
        return printable(out)

    def to_dict(self) -> dict:
        return {"id": self.id, "message": self.message, "location": self.location,
                "got": self.got, "expected": self.expected}


def printable(text: str) -> str:
    """``text`` with lone surrogates (from ``"\\ud800"`` in JSON) escaped, so it can always be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class TahalufError(Exception):
    """Bad input or a failed step. Carries the findings that caused it, if any."""

    def __init__(self, message: str, findings: list[Finding] | tuple[Finding, ...] = ()):
        self.findings = tuple(findings)
        if self.findings:
            message = message + "\n" + "\n".join(f"  {f}" for f in self.findings)
        super().__init__(message)


def did_you_mean(name: Any, known: Iterable[str], *, limit: int = 30) -> str:
    """``"Did you mean X? Available: a, b, ..."`` (lm-eval style); the one
    suggestion helper of the package."""
    known = [str(k) for k in known]
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
    shown = ", ".join(known[:limit]) + (f", ... ({len(known)} in all)" if len(known) > limit else "")
    return (f"Did you mean {' or '.join(map(repr, close))}? " if close else "") + f"Available: {shown}"
