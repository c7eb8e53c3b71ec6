"""The reference cache, the documents list that carries its hash, and the
vectorised strict entity counts."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from tahaluf import corpus
from tahaluf.core.signatures import Documents, DocumentsHasher, documents_hash
from tahaluf.scoring.entities import strict_counts, strict_counts_docs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A copy of the corpus inputs in a temporary root."""
    for d in ("seeds", "annotation/gold"):
        shutil.copytree(ROOT / d, tmp_path / d)
    shutil.copy(ROOT / "annotation" / "speakers.json", tmp_path / "annotation" / "speakers.json")
    monkeypatch.setenv("TAHALUF_ROOT", str(tmp_path))
    monkeypatch.delenv("TAHALUF_CACHE", raising=False)
    return tmp_path


def _cached(root: Path) -> list[Path]:
    return sorted((root / ".cache" / "reference").glob("*.pickle"))


def test_second_load_reads_the_cache_and_gives_the_same_reference(repo):
    docs, source = corpus.source_documents()
    assert len(_cached(repo)) == 1
    again, source2 = corpus.source_documents()
    assert (source2, [d.to_dict() for d in again]) == (source, [d.to_dict() for d in docs])
    assert documents_hash(again) == documents_hash(list(docs)) == documents_hash(corpus.load_gold())


def test_a_changed_input_misses_the_cache(repo):
    corpus.source_documents()
    p = sorted((repo / "annotation" / "gold").glob("*.json"))[0]
    p.write_bytes(p.read_bytes() + b"\n")  # same annotations, other bytes
    corpus.source_documents()
    assert len(_cached(repo)) == 2


def test_a_cache_file_with_another_key_is_refused(repo):
    corpus.source_documents()
    (only,) = _cached(repo)
    fake = only.with_name("0" * 64 + ".pickle")
    only.rename(fake)
    from tahaluf import cache
    assert cache.load("0" * 64) is None  # the file's own key is not its name


def test_cache_off_writes_nothing(repo, monkeypatch):
    monkeypatch.setenv("TAHALUF_CACHE", "off")
    corpus.source_documents()
    assert _cached(repo) == []


def test_documents_carry_their_hash_until_the_list_changes():
    gold = corpus.load_gold()
    h = DocumentsHasher()
    for d in gold:
        h.add(d)
    docs = Documents(gold, "not-a-hash")
    assert documents_hash(docs) == "not-a-hash"  # carried, not recomputed
    docs.append(gold[0])
    assert documents_hash(docs) == documents_hash(list(gold) + [gold[0]]) != "not-a-hash"
    assert documents_hash(Documents(gold)) == h.hexdigest()


def test_strict_counts_of_all_documents_equal_the_counts_document_by_document():
    rng = random.Random(20240601)
    compared = 0
    for _ in range(200):
        gold_docs, pred_docs = [], []
        for _ in range(rng.randint(0, 6)):
            g = [(a, a + rng.randint(1, 3), rng.randrange(3)) for a in
                 (rng.randrange(20) for _ in range(rng.randint(0, 6)))]
            p = [x if rng.random() < .5 else (x[0], x[1] + 1, rng.randrange(3)) for x in g]
            p += [(a, a + 1, rng.randrange(3)) for a in (rng.randrange(20) for _ in range(rng.randint(0, 3)))]
            if p and rng.random() < .3:
                p.append(p[0])  # a duplicate counts once
            gold_docs.append(g)
            pred_docs.append(p)
        got = strict_counts_docs(gold_docs, pred_docs, 3)
        want = (np.stack([strict_counts(g, p, 3) for g, p in zip(gold_docs, pred_docs)])
                if gold_docs else np.zeros((0, 3, 3), np.int64))
        assert got.shape == want.shape and (got == want).all()
        compared += int(want.sum() > 0)
    assert compared > 100


def test_bootstrap_in_blocks_gives_the_sums_of_the_cached_weights(monkeypatch):
    from tahaluf.core import metrics
    rng = np.random.default_rng(7)
    per_doc = rng.integers(0, 9, size=(37, 4, 3))
    boot = metrics.Bootstrap(resamples=101, seed=5)
    cached = boot.sums(per_doc.astype(float))
    monkeypatch.setattr(metrics, "WEIGHTS_BYTES", 24 * 37 * 3)  # three resamples a block
    blocks = boot.sums(per_doc.astype(float))
    assert cached.shape == (101, 4, 3) and (blocks == cached).all()
    # the weights are those of drawing 37 documents with replacement from the seeded stream
    idx = np.random.default_rng(5).integers(0, 37, size=(101, 37))
    w = np.zeros((101, 37))
    np.add.at(w, (np.repeat(np.arange(101), 37), idx.ravel()), 1)
    assert (boot.weights(37) == w).all() and (w.sum(axis=1) == 37).all()


def test_blocked_bootstrap_sums_are_kept_by_content_not_by_object(monkeypatch):
    """The sums of a large count matrix are kept for the next metric of the same counts; a
    matrix with other counts (or the same object changed) gets its own sums, never stale ones."""
    from tahaluf.core import metrics
    rng = np.random.default_rng(11)
    per_doc = rng.integers(0, 9, size=(41, 5)).astype(np.int32)  # int32, as the scorers keep them
    boot = metrics.Bootstrap(resamples=60, seed=3)
    whole = boot.sums(per_doc)
    monkeypatch.setattr(metrics, "WEIGHTS_BYTES", 24 * 41 * 4)  # four resamples a block
    monkeypatch.setattr(metrics, "DOC_CHUNK", 7)  # and seven articles' counts at a time
    monkeypatch.setattr(metrics, "_SUMS", {})
    first = boot.sums(per_doc)
    assert (first == whole).all() and len(metrics._SUMS) == 1
    assert boot.sums(per_doc.copy()) is first  # same counts: kept, not drawn again
    per_doc[0, 0] += 1  # the same array with other counts
    changed = boot.sums(per_doc)
    assert changed is not first and (changed == np.tensordot(boot.weights(41), per_doc, axes=([1], [0]))).all()
    assert boot.interval(per_doc, lambda s: s[:, 0]) == metrics.Bootstrap(resamples=60, seed=3).interval(
        per_doc, lambda s: s[:, 0])
    for k in range(metrics.SUMS_KEPT + 3):  # bounded: the oldest are dropped
        boot.sums(per_doc + k + 1)
    assert len(metrics._SUMS) == metrics.SUMS_KEPT


def test_distinct_bootstrap_samples_counted_in_blocks_equal_the_whole_count(monkeypatch):
    from tahaluf.core import metrics
    boot = metrics.Bootstrap(resamples=300, seed=5)
    whole = boot.check(4)["n_distinct_samples"]  # four articles: many resamples repeat
    monkeypatch.setattr(metrics, "WEIGHTS_BYTES", 24 * 4 * 7)  # seven resamples a block
    blocks = boot.check(4)["n_distinct_samples"]
    assert blocks == whole == len(np.unique(boot.weights(4), axis=0)) < 300
