"""Corpus statistics: counts of a hand-made document, alias mapping, output formats, CLI."""

from __future__ import annotations

import json

import pytest
from test_agreement import SPEAKERS, TEXT, pass_a, pass_b, sp

from tahaluf.analysis.stats import MISSING_NAME, corpus_stats, render
from tahaluf.core.model import Document, Quote
from tahaluf.core.signatures import documents_hash


@pytest.fixture(scope="module")
def st():
    return corpus_stats([pass_a()], SPEAKERS)


def test_counts_of_a_hand_made_document(st):
    # TEXT: 39 tokens, 4 sentences (counted by hand); pass_a: 3 entities, 3 quotes
    assert st["totals"] == {"documents": 1, "chars": len(TEXT), "tokens": 39, "sentences": 4,
                            "entities": 3, "quotes": 3, "cues": 3, "sources": 2, "speakers": 2}
    assert st["articles"] == [{"doc_id": "hand", "split": "-", "chars": len(TEXT), "tokens": 39, "sentences": 4,
                               "entities": 3, "quotes": 3, "doc_stance": {"stance_t1": "FAVOR"}}]
    assert st["entities"]["by_type"] == {"PER": 2, "GPE": 1}
    assert st["entities"]["tokens_by_type"] == {"PER": 3, "GPE": 1}  # Ali + Omar Khan; Baghdad
    q = st["quotations"]
    assert q["by_quote_type"] == {"direct": 1, "indirect": 2}
    assert (q["with_cue"], q["without_cue"], q["with_source"], q["without_source"]) == (3, 0, 2, 1)
    assert st["speakers"] == [
        {"speaker_id": "omar", "name_en": "Omar", "kind": "person", "quotes": 2, "documents": 1},
        {"speaker_id": "ali", "name_en": "Ali", "kind": "person", "quotes": 1, "documents": 1},
    ]
    s = st["stance"]["stance_t1"]
    assert s["quotes"] == {"FAVOR": 1, "AGAINST": 1, "NONE": 1}
    assert s["quotes_by_speaker"] == {"omar": {"AGAINST": 1, "NONE": 1}, "ali": {"FAVOR": 1}}
    assert s["documents"] == {"FAVOR": 1}


def test_shared_cue_counts_once_and_aliases_are_mapped():
    cue = sp("said", "CUE", 2)
    d = Document("hand", TEXT, quotes=(
        Quote("q1", sp("they must go", "QUOTE"), "direct", "omar_alias", cue, None, {"stance_t1": "NONE"}),
        Quote("q2", sp("it is over", "QUOTE"), "indirect", "zed", cue, None, {"stance_t1": "NONE"}),
    ))
    st = corpus_stats([d], SPEAKERS)
    assert st["quotations"]["with_cue"] == 2 and st["quotations"]["distinct_cue_spans"] == 1
    assert st["speaker_ids_mapped"] == {"mapped_quotes": 1, "aliases": {"omar_alias": "omar"}, "unknown": ["zed"]}
    names = {r["speaker_id"]: r["name_en"] for r in st["speakers"]}
    assert names == {"omar": "Omar", "zed": MISSING_NAME}


def test_two_documents_add_up():
    st = corpus_stats([pass_a(), pass_b().with_layers(doc_id="hand2")], SPEAKERS)
    assert st["totals"]["entities"] == 3 + 4 and st["totals"]["quotes"] == 3 + 4
    assert st["totals"]["tokens"] == 2 * 39
    assert st["stance"]["stance_t1"]["documents"] == {"FAVOR": 1, "AGAINST": 1}
    assert st["speakers"][0] == {"speaker_id": "omar", "name_en": "Omar", "kind": "person",
                                 "quotes": 4, "documents": 2}


def test_markdown_and_plain_tables(st):
    md = render(st, "header", markdown=True)
    assert "| PER | 2 (66.7%) | 3 |" in md
    assert "| quote_type indirect | 2 (66.7%) |" in md
    assert "| omar | Omar | person | 2 | 1 | 0 | 1 | 1 |" in md
    assert "|---|---|---:|" in md
    plain = render(st, "header")
    assert "ENTITIES BY TYPE" in plain and "|" not in plain


def test_cli_stats_json_names_its_source(capsys):
    from tahaluf.cli import main
    from tahaluf.corpus import source_documents

    docs, source = source_documents()
    assert main(["stats", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["signature"]["source"] == source and r["signature"]["data"] == documents_hash(docs)
    assert r["totals"]["entities"] == sum(len(d.entities) for d in docs)
    assert main(["stats", "--source", "pass_b", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "source: pass_b" in out and "noroza -> nawroza" in out


def test_cli_stats_gold_missing_is_an_error(tmp_path, monkeypatch, capsys):
    from tahaluf.cli import main
    (tmp_path / "annotation").mkdir()
    monkeypatch.setenv("TAHALUF_ROOT", str(tmp_path))
    assert main(["stats", "--source", "gold"]) == 1
    assert "the gold does not exist yet" in capsys.readouterr().err



def test_registry_entries_without_quotations_are_not_listed(st):
    assert "khan" in SPEAKERS and "khan" not in {r["speaker_id"] for r in st["speakers"]}
