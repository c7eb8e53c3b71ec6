"""nervaluate's four schemas (see :mod:`tahaluf.scoring.entities` for what they count).

:func:`greedy_counts` is nervaluate's greedy pairing on one document, as
written (a loop over the predictions); :func:`mode_counts` runs it for every
schema, overall and per type. :func:`mode_counts_docs` gives the same counts
for many documents at once, vectorised with numpy, for the documents whose
reference and predicted spans are each flat (sorted, no overlap, no empty
span: what a submission and the reference always are); any other document
goes through :func:`mode_counts`. ``tests/test_scoring.py`` checks the two
agree on random documents.

Why flat spans vectorise: predictions are visited in order and each takes
the first still-unmatched reference entity that fits. With flat spans, a
prediction ``p`` overlaps a run ``[lo, hi)`` of reference entities, and of
these only ``lo`` can have been taken by an earlier prediction, and only by
the one just before ``p`` (``prev``): ``lo`` is taken iff ``prev``
overlaps it and either ``prev`` overlaps nothing before it (then ``prev``
took it, or it was taken already) or ``prev``'s own choice was ``lo``. Each
prediction's choice is computed twice, with its ``lo`` free and with it
taken, and whether ``lo`` is taken is found by iterating that rule to its
fixed point (as many rounds as the longest chain of predictions sharing
reference entities, a few), all predictions of all documents at once.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

Spans = Sequence[tuple[int, int, int]]

#: nervaluate's schemas, in its order.
MODES: tuple[str, ...] = ("strict", "exact", "partial", "ent_type")
#: count columns of a mode
COUNT_KEYS: tuple[str, ...] = ("correct", "incorrect", "partial", "missed", "spurious")
#: schemas whose precision/recall give half credit to partial matches
HALF_CREDIT = {"partial", "ent_type"}


def _flat(spans: Spans) -> bool:
    return all(spans[i][0] >= spans[i - 1][1] for i in range(1, len(spans)))


def greedy_counts(mode: str, gold: Spans, pred: Spans) -> tuple[int, int, int, int, int]:
    """nervaluate's strategy ``mode`` on one document: (correct, incorrect, partial, missed, spurious).

    ``gold`` and ``pred`` are sorted lists of ``(start, end, type)``.
    """
    c = i = p = s = 0
    matched = [False] * len(gold)
    flat = _flat(gold)
    ends = [g[1] for g in gold]
    starts = [g[0] for g in gold]
    for ps, pe, pt in pred:
        if flat:  # the reference entities that can overlap form one run
            lo = bisect.bisect_right(ends, ps)
            hi = bisect.bisect_left(starts, pe)
        else:
            lo, hi = 0, len(gold)
        if mode == "ent_type":
            best = None
            best_d = None
            other = None
            for k in range(lo, hi):
                if matched[k]:
                    continue
                gs, ge, gt = gold[k]
                if gs < pe and ps < ge:
                    if gt == pt:
                        d = abs(ps - gs) + abs(pe - ge)
                        if best_d is None or d < best_d:
                            best, best_d = k, d
                    elif other is None:
                        other = k
            if best is not None:
                c += 1
                matched[best] = True
            elif other is not None:
                i += 1
                matched[other] = True
            else:
                s += 1
            continue
        hit = None
        near = None
        for k in range(lo, hi):
            if matched[k]:
                continue
            gs, ge, gt = gold[k]
            if mode == "partial":
                if gs < pe and ps < ge:
                    if gs == ps and ge == pe:
                        hit = k
                        break
                    if near is None:
                        near = k
                continue
            if gs == ps and ge == pe and (mode == "exact" or gt == pt):
                hit = k
                break
            if near is None and gs < pe and ps < ge:
                near = k
        if hit is not None:
            c += 1
            matched[hit] = True
        elif near is not None:
            if mode == "partial":
                p += 1
            else:
                i += 1
            matched[near] = True
        else:
            s += 1
    m = matched.count(False)
    return c, i, p, m, s


def mode_counts(gold: Spans, pred: Spans, n_types: int) -> np.ndarray:
    """nervaluate's counts of one document: ``(4, 1 + n_types, 5)`` (see :class:`DocCounts`)."""
    gold = sorted(gold)
    pred = sorted(pred)
    out = np.zeros((len(MODES), 1 + n_types, 5), dtype=np.int64)
    by_type_g = [[x for x in gold if x[2] == t] for t in range(n_types)]
    by_type_p = [[x for x in pred if x[2] == t] for t in range(n_types)]
    for mi, mode in enumerate(MODES):
        out[mi, 0] = greedy_counts(mode, gold, pred)
        for t in range(n_types):
            if by_type_g[t] or by_type_p[t]:
                out[mi, 1 + t] = greedy_counts(mode, by_type_g[t], by_type_p[t])
    return out


