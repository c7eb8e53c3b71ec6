"""Entity scoring: strict span+type P/R/F1 and nervaluate's four match schemas.

Spans are ``(start, end, type)`` integer triples with exclusive ends, per
document, in character space (submissions with character spans) or in token
space (BIO submissions: positions in the document's token list). Everything
below is the same in both spaces.

Strict (seqeval ``mode="strict"``, CoNLL)
    A predicted entity is a true positive iff a reference entity has the same
    start, end and type. Micro P/R/F1 sum the counts over types; macro averages
    the per-type scores over the types found in the reference or the
    predictions; per-type scores are reported for every type of the schema
    (``null`` for a type that occurs on neither side). Computed with integer
    keys and ``numpy.isin``; on BIO input this equals seqeval's
    ``mode="strict", scheme=IOB2`` (``tests/test_parity.py``).

nervaluate's schemas (SemEval-2013 Task 9.1; nervaluate 1.x, same greedy order)
    Predictions are visited in order (sorted by offsets); each takes the first
    still-unmatched reference entity that fits, and each reference entity is
    used at most once:

    ``strict``   correct: same boundaries and type; incorrect: overlaps a reference entity otherwise
    ``exact``    correct: same boundaries, any type; incorrect: overlaps otherwise
    ``partial``  correct: same boundaries, any type; partial: overlaps otherwise
    ``ent_type`` correct: overlaps with the same type (closest boundaries win); incorrect: overlaps with another type

    A prediction that overlaps nothing is *spurious*, a reference entity left
    unmatched is *missed*. ``possible = correct + incorrect + partial + missed``,
    ``actual = correct + incorrect + partial + spurious``; precision is
    ``correct / actual`` (``(correct + 0.5 partial) / actual`` for ``partial``
    and ``ent_type``), recall likewise over ``possible``. Per-type counts
    rerun the schema on the entities of that type only, as nervaluate does.
    One difference: here any overlap counts; nervaluate (``min_overlap_percentage=1``)
    needs the overlap to cover at least 1% of the reference span, which only
    differs for spans longer than 100 units. These schemas are nervaluate's
    own greedy pairing, kept for parity with it; the package's matcher
    (:func:`tahaluf.core.spans.match`) is not greedy.

Reference spans
    :func:`gold_entity_spans`: a document's entities in character space, or in
    token space as the dataset's BIO tags encode them (projected with
    :func:`tahaluf.core.tagging.project`, decoded with
    :func:`tahaluf.core.tagging.decode`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from tahaluf.core.metrics import (DEFAULT_BOOTSTRAP, Bootstrap, f_from_pr, macro_prf, per_doc_table, prf, rnd,
                                   safe_div)
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.tagging import TagSet, decode, doc_tokens, project, sentence_starts
from tahaluf.scoring.modes import COUNT_KEYS, HALF_CREDIT, MODES, greedy_counts, mode_counts, mode_counts_docs

__all__ = ["COUNT_KEYS", "HALF_CREDIT", "MODES", "Counts", "DocCounts", "Tally", "doc_counts", "exact_hits",
           "gold_entity_spans", "greedy_counts", "mode_counts", "mode_counts_docs", "score_spans", "strict_bio", "strict_counts", "strict_counts_docs", "summarise", "summarise_counts"]

Spans = Sequence[tuple[int, int, int]]


@dataclass
class DocCounts:
    """The counts of one document.

    ``strict``: ``(n_types, 3)`` true positives, predicted, reference per type
    (set matching). ``modes``: ``(4, 1 + n_types, 5)`` nervaluate counts per
    schema; row 0 is overall, row ``1 + k`` type ``k``.
    """

    strict: np.ndarray
    modes: np.ndarray | None


def exact_hits(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """For each predicted ``(start, end, type)`` row, whether the reference has the same row.

    Exact matching with labels (:func:`tahaluf.core.spans.match` in mode
    ``exact`` with the types as labels) of spans that are each unique, done
    on integer keys with ``numpy.isin`` so that whole corpora match at once;
    ``tests/test_scoring.py`` checks that the two agree.
    """
    gold = np.asarray(gold, dtype=np.int64).reshape(-1, 3)
    pred = np.asarray(pred, dtype=np.int64).reshape(-1, 3)
    if not len(gold) or not len(pred):
        return np.zeros(len(pred), dtype=bool)
    width = int(max(gold[:, 1].max(), pred[:, 1].max())) + 1
    n_types = int(max(gold[:, 2].max(), pred[:, 2].max())) + 1
    kg = (gold[:, 0] * width + gold[:, 1]) * n_types + gold[:, 2]
    kp = (pred[:, 0] * width + pred[:, 1]) * n_types + pred[:, 2]
    return np.isin(kp, kg)


def strict_counts(gold: Spans, pred: Spans, n_types: int) -> np.ndarray:
    """Per-type (tp, n_pred, n_gold) by exact set matching, vectorised."""
    g = np.unique(np.asarray(gold, dtype=np.int64).reshape(-1, 3), axis=0)
    p = np.unique(np.asarray(pred, dtype=np.int64).reshape(-1, 3), axis=0)
    out = np.zeros((n_types, 3), dtype=np.int64)
    out[:, 0] = np.bincount(p[exact_hits(g, p), 2], minlength=n_types)
    out[:, 1] = np.bincount(p[:, 2], minlength=n_types)
    out[:, 2] = np.bincount(g[:, 2], minlength=n_types)
    return out


def _stacked(docs: Sequence[Spans]) -> np.ndarray:
    """``(document, start, end, type)`` rows of every span of every document."""
    lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(docs)), dtype=np.int64,
                       count=3 * int(lens.sum())).reshape(-1, 3)
    return np.column_stack([np.repeat(np.arange(len(docs), dtype=np.int64), lens), flat])


def strict_counts_docs(gold_docs: Sequence[Spans], pred_docs: Sequence[Spans], n_types: int) -> np.ndarray:
    """:func:`strict_counts` of every document in one vectorised pass: ``(n_docs, n_types, 3)``
    true positives, predicted and reference per document and type (each
    document's spans as a set; a prediction is a hit iff its document has the
    same reference row)."""
    n = len(gold_docs)
    g, p = _stacked(gold_docs), _stacked(pred_docs)
    both = np.concatenate([g, p])
    width = int(both[:, 1:3].max(initial=0)) + 1
    if len(both) and both.min() >= 0 and both[:, 3].max() < n_types and n * width * width * n_types < 2 ** 62:
        # each row as one integer (document, start, end, type), in that order
        scale = np.array([width * width * n_types, width * n_types, n_types, 1], dtype=np.int64)
        kg, kp = np.unique(g @ scale), np.unique(p @ scale)
        hit = np.isin(kp, kg)
        g, p = (np.column_stack([k // scale[0], 0 * k, 0 * k, k % n_types]) for k in (kg, kp))
    else:
        g, p = np.unique(g, axis=0), np.unique(p, axis=0)
        both = np.concatenate([g, p])
        if len(both):
            _, inv = np.unique(both, axis=0, return_inverse=True)
            inv = inv.reshape(-1)
            hit = np.isin(inv[len(g):], inv[:len(g)])
        else:
            hit = np.zeros(0, dtype=bool)
    size = n * n_types
    out = np.zeros((n, n_types, 3), dtype=np.int64)
    out[..., 0] = np.bincount(p[hit, 0] * n_types + p[hit, 3], minlength=size).reshape(n, n_types)
    out[..., 1] = np.bincount(p[:, 0] * n_types + p[:, 3], minlength=size).reshape(n, n_types)
    out[..., 2] = np.bincount(g[:, 0] * n_types + g[:, 3], minlength=size).reshape(n, n_types)
    return out


def doc_counts(gold: Spans, pred: Spans, n_types: int, *, modes: bool = True) -> DocCounts:
    strict = strict_counts(gold, pred, n_types)
    return DocCounts(strict, mode_counts(gold, pred, n_types) if modes else None)


# -- metrics from counts ---------------------------------------------------------

def _mode_prf(counts: np.ndarray, mode: str):
    """P, R, F from nervaluate counts (last axis = COUNT_KEYS), vectorised."""
    c, i, p, m, s = (counts[..., k] for k in range(5))
    actual = c + i + p + s
    possible = c + i + p + m
    credit = c + 0.5 * p if mode in HALF_CREDIT else c
    prec = safe_div(credit, actual)
    rec = safe_div(credit, possible)
    return prec, rec, f_from_pr(prec, rec)


def _macro(strict: np.ndarray):
    """Macro P, R, F over the defined types; ``strict`` (..., n_types, 3)."""
    return macro_prf(strict[..., 0], strict[..., 1], strict[..., 2])


class Counts:
    """Per-document counts added one document at a time: ``strict`` ``(n_docs, n_types, 3)``
    and ``modes`` ``(n_docs, 4, 5)``, the overall nervaluate counts of each schema (see
    :class:`DocCounts`), filled at each document's position; the per-type nervaluate counts
    are only reported summed, so they are kept summed (``mode_total``, ``(4, 1 + n_types, 5)``).
    Documents are counted in blocks of :attr:`BLOCK` (the counts of a block in one
    :func:`strict_counts_docs` / :func:`mode_counts_docs` pass), so only a block's spans are held."""

    BLOCK = 512

    def __init__(self, n_docs: int, n_types: int, *, modes: bool = True) -> None:
        self.n_types = n_types
        # per-document counts are small: int32 halves the arrays that grow with the corpus (sums are int64)
        self.strict = np.zeros((n_docs, n_types, 3), dtype=np.int32)
        self.modes = np.zeros((n_docs, len(MODES), 5), dtype=np.int32) if modes else None
        self.mode_total = np.zeros((len(MODES), 1 + n_types, 5), dtype=np.int64) if modes else None
        self._block: list[tuple[int, Spans, Spans]] = []

    def add(self, j: int, gold: Spans, pred: Spans) -> None:
        self._block.append((j, gold, pred))
        if len(self._block) >= self.BLOCK:
            self.flush()

    def flush(self) -> Counts:
        if self._block:
            js = [j for j, _, _ in self._block]
            golds = [g for _, g, _ in self._block]
            preds = [p for _, _, p in self._block]
            self.strict[js] = strict_counts_docs(golds, preds, self.n_types)
            if self.modes is not None:
                m = mode_counts_docs(golds, preds, self.n_types)
                self.modes[js] = m[:, :, 0]
                self.mode_total += m.sum(axis=0)
            self._block = []
        return self


