"""The streaming build: the documents hash one document at a time, the Arrow
sizes added up over chunks, and the gold read one file at a time all give what
the whole lists give."""

from __future__ import annotations

import hashlib

import pytest

from tahaluf import corpus
from tahaluf.core.jsonio import dumps
from tahaluf.core.signatures import DocumentsHasher, documents_hash
from tahaluf.dataset import arrowsize
from tahaluf.dataset.arrowsize import TableBytes
from tahaluf.dataset.configs import DATA_FILES, features
from tahaluf.dataset.rows import build_rows


@pytest.fixture(scope="module")
def gold():
    return corpus.load_gold()


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_documents_hash_streamed_equals_hash_of_the_list(gold, n):
    docs = gold[:n]
    whole = hashlib.sha256(dumps(list(docs)).encode("utf-8")).hexdigest()[:12]
    h = DocumentsHasher()
    for d in docs:
        h.add(d)
    assert h.hexdigest() == whole == documents_hash(iter(docs))


@pytest.mark.parametrize("chunk", [1, 7, 512])
def test_arrow_size_over_chunks_equals_the_whole_table(gold, monkeypatch, chunk):
    from datasets import Dataset
    monkeypatch.setattr(arrowsize, "CHUNK_ROWS", chunk)
    built = build_rows(gold, corpus.load_speakers(), source="gold")
    compared = 0
    for c, s in DATA_FILES:
        f = features(c)
        rows = built.rows[c][s]
        whole = Dataset.from_list(rows, features=f).data.nbytes
        tb = TableBytes(f, f"{c}/{s}")
        for r in rows:
            tb.add([r])
        assert tb.nbytes() == whole, (c, s)
        compared += 1
    assert compared == len(DATA_FILES) and ("speakers", "registry") in DATA_FILES


def test_arrow_size_refuses_a_value_the_features_do_not_allow():
    from tahaluf.core.errors import TahalufError
    tb = TableBytes(features("stance"), "config stance, split test")
    row = dict.fromkeys(features("stance"), None) | {"label": "NOT-A-LABEL"}
    with pytest.raises(TahalufError, match="config stance, split test: rows do not fit"):
        tb.add([row])
        tb.nbytes()


def test_gold_streamed_is_the_gold_loaded(gold):
    it, source = corpus.iter_source_documents()
    assert source == "gold"
    assert [d.to_dict() for d in it] == [d.to_dict() for d in gold]


@pytest.mark.parametrize("block", [5, 64, 1 << 20])
def test_metadata_index_gives_the_records_of_the_parsed_file(block):
    from tahaluf import seeds
    meta = seeds.load_metadata()
    index = seeds.metadata_index()
    assert seeds._record_ranges(index.path, block) == index._ranges
    assert list(index) == list(meta) and all(index[k] == meta[k] for k in meta)


def test_metadata_index_refuses_a_broken_file(tmp_path):
    from tahaluf import seeds
    from tahaluf.core.errors import TahalufError
    (tmp_path / "metadata.json").write_text('{"schema": "x", "documents": [{"doc_id": "a"}, {"doc_', encoding="utf-8")
    with pytest.raises(TahalufError, match="cannot read the seeds metadata"):
        seeds.metadata_index(tmp_path)