def _flat_rows(key: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Per row (sorted by ``key`` then offsets): whether it starts at or after the end of the row
    before it in the same group and is not empty."""
    ok = e > s
    ok[1:] &= (key[1:] != key[:-1]) | (s[1:] >= e[:-1])
    return ok


def _first(owner: np.ndarray, rank: np.ndarray, value: np.ndarray, valid: np.ndarray, n: int) -> np.ndarray:
    """Per owner ``0..n-1``: ``value`` of its valid row of least ``rank`` (-1 if none)."""
    out = np.full(n, -1, dtype=np.int64)
    sel = np.flatnonzero(valid)
    if len(sel):
        order = sel[np.lexsort((rank[sel], owner[sel]))]
        o = owner[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = o[1:] != o[:-1]
        out[o[first]] = value[order[first]]
    return out


def _group_counts(mode: str, gg: np.ndarray, gs: np.ndarray, ge: np.ndarray, gt: np.ndarray,
                  pg: np.ndarray, ps: np.ndarray, pe: np.ndarray, pt: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`greedy_counts` of every group at once: ``(n_groups, 5)``. Rows are sorted by
    (group, start, end, type) and flat within each group."""
    out = np.zeros((n_groups, 5), dtype=np.int64)
    n_p = len(ps)
    if n_p:
        width = int(max(ge.max(initial=0), pe.max(initial=0))) + 1
        lo = np.searchsorted(gg * width + ge, pg * width + ps, side="right")
        hi = np.searchsorted(gg * width + gs, pg * width + pe, side="left")
        n_ov = hi - lo
        if mode == "ent_type":
            owner = np.repeat(np.arange(n_p), n_ov)
            k = lo[owner] + (np.arange(int(n_ov.sum())) - np.repeat(np.cumsum(n_ov) - n_ov, n_ov))
            same = gt[k] == pt[owner]
            d = np.abs(ps[owner] - gs[k]) + np.abs(pe[owner] - ge[k])
            choices = []
            for allowed in (np.ones(len(k), dtype=bool), k > lo[owner]):
                best = _first(owner, d * (width + 1) + (k - lo[owner]), k, allowed & same, n_p)
                other = _first(owner, k, k, allowed & ~same, n_p)
                choices.append((np.where(best >= 0, best, other), np.where(best >= 0, 1, np.where(other >= 0, 2, 0))))
            (c_free, k_free), (c_taken, k_taken) = choices
        else:
            hit = n_ov == 1
            lo_c = np.minimum(lo, max(len(gs) - 1, 0))
            if len(gs):
                hit &= (gs[lo_c] == ps) & (ge[lo_c] == pe)
                if mode == "strict":
                    hit &= gt[lo_c] == pt
            near = 3 if mode == "partial" else 2
            c_free = np.where(n_ov > 0, lo, -1)
            k_free = np.where(hit, 1, np.where(n_ov > 0, near, 0))
            c_taken = np.where(hit, lo, np.where(n_ov > 1, lo + 1, -1))
            k_taken = np.where(hit, 1, np.where(n_ov > 1, near, 0))
        # whether each prediction's lo is taken when it comes: the fixed point of the rule above
        has_prev = np.zeros(n_p, dtype=bool)
        has_prev[1:] = pg[1:] == pg[:-1]
        prev = np.maximum(np.arange(n_p) - 1, 0)
        reach = has_prev & (hi[prev] > lo) & (n_ov > 0)
        only = reach & (lo[prev] == lo)
        taken = only.copy()
        while True:
            choice = np.where(taken, c_taken, c_free)
            nxt = only | (reach & (choice[prev] == lo))
            if (nxt == taken).all():
                break
            taken = nxt
        kind = np.where(taken, k_taken, k_free)
        for col, kk in ((0, 1), (1, 2), (2, 3)):
            out[:, col] = np.bincount(pg[kind == kk], minlength=n_groups)
        out[:, 4] = np.bincount(pg[kind == 0], minlength=n_groups)
    matched = out[:, 0] + out[:, 1] + out[:, 2]
    out[:, 3] = np.bincount(gg, minlength=n_groups) - matched
    return out


def mode_counts_docs(gold_docs: Sequence[Spans], pred_docs: Sequence[Spans], n_types: int) -> np.ndarray:
    """:func:`mode_counts` of every document: ``(n_docs, 4, 1 + n_types, 5)`` (see the module docstring)."""
    n = len(gold_docs)
    out = np.zeros((n, len(MODES), 1 + n_types, 5), dtype=np.int64)
    if not n:
        return out

    def rows(docs):
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=n)
        flat = np.fromiter((x for spans in docs for sp in spans for x in sp), dtype=np.int64,
                           count=3 * int(lens.sum())).reshape(-1, 3)
        doc = np.repeat(np.arange(n, dtype=np.int64), lens)
        order = np.lexsort((flat[:, 2], flat[:, 1], flat[:, 0], doc))
        return doc[order], flat[order, 0], flat[order, 1], flat[order, 2]

    g, p = rows(gold_docs), rows(pred_docs)
    bad = np.zeros(n, dtype=bool)
    for d, s, e, _ in (g, p):
        bad[d[~_flat_rows(d, s, e)]] = True
    keep_g, keep_p = ~bad[g[0]], ~bad[p[0]]
    g = tuple(x[keep_g] for x in g)
    p = tuple(x[keep_p] for x in p)
    for mi, mode in enumerate(MODES):
        out[:, mi, 0] = _group_counts(mode, *g, *p, n)
        # per type: the same schema on each type's entities alone (groups document x type, sorted)
        gk, pk = g[0] * n_types + g[3], p[0] * n_types + p[3]
        og, op = np.argsort(gk, kind="stable"), np.argsort(pk, kind="stable")
        per = _group_counts(mode, gk[og], g[1][og], g[2][og], g[3][og], pk[op], p[1][op], p[2][op], p[3][op],
                            n * n_types)
        out[:, mi, 1:] = per.reshape(n, n_types, 5)
    for j in np.flatnonzero(bad):
        out[j] = mode_counts(gold_docs[j], pred_docs[j], n_types)
    return out
