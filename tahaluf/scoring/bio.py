"""BIO tags over tahaluf tokens: the tag set, projection of spans, strict decoding.

Tag set
    ``O, B-PER, I-PER, B-ORG, I-ORG, ...`` in the order of
    :attr:`tahaluf.core.schema.Schema.entity_labels` (the ``ClassLabel`` names of the
    dataset's ``entities`` config). Tag id ``0`` is ``O``; type ``k`` has
    ``B = 2k + 1`` and ``I = 2k + 2``.

Projection (gold spans to tags)
    A token is tagged if it overlaps an entity span: the first overlapping token
    gets ``B-X``, the others ``I-X``. Proclitics make a token overlap an entity
    that starts inside it (``للتحالف`` is tagged ``B-ORG`` for the span
    ``لتحالف``). A token already claimed by an earlier entity stays with it.

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

import numpy as np

from tahaluf.core.errors import Finding, TahalufError
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
