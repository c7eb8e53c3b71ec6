"""The document diff: changes matched by offsets and labels, never by region or quotation id.

The diff of a document with its own round trip through Label Studio is
tested in ``test_labelstudio_roundtrip.py`` (on generated documents).
"""

from __future__ import annotations

import pytest

from tahaluf import corpus
from tahaluf.analysis.diff import Change, diff_documents
from tahaluf.core.model import Quote, Span


@pytest.fixture(scope="module")
def pass_a():
    return corpus.load_pass("pass_a")


def test_diff_matches_by_offsets_and_labels_not_ids(pass_a):
    doc = pass_a[1]
    renamed = doc.with_layers(quotes=tuple(
        Quote(f"x{i}", q.span, q.quote_type, q.speaker_id, q.cue, q.source, q.stance)
        for i, q in enumerate(reversed(doc.quotes))))
    assert renamed != doc
    assert diff_documents(doc, renamed) == []


def test_diff_lists_exactly_the_changes(pass_a):
    doc = pass_a[0]
    q = doc.quotes[3]
    new_q = Quote(q.quote_id, q.span, q.quote_type, "someone_else", q.cue, q.source,
                  {**q.stance, "stance_t4": "AGAINST"})
    e = doc.entities[5]
    added = Span.of(doc.text, 0, 5, "PER")
    changed = doc.with_layers(
        entities=tuple(x for x in doc.entities if x != e) + (Span(e.start, e.end, "LOC", e.text), added),
        quotes=tuple(new_q if x is q else x for x in doc.quotes)[1:],
        doc_stance={"stance_t1": "NONE" if doc.doc_stance["stance_t1"] != "NONE" else "FAVOR"})
    got = diff_documents(doc, changed)
    q0 = doc.quotes[0]
    assert got == [
        Change("+", "entity", 0, 5, new="PER", text=added.text),
        Change("~", "entity", e.start, e.end, "label", e.label, "LOC", e.text),
        Change("-", "quote", q0.span.start, q0.span.end, text=q0.span.text,
               old={"quote_type": q0.quote_type, "speaker_id": q0.speaker_id, "stance": dict(q0.stance)}),
        Change("~", "quote", q.span.start, q.span.end, "speaker_id", q.speaker_id, "someone_else", q.span.text),
        Change("~", "quote", q.span.start, q.span.end, "stance_t4", None, "AGAINST", q.span.text),
        Change("~", "document", None, None, "stance_t1", doc.doc_stance["stance_t1"],
               changed.doc_stance["stance_t1"]),
    ]
    assert [str(c)[0] for c in got] == ["+", "~", "-", "~", "~", "~"]
    assert "stance_t4: None -> 'AGAINST'" in str(got[4])
