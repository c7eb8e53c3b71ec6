"""The viewer's pages as headless Chromium parses them.

Each page is opened from a file:// URL with ``chromium --headless --dump-dom``;
the serialised DOM is read back with :func:`tahaluf.viewer.check_rendered`,
which joins the pieces of each ``data-id`` and checks every entity and
quotation of the corpus (gold, or pass A before the gold exists) for offsets,
label, speaker, stance and text. A screenshot of article 000 is saved to
``test-artifacts/screenshot-000.png`` (gitignored).

Without Chromium these tests skip, except under ``CI=true`` where they fail:
CI must run them. Regenerate the README's image with
``tahaluf show 000_fccf310b8a8da4fc --screenshot docs/screenshot-000.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tahaluf import viewer
from tahaluf.cli import main
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.corpus import load_speakers, source_documents

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = viewer.find_chromium()
    if not exe:
        _unavailable("chromium not found: install Debian's `chromium` (apt-get install chromium) "
                     "or set TAHALUF_CHROMIUM")
    return exe


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium):
    docs, which = source_documents()
    speakers = viewer.speaker_lookup(load_speakers())
    out = tmp_path_factory.mktemp("site")
    viewer.write_site(docs, out, speakers, source=which)
    return out, docs, which, speakers


def test_every_annotation_is_in_the_browser_dom(site):
    out, docs, which, speakers = site
    assert which in ("gold", "pass_a")
    for d in docs:
        dom = viewer.dump_dom(out / viewer.page_name(d.doc_id))
        assert "<article" in dom and "data-kind" in dom  # this is Chromium's serialised DOM
        assert viewer.check_rendered(dom, d, speakers) == [], d.doc_id
        page = viewer.read_page(dom)
        ids = {p.attrs["data-id"] for p in page.pieces if "data-id" in p.attrs}  # not the private-use marker
        assert {f"quote-{q.quote_id}" for q in d.quotes} <= ids
        assert len({i for i in ids if i.startswith("ent-")}) == len(d.entities)


def test_escaped_text_stays_text_in_the_browser(tmp_path, chromium):
    text = "<script>document.title='pwned'</script> & <b>bold</b> نص\r\nend"
    doc = Document("esc", text, {"headline": {"text": "<script>x</script>"}, "boilerplate": []},
                   (Span.of(text, 0, 8, "<b>"), Span.of(text, 43, 47, "PER")),
                   (Quote("q1", Span.of(text, 43, 45, "QUOTE"), "direct", "evil", stance={"stance_t1": "NONE"}),),
                   annotator="t")
    speakers = {"evil": Speaker("evil", "<img src=x onerror=alert(1)>")}
    page = tmp_path / "esc.html"
    page.write_text(viewer.render_document(doc, speakers), "utf-8")
    dom = viewer.dump_dom(page)
    assert "<title>&lt;script&gt;x&lt;/script&gt; — esc — Tahaluf</title>" in dom  # still text, not a script
    parsed = viewer.read_page(dom)
    assert parsed.scripts == 0 and "<img" not in dom
    assert parsed.text == text
    assert viewer.check_rendered(dom, doc, speakers) == []


def test_index_in_the_browser_links_every_page(site):
    out, docs, _, _ = site
    dom = viewer.dump_dom(out / "index.html")
    links = re.findall(r'<a href="([^"]+)">', dom)
    assert links == [viewer.page_name(d.doc_id) for d in docs]
    assert all((out / x).exists() for x in links)
    for d in docs:
        row = re.search(rf'<tr data-doc-id="{d.doc_id}">(.*?)</tr>', dom, re.DOTALL)[1]
        got = dict(re.findall(r'data-count="([^"]+)"[^>]*>(\d+)<', row))
        assert (int(got["entities"]), int(got["quotes"])) == (len(d.entities), len(d.quotes))


def test_screenshot_of_article_000(site, tmp_path, monkeypatch):
    """Through the command line, exactly as the README image is made."""
    from PIL import Image
    docs = site[1]
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "screenshot-000.png"
    monkeypatch.chdir(tmp_path)
    assert main(["show", docs[0].doc_id, "--screenshot", str(png), "--window-size", "1200,1400"]) == 0
    im = Image.open(png).convert("RGB")
    assert im.size == (1200, 1400)
    colours = {c for _, c in im.getcolors(maxcolors=1 << 20)}
    # the page was styled: entity backgrounds and the FAVOR label colour are on screen
    for hexc in (viewer.ENTITY_COLOURS["ORG"], viewer.ENTITY_COLOURS["NORP"], viewer.STANCE_COLOURS["FAVOR"]):
        assert tuple(int(hexc[i:i + 2], 16) for i in (1, 3, 5)) in colours, hexc
    # right to left: in the article (lower half) many more text rows end flush with the right
    # margin than start flush with the left one (measured: about 0.50 vs 0.14; 0.14 vs 0.46 for
    # the same page with dir="ltr")
    w, h = im.size
    px = im.load()
    rows = [[x for x in range(w) if sum(px[x, y]) < 200] for y in range(h // 2, h)]
    rows = [r for r in rows if r]
    right = sum(r[-1] >= max(r[-1] for r in rows) - 15 for r in rows) / len(rows)
    left = sum(r[0] <= min(r[0] for r in rows) + 15 for r in rows) / len(rows)
    assert right > 2 * left, (right, left)


def test_an_arabic_font_is_installed():
    """Without one the screenshot shows empty boxes; .ci/run installs fonts-noto-core."""
    if not shutil.which("fc-list"):
        _unavailable("fc-list (fontconfig) not found; cannot check for an Arabic font")
    r = subprocess.run(["fc-list", ":lang=ar", "family"], capture_output=True, text=True, timeout=60,
                       check=False)
    if not r.stdout.strip():
        _unavailable("no font with Arabic glyphs: apt-get install fonts-noto-core (or fonts-dejavu-core)")
    assert r.returncode == 0


_MEASURE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body>
<iframe id="index" src="index.html" style="width:1280px;height:900px;border:0"></iframe>
<iframe id="page" src="{page}" style="width:1280px;height:900px;border:0"></iframe>
<pre id="out">pending</pre>
<script>
function measure() {{
  var d = document.getElementById('index').contentDocument, p = document.getElementById('page').contentDocument;
  if (!d || !p || !d.getElementById('index') || !p.getElementById('text')) return setTimeout(measure, 50);
  var a = d.getElementById('annotator'), lh = a ? parseFloat(getComputedStyle(a).lineHeight) || 16 : 0;
  var ent = p.querySelector('.k-entity.tail'), after = getComputedStyle(ent, '::after');
  var pua = p.querySelector('.pua');
  document.getElementById('out').textContent = JSON.stringify({{
    viewport: d.documentElement.clientWidth, scroll: d.documentElement.scrollWidth,
    table_right: d.getElementById('index').getBoundingClientRect().right,
    annotator_lines: a ? a.getClientRects().length : 0,
    label_colour: after.color, label_background: after.backgroundColor, label_px: parseFloat(after.fontSize),
    pua_note: pua ? getComputedStyle(pua, '::after').content : null
  }});
}}
window.addEventListener('load', measure);
</script></body></html>
"""


