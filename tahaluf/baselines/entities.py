"""Entity baselines: majority, gazetteer, token logistic regression, CRF.

All four tag tahaluf tokens with BIO (sentences of :func:`tahaluf.core.text.sentences`),
decode CoNLL-style (an ``I-X`` that does not continue an entity starts one)
and turn token runs into character spans: the end is the last token's end,
the start is the first token's start moved past a proclitic
(:func:`tahaluf.baselines.features.proclitic_offset`, the guidelines' rule
plus the forms seen at training span starts).

``majority``    every token gets the most frequent training tag (``O``): no entities.
``gazetteer``   the training entities as sequences of normalised, clitic-stripped
                token forms with their most frequent type (ties: schema order);
                tagging is greedy longest match, left to right, within a sentence.
``logreg``      :class:`~sklearn.linear_model.LogisticRegression` on one-hot token
                features (:func:`~tahaluf.baselines.features.token_features`)
                through :class:`~sklearn.feature_extraction.DictVectorizer`;
                each token is classified on its own.
``crf``         a linear-chain CRF (``sklearn-crfsuite``, L-BFGS, elastic net)
                on the same features.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from tahaluf.baselines.base import Baseline
from tahaluf.baselines.features import proclitic_offset, span_start_forms, token_features, view
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA
from tahaluf.core.tagging import TagSet, decode, decode_lenient, project

TAGSET = TagSet(SCHEMA)
LABELS = list(SCHEMA.entity_labels)


def gold_tags(doc: Document) -> np.ndarray:
    v = view(doc)
    spans = [(e.start, e.end, LABELS.index(e.label)) for e in doc.entities]
    return project(np.array(v.starts), np.array(v.ends), spans)


def to_record(doc: Document, tags: np.ndarray, known: frozenset[str]) -> dict:
    """A submission record from tag ids over the article's tokens."""
    v = view(doc)
    s, e, t = decode_lenient(np.asarray(tags, dtype=np.int64), v.sentence_starts())
    ents = []
    for a, b, k in zip(s.tolist(), e.tolist(), t.tolist()):
        start = v.starts[a] + proclitic_offset(v.form[a], known)
        end = v.ends[b - 1]
        if start < end:
            ents.append({"start": start, "end": end, "label": LABELS[k]})
    return {"doc_id": doc.doc_id, "entities": ents}


def _known(docs: Sequence[Document]) -> frozenset[str]:
    return span_start_forms(docs, lambda d: [(e.start, e.end) for e in d.entities])


class Majority(Baseline):
    task = "entities"

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> Majority:
        counts = Counter(int(x) for d in docs for x in gold_tags(d))
        self.tag = min(counts, key=lambda k: (-counts[k], k)) if counts else 0
        return self

    def predict(self, doc: Document) -> dict:
        return to_record(doc, np.full(len(view(doc)), self.tag, dtype=np.int64), frozenset())


class Gazetteer(Baseline):
    task = "entities"
    #: ``max_len``: the longest training entity (in tokens) the gazetteer keeps
    PARAMS: ClassVar[Mapping[str, Any]] = {"max_len": 8}

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> Gazetteer:
        counts: dict[tuple[str, ...], Counter] = {}
        for d in docs:
            v = view(d)
            tags = gold_tags(d)
            s, e, t = decode(tags, v.sentence_starts())
            for a, b, k in zip(s.tolist(), e.tolist(), t.tolist()):
                if b - a <= self.params["max_len"]:
                    counts.setdefault(tuple(v.stem[a:b]), Counter())[k] += 1
        self.entries = {key: min(c, key=lambda k: (-c[k], k)) for key, c in counts.items()}
        self.longest = max((len(k) for k in self.entries), default=0)
        self.known = _known(docs)
        return self

    def predict(self, doc: Document) -> dict:
        v = view(doc)
        tags = np.zeros(len(v), dtype=np.int64)
        for lo, hi in v.sentences:
            i = lo
            while i < hi:
                for n in range(min(self.longest, hi - i), 0, -1):
                    k = self.entries.get(tuple(v.stem[i:i + n]))
                    if k is not None:
                        tags[i] = 2 * k + 1
                        tags[i + 1:i + n] = 2 * k + 2
                        i += n
                        break
                else:
                    i += 1
        return to_record(doc, tags, self.known)


_FEATS: dict[tuple[str, str], list[list[dict]]] = {}


def sentence_features(doc: Document) -> list[list[dict]]:
    """Token features per sentence (cached: the same article is featurised once per run)."""
    key = (doc.doc_id, doc.text)
    if key not in _FEATS:
        v = view(doc)
        _FEATS[key] = [[token_features(v, i, lo, hi) for i in range(lo, hi)] for lo, hi in v.sentences]
    return _FEATS[key]


def _sequences(docs: Sequence[Document]):
    """Per sentence: feature dicts and tag strings."""
    for d in docs:
        v = view(d)
        tags = gold_tags(d)
        for (lo, hi), feats in zip(v.sentences, sentence_features(d)):
            yield feats, [TAGSET.names[x] for x in tags[lo:hi]]


class LogReg(Baseline):
    task = "entities"
    #: passed to :class:`~sklearn.linear_model.LogisticRegression`
    PARAMS: ClassVar[Mapping[str, Any]] = {"C": 1.0, "max_iter": 100, "tol": 1e-3}

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> LogReg:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        X, y = [], []
        for feats, tags in _sequences(docs):
            X += feats
            y += tags
        self.vec = DictVectorizer()
        self.clf = LogisticRegression(**self.params)
        self.clf.fit(self.vec.fit_transform(X), y)
        self.known = _known(docs)
        return self

    def predict(self, doc: Document) -> dict:
        X = [f for sent in sentence_features(doc) for f in sent]
        pred = self.clf.predict(self.vec.transform(X)) if X else []
        return to_record(doc, TAGSET.encode([str(p) for p in pred]), self.known)


class CRF(Baseline):
    task = "entities"
    #: passed to ``sklearn_crfsuite.CRF`` (L1, L2 penalties and L-BFGS iterations)
    PARAMS: ClassVar[Mapping[str, Any]] = {"c1": 0.05, "c2": 0.05, "max_iterations": 100}

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> CRF:
        import sklearn_crfsuite
        X, y = zip(*_sequences(docs))
        self.crf = sklearn_crfsuite.CRF(algorithm="lbfgs", all_possible_transitions=True, **self.params)
        self.crf.fit(list(X), list(y))
        self.known = _known(docs)
        return self

    def predict(self, doc: Document) -> dict:
        X = sentence_features(doc)
        pred = self.crf.predict(X) if X else []
        return to_record(doc, TAGSET.encode([t for s in pred for t in s]), self.known)
