"""The viewer renders every annotation, nests overlapping layers, escapes text,
and `tahaluf show` writes the pages; all without a browser (see
test_viewer_browser.py for the same checks on Chromium's DOM)."""

from __future__ import annotations

import re

import pytest

from tahaluf import viewer
from tahaluf.cli import main
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA
from tahaluf.corpus import load_speakers, source_documents, split_of

SPEAKERS = {
    "amal": Speaker("amal", "Amal Example", aliases=("amal_old",)),
    "evil": Speaker("evil", '<i>Evil</i> & "Co"'),
}


@pytest.fixture(scope="module")
def corpus_docs():
    docs, which = source_documents()
    return docs, which


@pytest.fixture(scope="module")
def registry():
    return viewer.speaker_lookup(load_speakers())


def make_doc(text, entities=(), quotes=(), boilerplate=(), doc_id="t1"):
    ents = tuple(Span.of(text, s, e, lab) for s, e, lab in entities)
    qs = []
    for qid, (s, e), cue, src, spk, stance in quotes:
        qs.append(Quote(qid, Span.of(text, s, e, "QUOTE"), "direct", spk,
                        cue=Span.of(text, *cue, "CUE") if cue else None,
                        source=Span.of(text, *src, "SOURCE") if src else None,
                        stance={"stance_t1": stance} if stance else {}))
    meta = {"headline": {"start": 0, "end": 3, "text": text[:3]},
            "boilerplate": [{"start": s, "end": e, "what": "furniture"} for s, e in boilerplate]}
    return Document(doc_id, text, meta, ents, tuple(qs), {"stance_t1": "NONE"}, annotator="tester")


def pieces(html, kind=None):
    page = viewer.read_page(html)
    out = {}
    for p in page.pieces:
        if kind is None or p.attrs.get("data-kind") == kind:
            out.setdefault(p.attrs["data-id"], []).append(p)
    return out


# -- the corpus --------------------------------------------------------------------

def test_corpus_pages_show_every_annotation(corpus_docs, registry):
    docs, which = corpus_docs
    assert which in ("gold", "pass_a")
    assert len(docs) == 5
    for d in docs:
        html = viewer.render_document(d, registry, source=which)
        assert viewer.check_rendered(html, d, registry) == []
        assert len(pieces(html, "quote")) == len(d.quotes)
        assert len(pieces(html, "entity")) == len(d.entities)
        # the quotation label names the speaker in English and the stance
        for q in d.quotes:
            (p, *_), = [v for k, v in pieces(html, "quote").items() if k == f"quote-{q.quote_id}"]
            assert p.attrs["data-speaker-name"] == registry[q.speaker_id].name_en
            others = "".join(f" · {t.removeprefix('stance_')}:{q.stance[t]}" for t in SCHEMA.target_names[1:])
            assert p.attrs["data-tag"] == f"{registry[q.speaker_id].name_en} · {q.stance['stance_t1']}{others}"
        assert which in html  # the page says which annotations it shows


def test_shared_cue_and_source_rendered_once(corpus_docs, registry):
    docs, _ = corpus_docs
    d = next(d for d in docs if d.doc_id.startswith("004"))
    cues = {}
    for q in d.quotes:
        if q.cue:
            cues.setdefault((q.cue.start, q.cue.end), []).append(q.quote_id)
    shared = {k: v for k, v in cues.items() if len(v) > 1}
    assert shared, "fixture expectation: document 004 has a cue shared by two quotations"
    html = viewer.render_document(d, registry)
    for (s, e), ids in shared.items():
        (p,), = [v for k, v in pieces(html, "cue").items() if k == f"cue-{s}-{e}"]
        assert p.attrs["data-quote-id"].split() == ids


def test_quotes_and_sources_are_outside_entities(corpus_docs, registry):
    docs, _ = corpus_docs
    html = viewer.render_document(docs[0], registry)
    page = viewer.read_page(html)
    ents = [p for p in page.pieces if p.attrs.get("data-kind") == "entity"]
    assert any("source" in p.ancestors for p in ents) and any("quote" in p.ancestors for p in ents)
    assert not any("entity" in p.ancestors for p in page.pieces if p.attrs.get("data-kind") != "entity")


# -- the checker can fail -----------------------------------------------------------