def summarise(per_doc: list[DocCounts], labels: Sequence[str], *, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
              doc_ids: Sequence[str] = ()) -> dict:
    """The entity report (see :mod:`tahaluf.scoring` for its keys) from per-document counts."""
    n_types = len(labels)
    strict = np.stack([d.strict for d in per_doc]) if per_doc else np.zeros((0, n_types, 3), np.int64)
    modes = np.stack([d.modes for d in per_doc]) if per_doc and per_doc[0].modes is not None else None
    if modes is None:
        return summarise_counts(strict, None, None, labels, bootstrap=bootstrap, doc_ids=doc_ids)
    return summarise_counts(strict, modes[:, :, 0], modes.sum(axis=0), labels, bootstrap=bootstrap, doc_ids=doc_ids)


def summarise_counts(strict: np.ndarray, modes: np.ndarray | None, mode_total: np.ndarray | None,
                     labels: Sequence[str], *, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
                     doc_ids: Sequence[str] = ()) -> dict:
    """:func:`summarise` of the count arrays of :class:`Counts`: ``strict`` per document,
    ``modes`` the overall nervaluate counts per document, ``mode_total`` the nervaluate counts
    (overall and per type) summed over the documents."""
    tot = strict.sum(axis=0)
    tp, npred, ngold = int(tot[:, 0].sum()), int(tot[:, 1].sum()), int(tot[:, 2].sum())
    p, r, f = prf(tp, npred, ngold)
    mp, mr, mf = _macro(tot)

    def ci(metric):
        return bootstrap.interval(strict, metric) if bootstrap else None

    micro_f = lambda s: prf(s[..., 0].sum(-1), s[..., 1].sum(-1), s[..., 2].sum(-1))[2]
    out: dict = {
        "n_docs": len(strict),
        "n_gold": ngold,
        "n_pred": npred,
        "strict": {
            "micro": {"precision": float(p), "recall": float(r), "f1": float(f), "tp": tp,
                      "fp": npred - tp, "fn": ngold - tp, "ci95": {"f1": ci(micro_f)}},
            "macro": {"precision": float(mp), "recall": float(mr), "f1": float(mf),
                      "ci95": {"f1": ci(lambda s: _macro(s)[2])}},
            "per_type": {},
        },
    }
    for k, label in enumerate(labels):
        t_tp, t_pred, t_gold = (int(x) for x in tot[k])
        if t_pred + t_gold == 0:
            out["strict"]["per_type"][label] = {"precision": None, "recall": None, "f1": None,
                                                "tp": 0, "fp": 0, "fn": 0, "n_gold": 0}
            continue
        tp_, tr_, tf_ = prf(t_tp, t_pred, t_gold)
        out["strict"]["per_type"][label] = {"precision": float(tp_), "recall": float(tr_), "f1": float(tf_),
                                            "tp": t_tp, "fp": t_pred - t_tp, "fn": t_gold - t_tp,
                                            "n_gold": t_gold}
    if len(strict) and modes is not None:
        mtot = mode_total
        out["modes"] = {}
        for mi, mode in enumerate(MODES):
            row = mtot[mi, 0]
            mp_, mr_, mf_ = _mode_prf(row, mode)
            block = {k: int(v) for k, v in zip(COUNT_KEYS, row)}
            block["possible"] = int(row[0] + row[1] + row[2] + row[3])
            block["actual"] = int(row[0] + row[1] + row[2] + row[4])
            block.update({"precision": float(mp_), "recall": float(mr_), "f1": float(mf_)})
            block["ci95"] = {"f1": bootstrap.interval(modes, lambda s, i=mi, m=mode: _mode_prf(s[:, i], m)[2])
                             if bootstrap else None}
            per_type = {}
            for k, label in enumerate(labels):
                trow = mtot[mi, 1 + k]
                if not trow.any():
                    continue
                tp_, tr_, tf_ = _mode_prf(trow, mode)
                per_type[label] = {**{kk: int(v) for kk, v in zip(COUNT_KEYS, trow)},
                                   "precision": float(tp_), "recall": float(tr_), "f1": float(tf_)}
            block["per_type"] = per_type
            out["modes"][mode] = block
    # per-article breakdown
    s = strict.sum(axis=1)
    dp, dr, df = prf(s[:, 0], s[:, 1], s[:, 2])
    cols = {"n_gold": s[:, 2], "n_pred": s[:, 1], "tp": s[:, 0], "strict_f1": df, "strict_precision": dp,
            "strict_recall": dr}
    if modes is not None:
        for mi, mode in enumerate(MODES):
            cols[f"{mode}_f1"] = _mode_prf(modes[:, mi], mode)[2]
    out = rnd(out)
    out["per_doc"] = per_doc_table(doc_ids, cols)
    return out


