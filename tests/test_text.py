"""Text layer: token and sentence offsets reproduce the raw text; normalisers are copies."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tahaluf.core import paths
from tahaluf.core import text as tx


def test_token_offsets_reproduce_the_text_on_every_article(corpus):
    for doc in corpus:
        toks = tx.tokenize(doc.text)
        assert all(doc.text[t.start:t.end] == t.text for t in toks)
        # nothing but white space between tokens
        pos = 0
        for t in toks:
            assert doc.text[pos:t.start].strip() == ""
            pos = t.end
        assert doc.text[pos:].strip() == ""


def test_sentences_partition_the_tokens(corpus):
    for doc in corpus:
        toks = tx.tokenize(doc.text)
        sents = tx.sentences(doc.text, toks)
        assert [t for s in sents for t in s.tokens] == toks
        for s in sents:
            assert s.start == s.tokens[0].start and s.end == s.tokens[-1].end
            assert "\n" not in doc.text[s.start:s.end]


def test_sentence_rule_examples():
    t = 'قال "نحن هنا." ثم غادر. وبلغ 4.13 مليار؟ نعم\nسطر'
    got = [t[s.start:s.end] for s in tx.sentences(t)]
    assert got == ['قال "نحن هنا."', "ثم غادر.", "وبلغ 4.13 مليار؟", "نعم", "سطر"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ابت ثج.،!؟\n\t“”\"()0123456789abc\u0640\u064e", max_size=80))
def test_alignment_on_arbitrary_text(s):
    toks = tx.tokenize(s)
    assert all(s[t.start:t.end] == t.text for t in toks)


def test_normalisers_are_named_and_return_copies(corpus):
    doc = corpus[4]  # has a tatweel and a Farsi yeh: the default normalisers change it
    stored = paths.seeds_dir() / f"{doc.doc_id}.txt"
    on_disk = stored.read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == doc.metadata["sha256"]
    n = tx.normalise(doc.text)
    assert n != doc.text and len(n) != len(doc.text)  # a new, different string: not usable for offsets
    assert "\u0640" not in n and "\u06cc" not in n
    assert "\u0640" in doc.text and "\u06cc" in doc.text  # the document keeps the stored text
    assert stored.read_bytes() == on_disk  # and nothing was written back to seeds/
    assert tx.normalise("أإآ", ("alef",)) == "ااا"
    assert tx.normalise("مدرسة", ("teh_marbuta",)) == "مدرسه"
    assert tx.normalise("قَالَ", ("dediac",)) == "قال"
    assert tx.normalise("على فاوندیشن", ("yeh",)) == "علي فاونديشن"
    with pytest.raises(tx.TahalufError, match="Available"):
        tx.normalise("x", ("nope",))


def test_strip_clitics():
    assert tx.strip_clitics("للتحالف") == "التحالف"
    assert tx.strip_clitics("والعراق") == "العراق"
    assert tx.strip_clitics("وأضاف") == "أضاف"


def test_morphology_without_camel_data_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMELTOOLS_DATA", str(tmp_path / "empty"))
    with pytest.raises(tx.CamelDataMissing, match=r"camel_data -i morphology-db-msa-r13"):
        tx.morphology_analyser()
    with pytest.raises(tx.CamelDataMissing, match=r"camel_data -i ner-arabert"):
        tx.ner_recognizer()
