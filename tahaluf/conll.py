"""CoNLL-2003 export of the entity layer, on the project's Arabic tokens.

Format (UTF-8, ``\\n`` line ends), one block per document::

    -DOCSTART- -X- -X- O
    <empty line>
    TOKEN _ _ TAG          one line per token, four columns separated by one space
    ...
    <empty line>           after every sentence

The four columns are CoNLL-2003's (word, part of speech, chunk, named
entity); Tahaluf annotates neither part of speech nor chunks, so both are
``_``. Readers that take the first and the last column (seqeval, Hugging
Face ``conll2003``-style loaders, flair) read it as is.

Tokens and sentences
    :func:`tahaluf.core.text.tokenize` (camel-tools' ``simple_word_tokenize``
    aligned back to the raw text) and :func:`tahaluf.core.text.sentences`. Proclitics
    are not split off: ``وللتحالف`` is one token. Tokens that overlap a
    boilerplate range of the document (comment boxes, privacy lines) are left
    out; a sentence left with no token is dropped.

Tags (IOB2, "BIO")
    A token is tagged when it overlaps an entity span, i.e. shares at least
    one character with it. The first such token of the entity in a sentence
    is ``B-<TYPE>``, the following ones ``I-<TYPE>``; every other token is
    ``O``. Entity spans exclude one-letter proclitics but the token keeps
    them: in ``وللتحالف`` the ORG span is ``لتحالف`` (from the second lam,
    guidelines 1.1), and the one token ``وللتحالف`` is tagged ``B-ORG``. A
    sentence that starts inside an entity opens it again with ``B-``.

Conflicts
    Entities are flat, but two of them can touch one token when a span ends
    or starts inside a token. Such a token takes the entity that starts
    first; :class:`ConllStats` counts the conflict, and an entity that gets
    no token of its own is counted as ``lost``. The corpus has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tahaluf.core.model import Document
from tahaluf.core.text import Token, sentences, tokenize

DOCSTART = "-DOCSTART- -X- -X- O"


@dataclass
class ConllStats:
    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    entities: int = 0
    tagged_tokens: int = 0
    #: tokens that overlap two or more entities (tagged with the first)
    conflicts: int = 0
    #: entities that got no token of their own
    lost: list[str] = field(default_factory=list)

    def add(self, other: ConllStats) -> None:
        for k in ("documents", "sentences", "tokens", "entities", "tagged_tokens", "conflicts"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.lost += other.lost

    def __str__(self) -> str:
        return (f"{self.documents} document(s), {self.sentences} sentence(s), {self.tokens} token(s), "
                f"{self.entities} entities on {self.tagged_tokens} token(s), {self.conflicts} conflict(s), "
                f"{len(self.lost)} lost")


def _inside(tok: Token, ranges: list[tuple[int, int]]) -> bool:
    return any(tok.start < b and a < tok.end for a, b in ranges)


def token_entities(doc: Document, tokens: list[Token]) -> tuple[list[int | None], ConllStats]:
    """For each token, the index in ``doc.entities`` of the entity it is tagged with (or None)."""
    stats = ConllStats(entities=len(doc.entities))
    ents = doc.entities  # sorted by (start, end, label)
    out: list[int | None] = []
    j = 0
    for tok in tokens:
        while j < len(ents) and ents[j].end <= tok.start:
            j += 1
        hits = []
        k = j
        while k < len(ents) and ents[k].start < tok.end:
            if ents[k].end > tok.start:
                hits.append(k)
            k += 1
        if len(hits) > 1:
            stats.conflicts += 1
        out.append(hits[0] if hits else None)
    got = {i for i in out if i is not None}
    stats.lost = [f"{doc.doc_id} {e.label} [{e.start},{e.end}) {e.text!r}"
                  for i, e in enumerate(ents) if i not in got]
    return out, stats


def document_conll(doc: Document) -> tuple[list[list[tuple[str, str]]], ConllStats]:
    """The document's sentences as lists of ``(token, tag)``, and counts."""
    from tahaluf.seeds import boilerplate_ranges
    toks = tokenize(doc.text)
    boiler = boilerplate_ranges(doc)
    which, stats = token_entities(doc, toks)
    at = {t.start: i for i, t in enumerate(toks)}
    stats.documents = 1
    out: list[list[tuple[str, str]]] = []
    for sent in sentences(doc.text, toks):
        rows: list[tuple[str, str]] = []
        prev: int | None = None
        for tok in sent.tokens:
            if _inside(tok, boiler):
                continue
            e = which[at[tok.start]]
            if e is None:
                tag = "O"
            else:
                tag = ("I-" if prev == e else "B-") + doc.entities[e].label
                stats.tagged_tokens += 1
            prev = e
            rows.append((tok.text, tag))
        if rows:
            out.append(rows)
            stats.sentences += 1
            stats.tokens += len(rows)
    return out, stats


def to_conll(docs: Iterable[Document]) -> tuple[str, ConllStats]:
    """CoNLL-2003 text of the documents, in the order given, and counts."""
    lines: list[str] = []
    total = ConllStats()
    for doc in docs:
        sents, stats = document_conll(doc)
        total.add(stats)
        lines += [DOCSTART, ""]
        for rows in sents:
            lines += [f"{tok} _ _ {tag}" for tok, tag in rows]
            lines.append("")
    return "\n".join(lines) + ("\n" if lines else ""), total


def read_conll(text: str) -> list[list[list[tuple[str, str]]]]:
    """Parse CoNLL-2003 text: documents -> sentences -> ``(token, tag)`` (first and last column)."""
    docs: list[list[list[tuple[str, str]]]] = []
    sent: list[tuple[str, str]] = []

    def close() -> None:
        if sent:
            if not docs:
                docs.append([])
            docs[-1].append(list(sent))
            sent.clear()

    for line in text.split("\n"):
        if not line.strip():
            close()
            continue
        cols = line.split(" ")
        if cols[0] == "-DOCSTART-":
            close()
            docs.append([])
            continue
        sent.append((cols[0], cols[-1]))
    close()
    return docs
