"""The corpus of record: byte-identical articles, metadata, sha256 check."""

from __future__ import annotations

import hashlib
import json
import shutil

from tahaluf import seeds


def test_five_articles_with_metadata():
    meta = seeds.load_metadata()
    assert len(meta) == 5
    for doc_id, rec in meta.items():
        for key in ("headline", "outlet", "date", "language_variety", "boilerplate", "quality_notes", "sha256"):
            assert key in rec, (doc_id, key)
        assert rec["date"]["basis"] in ("stated", "implied", "not stated")


def test_texts_are_byte_identical_to_the_recorded_sha256():
    """Read straight from disk (not through tahaluf.seeds): every article listed in
    seeds/metadata.json is there, nothing else is, and its bytes have the sha256
    recorded when it was stored."""
    sd = seeds.paths.seeds_dir()
    records = json.loads((sd / "metadata.json").read_bytes().decode("utf-8"))["documents"]
    assert len(records) == 5
    assert sorted(p.name for p in sd.glob("*.txt")) == sorted(f"{r['doc_id']}.txt" for r in records)
    for r in records:
        data = (sd / f"{r['doc_id']}.txt").read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"], r["doc_id"]
        data.decode("utf-8")  # stored as UTF-8


def test_corpus_is_valid():
    assert seeds.seed_findings() == []


def test_changed_text_fails_loudly(tmp_path):
    sd = tmp_path / "seeds"
    shutil.copytree(seeds.paths.seeds_dir(), sd)
    p = next(sd.glob("002_*.txt"))
    p.write_bytes(p.read_bytes().replace("داعش".encode(), "داعس".encode(), 1))
    found = seeds.seed_findings(sd)
    assert [f.id for f in found] == ["seed-text-changed"]
    assert p.name in found[0].location


def test_metadata_offsets_point_at_what_they_say(corpus):
    for doc in corpus:
        h = doc.metadata["headline"]
        if h:
            assert doc.text[h["start"]:h["end"]] == h["text"]
        for note in doc.metadata["quality_notes"]:
            assert 0 <= note["start"] < note["end"] <= len(doc.text)
    text0 = corpus[0].text
    assert "\uf06f" in text0 and "\u06cc" in corpus[4].text


def test_boilerplate_ranges(corpus):
    by_id = {d.doc_id: d for d in corpus}
    b = seeds.boilerplate_ranges(by_id["003_1b54266d52eedbe4"])
    assert "Privacy Policy" in by_id["003_1b54266d52eedbe4"].text[b[0][0]:b[0][1]]


def test_the_streaming_metadata_index_checks_like_load_metadata(tmp_path):
    """The byte-range index (streaming build) refuses what load_metadata refuses: an unsafe
    doc id when indexed, a duplicate key when a record is read."""
    import pytest

    from tahaluf.core.errors import TahalufError
    from tahaluf.seeds import metadata_index
    (tmp_path / "metadata.json").write_text('{"documents": [{"doc_id": "../../escaped", "sha256": "x"}]}',
                                            encoding="utf-8")
    with pytest.raises(TahalufError) as e:
        metadata_index(tmp_path)
    assert [f.id for f in e.value.findings] == ["unsafe-id"]
    (tmp_path / "metadata.json").write_text('{"documents": [{"doc_id": "000_ok", "sha256": "a", "sha256": "b"}]}',
                                            encoding="utf-8")
    with pytest.raises(TahalufError) as e:
        metadata_index(tmp_path)["000_ok"]
    assert [f.id for f in e.value.findings] == ["duplicate-key"]
