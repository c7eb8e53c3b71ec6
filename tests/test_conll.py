"""CoNLL-2003 export of the entity layer (tahaluf.formats.conll, `tahaluf export-conll`)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from tahaluf import corpus, seeds
from tahaluf.core.model import Document, Span
from tahaluf.core.text import sentences, tokenize
from tahaluf.formats.conll import DOCSTART, document_conll, read_conll, to_conll


def _doc(text, *ents, metadata=None):
    return Document("d", text, metadata or {}, tuple(Span.of(text, s, e, lab) for s, e, lab in ents))


def _tags(doc):
    sents, stats = document_conll(doc)
    return [[t for _, t in s] for s in sents], stats


def test_proclitic_outside_the_span_stays_in_the_tagged_token():
    text = "قال وللتحالف الدولي في بغداد."
    s = text.index("لتحالف")  # the span starts at the second lam (guidelines 1.1)
    doc = _doc(text, (s, text.index(" في"), "ORG"), (text.index("بغداد"), text.index("."), "GPE"))
    sents, stats = document_conll(doc)
    assert sents == [[("قال", "O"), ("وللتحالف", "B-ORG"), ("الدولي", "I-ORG"), ("في", "O"),
                      ("بغداد", "B-GPE"), (".", "O")]]
    assert (stats.entities, stats.tagged_tokens, stats.conflicts, stats.lost) == (2, 3, 0, [])


def test_adjacent_entities_of_one_type_are_not_merged():
    text = "واشنطن بغداد"
    tags, _ = _tags(_doc(text, (0, 6, "GPE"), (7, 12, "GPE")))
    assert tags == [["B-GPE", "B-GPE"]]


def test_a_token_overlapping_two_entities_takes_the_first_and_is_counted():
    text = "ABCD EF"
    tags, stats = _tags(_doc(text, (0, 2, "ORG"), (2, 4, "PER"), (5, 7, "LOC")))
    assert tags == [["B-ORG", "B-LOC"]]
    assert stats.conflicts == 1
    assert stats.lost == ["d PER [2,4) 'CD'"]


def test_an_entity_crossing_a_sentence_break_joins_the_two_sentences():
    text = "جبال\nحمرين هنا"
    tags, _ = _tags(_doc(text, (0, 10, "LOC")))
    assert tags == [["B-LOC", "I-LOC", "O"]]


def test_boilerplate_tokens_are_left_out():
    text = "العراق بلد.\n\nاترك تعليقك"
    b = text.index("اترك")
    doc = _doc(text, (0, 6, "GPE"), metadata={"boilerplate": [{"start": b, "end": len(text)}]})
    sents, stats = document_conll(doc)
    assert sents == [[("العراق", "B-GPE"), ("بلد", "O"), (".", "O")]]
    assert stats.tokens == 3


def test_format_is_conll2003():
    text, _ = to_conll([_doc("قال بغداد", (4, 9, "GPE")), _doc("لا شيء")])
    assert text == f"{DOCSTART}\n\nقال _ _ O\nبغداد _ _ B-GPE\n\n{DOCSTART}\n\nلا _ _ O\nشيء _ _ O\n\n"
    assert read_conll(text) == [[[("قال", "O"), ("بغداد", "B-GPE")]], [[("لا", "O"), ("شيء", "O")]]]


@pytest.fixture(scope="module")
def docs():
    return corpus.source_documents()[0]


def test_corpus_export_agrees_with_an_independent_overlap_count(docs):
    """Every entity is exactly the chunk of the tokens it overlaps (seqeval reads the chunks)."""
    text, stats = to_conll(docs)
    parsed = read_conll(text)
    assert len(parsed) == len(docs) == stats.documents
    assert stats.conflicts == 0 and stats.lost == []
    assert stats.entities == sum(len(d.entities) for d in docs) > 500
    for doc, psents in zip(docs, parsed):
        boiler = seeds.boilerplate_ranges(doc)
        toks = [t for t in tokenize(doc.text) if not any(t.start < b and a < t.end for a, b in boiler)]
        flat = [tok for s in psents for tok in s]
        assert [t for t, _ in flat] == [t.text for t in toks]
        # expected chunks, computed naively: per sentence, the tokens each entity overlaps
        expected = set()
        offset = 0
        sent_of = {}
        for si, s in enumerate(sentences(doc.text)):
            for t in s.tokens:
                sent_of[t.start] = si
        for e in doc.entities:
            idx = [i for i, t in enumerate(toks) if t.start < e.end and e.start < t.end]
            assert idx, e
            by_sent = {}
            for i in idx:
                by_sent.setdefault(sent_of[toks[i].start], []).append(i)
            for run in by_sent.values():
                expected.add((e.label, run[0], run[-1]))
        got = set()
        for s in psents:
            for lab, a, b in get_entities([t for _, t in s]):
                got.add((lab, offset + a, offset + b))
            offset += len(s)
        assert got == expected, doc.doc_id


def test_cli_writes_the_split_deterministically(tmp_path, docs):
    out = tmp_path / "test.conll"
    argv = [sys.executable, "-m", "tahaluf", "export-conll", "--split", "test", "--out", str(out)]
    r = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first = out.read_bytes()
    assert subprocess.run(argv, capture_output=True, cwd=tmp_path).returncode == 0
    assert out.read_bytes() == first
    want = [d for d in docs if d.doc_id in corpus.SPLITS["test"]]
    assert first.decode("utf-8") == to_conll(want)[0]
    assert first.decode("utf-8").count(DOCSTART) == len(corpus.SPLITS["test"])


def test_cli_prints_to_stdout_and_refuses_an_unknown_source(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tahaluf", "export-conll", "--split", "validation"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith(DOCSTART) and "export-conll:" in r.stderr
    r = subprocess.run([sys.executable, "-m", "tahaluf", "export-conll", "--source", "pass_c"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and "unknown annotation source 'pass_c'" in r.stderr and "Did you mean" in r.stderr
