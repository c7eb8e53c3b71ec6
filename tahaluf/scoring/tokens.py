"""Token space: an article's tokens and the rows that BIO tags are given for.

Tokens are :func:`tahaluf.core.text.tokenize`; rows are :func:`tahaluf.core.text.sentences`
with the two rules of the dataset's ``entities`` config (reimplemented here,
the scorer does not import the dataset builder; ``tests/test_scoring.py``
checks the two agree on the built dataset):

* a sentence boundary that a reference entity crosses is removed (the
  sentences it touches form one row);
* a row that lies wholly inside a boilerplate range of the article's metadata
  is not in the dataset (``kept`` is false); a BIO submission may give tags
  for every row or for the kept rows only (the others are then ``O``).

No entity crosses a row boundary, in the reference or in decoded predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tahaluf.core.model import Document
from tahaluf.seeds import boilerplate_ranges

_CACHE: dict[tuple, DocTokens] = {}


@dataclass(frozen=True)
class DocTokens:
    starts: np.ndarray
    ends: np.ndarray
    texts: tuple[str, ...]
    #: token index ranges ``[a, b)`` of the rows
    rows: tuple[tuple[int, int], ...]
    #: whether each row is in the dataset (not wholly boilerplate)
    kept: tuple[bool, ...]

    @property
    def row_starts(self) -> np.ndarray:
        return np.array([a for a, _ in self.rows], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.texts)


def doc_tokens(doc: Document) -> DocTokens:
    key = (doc.doc_id, doc.text, tuple((e.start, e.end) for e in doc.entities),
           tuple(boilerplate_ranges(doc)))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    from tahaluf.core.text import sentences, tokenize
    toks = tokenize(doc.text)
    sents = sentences(doc.text, toks)
    rows: list[list[int]] = []
    i = 0
    for s in sents:
        a, b = i, i + len(s.tokens)
        i = b
        if rows and any(e.start < toks[rows[-1][1] - 1].end and s.start < e.end for e in doc.entities):
            rows[-1][1] = b
        else:
            rows.append([a, b])
    ranges = boilerplate_ranges(doc)
    kept = tuple(not any(b0 <= toks[a].start and toks[b - 1].end <= b1 for b0, b1 in ranges) for a, b in rows)
    out = DocTokens(np.array([t.start for t in toks], dtype=np.int64), np.array([t.end for t in toks], dtype=np.int64),
                    tuple(t.text for t in toks), tuple((a, b) for a, b in rows), kept)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = out
    return out

