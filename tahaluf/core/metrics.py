"""Counts, precision/recall/F1, the document bootstrap and score signatures.

Scores are always computed from additive counts kept per document (spaCy's
``PRFScore``, sacrebleu's sufficient statistics): totals are sums over
documents, and a bootstrap resample is a weighted sum of the same per-document
counts. Nothing is averaged over documents.

Division by zero
    A precision, recall or F1 whose denominator is zero is ``0.0`` (seqeval's
    and scikit-learn's ``zero_division=0``). Macro averages skip classes that
    occur neither in the reference nor in the predictions (seqeval's
    ``unique_labels``); such a class reports ``null`` scores.

Macro averages
    :func:`macro_prf`: a class (an entity type, a stance label) is *defined*
    when it occurs in the reference or in the predictions; the macro average is
    the mean of the per-class scores over the defined classes only (seqeval's
    ``unique_labels``), ``0.0`` when no class is defined.

Bootstrap
    :class:`Bootstrap` draws ``resamples`` samples of the evaluated documents
    with replacement (a fixed ``numpy`` seed), sums each sample's counts and
    recomputes the metric; the interval is the percentile interval at
    ``level``. Whole documents are resampled because the quotations and
    mentions of one article are not independent. With one document the
    interval is a point; with none it is ``null``.

Honest intervals
    :meth:`Bootstrap.check` flags (``degenerate``) the intervals of a result
    that rest on fewer than :data:`MIN_DOCS` articles or whose draws hold
    fewer than :data:`MIN_DISTINCT` distinct samples of articles (an upper
    bound on the distinct values any metric can take over the draws: one
    article gives 1, two give 3, three give 10, five at most 126); the
    scorer's text output then prints a warning and the leaderboard marks the
    cell.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Decimal places kept in results; keeps files byte-identical across platforms.
DIGITS = 6


def rnd(x):
    """Round a float (or nested lists/dicts of floats) to :data:`DIGITS`; ints and None pass."""
    if isinstance(x, (float, np.floating)):
        return round(float(x), DIGITS)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, dict):
        return {k: rnd(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rnd(v) for v in x]
    return x


def per_doc_table(doc_ids: Sequence[str], columns: Mapping[str, np.ndarray]) -> dict[str, dict]:
    """A per-article breakdown ``{doc_id: {column: value}}`` from one array per column (a value
    per article, in the order of ``doc_ids``): integer arrays give ints, the others floats rounded
    as :func:`rnd` rounds them. Built a column at a time, so a large corpus costs one small dict per
    article and no rounded copy of the whole breakdown."""
    names = list(columns)
    shared: dict = {}  # equal rounded values share one float object (F1s of small counts repeat a lot)

    def rounded(x: float) -> float:
        r = round(x, DIGITS)
        return shared.setdefault((r, math.copysign(1.0, r)), r)  # keyed with the sign: 0.0 and -0.0 differ

    cols = [a.tolist() if a.dtype.kind in "iu" else [rounded(x) for x in a.astype(float).tolist()]
            for a in map(np.asarray, columns.values())]
    return {d: dict(zip(names, row)) for d, row in zip(doc_ids, zip(*cols))}


def as_counts(a) -> np.ndarray:
    """``a`` as an integer count array: integer arrays as they are (per-document counts are kept
    as int32 where they grow with the corpus; numpy sums them as int64), anything else as int64."""
    a = np.asarray(a)
    return a if a.dtype.kind in "iu" else a.astype(np.int64)


def safe_div(num, den):
    """``num / den`` elementwise, 0 where ``den`` is 0 (works on scalars and arrays)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.divide(num, np.where(den == 0, 1.0, den))
    out = np.where(den == 0, 0.0, out)
    return out if out.ndim else float(out)


def f_from_pr(p, r):
    """F1 from precision and recall as seqeval computes it: ``2PR / (P + R)``, 0 if both are 0."""
    p = np.asarray(p, dtype=float)
    r = np.asarray(r, dtype=float)
    out = safe_div(2 * p * r, p + r)
    return out


