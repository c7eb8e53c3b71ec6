"""The first (cold) load of the reference streams into the reference cache (issue 16): one
document at a time, refused with the findings of the whole-folder load, atomic (a refusal or
a failed write leaves no cache file), and the same documents, hash and cache file as the
list it replaced."""

from __future__ import annotations

import json
import pickle

import pytest

from tahaluf import cache, corpus
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import open_atomic
from tahaluf.core.schema import SCHEMA
from tahaluf.core.signatures import documents_hash
from test_reference_cache import repo  # noqa: F401 - the fixture: the corpus inputs in a temporary root


def _leftovers(root):
    folder = root / ".cache" / "reference"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _break_label(root):
    """An unknown entity label in the third gold file (two documents are streamed before it)."""
    p = sorted((root / "annotation" / "gold").glob("*.json"))[2]
    tasks = json.loads(p.read_text(encoding="utf-8"))
    r = next(r for r in tasks[0]["annotations"][0]["result"] if r["from_name"] == "entity")
    r["value"]["labels"] = ["NOT-A-LABEL"]
    p.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")


def _break_registry(root):
    (root / "annotation" / "speakers.json").write_text('{"speakers": [{"id": 7}]}', encoding="utf-8")


def _refusal(call):
    with pytest.raises(TahalufError) as e:
        call()
    return str(e.value), [repr(f) for f in e.value.findings]


@pytest.mark.parametrize("lazy", [True, False])
def test_the_cold_load_is_the_reference_and_its_cache(repo, lazy):
    docs, source = corpus.source_documents(lazy=lazy)
    gold = corpus.load_gold()
    assert source == "gold" and isinstance(docs, cache.StoredDocuments) == lazy
    assert [d.to_dict() for d in docs] == [d.to_dict() for d in gold]
    assert documents_hash(docs) == documents_hash(list(gold)) == documents_hash(list(docs))
    (only,) = _leftovers(repo)  # the cache file alone: no temporary left beside it
    again, _ = cache.load(cache.key(paths.gold_dir(), SCHEMA))
    assert [d.to_dict() for d in again] == [d.to_dict() for d in gold]


def test_the_cache_file_is_the_one_the_whole_list_made(repo):
    corpus.source_documents(lazy=True)
    (path,) = (repo / ".cache" / "reference").glob("*.pickle")
    gold = corpus.load_gold()
    blobs = [pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL) for d in gold]
    offsets = [sum(map(len, blobs[:i])) for i in range(len(blobs))]
    header = pickle.dumps({"format": cache.FORMAT, "key": path.stem, "source": "gold",
                           "documents_hash": documents_hash(gold), "ids": [d.doc_id for d in gold],
                           "offsets": offsets}, protocol=pickle.HIGHEST_PROTOCOL)
    assert path.read_bytes() == b"".join([cache._LEN.pack(len(header)), header, *blobs])


def test_the_lazy_cold_load_holds_no_list(repo, monkeypatch):
    def whole(*a, **k):
        raise AssertionError("the whole folder was loaded")
    monkeypatch.setattr(corpus, "load_annotations", whole)
    docs, _ = corpus.source_documents(lazy=True)
    assert isinstance(docs, cache.StoredDocuments) and len(docs) == len(list(paths.gold_dir().glob("*.json")))


@pytest.mark.parametrize("lazy", [True, False])
@pytest.mark.parametrize("breaks", [_break_label, _break_registry])
def test_the_cold_load_refuses_invalid_gold_as_the_whole_load_does(repo, monkeypatch, lazy, breaks):
    breaks(repo)
    want = _refusal(lambda: corpus.load_annotations(paths.gold_dir()))
    assert want[1]  # the refusal names its findings
    assert _refusal(lambda: corpus.source_documents(lazy=lazy)) == want
    assert _leftovers(repo) == []  # no cache file, no temporary
    monkeypatch.setenv("TAHALUF_CACHE", "off")
    assert _refusal(lambda: corpus.source_documents(lazy=lazy)) == want


def test_a_cache_that_cannot_be_written_loses_only_the_cache(repo, monkeypatch):
    def full(path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(cache, "open_atomic", full)
    docs, source = corpus.source_documents(lazy=True)
    assert source == "gold" and isinstance(docs, list) and not isinstance(docs, cache.StoredDocuments)
    assert [d.to_dict() for d in docs] == [d.to_dict() for d in corpus.load_gold()]
    assert _leftovers(repo) == []


def test_open_atomic_leaves_the_old_file_if_the_body_fails(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with open_atomic(target) as fh:
            fh.write(b"half")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]
    with open_atomic(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]