def _luminance(css: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_viewer_layout_at_1280_px(site):
    """Layout measured by Chromium at a 1280 px wide viewport (a test-only wrapper page with a script
    frames the site's pages, which themselves allow no script): the index table fits without
    horizontal overflow, the annotator is said once and does not wrap, entity-type labels are
    readable, the private-use character of 000 is marked, and counts are pluralised."""
    import json
    from tahaluf.viewer.chromium import run_chromium
    out, docs, _, _ = site
    first = viewer.page_name(docs[0].doc_id)
    (out / "measure.html").write_text(_MEASURE.format(page=first), "utf-8")
    dom = run_chromium(["--allow-file-access-from-files", "--virtual-time-budget=20000",
                        "--window-size=1400,2000", "--dump-dom", (out / "measure.html").resolve().as_uri()])
    m = json.loads(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)[1].replace("&quot;", '"'))
    assert m["viewport"] == 1280, m
    assert m["scroll"] <= m["viewport"] and m["table_right"] <= m["viewport"], m  # no horizontal overflow
    assert 1 <= m["annotator_lines"] <= 2, m
    fg, bg = _luminance(m["label_colour"]), _luminance(m["label_background"])
    ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
    assert ratio >= 7 and m["label_px"] >= 10, m  # WCAG AAA contrast, and not tiny
    assert m["pua_note"] == '"U+F06F"', m
    for d in docs:
        page = viewer.dump_dom(out / viewer.page_name(d.doc_id))
        n = len({q.speaker_id for q in d.quotes if q.speaker_id})
        assert re.search(rf"\b{n} speaker{'' if n == 1 else 's'}\b", page), d.doc_id
        assert not re.search(r"\b1 (speakers|quotations|entities)\b", page), d.doc_id
    assert "private-use" in viewer.dump_dom(out / first).split("<article")[0]  # the visible note in the header