@pytest.mark.parametrize("mutate, expect", [
    (lambda h: h.replace('data-label="NORP"', 'data-label="ORG"', 1), "missing entity"),
    (lambda h: re.sub(r'(data-kind="quote"[^>]*data-speaker-name=)"[^"]*"', r'\1"Someone Else"', h, count=1),
     "missing quote"),
    (lambda h: re.sub(r'(data-kind="quote"[^>]*data-stance=)"FAVOR"', r'\1"AGAINST"', h, count=1), "missing quote"),
    (lambda h: re.sub(r'(data-kind="source"[^>]*data-speaker-name=)"[^"]*"', r'\1"X"', h, count=1),
     "missing source"),
    (lambda h: re.sub(r'(data-kind="entity"[^>]*data-start=")(\d+)', lambda m: m[1] + str(int(m[2]) + 1), h,
                      count=1), "covers DOM offsets"),
    (lambda h: re.sub(r'<span [^>]*data-kind="cue"[^>]*>([^<]*)</span>', r"\1", h, count=1), "missing cue"),
    (lambda h: h.replace('<article id="text" class="text" lang="ar" dir="rtl"',
                         '<article id="text" class="text" lang="ar" dir="rtl">x<i></i'), "article text differs"),
    (lambda h: h.replace("</body>", "<script>alert(1)</script></body>"), "script element"),
    (lambda h: h.replace("</head>", '<link rel="stylesheet" href="https://example.org/a.css"></head>'),
     "network resource"),
    (lambda h: h.replace('dir="rtl">', 'dir="ltr">', 1), "root element"),
])
def test_checker_catches_broken_pages(corpus_docs, registry, mutate, expect):
    d = corpus_docs[0][0]
    html = viewer.render_document(d, registry)
    broken = mutate(html)
    assert broken != html
    problems = viewer.check_rendered(broken, d, registry)
    assert any(expect in p for p in problems), problems


def test_checker_notices_a_missing_layer(corpus_docs, registry):
    d = corpus_docs[0][0]
    html = viewer.render_document(d, registry, layers="entities")
    problems = viewer.check_rendered(html, d, registry)  # expects both layers
    assert sum(p.startswith("missing quote") for p in problems) == len(d.quotes)
    assert viewer.check_rendered(html, d, registry, layers="entities") == []


# -- nesting -----------------------------------------------------------------------

def test_crossing_spans_are_split_into_pieces_with_one_id():
    text = "alpha beta gamma delta epsilon"
    #       0     6    11    17    23
    doc = make_doc(text, entities=[(0, 10, "PER"), (17, 29, "ORG")],
                   quotes=[("q1", (6, 22), None, (23, 30), "amal", "FAVOR")])
    html = viewer.render_document(doc, SPEAKERS)
    assert viewer.check_rendered(html, doc, SPEAKERS) == []
    ents = pieces(html, "entity")
    a, b = ents["ent-1"], ents["ent-2"]
    assert [(p.start, p.end) for p in a] == [(0, 6), (6, 10)]      # split at the quote's start
    assert [(p.start, p.end) for p in b] == [(17, 22), (22, 23), (23, 29)]  # quote end, source start
    assert "head" in a[0].attrs["class"] and "tail" not in a[0].attrs["class"]
    assert "tail" in a[1].attrs["class"] and "head" not in a[1].attrs["class"]
    assert {p.attrs["data-label"] for p in a + b} == {"PER", "ORG"} and len({p.attrs["data-label"] for p in b}) == 1
    q, = pieces(html, "quote").values()
    assert [(p.start, p.end) for p in q] == [(6, 22)]              # the outer layer stays whole
    assert a[1].ancestors == ("quote",) and b[2].ancestors == ("source",)


def test_entity_containing_a_cue_is_split_around_it():
    text = "one two three four"
    doc = make_doc(text, entities=[(0, 13, "EVENT")], quotes=[("q1", (14, 18), (4, 7), None, "amal", "NONE")])
    html = viewer.render_document(doc, SPEAKERS)
    assert viewer.check_rendered(html, doc, SPEAKERS) == []
    e, = pieces(html, "entity").values()
    assert [(p.start, p.end) for p in e] == [(0, 4), (4, 7), (7, 13)]
    assert e[1].ancestors == ("cue",)


def test_render_text_nests_spans_well_formed():
    ms = [viewer.Mark("entity", "e1", 0, 5, "PER"), viewer.Mark("quote", "q", 2, 8, "QUOTE"),
          viewer.Mark("entity", "e2", 6, 10, "ORG")]
    out = viewer.render_text("0123456789", ms)
    depth = 0
    for tag in re.findall(r"</?span", out):
        depth += 1 if tag == "<span" else -1
        assert depth >= 0
    assert depth == 0
    assert re.sub(r"<[^>]+>", "", out) == "0123456789"