def prf(tp, n_pred, n_gold) -> tuple:
    """Precision, recall, F1 from true positives, predicted and reference counts."""
    p = safe_div(tp, n_pred)
    r = safe_div(tp, n_gold)
    return p, r, f_from_pr(p, r)


@dataclass
class PRF:
    """Additive counts of one comparison (spaCy's ``PRFScore``): true positives,
    false positives, false negatives; P/R/F1 by :func:`prf` (0.0 on a zero
    denominator)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __iadd__(self, other: PRF) -> PRF:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self) -> float:
        return float(safe_div(self.tp, self.tp + self.fp))

    @property
    def recall(self) -> float:
        return float(safe_div(self.tp, self.tp + self.fn))

    @property
    def f1(self) -> float:
        return float(prf(self.tp, self.tp + self.fp, self.tp + self.fn)[2])

    def to_dict(self, gold: str = "n_gold", pred: str = "n_pred") -> dict:
        """Counts and rounded scores; ``gold`` / ``pred`` name the two totals."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                gold: self.tp + self.fn, pred: self.tp + self.fp,
                "precision": rnd(self.precision), "recall": rnd(self.recall), "f1": rnd(self.f1)}


@dataclass(frozen=True)
class Bootstrap:
    """Percentile bootstrap over documents (see the module docstring)."""

    resamples: int = 1000
    seed: int = 12345
    level: float = 0.95

    def weights(self, n_docs: int) -> np.ndarray:
        """``(resamples, n_docs)`` counts: how often each document is drawn in each sample.

        The same for every metric of a result (paired intervals); cached."""
        return _weights(self.resamples, self.seed, n_docs)

    def interval(self, per_doc: np.ndarray, metric: Callable[[np.ndarray], np.ndarray]) -> list | None:
        """The interval of ``metric`` over resampled sums of ``per_doc`` counts.

        ``per_doc`` has shape ``(n_docs, ...)``; ``metric`` maps summed counts of
        shape ``(resamples, ...)`` to one value per resample.
        """
        per_doc = np.asarray(per_doc)
        n = per_doc.shape[0]
        if n == 0:
            return None
        values = np.asarray(metric(self.sums(per_doc)), dtype=float)
        alpha = (1 - self.level) / 2
        lo, hi = np.quantile(values, [alpha, 1 - alpha])
        return [round(float(lo), DIGITS), round(float(hi), DIGITS)]

    def sums(self, per_doc: np.ndarray) -> np.ndarray:
        """Every resample's sum of the per-document count matrix ``per_doc``
        (``(n_docs, ...)`` -> ``(resamples, ...)``). The weights are kept
        (:meth:`weights`) while they take at most :data:`WEIGHTS_BYTES`;
        on a larger corpus they are drawn again a block of resamples at a time
        from the same random stream, so the sums are the same (counts are
        integers: any order of summation gives them exactly) and memory stays
        bounded. The sums of the last few count matrices are kept (by content),
        so the several metrics of one result computed from the same counts draw
        the weights once."""
        per_doc = np.asarray(per_doc)
        n = per_doc.shape[0]
        if self.resamples * n * 8 <= WEIGHTS_BYTES:
            return np.tensordot(self.weights(n), per_doc.astype(np.float64), axes=([1], [0]))
        per_doc = np.ascontiguousarray(per_doc)
        k = (self.resamples, self.seed, per_doc.shape, per_doc.dtype.str, hashlib.sha256(per_doc.data).digest())
        if k not in _SUMS:
            flat = per_doc.reshape(n, -1)
            out = np.zeros((self.resamples, flat.shape[1]), dtype=np.float64)
            for a, w in self._blocks(n):
                for c in range(0, n, DOC_CHUNK):  # a chunk of articles at a time: no float copy of the matrix
                    out[a:a + len(w)] += w[:, c:c + DOC_CHUNK] @ flat[c:c + DOC_CHUNK].astype(np.float64)
            out = out.reshape(self.resamples, *per_doc.shape[1:])
            out.setflags(write=False)
            _SUMS[k] = out
            while len(_SUMS) > SUMS_KEPT:
                del _SUMS[next(iter(_SUMS))]
        return _SUMS[k]

    def _blocks(self, n: int):
        """``(first resample, weights)`` of the resamples a block at a time, from the same random
        stream as :meth:`weights` (so the rows are the same), each block at most about
        :data:`WEIGHTS_BYTES` / 3."""
        rng = np.random.default_rng(self.seed)
        step = max(1, WEIGHTS_BYTES // (24 * n))
        for a in range(0, self.resamples, step):
            yield a, _draw(rng, min(self.resamples, a + step) - a, n)

    def _distinct(self, n: int) -> int:
        """How many different resamples (rows of weights) there are; in blocks on a large corpus."""
        if self.resamples * n * 8 <= WEIGHTS_BYTES:
            return int(len(np.unique(self.weights(n), axis=0)))
        return len({hashlib.sha256(row.tobytes()).digest() for _, w in self._blocks(n) for row in w})

    def to_dict(self) -> dict:
        return {"resamples": self.resamples, "seed": self.seed, "level": self.level, "unit": "document"}

    def check(self, n_docs: int) -> dict:
        """Whether intervals over ``n_docs`` articles mean anything (see *Honest intervals*)."""
        distinct = self._distinct(n_docs) if n_docs else 0
        degenerate = n_docs < MIN_DOCS or distinct < MIN_DISTINCT
        warning = (f"the intervals rest on {n_docs} article(s) and {distinct} distinct bootstrap sample(s) "
                   f"(fewer than {MIN_DOCS} articles or {MIN_DISTINCT} distinct samples): they are not "
                   f"meaningful intervals" if degenerate else None)
        return {"n_docs": n_docs, "n_distinct_samples": distinct, "degenerate": degenerate, "warning": warning}


#: the most memory the cached bootstrap weights may take (above it they are drawn in blocks, each
#: block's arrays together about this size), so the bootstrap's memory does not grow with the corpus
WEIGHTS_BYTES = 8 << 20
#: how many resample sums of large count matrices are kept (see :meth:`Bootstrap.sums`); each is
#: ``(resamples, ...)``, small beside the weights
SUMS_KEPT = 8
#: articles whose counts are converted to floats at a time when the weights are drawn in blocks
DOC_CHUNK = 8192
_SUMS: dict[tuple, np.ndarray] = {}


def _draw(rng: np.random.Generator, resamples: int, n_docs: int) -> np.ndarray:
    """The next ``resamples`` rows of weights: how often each document is drawn."""
    idx = rng.integers(0, n_docs, size=(resamples, n_docs))
    idx += np.arange(resamples, dtype=idx.dtype)[:, None] * n_docs
    return np.bincount(idx.ravel(), minlength=resamples * n_docs).reshape(resamples, n_docs).astype(np.float64)


@lru_cache(maxsize=8)
def _weights(resamples: int, seed: int, n_docs: int) -> np.ndarray:
    w = _draw(np.random.default_rng(seed), resamples, n_docs)
    w.setflags(write=False)
    return w


DEFAULT_BOOTSTRAP = Bootstrap()
#: an interval resting on fewer articles, or on fewer distinct draws, is flagged
MIN_DOCS, MIN_DISTINCT = 3, 20


def macro_prf(tp, n_pred, n_gold) -> tuple:
    """Macro P, R, F1 over the classes on the last axis of the count arrays."""
    n_pred = np.asarray(n_pred)
    n_gold = np.asarray(n_gold)
    p, r, f = prf(tp, n_pred, n_gold)
    defined = (n_pred + n_gold) > 0
    k = defined.sum(axis=-1)
    return (safe_div((p * defined).sum(axis=-1), k), safe_div((r * defined).sum(axis=-1), k),
            safe_div((f * defined).sum(axis=-1), k))
