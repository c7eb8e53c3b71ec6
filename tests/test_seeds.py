"""The corpus of record: byte-identical articles, metadata, sha256 check."""

from __future__ import annotations

import shutil
from pathlib import Path

from tahaluf import seeds

SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_five_articles_with_metadata():
    meta = seeds.load_metadata()
    assert len(meta) == 5
    for doc_id, rec in meta.items():
        for key in ("headline", "outlet", "date", "language_variety", "boilerplate", "quality_notes", "sha256"):
            assert key in rec, (doc_id, key)
        assert rec["date"]["basis"] in ("stated", "implied", "not stated")


def test_texts_are_byte_identical_to_shared_seeds():
    if not SHARED.exists():  # CI clones ../shared beside the project; a bare checkout may not have it
        import pytest
        pytest.skip("../shared/seeds not present")
    for p in SHARED.glob("*.txt"):
        assert (seeds.paths.seeds_dir() / p.name).read_bytes() == p.read_bytes()


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
