"""The mechanical rules of schema version 2 hold on the gold.

The rules that need judgement (stance, CUE of coordinated clauses, where an
unclosed quotation ends) are recorded in ``annotation/adjudication_log.json``;
these are the ones a program can check.
"""

from __future__ import annotations

import re

import pytest

from tahaluf import corpus
from tahaluf.core.schema import SCHEMA

#: spelling and word-order variants of a national institution (schema 2, layer 1): one ORG span
INSTITUTION_VARIANTS = ("القوات الأمنية العراقية", "القوى الأمنية العراقية", "القوات الامنية العراقية",
                        "قوى الأمن الداخلي", "قوات الأمن العراقية")
DEMONSTRATIVES = ("هذا التحالف", "هذه القوات")


@pytest.fixture(scope="module")
def gold():
    return corpus.load_gold()


def test_schema_is_version_2_with_three_required_targets():
    assert SCHEMA.version == 2
    assert SCHEMA.required_targets == ("stance_t1", "stance_t2", "stance_t3")
    assert all(t.description and t.description_ar for t in SCHEMA.stance_targets)


def test_every_quotation_and_document_has_every_target(gold):
    for d in gold:
        assert set(d.doc_stance) == set(SCHEMA.target_names), d.doc_id
        for q in d.quotes:
            assert set(q.stance) == set(SCHEMA.target_names), (d.doc_id, q.quote_id)


def test_no_quote_ends_with_the_full_stop(gold):
    bad = [(d.doc_id, q.quote_id, q.span.text[-20:]) for d in gold for q in d.quotes if q.span.text.endswith(".")]
    assert not bad, bad


def test_source_of_a_named_speaker_is_exactly_the_name(gold):
    """A SOURCE that contains a PER entity is that PER span (titles, ranks and roles outside)."""
    bad = []
    for d in gold:
        per = [(e.start, e.end) for e in d.entities if e.label == "PER"]
        for q in d.quotes:
            s = q.source
            if s is None:
                continue
            inside = [(a, b) for a, b in per if s.start <= a and b <= s.end]
            if inside and (s.start, s.end) not in inside:
                bad.append((d.doc_id, q.quote_id, s.text))
    assert not bad, bad


@pytest.mark.parametrize("variant", INSTITUTION_VARIANTS)
def test_national_institution_variants_are_one_org_span(gold, variant):
    seen = 0
    for d in gold:
        for m in re.finditer(variant, d.text):
            if d.in_boilerplate(m.start(), m.end()):
                continue
            seen += 1
            # a fused proclitic ل may start the span one character in (للقوات -> لقوات)
            labels = [e.label for e in d.entities if e.end == m.end() and m.start() <= e.start <= m.start() + 1]
            assert labels == ["ORG"], (d.doc_id, m.start(), variant, labels)
    if variant != "قوات الأمن العراقية":
        assert seen, f"{variant} no longer occurs: update the test"


def test_demonstrative_phrases_are_not_annotated(gold):
    for d in gold:
        for phrase in DEMONSTRATIVES:
            for m in re.finditer(phrase, d.text):
                hit = [e for e in d.entities if m.start() < e.end and e.start < m.end()]
                assert not hit, (d.doc_id, phrase, hit)