def test_mark_outside_text_is_refused():
    with pytest.raises(TahalufError, match=r"outside the text"):
        viewer.render_text("abc", [viewer.Mark("entity", "e", 1, 9, "PER")])


# -- escaping ----------------------------------------------------------------------

def test_text_labels_and_names_are_escaped():
    text = "<script>alert('x')</script> & <b>bold</b> \"q\"\r\nend"
    doc = make_doc(text, entities=[(0, 8, "<b>"), (30, 41, "ORG")],
                   quotes=[("q<1>", (44, 45), None, None, "evil", "AGAINST")])
    html = viewer.render_document(doc, SPEAKERS)
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;</span>alert(&#x27;x&#x27;)&lt;/script&gt; &amp; " in html and "&#13;" in html
    page = viewer.read_page(html)
    assert page.scripts == 0 and page.text == text
    assert viewer.check_rendered(html, doc, SPEAKERS) == []
    ent = pieces(html, "entity")["ent-1"][0]
    assert ent.attrs["data-label"] == "<b>" and "lx" in ent.attrs["class"]  # unknown label: default colour
    q = pieces(html, "quote")["quote-q<1>"][0]
    assert q.attrs["data-speaker-name"] == '<i>Evil</i> & "Co"'
    assert '<span class="sw lx" data-legend="&lt;b&gt;">&lt;b&gt;</span>' in html  # legend entry, as text


def test_index_escapes_headlines():
    doc = make_doc("<a href=x>&</a> text", entities=[(0, 2, "ORG")])
    doc = doc.with_layers(metadata={"headline": {"text": doc.text}})
    html = viewer.render_index([doc], SPEAKERS)
    assert "<a href=x" not in html and "&lt;a href=x&gt;&amp;&lt;/a&gt; text" in html


# -- pages -------------------------------------------------------------------------

def test_pages_are_self_contained_and_rtl(corpus_docs, registry):
    docs, which = corpus_docs
    pages = [viewer.render_document(d, registry, source=which) for d in docs]
    pages.append(viewer.render_index(docs, registry, source=which))
    for html in pages:
        assert re.search(r"https?:|//[a-z]|url\(|@import|@font-face|<link|<script|<img|<iframe", html,
                         re.IGNORECASE) is None
        assert f'content="{viewer.CSP}"' in html.replace("&#x27;", "'")
    for html in pages[:-1]:
        assert html.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')


def test_boilerplate_is_greyed_and_checked():
    text = "news text here. Leave a comment"
    doc = make_doc(text, entities=[(0, 4, "ORG")], boilerplate=[(16, 31)])
    html = viewer.render_document(doc, SPEAKERS)
    (b,), = pieces(html, "boilerplate").values()
    assert (b.start, b.end, b.attrs["data-label"]) == (16, 31, "BOILERPLATE")
    assert viewer.check_rendered(html, doc, SPEAKERS) == []
    bad = make_doc(text, boilerplate=[(16, 99)])
    with pytest.raises(TahalufError, match=r"boilerplate range \[16, 99\)"):
        viewer.render_document(bad, SPEAKERS)


def test_layers_choose_what_is_drawn(corpus_docs, registry):
    d = corpus_docs[0][0]
    only_e = viewer.render_document(d, registry, layers="entities")
    assert pieces(only_e, "entity") and not pieces(only_e, "quote") and not pieces(only_e, "cue")
    assert 'data-legend="QUOTE FAVOR"' not in only_e
    only_q = viewer.render_document(d, registry, layers=["quotes"])
    assert pieces(only_q, "quote") and pieces(only_q, "source") and not pieces(only_q, "entity")
    assert viewer.parse_layers("quotes, entities") == ("entities", "quotes")
    with pytest.raises(TahalufError, match=r"unknown layer 'quote'\. Did you mean 'quotes'\? Available"):
        viewer.parse_layers("entities,quote")


def test_speaker_names_from_registry_aliases_and_unknown_ids():
    text = "he said yes and she said no"
    doc = make_doc(text, quotes=[("q1", (8, 11), (3, 7), (0, 2), "amal_old", "FAVOR"),
                                 ("q2", (25, 27), (20, 24), None, "nobody", None)])
    html = viewer.render_document(doc, SPEAKERS)
    qs = pieces(html, "quote")
    assert qs["quote-q1"][0].attrs["data-speaker-name"] == "Amal Example"
    assert qs["quote-q1"][0].attrs["data-speaker"] == "amal_old"
    assert qs["quote-q2"][0].attrs["data-speaker-name"] == "nobody (not in the registry)"
    assert qs["quote-q2"][0].attrs["data-tag"] == "nobody (not in the registry) · no stance"
    assert pieces(html, "cue")["cue-3-7"][0].attrs["data-speaker-name"] == "Amal Example"


def test_index_counts_per_layer(corpus_docs, registry):
    docs, which = corpus_docs
    html = viewer.render_index(docs, registry, source=which, splits={d.doc_id: split_of(d.doc_id) for d in docs})
    rows = re.findall(r'<tr(?: class="total")? data-doc-id="([^"]*)">(.*?)</tr>', html)
    assert [r[0] for r in rows] == [d.doc_id for d in docs] + [""]
    for (doc_id, row), d in zip(rows, docs):
        got = dict(re.findall(r'data-count="([^"]+)"[^>]*>(\d+)<', row))
        assert int(got["entities"]) == len(d.entities)
        assert int(got["quotes"]) == len(d.quotes)
        assert int(got["speakers"]) == len({q.speaker_id for q in d.quotes})
        assert int(got["PER"]) == sum(e.label == "PER" for e in d.entities)
        assert sum(int(got[f"quotes_{s}"]) for s in ("FAVOR", "AGAINST", "NONE")) == len(d.quotes)
        assert f'href="{doc_id}.html"' in row
        assert f"<td>{split_of(doc_id)}</td>" in row
    total = dict(re.findall(r'data-count="([^"]+)"[^>]*>(\d+)<', rows[-1][1]))
    assert int(total["entities"]) == sum(len(d.entities) for d in docs)
    assert int(total["speakers"]) == len({q.speaker_id for d in docs for q in d.quotes})


def test_rendering_is_deterministic(corpus_docs, registry):
    d = corpus_docs[0][0]
    assert viewer.render_document(d, registry) == viewer.render_document(d, registry)


def test_find_document_by_id_prefix_with_hints(corpus_docs):
    docs, _ = corpus_docs
    assert viewer.find_document(docs, "003").doc_id.startswith("003_")
    assert viewer.find_document(docs, docs[1].doc_id) is docs[1]
    with pytest.raises(TahalufError, match=r"ambiguous"):
        viewer.find_document(docs, "00")
    with pytest.raises(TahalufError, match=r"unknown document '000_fccf310b8a8da4fd'\. Did you mean "
                                           r"'000_fccf310b8a8da4fc'\? Available"):
        viewer.find_document(docs, "000_fccf310b8a8da4fd")


# -- the command line ---------------------------------------------------------------

def test_show_all_writes_index_and_pages(tmp_path, corpus_docs, registry, capsys):
    docs, which = corpus_docs
    out = tmp_path / "site"
    assert main(["show", "--all", "--out", str(out)]) == 0
    assert which in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["index.html"] + [f"{d.doc_id}.html" for d in docs])
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    for d in docs:
        html = (out / f"{d.doc_id}.html").read_text("utf-8")
        assert viewer.check_rendered(html, d, registry) == []
        assert '<a href="index.html">' in html
    assert main(["show", "--all", "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # deterministic


def test_show_one_document(tmp_path, corpus_docs, registry, capsys):
    d = corpus_docs[0][0]
    assert main(["show", d.doc_id[:3], "--layers", "quotes"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("<!DOCTYPE html>")
    assert viewer.check_rendered(captured.out, d, registry, layers="quotes") == []
    assert "annotations:" in captured.err
    assert main(["show", d.doc_id, "--out", str(tmp_path)]) == 0  # into a folder
    assert viewer.check_rendered((tmp_path / f"{d.doc_id}.html").read_text("utf-8"), d, registry) == []


@pytest.mark.parametrize("argv, code, message", [
    (["show"], 2, "either DOC_ID or --all"),
    (["show", "000", "--all", "--out", "x"], 2, "either DOC_ID or --all"),
    (["show", "--all"], 2, "--all needs --out"),
    (["show", "nope"], 1, "unknown document 'nope'"),
    (["show", "00"], 1, "ambiguous"),
])
def test_show_usage_and_input_errors(argv, code, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_show_unknown_layer_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["show", "000", "--layers", "entity"])
    assert e.value.code == 2
    assert "Did you mean 'entities'?" in capsys.readouterr().err
