"""Provenance per article (``seeds/metadata.json``): what the text says, and plainly what is not known."""

from __future__ import annotations

import json

from tahaluf.core import paths
from tahaluf.seeds import read_text, sha256_text


def _records() -> list[dict]:
    return json.loads((paths.seeds_dir() / "metadata.json").read_text(encoding="utf-8"))["documents"]


def test_every_article_says_what_is_not_known_about_its_origin():
    for r in _records():
        p = r["provenance"]
        assert p["url"] is None and p["retrieved"] is None, r["doc_id"]  # never recorded: said, not invented
        assert any("URL" in x for x in p["not_known"]) and any("retrieved" in x for x in p["not_known"])
        assert "NOTICE.md" in p["redistribution"]
        if r["byline"] is None:
            assert any("author" in x for x in p["not_known"]), r["doc_id"]
        if r["outlet"] is None:
            assert any("outlet" in x for x in p["not_known"]), r["doc_id"]
        if r["date"]["basis"] != "stated":
            assert any("publication date" in x for x in p["not_known"]), r["doc_id"]


def test_what_the_text_states_is_quoted_from_the_text():
    """A 'stated' basis quotes the text: the quoted words are in the article (the texts are unchanged)."""
    for r in _records():
        text = read_text(paths.seeds_dir() / f"{r['doc_id']}.txt")
        assert sha256_text(text) == r["sha256"]
        for key in ("outlet", "original_source", "translator"):
            v = r.get(key)
            if isinstance(v, dict) and v.get("basis", "").startswith("stated"):
                assert (v.get("text") or v.get("name")) in text, (r["doc_id"], key)
