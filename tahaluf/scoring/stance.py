"""Stance scoring over the reference quotations.

Items are the reference quotations of the evaluated documents, one per
(quotation, stance target): the task is to label a given quotation, so the
item set is fixed by the reference. Every target is scored on its own
(``per_target``, one signature each, carrying ``target:``); nothing is pooled
over targets, so adding a target never changes another target's figures. A submission must label every item; a
missing item is refused (``missing="refuse"``, the default) or, if asked
(``missing="wrong"``), counted as a prediction of no class: an error for
accuracy and a false negative of the reference class.

Reported
    ``macro_f1``: mean F1 over FAVOR, AGAINST and NONE, skipping a class that
    occurs neither in the reference nor in the predictions (its F1 is
    undefined, as seqeval and ``unique_labels`` do); ``f_avg``: SemEval-2016
    Task 6's official score exactly as its ``eval.pl`` computes it, the mean of
    F1(FAVOR) and F1(AGAINST) always, a class with no reference and no
    predicted item counting 0 (reference ``F F N N N``, prediction ``F N N F N``:
    0.25); ``accuracy``; per-class precision/recall/F1;
    the confusion matrix (rows reference, columns prediction, the last
    column ``MISSING``). Bootstrap intervals resample documents. Both averages
    macro F1 is :func:`tahaluf.core.metrics.macro_prf`'s.

The items of a document are :func:`gold_stance`: ``{(quote_id, target): label}``
over its reference quotations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tahaluf.core.metrics import (DEFAULT_BOOTSTRAP, Bootstrap, as_counts, macro_prf, per_doc_table, prf, rnd,
                                   safe_div)
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema

MISSING = "MISSING"
#: the classes SemEval-2016's F_avg averages
F_AVG_CLASSES = ("FAVOR", "AGAINST")


def doc_confusion(gold: Mapping[tuple[str, str], str], pred: Mapping[tuple[str, str], str | None],
                  labels: Sequence[str]) -> np.ndarray:
    """``(len(labels), len(labels) + 1)`` counts; the last column counts missing predictions."""
    idx = {lab: i for i, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels) + 1), dtype=np.int64)
    for item, g in gold.items():
        p = pred.get(item)
        m[idx[g], idx[p] if p is not None else len(labels)] += 1
    return m


def gold_stance(doc: Document) -> dict[tuple[str, str], str]:
    """The stance items of ``doc``'s reference quotations and their labels."""
    return {(q.quote_id, t): v for q in doc.quotes for t, v in q.stance.items()}


def _class_counts(m: np.ndarray):
    """Per-class (tp, n_pred, n_gold); ``m`` (..., L, L + 1)."""
    n = m.shape[-2]
    diag = np.diagonal(m[..., :, :n], axis1=-2, axis2=-1)
    return diag, m[..., :, :n].sum(axis=-2), m.sum(axis=-1)


