"""BIO tags over tahaluf tokens: the tag set, the rows of a document, projection
of spans onto tokens, strict and lenient decoding. Every consumer (the dataset's
``entities`` config, the CoNLL export, the scorer, agreement, the baselines)
calls these functions; none has its own copy.

Rows of a document (:func:`doc_tokens`)
    Tokens are :func:`tahaluf.core.text.tokenize`'s, sentences
    :func:`tahaluf.core.text.sentences`. A sentence boundary that an entity
    crosses is removed: the sentences it touches become one row (so no entity
    is ever cut in two). A row that lies wholly inside a boilerplate range of
    the document is not *kept* (the dataset leaves it out; boilerplate is never
    annotated).

Tag set
    ``O, B-PER, I-PER, B-ORG, I-ORG, ...`` in the order of
    :attr:`tahaluf.core.schema.Schema.entity_labels` (the ``ClassLabel`` names of the
    dataset's ``entities`` config). Tag id ``0`` is ``O``; type ``k`` has
    ``B = 2k + 1`` and ``I = 2k + 2``.

Projection (spans to tags), conflict policy ``first-wins``
    A token is tagged if it overlaps an entity span: the first overlapping token
    gets ``B-X``, the others ``I-X``. Proclitics make a token overlap an entity
    that starts inside it (``للتحالف`` is tagged ``B-ORG`` for the span
    ``لتحالف``). Where one token overlaps two entities (text ``abcdef gh``,
    ``PER [0,3)`` and ``ORG [3,9)``), the entity that starts first keeps the
    token and the later one begins with ``B-`` at its first unclaimed token:
    ``B-PER B-ORG``. The result is always valid IOB2. An entity left with no
    unclaimed token cannot be represented and is counted as ``lost``
    (:class:`Projection`); the dataset build refuses such a corpus.

Strict decoding (IOB2, as seqeval's ``mode="strict", scheme=IOB2``)
    An entity is a ``B-X`` followed by the longest run of ``I-X``; an ``I-X``
    that does not continue such a run is not part of any entity, and no entity
    crosses a sentence boundary. :func:`decode` does this with array
    operations: a token *continues* its predecessor when it is ``I-X`` after a
    ``B-X``/``I-X`` of the same type in the same sentence; each ``B`` starts an
    entity that ends at the next token that does not continue.

Lenient decoding (:func:`decode_lenient`, used by the baselines only)
    CoNLL-style: an ``I-X`` that does not continue starts an entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema


def tag_names(schema: Schema = SCHEMA) -> tuple[str, ...]:
    out = ["O"]
    for label in schema.entity_labels:
        out += [f"B-{label}", f"I-{label}"]
    return tuple(out)


class TagSet:
    """The BIO tag set of a schema, with string <-> id conversion."""

    def __init__(self, schema: Schema = SCHEMA):
        self.schema = schema
        self.names = tag_names(schema)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.labels = tuple(schema.entity_labels)

    def encode(self, tags: Iterable, where: str = "") -> np.ndarray:
        """Tag strings or ids to an ``int64`` array; refuses unknown tags."""
        if not isinstance(tags, (list, tuple)):
            tags = list(tags)
        try:
            return np.fromiter(map(self.index.__getitem__, tags), dtype=np.int64, count=len(tags))
        except (KeyError, TypeError):
            pass
        out = np.empty(len(tags), dtype=np.int64)
        for i, t in enumerate(tags):
            if type(t) is str and t in self.index:
                out[i] = self.index[t]
            elif type(t) is int and 0 <= t < len(self.names):
                out[i] = t
            else:
                raise TahalufError("unknown BIO tag", [Finding(
                    "unknown-label", f"unknown BIO tag at token {i}", where, got=t,
                    expected=f"one of {', '.join(self.names)} (or its id 0..{len(self.names) - 1})")])
        return out


def sentence_starts(lengths: Sequence[int]) -> np.ndarray:
    """Positions where a sentence starts in the concatenation of sentences of ``lengths``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else np.zeros(0, np.int64)
    return starts[lengths > 0]


