"""Span overlap and the one matcher per named match mode.

Spans are half-open character ranges ``(start, end)``. Agreement (pass A
against pass B) and scoring (reference against prediction) both match with
:func:`match`. The only other pairings are deliberate: the entity scorer's
vectorised exact matcher (a test pins it to :func:`match`'s ``exact`` mode) and
nervaluate's own greedy schemas, reproduced for parity and named after them.

Match modes (:data:`MATCH_MODES`)
    ``exact``: same ``start`` and ``end``; one to one (duplicates pair in
    order). ``overlap``: at least one character in common, one to one; the
    pairing maximises the number of pairs, then the total number of shared
    characters, then prefers predicted spans that come earlier (an assignment
    problem, solved per call with ``scipy``'s ``linear_sum_assignment``;
    deterministic). This is how Citron et al. count
    overlap matches on PARC 3.0. A greedy "largest overlap first" pairing can
    find fewer pairs: gold ``[0,10) [10,30)`` against ``[5,25) [28,40)``
    greedily pairs only ``[10,30)``-``[5,25)`` (F1 0.5); the assignment pairs
    both (F1 1.0).

Labels
    With ``labels`` given (one per span on each side), only spans with the same
    label are paired (entity matching per type); the modes are otherwise the
    same.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tahaluf.core.errors import TahalufError, did_you_mean

MATCH_MODES: tuple[str, ...] = ("exact", "overlap")


def shared(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters two spans have in common."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _overlap_pairs(g: np.ndarray, p: np.ndarray, same: np.ndarray | None) -> list[tuple[int, int]]:
    ovl = np.minimum(g[:, None, 1], p[None, :, 1]) - np.maximum(g[:, None, 0], p[None, :, 0])
    ovl = np.clip(ovl, 0, None)
    if same is not None:
        ovl = np.where(same, ovl, 0)
    if not ovl.any():
        return []
    from scipy.optimize import linear_sum_assignment
    # weight of a pair: a large constant (more pairs first), its shared characters
    # (more overlap next), minus the rank of the predicted span by offsets (ties:
    # the earlier predicted span); each level outweighs every sum of the next
    rank = np.empty(len(p), dtype=np.int64)
    rank[np.lexsort((p[:, 1], p[:, 0]))] = np.arange(len(p))
    scale = float(len(p) * min(len(g), len(p)) + 1)
    big = float(ovl.sum() + 1)
    cost = -np.where(ovl > 0, (big + ovl) * scale - rank[None, :], 0.0)
    rows, cols = linear_sum_assignment(cost)
    return sorted((int(r), int(c)) for r, c in zip(rows, cols) if ovl[r, c] > 0)


def match(gold: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]], mode: str = "exact", *,
          gold_labels: Sequence | None = None, pred_labels: Sequence | None = None) -> list[tuple[int, int]]:
    """One-to-one pairs ``(gold index, pred index)``, sorted, under ``mode``."""
    if mode not in MATCH_MODES:
        raise TahalufError(f"unknown match mode {mode!r}. {did_you_mean(mode, MATCH_MODES)}")
    if not len(gold) or not len(pred):
        return []
    labelled = gold_labels is not None and pred_labels is not None
    if mode == "exact":
        free: dict[tuple, list[int]] = {}
        for j, s in enumerate(pred):
            free.setdefault((s[0], s[1], pred_labels[j] if labelled else None), []).append(j)
        out = []
        for i, s in enumerate(gold):
            js = free.get((s[0], s[1], gold_labels[i] if labelled else None))
            if js:
                out.append((i, js.pop(0)))
        return out
    g = np.asarray([(s[0], s[1]) for s in gold], dtype=np.int64)
    p = np.asarray([(s[0], s[1]) for s in pred], dtype=np.int64)
    same = None
    if labelled:
        same = np.asarray(gold_labels, dtype=object)[:, None] == np.asarray(pred_labels, dtype=object)[None, :]
    return _overlap_pairs(g, p, same)
