"""One story of hashes, and counts that say what they include: the documents say what the code prints.

The documents hash (:func:`tahaluf.core.signatures.documents_hash`) is the
``data:`` field of every signature; the data files hash
(:func:`tahaluf.dataset.data_files_hash`) is what the card, its citation and
``croissant.json`` record. Regenerate with ``tahaluf build`` and ``tahaluf docs``.
"""

from __future__ import annotations

import json
import re

import pytest

from tahaluf import corpus
from tahaluf.cli import main
from tahaluf.core import paths, tagging
from tahaluf.core.signatures import documents_hash
from tahaluf.dataset import data_files_hash


@pytest.fixture(scope="module")
def hashes():
    docs, _ = corpus.source_documents()
    return {"documents": documents_hash(docs), "data_files": data_files_hash(), "docs": docs}


def test_card_names_each_hash_for_what_it_hashes(hashes):
    card = (paths.dataset_dir() / "README.md").read_text(encoding="utf-8")
    assert f"**Data files hash:** `{hashes['data_files']}`" in card
    assert f"**Documents hash:** `{hashes['documents']}`" in card
    bib = re.search(r"```bibtex\n(.*?)```", card, re.S).group(1)
    assert f"data files hash {hashes['data_files']}" in bib and hashes["documents"] not in bib
    assert "Data hash:" not in card  # the old, ambiguous name


def test_croissant_records_both_hashes(hashes):
    doc = json.loads((paths.dataset_dir() / "croissant.json").read_text(encoding="utf-8"))
    assert doc["identifier"] == f"data files hash {hashes['data_files']}; documents hash {hashes['documents']}"
    assert f"data files hash {hashes['data_files']}" in doc["citeAs"]


def test_every_committed_signature_carries_the_documents_hash(hashes):
    sigs = []
    for p in sorted(paths.baselines_dir().glob("*/results.json")):
        sigs += re.findall(r'"signature": "([^"]+)"', p.read_text(encoding="utf-8"))
    assert sigs
    datas = {re.search(r"\|data:([0-9a-f]+)\|", s).group(1) for s in sigs}
    assert datas == {hashes["documents"]}
    assert hashes["data_files"] not in datas


def test_datasheet_quotes_what_tahaluf_hashes_prints(hashes, capsys):
    assert main(["hashes", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert f"`{hashes['documents']}`" in out and f"`{hashes['data_files']}`" in out
    datasheet = (paths.root() / "DATASHEET.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- BEGIN hashes: tahaluf hashes --markdown -->\n(.*?)<!-- END hashes -->", datasheet, re.S)
    assert block and block.group(1) == out
    assert "every score's signature carries it" not in datasheet  # the false claim of old


def _total_row(text: str, first_cell: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_datasheet_and_card_counts_differ_by_exactly_the_boilerplate_sentences(hashes):
    """DATASHEET (``tahaluf stats``: whole text) vs card (``entities`` rows: boilerplate left out)."""
    datasheet = (paths.root() / "DATASHEET.md").read_text(encoding="utf-8")
    card = (paths.dataset_dir() / "README.md").read_text(encoding="utf-8")
    ds = _total_row(datasheet, "total")  # doc_id, split, chars, tokens, sentences, ...
    cd = _total_row(card, "**all**")     # split, articles, characters, sentences, tokens, ...
    ds_tokens, ds_sents = int(ds[3]), int(ds[4])
    card_sents, card_tokens = int(cd[3]), int(cd[4])
    left_out_rows = left_out_tokens = merged = 0
    for d in hashes["docs"]:
        dt = tagging.doc_tokens(d)
        merged += dt.merged
        for (a, b), kept in zip(dt.rows, dt.kept):
            if not kept:
                left_out_rows += 1
                left_out_tokens += b - a
    assert ds_sents - card_sents == left_out_rows + merged
    assert ds_tokens - card_tokens == left_out_tokens
    assert left_out_rows > 0  # the corpus has boilerplate, so the two counts do differ
    assert f"leaves out the {left_out_rows} sentences lying wholly in boilerplate" in " ".join(card.split())