def score_spans(gold_docs: Sequence[Spans], pred_docs: Sequence[Spans], labels: Sequence[str], *,
                modes: bool = True, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
                doc_ids: Sequence[str] = ()) -> dict:
    """Score per-document span lists (``(start, end, type_index)``) against the reference."""
    if len(gold_docs) != len(pred_docs):
        raise ValueError("gold and predictions have a different number of documents")
    counts = Counts(len(gold_docs), len(labels), modes=modes)
    for j, (g, p) in enumerate(zip(gold_docs, pred_docs)):
        counts.add(j, g, p)
    counts.flush()
    return summarise_counts(counts.strict, counts.modes, counts.mode_total, labels, bootstrap=bootstrap,
                            doc_ids=doc_ids)


def gold_entity_spans(doc: Document, schema: Schema = SCHEMA, space: str = "char") -> list[tuple[int, int, int]]:
    """The reference entities of ``doc`` as ``(start, end, type)``: characters, or token
    positions (projected to BIO with the overlap rule and decoded strictly)."""
    labels = list(schema.entity_labels)
    spans = [(e.start, e.end, labels.index(e.label)) for e in doc.entities]
    if space == "char":
        return sorted(spans)
    dt = doc_tokens(doc)
    s, e, t = decode(project(dt.starts, dt.ends, spans), dt.row_starts)
    return list(zip(s.tolist(), e.tolist(), t.tolist()))