def _tables(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(non-O, is I-, type) of each tag id, by table lookup (type is -1 for O)."""
    top = int(ids.max()) + 1 if len(ids) else 1
    k = np.arange(max(top, 1), dtype=np.int64)
    nz_t = k > 0
    is_i_t = nz_t & (k % 2 == 0)
    typ_t = np.where(nz_t, (k - 1) // 2, -1)
    return nz_t[ids], is_i_t[ids], typ_t[ids]


def _runs(ids: np.ndarray, starts: np.ndarray | None, lenient: bool):
    n = len(ids)
    if n == 0:
        e = np.zeros(0, np.int64)
        return e, e, e
    if ids.min() < 0:
        raise ValueError("negative tag id")
    nz, is_i, typ = _tables(ids)
    cont = np.zeros(n, dtype=bool)
    np.logical_and(is_i[1:], typ[1:] == typ[:-1], out=cont[1:])
    cont[1:] &= nz[:-1]
    if starts is not None and len(starts):
        cont[starts] = False
    b = np.flatnonzero(nz & ~cont) if lenient else np.flatnonzero(nz & ~is_i)
    breaks = np.flatnonzero(~cont)
    # the end of the entity starting at b is the next break after b (or n)
    nxt = np.searchsorted(breaks, b, side="right")
    ends = np.append(breaks, n)[nxt]
    return b, ends, typ[b]


def decode(ids: np.ndarray, starts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strict IOB2 entities of a tag-id array: ``(start, end, type)`` arrays, end exclusive.

    ``starts`` are the positions where a sentence starts (no entity crosses one).
    """
    return _runs(np.asarray(ids, dtype=np.int64), starts, lenient=False)


def decode_lenient(ids: np.ndarray, starts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CoNLL-style decoding: an ``I-X`` that does not continue an entity starts one."""
    return _runs(np.asarray(ids, dtype=np.int64), starts, lenient=True)


def project(token_starts: np.ndarray, token_ends: np.ndarray,
            spans: Iterable[tuple[int, int, int]]) -> np.ndarray:
    """Tag ids for tokens from character spans ``(start, end, type)`` (the overlap rule above)."""
    token_starts = np.asarray(token_starts, dtype=np.int64)
    token_ends = np.asarray(token_ends, dtype=np.int64)
    tags = np.zeros(len(token_starts), dtype=np.int64)
    for s, e, t in sorted(spans):
        lo = int(np.searchsorted(token_ends, s, side="right"))
        hi = int(np.searchsorted(token_starts, e, side="left"))
        while lo < hi and tags[lo] != 0:
            lo += 1
        if lo >= hi:
            continue
        tags[lo] = 2 * t + 1
        rest = tags[lo + 1:hi]
        rest[rest == 0] = 2 * t + 2
    return tags


@dataclass(frozen=True)
class Projection:
    """What a projection of character spans onto tokens had to do."""

    entities: int = 0
    #: entity starts / ends that fall inside a token (proclitics, fused forms)
    start_inside_token: int = 0
    end_inside_token: int = 0
    #: entities that share a token with an earlier one (``first-wins`` applied)
    conflicts: int = 0
    #: positions (in the sorted span list) of entities with no unclaimed token
    lost: tuple[int, ...] = ()


def project_with_stats(token_starts: np.ndarray, token_ends: np.ndarray,
                       spans: Iterable[tuple[int, int, int]]) -> tuple[np.ndarray, Projection]:
    """:func:`project` and its :class:`Projection` counts."""
    token_starts = np.asarray(token_starts, dtype=np.int64)
    token_ends = np.asarray(token_ends, dtype=np.int64)
    spans = sorted(spans)
    tags = project(token_starts, token_ends, spans)
    start_in = end_in = conflicts = 0
    lost = []
    claimed_to = -1
    for k, (s, e, _) in enumerate(spans):
        lo = int(np.searchsorted(token_ends, s, side="right"))
        hi = int(np.searchsorted(token_starts, e, side="left"))
        if lo < hi:
            start_in += int(token_starts[lo] != s)
            end_in += int(token_ends[hi - 1] != e)
        if lo <= claimed_to:
            conflicts += 1
            if hi - 1 <= claimed_to:
                lost.append(k)
        claimed_to = max(claimed_to, hi - 1)
    return tags, Projection(len(spans), start_in, end_in, conflicts, tuple(lost))


def tags_of(token_starts: Sequence[int], token_ends: Sequence[int], entities: Iterable,
            schema: Schema = SCHEMA) -> tuple[list[str], Projection]:
    """BIO tag strings for tokens from entity :class:`~tahaluf.core.model.Span` objects
    (sorted by offsets; :attr:`Projection.lost` indexes that order)."""
    ts = TagSet(schema)
    labels = {lab: k for k, lab in enumerate(ts.labels)}
    unknown = sorted({e.label for e in entities} - set(labels))
    if unknown:
        raise TahalufError(f"entity labels {unknown} are not in the schema. {did_you_mean(unknown[0], ts.labels)}")
    ids, stats = project_with_stats(np.asarray(token_starts, dtype=np.int64), np.asarray(token_ends, dtype=np.int64),
                                    [(e.start, e.end, labels[e.label]) for e in entities])
    return [ts.names[i] for i in ids], stats


@dataclass(frozen=True)
class DocTokens:
    """A document's tokens and its rows (see "Rows of a document" above)."""

    starts: np.ndarray
    ends: np.ndarray
    texts: tuple[str, ...]
    #: token index ranges ``[a, b)`` of the rows
    rows: tuple[tuple[int, int], ...]
    #: whether each row is kept (not wholly boilerplate)
    kept: tuple[bool, ...]
    #: sentence boundaries removed because an entity crosses them
    merged: int = 0
    #: entities that cross a sentence boundary
    crossing: int = 0

    @property
    def row_starts(self) -> np.ndarray:
        return np.array([a for a, _ in self.rows], dtype=np.int64)

    def kept_rows(self) -> list[tuple[int, int]]:
        return [r for r, k in zip(self.rows, self.kept) if k]

    def __len__(self) -> int:
        return len(self.texts)


_CACHE: dict[tuple, DocTokens] = {}


def doc_tokens(doc: Document) -> DocTokens:
    """The tokens and rows of ``doc`` (cached on text, entity offsets and boilerplate)."""
    key = (doc.doc_id, doc.text, tuple((e.start, e.end) for e in doc.entities), doc.boilerplate)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    from tahaluf.core.text import sentences, tokenize
    toks = tokenize(doc.text)
    sents = sentences(doc.text, toks)
    rows: list[list[int]] = []
    i = merged = 0
    for s in sents:
        a, b = i, i + len(s.tokens)
        i = b
        if rows and any(e.start < toks[rows[-1][1] - 1].end and s.start < e.end for e in doc.entities):
            rows[-1][1] = b
            merged += 1
        else:
            rows.append([a, b])
    crossing = sum(1 for e in doc.entities
                   if sum(1 for s in sents if s.start < e.end and e.start < s.end) > 1)
    kept = tuple(not doc.in_boilerplate(toks[a].start, toks[b - 1].end) for a, b in rows)
    out = DocTokens(np.array([t.start for t in toks], dtype=np.int64), np.array([t.end for t in toks], dtype=np.int64),
                    tuple(t.text for t in toks), tuple((a, b) for a, b in rows), kept, merged, crossing)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = out
    return out
