"""The canonical model: spans verified where made, lossless deterministic JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import dumps
from tahaluf.core.model import Document, Quote, Span, Speaker

TEXT = "قال ماروتو إن “التحالف باق في العراق”."


def test_span_of_takes_text_from_offsets():
    s = Span.of(TEXT, 4, 10, "PER")
    assert s.text == "ماروتو" == TEXT[4:10]


@pytest.mark.parametrize("start,end", [(-1, 3), (5, 5), (3, 2), (0, len(TEXT) + 1)])
def test_span_of_refuses_bad_offsets(start, end):
    with pytest.raises(TahalufError, match="outside the text"):
        Span.of(TEXT, start, end, "PER")


def test_document_refuses_mismatched_span_and_lists_all():
    bad = (Span(4, 10, "PER", "ماروتي"), Span(0, 999, "ORG", "x"))
    with pytest.raises(TahalufError) as e:
        Document("d", TEXT, entities=bad)
    assert sorted(f.id for f in e.value.findings) == ["span-out-of-range", "span-text-mismatch"]


@st.composite
def documents(draw):
    text = draw(st.text(alphabet="ابتث جحخ.،\n“”دذرزسشصضطظعغفقكلمنهوي", min_size=1, max_size=60))
    n = len(text)

    def span(label):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a + 1, n))
        return Span.of(text, a, b, label)

    ents = draw(st.lists(st.builds(lambda: None), max_size=6))
    entities = tuple(span(draw(st.sampled_from(["PER", "ORG", "GPE"]))) for _ in ents)
    quotes = []
    for i in range(draw(st.integers(0, 4))):
        quotes.append(Quote(
            quote_id=f"q{i}", span=span("QUOTE"),
            quote_type=draw(st.sampled_from(["direct", "indirect", "mixed"])),
            speaker_id=draw(st.one_of(st.none(), st.sampled_from(["a", "b_c"]))),
            cue=draw(st.one_of(st.none(), st.just(None).map(lambda _: span("CUE")))),
            source=draw(st.one_of(st.none(), st.just(None).map(lambda _: span("SOURCE")))),
            stance=draw(st.dictionaries(st.sampled_from(["stance_t1", "stance_t2"]),
                                        st.sampled_from(["FAVOR", "AGAINST", "NONE"]))),
        ))
    return Document(draw(st.sampled_from(["000", "x_y"])), text, {"k": [1, "ع"]}, entities, tuple(quotes),
                    draw(st.dictionaries(st.just("stance_t1"), st.sampled_from(["FAVOR", "NONE"]))),
                    draw(st.one_of(st.none(), st.just("ann"))))


@settings(max_examples=200, deadline=None)
@given(documents())
def test_json_round_trip_is_lossless_and_deterministic(doc):
    s = dumps(doc)
    back = Document.from_dict(json.loads(s))
    assert back == doc
    assert dumps(back) == s
    assert "\\u" not in s  # UTF-8 text, not escapes


def test_order_does_not_change_serialisation():
    a, b = Span.of(TEXT, 4, 10, "PER"), Span.of(TEXT, 15, 22, "ORG")
    assert dumps(Document("d", TEXT, entities=(a, b))) == dumps(Document("d", TEXT, entities=(b, a)))


def test_speaker_round_trip():
    s = Speaker("myles_caggins", "Myles Caggins", "person", ("مايلز ككينز", "مايلز كاغينز"), "spokesman", "CJTF-OIR")
    assert Speaker.from_dict(json.loads(dumps(s))) == s
