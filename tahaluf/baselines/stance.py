"""Stance baselines over the reference quotations.

``majority``  every item gets the training set's most frequent label for its
              target (ties: schema order).
``tfidf-lr``  TF-IDF of character 2-5-grams within word boundaries
              (``analyzer="char_wb"``, sublinear tf) over the normalised
              quotation text (:func:`tahaluf.core.text.normalise`), one
              class-weighted :class:`~sklearn.linear_model.LogisticRegression`
              per target. A target whose training items have a single label
              falls back to that label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tahaluf.baselines.base import Baseline
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA
from tahaluf.core.text import normalise


def items(doc: Document):
    """(quote_id, target, quotation text, reference label) of every stance item."""
    for q in doc.quotes:
        for t, label in q.stance.items():
            yield q.quote_id, t, q.span.text, label


def _majority(labels: Sequence[str]) -> str:
    c = Counter(labels)
    order = list(SCHEMA.stance_labels)
    return min(c, key=lambda k: (-c[k], order.index(k)))


class Majority(Baseline):
    task = "stance"

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> Majority:
        by_target: dict[str, list[str]] = {}
        for d in docs:
            for _, t, _, label in items(d):
                by_target.setdefault(t, []).append(label)
        self.label = {t: _majority(v) for t, v in by_target.items()}
        self.default = _majority([x for v in by_target.values() for x in v]) if by_target else "NONE"
        return self

    def predict(self, doc: Document) -> dict:
        return {"doc_id": doc.doc_id, "stance": [{"quote_id": q, "target": t, "label": self.label.get(t, self.default)}
                                                 for q, t, _, _ in items(doc)]}


class TfidfLR(Baseline):
    task = "stance"
    #: character n-gram range of the TF-IDF features and the regularisation of the regression
    PARAMS: ClassVar[Mapping[str, Any]] = {"ngram_min": 2, "ngram_max": 5, "C": 1.0}

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> TfidfLR:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        by_target: dict[str, tuple[list[str], list[str]]] = {}
        for d in docs:
            for _, t, text, label in items(d):
                X, y = by_target.setdefault(t, ([], []))
                X.append(text)
                y.append(label)
        ngram = (self.params["ngram_min"], self.params["ngram_max"])
        self.models = {}
        self.fallback = Majority().fit(docs, registry)
        for t, (X, y) in sorted(by_target.items()):
            if len(set(y)) < 2:
                continue
            m = make_pipeline(
                TfidfVectorizer(analyzer="char_wb", ngram_range=ngram, sublinear_tf=True, preprocessor=normalise),
                LogisticRegression(C=self.params["C"], class_weight="balanced", max_iter=1000))
            self.models[t] = m.fit(X, y)
        return self

    def predict(self, doc: Document) -> dict:
        out = []
        for q, t, text, _ in items(doc):
            m = self.models.get(t)
            label = str(m.predict([text])[0]) if m is not None else self.fallback.label.get(t, self.fallback.default)
            out.append({"quote_id": q, "target": t, "label": label})
        return {"doc_id": doc.doc_id, "stance": out}