class Tally:
    """A submission's counts added one article at a time (the sink of
    :func:`tahaluf.scoring.submission.read_submission`), then the task's part of a result."""

    def __init__(self, n_docs: int, *, schema: Schema = SCHEMA, speakers=None, missing: str = "refuse") -> None:
        self.schema = schema
        self.labels = list(schema.entity_labels)
        self.counts = Counts(n_docs, len(self.labels))

    def add(self, j: int, doc: Document, pred: Spans, space: str) -> None:
        self.counts.add(j, gold_entity_spans(doc, self.schema, space), pred)

    def result(self, sign, *, bootstrap: Bootstrap | None, doc_ids: Sequence[str], space: str) -> dict:
        """The task's part of a result (:mod:`tahaluf.scoring.tasks`): the signatures
        (one per schema, ``strict`` the headline) and the scores of :func:`score_spans`
        in the submission's space."""
        c = self.counts.flush()
        res = summarise_counts(c.strict, c.modes, c.mode_total, self.labels, bootstrap=bootstrap, doc_ids=doc_ids)
        sigs = {m: sign(m, space=space) for m in MODES}
        out = {"space": space, "signature": sigs["strict"], "signatures": sigs, **res}
        for m in MODES:
            out["modes"][m]["signature"] = sigs[m]
        return out


