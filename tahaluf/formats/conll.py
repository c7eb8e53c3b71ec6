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
    The rows of :func:`tahaluf.core.tagging.doc_tokens`, the same rows as the
    dataset's ``entities`` config: camel-tools tokens, sentences merged where
    an entity crosses a sentence boundary, rows wholly inside a boilerplate
    range left out. Proclitics are not split off: ``وللتحالف`` is one token.

Tags (IOB2, "BIO")
    A token is tagged when it overlaps an entity span, i.e. shares at least
    one character with it. The first such token of the entity in a sentence
    is ``B-<TYPE>``, the following ones ``I-<TYPE>``; every other token is
    ``O``. Entity spans exclude one-letter proclitics but the token keeps
    them: in ``وللتحالف`` the ORG span is ``لتحالف`` (from the second lam,
    guidelines 1.1), and the one token ``وللتحالف`` is tagged ``B-ORG``.

Conflicts
    :func:`tahaluf.core.tagging.project`'s ``first-wins`` policy: a token that
    two entities touch takes the one that starts first, the later one begins
    at its next token; :class:`ConllStats` counts the conflict, and an entity
    that gets no token of its own is listed as ``lost``. The corpus has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tahaluf.core import tagging
from tahaluf.core.model import Document

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


def document_conll(doc: Document) -> tuple[list[list[tuple[str, str]]], ConllStats]:
    """The document's rows as lists of ``(token, tag)``, and counts."""
    dt = tagging.doc_tokens(doc)
    ents = sorted(doc.entities, key=lambda e: (e.start, e.end))
    tags, proj = tagging.tags_of(dt.starts, dt.ends, ents)
    stats = ConllStats(documents=1, entities=len(ents), conflicts=proj.conflicts,
                       lost=[f"{doc.doc_id} {ents[k].label} [{ents[k].start},{ents[k].end}) {ents[k].text!r}"
                             for k in proj.lost])
    out: list[list[tuple[str, str]]] = []
    for a, b in dt.kept_rows():
        rows = list(zip(dt.texts[a:b], tags[a:b]))
        out.append(rows)
        stats.sentences += 1
        stats.tokens += len(rows)
        stats.tagged_tokens += sum(t != "O" for t in tags[a:b])
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
