"""Macro averages over classes, with the package's one "defined class" rule.

A class (an entity type, a stance label) is *defined* when it occurs in the
reference or in the predictions; a macro average is the mean of the
per-class scores over the defined classes only (seqeval's ``unique_labels``),
and ``0.0`` when no class is defined. Per-class precision, recall and F1 come
from :func:`tahaluf.core.metrics.prf` (``0.0`` on a zero denominator). The
entity and stance scorers both average with :func:`macro_prf`.
"""

from __future__ import annotations

import numpy as np

from tahaluf.core.metrics import prf, safe_div


def macro_prf(tp, n_pred, n_gold) -> tuple:
    """Macro P, R, F1 over the classes on the last axis of the count arrays."""
    n_pred = np.asarray(n_pred)
    n_gold = np.asarray(n_gold)
    p, r, f = prf(tp, n_pred, n_gold)
    defined = (n_pred + n_gold) > 0
    k = defined.sum(axis=-1)
    return (safe_div((p * defined).sum(axis=-1), k), safe_div((r * defined).sum(axis=-1), k),
            safe_div((f * defined).sum(axis=-1), k))