# -- seqeval-compatible fast path ---------------------------------------------------

def strict_bio(gold: Sequence[Sequence], pred: Sequence[Sequence], schema=None) -> dict:
    """seqeval-equivalent strict IOB2 scores for lists of tag sequences (one per sentence).

    Returns ``{"micro": {...}, "macro": {...}, "per_type": {...}}`` with the
    numbers ``seqeval.metrics.classification_report(..., mode="strict",
    scheme=IOB2)`` gives. Vectorised: the sentences are concatenated, decoded
    with :func:`tahaluf.core.tagging.decode` and matched with :func:`exact_hits`.
    """
    tagset = TagSet(schema or SCHEMA)
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} reference sentences but {len(pred)} predicted")
    lg = np.fromiter(map(len, gold), dtype=np.int64, count=len(gold))
    lp = np.fromiter(map(len, pred), dtype=np.int64, count=len(pred))
    if (lg != lp).any():
        k = int(np.flatnonzero(lg != lp)[0])
        raise ValueError(f"sentence {k}: {lg[k]} reference tags but {lp[k]} predicted")
    starts = sentence_starts(lg)
    total = int(lg.sum())

    def ids(seqs, where):
        try:  # fast path: tag strings, no intermediate list
            return np.fromiter(map(tagset.index.__getitem__, chain.from_iterable(seqs)), dtype=np.int64, count=total)
        except (KeyError, TypeError):
            return tagset.encode(list(chain.from_iterable(seqs)), where)

    g_ids = ids(gold, "reference")
    p_ids = ids(pred, "prediction")
    n_types = len(tagset.labels)
    gs, ge, gt = decode(g_ids, starts)
    ps, pe, pt = decode(p_ids, starts)
    hit = exact_hits(np.column_stack([gs, ge, gt]), np.column_stack([ps, pe, pt]))
    tp_t = np.bincount(pt[hit], minlength=n_types)
    np_t = np.bincount(pt, minlength=n_types)
    ng_t = np.bincount(gt, minlength=n_types)
    tot = np.stack([tp_t, np_t, ng_t], axis=1)
    p, r, f = prf(tp_t.sum(), np_t.sum(), ng_t.sum())
    mp, mr, mf = _macro(tot)
    tp_, tr_, tf_ = prf(tp_t, np_t, ng_t)
    per_type = {lab: {"precision": float(tp_[k]), "recall": float(tr_[k]), "f1": float(tf_[k]),
                      "support": int(ng_t[k])}
                for k, lab in enumerate(tagset.labels) if np_t[k] + ng_t[k] > 0}
    return {"micro": {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(ng_t.sum())},
            "macro": {"precision": float(mp), "recall": float(mr), "f1": float(mf)},
            "per_type": per_type}
