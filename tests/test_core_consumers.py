"""One primitive, every consumer: the inputs of issue 11 give the same tags,
rows and matches in the dataset, the CoNLL export, the scorer and agreement.

Each input is a case the corpus did not have when the copies were written, on
which the copies used to disagree.
"""

from __future__ import annotations

import numpy as np
import pytest

from tahaluf.analysis import agreement as ag
from tahaluf.core import spans, tagging
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import SCHEMA
from tahaluf.dataset.rows import Placement, entity_rows
from tahaluf.formats.conll import document_conll
from tahaluf.scoring.entities import gold_entity_spans
from tahaluf.scoring.quotes import QuoteItem, score_quotes


def _doc(text: str, *ents: tuple[int, int, str], quotes: tuple[Quote, ...] = ()) -> Document:
    return Document("d", text, entities=tuple(Span.of(text, s, e, lab) for s, e, lab in ents), quotes=quotes)


def _tags_from_token_spans(n: int, token_spans: list[tuple[int, int, int]]) -> list[str]:
    names = tagging.tag_names(SCHEMA)
    tags = ["O"] * n
    for s, e, t in token_spans:
        tags[s] = names[2 * t + 1]
        for k in range(s + 1, e):
            tags[k] = names[2 * t + 2]
    return tags


def _every_consumer(doc: Document) -> dict[str, list[list[str]]]:
    """Tags per row as each consumer makes them."""
    dt = tagging.doc_tokens(doc)
    rows = dt.kept_rows()
    dataset = [r["ner_tags"] for r in entity_rows(doc, Placement("test", 0))[0]]
    conll = [[t for _, t in sent] for sent in document_conll(doc)[0]]
    flat = _tags_from_token_spans(len(dt), gold_entity_spans(doc, space="bio"))
    scorer = [flat[a:b] for a, b in rows]
    agreement_flat = ag.bio_tags(doc)
    agreement = [agreement_flat[a:b] for a, b in rows]
    return {"dataset": dataset, "conll": conll, "scorer": scorer, "agreement": agreement}


def test_a_token_touching_two_entities_is_first_wins_valid_iob2_everywhere():
    doc = _doc("abcdef gh ij", (0, 3, "PER"), (3, 9, "ORG"))
    got = _every_consumer(doc)
    assert got == {k: [["B-PER", "B-ORG", "O"]] for k in got}
    _, proj = tagging.tags_of(*(lambda d: (d.starts, d.ends))(tagging.doc_tokens(doc)), doc.entities)
    assert proj.conflicts == 1 and proj.lost == ()


def test_an_entity_crossing_a_sentence_break_makes_one_row_everywhere():
    text = "جبال\nحمرين هنا. وبعد ذلك"
    doc = _doc(text, (0, 10, "LOC"))
    got = _every_consumer(doc)
    first = ["B-LOC", "I-LOC", "O", "O"]
    assert all(rows[0] == first for rows in got.values()), got
    assert len({len(rows) for rows in got.values()}) == 1
    dt = tagging.doc_tokens(doc)
    assert dt.merged == 1 and dt.crossing == 1


def test_quotation_overlap_matching_is_the_same_in_agreement_and_the_scorer():
    text = "x" * 50
    gold = [(0, 10), (10, 30)]
    pred = [(5, 25), (28, 40)]
    assert spans.match(gold, pred, "overlap") == [(0, 0), (1, 1)]

    def doc(offsets):
        return _doc(text, quotes=tuple(Quote(f"q{i}", Span.of(text, s, e, "QUOTE"), "direct", "spk")
                                       for i, (s, e) in enumerate(offsets)))

    agreement_f1 = ag.quotation_agreement([(doc(gold), doc(pred))])["span_overlap"]["f1"]
    scored = score_quotes([[QuoteItem(s, e, "spk") for s, e in gold]], [[QuoteItem(s, e, "spk") for s, e in pred]],
                          [len(text)], bootstrap=None)
    assert agreement_f1 == scored["quote"]["overlap"]["f1"] == 1.0


@pytest.mark.parametrize("mode", spans.MATCH_MODES)
def test_agreement_and_scorer_use_one_matcher_on_random_spans(mode):
    """Agreement's match_spans is core's match (no copy): same pairs on random inputs."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        a = sorted({(int(s), int(s + rng.integers(1, 8))) for s in rng.integers(0, 40, rng.integers(0, 6))})
        b = sorted({(int(s), int(s + rng.integers(1, 8))) for s in rng.integers(0, 40, rng.integers(0, 6))})
        t = "x" * 60
        sa = [Span.of(t, s, e, "L") for s, e in a]
        sb = [Span.of(t, s, e, "L") for s, e in b]
        assert ag.match_spans(sa, sb, "strict" if mode == "exact" else "overlap") == spans.match(a, b, mode)
