"""The learned quotation baseline (``quotes-crf``): a CRF tagger and a speaker ranker.

A linear-chain CRF over each paragraph's tokens with tags
``O, B/I-QUOTE, B/I-CUE, B/I-SOURCE`` (reference spans projected on tokens
by overlap). Features: the entity features plus quotation-mark state
(inside/outside by the pairing of
:mod:`~tahaluf.baselines.quotes.lexicon`), cue-lexicon and complementiser
flags, the position relative to a leading ``NAME:``. Each predicted
quotation takes the nearest predicted cue and source of its paragraph.
The speaker is chosen by a logistic-regression ranker over candidate
registry speakers (those mentioned in the article, plus the previous
quotation's speaker), with features: mention inside the source span,
token distance to the nearest mention before and after the quotation,
mention in the same sentence or paragraph, previous quotation's speaker,
mention inside the quotation, number of mentions, institution or person,
``NAME:`` line.

The tag set is :class:`tahaluf.core.tagging.TagSet` over the three region
labels ``QUOTE, CUE, SOURCE`` (:data:`tahaluf.core.schema.QUOTE_REGION_LABELS`);
tags are decoded CoNLL-style (:func:`tahaluf.core.tagging.decode_lenient`)
paragraph by paragraph. The speaker registry comes from the runner
(``fit(docs, registry)``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from tahaluf.baselines.base import Baseline
from tahaluf.baselines.features import proclitic_offset, span_start_forms, token_features, view
from tahaluf.baselines.quotes.lexicon import (
    ASCII_MARK,
    CLOSE_MARKS,
    MARKS,
    OPEN_MARKS,
    cue_set,
    is_complementiser,
    mentions,
    spelling_keys,
    stem_form,
)
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import QUOTE_REGION_LABELS, Schema
from tahaluf.core.speakers import alias_table
from tahaluf.core.tagging import TagSet, decode_lenient, project

#: ``O, B-QUOTE, I-QUOTE, B-CUE, I-CUE, B-SOURCE, I-SOURCE``; type ``k`` is ``QUOTE_REGION_LABELS[k]``
QTAGS = TagSet(Schema(entity_labels=QUOTE_REGION_LABELS))
QUOTE, CUE, SOURCE = range(len(QUOTE_REGION_LABELS))


def _mark_state(v, lo: int, hi: int) -> list[str]:
    """Per token of a paragraph: 'open'/'close'/'in'/'out' by the pairing rule."""
    out = []
    inside = None
    for i in range(lo, hi):
        f = v.form[i]
        if f in OPEN_MARKS or (f == ASCII_MARK and inside is None):
            out.append("open")
            inside = inside or f
        elif (f in CLOSE_MARKS and inside in tuple(OPEN_MARKS)) or (f == ASCII_MARK and inside == ASCII_MARK):
            out.append("close")
            inside = None
        else:
            out.append("in" if inside else "out")
    return out


def quote_features(v, lo: int, hi: int, cues: frozenset[str]) -> list[dict]:
    marks = _mark_state(v, lo, hi)
    colon = next((i for i in range(lo, min(hi, lo + 7)) if v.form[i] == ":"), None)
    feats = []
    last_comp = -100
    for i in range(lo, hi):
        f = token_features(v, i, lo, hi)
        f["mark"] = marks[i - lo]
        f["mark-1"] = marks[i - lo - 1] if i > lo else "<s>"
        f["mark+1"] = marks[i - lo + 1] if i + 1 < hi else "</s>"
        f["cue"] = str(v.stem[i] in cues or v.stem[i] in cue_set())
        f["cue-1"] = str(i > lo and (v.stem[i - 1] in cues or v.stem[i - 1] in cue_set()))
        comp = is_complementiser(v.norm[i])
        f["comp"] = str(comp)
        f["comp-1"] = str(i > lo and is_complementiser(v.norm[i - 1]))
        if comp:
            last_comp = i
        f["since_comp"] = str(min(i - last_comp, 6))
        f["colon"] = "none" if colon is None else ("before" if i < colon else ("at" if i == colon else "after"))
        f["pos"] = str(min(i - lo, 4))
        feats.append(f)
    return feats


def _qspans(doc: Document) -> list[tuple[int, int, int]]:
    out = set()
    for q in doc.quotes:
        out.add((q.span.start, q.span.end, QUOTE))
        if q.cue:
            out.add((q.cue.start, q.cue.end, CUE))
        if q.source:
            out.add((q.source.start, q.source.end, SOURCE))
    return sorted(out)


class CRFTagger(Baseline):
    task = "quotes"
    #: ``c1``, ``c2``, ``max_iterations`` go to ``sklearn_crfsuite.CRF``; ``ranker_C`` is the
    #: regularisation of the speaker ranker's logistic regression
    PARAMS: ClassVar[Mapping[str, Any]] = {"c1": 0.05, "c2": 0.05, "max_iterations": 100, "ranker_C": 1.0}

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> CRFTagger:
        import sklearn_crfsuite
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        self.speakers = registry
        self.keys = spelling_keys(registry)
        self.cues = frozenset(stem_form(q.cue.text.split()[0]) for d in docs for q in d.quotes if q.cue)
        self.known_cue = span_start_forms(docs, lambda d: [(q.cue.start, q.cue.end) for q in d.quotes if q.cue])
        self.known_src = span_start_forms(docs, lambda d: [(q.source.start, q.source.end)
                                                           for q in d.quotes if q.source])
        X, y = [], []
        for d in docs:
            v = view(d)
            tags = project(np.array(v.starts), np.array(v.ends), _qspans(d))
            for lo, hi in v.paragraphs:
                X.append(quote_features(v, lo, hi, self.cues))
                y.append([QTAGS.names[t] for t in tags[lo:hi]])
        crf_params = {k: self.params[k] for k in ("c1", "c2", "max_iterations")}
        self.crf = sklearn_crfsuite.CRF(algorithm="lbfgs", all_possible_transitions=True, **crf_params)
        self.crf.fit(X, y)
        # speaker ranker on the reference quotations
        aliases = alias_table(self.speakers)
        F, t = [], []
        for d in docs:
            ments = mentions(d, self.keys)
            prev = [None, None]
            for q in d.quotes:
                gold = aliases.get(q.speaker_id, q.speaker_id)
                src = (q.source.start, q.source.end) if q.source else None
                for cand, feats in self._candidates(d, (q.span.start, q.span.end), src, ments, prev):
                    F.append(feats)
                    t.append(int(cand == gold))
                prev = [gold, prev[0]]
        self.vec = DictVectorizer()
        self.ranker = LogisticRegression(C=self.params["ranker_C"], class_weight="balanced", max_iter=1000)
        if len(set(t)) > 1:
            self.ranker.fit(self.vec.fit_transform(F), t)
        else:
            self.ranker = None
        return self

    def _candidates(self, doc, span, src, ments, prev):
        v = view(doc)
        a, b = v.token_range(span[0], span[1])
        sent_of = v.sentence_of()
        para = next(((lo, hi) for lo, hi in v.paragraphs if lo <= a < hi), (a, b))
        sa, sb = v.token_range(src[0], src[1]) if src else (-1, -1)
        cands = sorted({sid for _, _, sid in ments} | ({prev[0]} if prev[0] else set()))
        counts = Counter(sid for _, _, sid in ments)
        colon = next((i for i in range(para[0], min(para[1], para[0] + 7)) if v.form[i] == ":"), None)
        last_before = max(((bb, sid) for aa, bb, sid in ments if bb <= a), default=(None, None))[1]
        first_after = min(((aa, sid) for aa, bb, sid in ments if aa >= b and para[0] <= aa < para[1]),
                          default=(None, None))[1]
        for c in cands:
            ms = [(aa, bb) for aa, bb, sid in ments if sid == c]
            before = [a - bb for aa, bb in ms if bb <= a]
            after = [aa - b for aa, bb in ms if aa >= b]
            f = {
                "src_match": float(any(aa < sb and sa < bb for aa, bb in ms)),
                "src_none": float(src is None),
                "d_before": math.log1p(min(before)) if before else 8.0,
                "d_after": math.log1p(min(after)) if after else 8.0,
                "has_before": float(bool(before)),
                "same_sentence": float(any(sent_of[aa] in (sent_of[a], sent_of[min(b, len(v)) - 1]) for aa, _ in ms)),
                "same_para": float(any(para[0] <= aa < para[1] for aa, _ in ms)),
                "inside": float(any(a <= aa and bb <= b for aa, bb in ms)),
                "prev": float(c == prev[0]),
                "prev2": float(c == prev[1]),
                "freq": math.log1p(counts[c]),
                "institution": float(self.speakers[c].kind != "person") if c in self.speakers else 0.0,
                "colon_line": float(colon is not None and any(para[0] <= aa < colon for aa, _ in ms)),
            }
            f["src_match_person"] = f["src_match"] * (1 - f["institution"])
            f["closest_before"] = float(c == last_before)
            f["first_after_in_para"] = float(c == first_after)
            yield c, f

    def predict(self, doc: Document) -> dict:
        v = view(doc)
        tags = np.zeros(len(v), dtype=np.int64)
        for lo, hi in v.paragraphs:
            pred = self.crf.predict_single(quote_features(v, lo, hi, self.cues))
            tags[lo:hi] = QTAGS.encode(pred)
        starts = np.array([lo for lo, _ in v.paragraphs], dtype=np.int64)
        s, e, t = decode_lenient(tags, starts)
        para_of = {}
        for k, (lo, hi) in enumerate(v.paragraphs):
            for i in range(lo, hi):
                para_of[i] = k
        qs, cues, srcs = [], [], []
        for a, b, k in zip(s.tolist(), e.tolist(), t.tolist()):
            if k == QUOTE:
                qs.append((a, b))
            elif k == CUE:
                cues.append((a, b))
            else:
                srcs.append((a, b))
        ments = mentions(doc, self.keys)
        out = []
        prev = [None, None]

        def nearest(items, a, b):
            best = None
            for x, y in items:
                if para_of[x] != para_of[a]:
                    continue
                d = a - y if y <= a else x - b
                if d < 0 or d > 15:
                    continue
                if best is None or d < best[0]:
                    best = (d, x, y)
            return None if best is None else (best[1], best[2])

        for a, b in qs:
            start, end = v.starts[a], v.ends[b - 1]
            cue = nearest(cues, a, b)
            src = nearest(srcs, a, b)
            cue_c = None if cue is None else (v.starts[cue[0]] + proclitic_offset(v.form[cue[0]], self.known_cue),
                                              v.ends[cue[1] - 1])
            src_c = None if src is None else (v.starts[src[0]] + proclitic_offset(v.form[src[0]], self.known_src),
                                              v.ends[src[1] - 1])
            cue_c = cue_c if cue_c and cue_c[0] < cue_c[1] else None
            src_c = src_c if src_c and src_c[0] < src_c[1] else None
            speaker = None
            if self.ranker is not None:
                cands = list(self._candidates(doc, (start, end), src_c, ments, prev))
                if cands:
                    probs = self.ranker.predict_proba(self.vec.transform([f for _, f in cands]))[:, 1]
                    speaker = cands[int(np.argmax(probs))][0]
            prev = [speaker or prev[0], prev[0]]
            before = doc.text[:start].rstrip()
            inner = doc.text[start:end]
            qt = "direct" if before[-1:] in MARKS or (before.endswith(":") and a > 0) else \
                ("mixed" if any(ch in MARKS for ch in inner) else "indirect")
            out.append({"start": start, "end": end, "quote_type": qt, "speaker_id": speaker,
                        "cue": None if cue_c is None else {"start": cue_c[0], "end": cue_c[1]},
                        "source": None if src_c is None else {"start": src_c[0], "end": src_c[1]}})
        return {"doc_id": doc.doc_id, "quotes": out}