def summarise(per_doc: np.ndarray, labels: Sequence[str], *, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
              doc_ids: Sequence[str] = ()) -> dict:
    per_doc = as_counts(per_doc).reshape(-1, len(labels), len(labels) + 1)
    tot = per_doc.sum(axis=0)
    favg_cols = [labels.index(c) for c in F_AVG_CLASSES if c in labels]

    def macro(m):
        return macro_prf(*_class_counts(m))[2]

    def favg(m):  # eval.pl: (F1(FAVOR) + F1(AGAINST)) / 2, an undefined F1 is 0
        f1 = prf(*_class_counts(m))[2]
        return f1[..., favg_cols].sum(axis=-1) / len(F_AVG_CLASSES)

    def acc(m):
        n = len(labels)
        return safe_div(np.trace(m[..., :, :n], axis1=-2, axis2=-1), m.sum(axis=(-2, -1)))

    tp, npred, ngold = _class_counts(tot)
    p, r, f = prf(tp, npred, ngold)
    d = (npred + ngold) > 0
    ci = (lambda fn: bootstrap.interval(per_doc, fn)) if bootstrap else (lambda fn: None)
    out = {
        "n_docs": int(per_doc.shape[0]),
        "n_items": int(tot.sum()),
        "n_missing": int(tot[:, -1].sum()),
        "macro_f1": float(macro(tot)),
        "f_avg": float(favg(tot)),
        "accuracy": float(acc(tot)),
        "ci95": {"macro_f1": ci(macro), "f_avg": ci(favg), "accuracy": ci(acc)},
        "per_class": {
            lab: ({"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k])} if d[k]
                  else {"precision": None, "recall": None, "f1": None})
            | {"support": int(tot[k].sum()), "n_pred": int(tot[:, k].sum())}
            for k, lab in enumerate(labels)
        },
        "confusion": {"rows": "reference", "columns": list(labels) + [MISSING],
                      "labels": list(labels), "matrix": tot.tolist()},
    }
    out = rnd(out)
    out["per_doc"] = per_doc_table(doc_ids, {"n_items": per_doc.sum(axis=(1, 2)), "macro_f1": macro(per_doc),
                                             "accuracy": acc(per_doc)})
    return out


def score_stance(gold_docs: Sequence[Mapping[tuple[str, str], str]],
                 pred_docs: Sequence[Mapping[tuple[str, str], str | None]], *, schema: Schema = SCHEMA,
                 bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, doc_ids: Sequence[str] = ()) -> dict:
    """Score per-document ``{(quote_id, target): label}`` maps, each target on its own;
    the reference fixes the items."""
    counts = Counts(len(gold_docs), schema)
    for j, (g, p) in enumerate(zip(gold_docs, pred_docs)):
        counts.add(j, g, p)
    return counts.report(bootstrap=bootstrap, doc_ids=doc_ids)


class Counts:
    """Per-document confusion matrices, one ``(n_docs, L, L + 1)`` array per stance target
    found in the reference, added one document at a time."""

    def __init__(self, n_docs: int, schema: Schema = SCHEMA) -> None:
        self.n_docs = n_docs
        self.schema = schema
        self.labels = list(schema.stance_labels)
        self.per_target: dict[str, np.ndarray] = {}

    def add(self, j: int, gold: Mapping[tuple[str, str], str], pred: Mapping[tuple[str, str], str | None]) -> None:
        for t in sorted({t for (_, t) in gold}):
            if t not in self.per_target:
                n = len(self.labels)
                self.per_target[t] = np.zeros((self.n_docs, n, n + 1), dtype=np.int32)  # grows with the corpus
            self.per_target[t][j] = doc_confusion({k: v for k, v in gold.items() if k[1] == t}, pred, self.labels)

    def report(self, *, bootstrap: Bootstrap | None, doc_ids: Sequence[str]) -> dict:
        order = {t: k for k, t in enumerate(self.schema.target_names)}
        targets = sorted(self.per_target, key=lambda t: (order.get(t, len(order)), t))
        per_target = {t: summarise(self.per_target[t], self.labels, bootstrap=bootstrap, doc_ids=doc_ids)
                      for t in targets}
        return {"n_docs": self.n_docs, "n_items": sum(r["n_items"] for r in per_target.values()),
                "n_missing": sum(r["n_missing"] for r in per_target.values()), "targets": targets,
                "per_target": per_target}


class Tally:
    """A submission's confusion matrices added one article at a time (the sink of
    :func:`tahaluf.scoring.submission.read_submission`), then the task's part of a result."""

    def __init__(self, n_docs: int, *, schema: Schema = SCHEMA, speakers=None, missing: str = "refuse") -> None:
        self.missing = missing
        self.counts = Counts(n_docs, schema)

    def add(self, j: int, doc: Document, pred: Mapping[tuple[str, str], str | None], space: str = "char") -> None:
        self.counts.add(j, gold_stance(doc), pred)

    def result(self, sign, *, bootstrap: Bootstrap | None, doc_ids: Sequence[str], space: str = "char") -> dict:
        """The task's part of a result (:mod:`tahaluf.scoring.tasks`): the missing-item
        policy, the signature (mode ``quote-items``) and :func:`score_stance`."""
        missing = self.missing
        res = self.counts.report(bootstrap=bootstrap, doc_ids=doc_ids)
        extra = (("missing", missing),) if missing != "refuse" else ()
        sigs = {t: sign("quote-items", extra=(("target", t), *extra)) for t in res["targets"]}
        for t, r in res["per_target"].items():
            r["signature"] = sigs[t]
        # the result's own signature is its headline's: the first target of the schema
        head = {"signature": sigs[res["targets"][0]]} if res["targets"] else {}
        return {"missing": missing, **head, "signatures": sigs, **res}
