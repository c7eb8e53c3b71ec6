"""Reading a rendered page back: the DOM check of the viewer.

:func:`read_page` parses a rendered page, or a browser's ``--dump-dom`` of it
(:func:`tahaluf.viewer.chromium.dump_dom`), into the root element's
attributes, the text content of ``<article id="text">`` and the elements
inside it with their DOM text offsets (:class:`Piece`). It also counts
scripts and notes every network resource a page refers to.

:func:`check_rendered` compares that with the document: the page must say
``dir="rtl" lang="ar"``, have no script and no network resource, its article
text must be exactly ``doc.text``, the pieces of one ``data-id`` must carry
the same attributes and tile ``[data-start, data-end)`` at those DOM offsets,
and the entities, quotations, cues, sources and boilerplate ranges read back
must be exactly the document's (the attribute contract is in
:mod:`tahaluf.viewer.marks`). The tests run it on the rendered strings and on
the pages as Chromium parsed them; it returns its problems as strings so that
a test can assert on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise

from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.viewer.marks import (
    LAYERS,
    Speakers,
    boilerplate_ranges,
    first_stance,
    link_values,
    linked,
    parse_layers,
    speaker_lookup,
    speaker_name,
)


@dataclass
class Piece:
    """One rendered element inside the article: its attributes and DOM text offsets."""

    tag: str
    attrs: dict[str, str]
    start: int
    end: int = -1
    ancestors: tuple[str, ...] = ()  # data-kind of the enclosing mark elements, outermost first


@dataclass
class Page:
    """A page as parsed: the root's attributes, the article's text and its pieces."""

    root: dict[str, str] = field(default_factory=dict)
    text: str = ""
    pieces: list[Piece] = field(default_factory=list)
    scripts: int = 0
    external: list[str] = field(default_factory=list)
    found_article: bool = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._parts: list[str] = []
        self._len = 0
        self._stack: list[Piece] = []  # open elements inside the article
        self._in = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.page.root = a
        if tag == "script":
            self.page.scripts += 1
        for k in ("src", "href", "srcset", "data", "action"):
            v = a.get(k, "").strip().lower()
            if v.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:")):
                self.page.external.append(f"<{tag} {k}={a[k]!r}>")
        if tag == "link":
            self.page.external.append(f"<link {a}>")
        if "url(" in a.get("style", "") and "url(data:" not in a.get("style", ""):
            self.page.external.append(f"<{tag} style={a['style']!r}>")
        if not self._in:
            if tag == "article" and a.get("id") == "text":
                self._in = True
                self.page.found_article = True
                self._stack = [Piece(tag, a, self._len)]
            return
        p = Piece(tag, a, self._len, ancestors=tuple(x.attrs.get("data-kind", "") for x in self._stack[1:]
                                                   if x.attrs.get("data-kind")))
        self._stack.append(p)
        self.page.pieces.append(p)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._in and tag != "article":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not self._in:
            return
        while self._stack:
            p = self._stack.pop()
            p.end = self._len
            if p.tag == tag:
                break
        if not self._stack:
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._parts.append(data)
            self._len += len(data)

    def close(self):
        super().close()
        self.page.text = "".join(self._parts)


def read_page(markup: str) -> Page:
    """Parse a rendered page (or Chromium's ``--dump-dom`` of it)."""
    r = _Reader()
    r.feed(markup)
    r.close()
    return r.page


def check_rendered(markup: str, doc: Document, speakers: Speakers,
                   layers: str | Iterable[str] | None = LAYERS, *, schema: Schema = SCHEMA) -> list[str]:
    """Problems of a rendered page of ``doc``; ``[]`` if it shows exactly the document.

    Checked: the page is ``dir="rtl" lang="ar"``, has no script and no network
    resource; the article's text is ``doc.text``; pieces with one ``data-id``
    carry identical attributes and tile ``[data-start, data-end)`` exactly at
    those DOM offsets; the rendered entities, quotations (speaker id, English
    name, stance, type), cues, sources and boilerplate ranges are exactly the
    document's; no quotation, cue or source sits inside an entity element.
    """
    layers = parse_layers(layers)
    lookup = speaker_lookup(speakers) if "quotes" in layers else {}
    page = read_page(markup)
    problems: list[str] = []
    if (page.root.get("dir"), page.root.get("lang")) != ("rtl", "ar"):
        problems.append(f"root element is dir={page.root.get('dir')!r} lang={page.root.get('lang')!r}, "
                        f"expected dir='rtl' lang='ar'")
    if page.scripts:
        problems.append(f"{page.scripts} script element(s) in the page")
    problems += [f"network resource: {x}" for x in page.external]
    if not page.found_article:
        return problems + ["no <article id=\"text\"> in the page"]
    if page.text != doc.text:
        i = next((i for i, (a, b) in enumerate(zip(page.text, doc.text)) if a != b),
                 min(len(page.text), len(doc.text)))
        problems.append(f"article text differs from the document at offset {i}: "
                        f"got {page.text[i:i + 30]!r}, expected {doc.text[i:i + 30]!r} "
                        f"(lengths {len(page.text)} vs {len(doc.text)})")
        return problems
    groups: dict[str, list[Piece]] = {}
    for p in page.pieces:
        if p.tag == "span" and p.attrs.get("class") == "pua" and p.end - p.start == 1 \
                and "\ue000" <= doc.text[p.start] <= "\uf8ff":
            continue  # the marker of one private-use character (render.py), not an annotation
        if p.tag != "span" or "data-kind" not in p.attrs:
            problems.append(f"unexpected element <{p.tag}> at offset {p.start} in the article")
            continue
        groups.setdefault(p.attrs.get("data-id", ""), []).append(p)
    got: dict[str, set] = {"entity": set(), "quote": set(), "cue": set(), "source": set(), "boilerplate": set()}
    for mid, ps in groups.items():
        ps.sort(key=lambda p: p.start)
        a0 = {k: v for k, v in ps[0].attrs.items() if k != "class"}
        for p in ps[1:]:
            if {k: v for k, v in p.attrs.items() if k != "class"} != a0:
                problems.append(f"pieces of {mid!r} carry different attributes: {a0} vs {p.attrs}")
        for p, q in pairwise(ps):
            if p.end != q.start:
                problems.append(f"pieces of {mid!r} are not contiguous: [{p.start}, {p.end}) then [{q.start}, {q.end})")
        try:
            s0, s1 = int(a0.get("data-start", "")), int(a0.get("data-end", ""))
        except ValueError:
            problems.append(f"{mid!r}: data-start/data-end are not integers: {a0}")
            continue
        if (ps[0].start, ps[-1].end) != (s0, s1):
            problems.append(f"{mid!r} covers DOM offsets [{ps[0].start}, {ps[-1].end}) but says [{s0}, {s1})")
        kind = a0.get("data-kind")
        if kind in ("quote", "cue", "source") and any("entity" in p.ancestors for p in ps):
            problems.append(f"{kind} {mid!r} is nested inside an entity element")
        if kind == "entity":
            got["entity"].add((s0, s1, a0.get("data-label")))
        elif kind == "quote":
            got["quote"].add((a0.get("data-quote-id"), s0, s1, a0.get("data-label"), a0.get("data-quote-type"),
                              a0.get("data-speaker"), a0.get("data-speaker-name"), a0.get("data-stance")))
        elif kind in ("cue", "source"):
            got[kind].add((s0, s1, a0.get("data-label"), tuple(a0.get("data-quote-id", "").split()),
                           a0.get("data-speaker"), a0.get("data-speaker-name"), a0.get("data-stance")))
        elif kind == "boilerplate":
            got["boilerplate"].add((s0, s1))
        else:
            problems.append(f"{mid!r}: unknown data-kind {kind!r}")
    want: dict[str, set] = {k: set() for k in got}
    want["boilerplate"] = set(boilerplate_ranges(doc))
    if "entities" in layers:
        want["entity"] = {(e.start, e.end, e.label) for e in doc.entities}
    if "quotes" in layers:
        for q in doc.quotes:
            want["quote"].add((q.quote_id, q.span.start, q.span.end, "QUOTE", q.quote_type, q.speaker_id or "",
                               speaker_name(q.speaker_id, lookup), first_stance(q, schema)))
        for (kind, s0, s1), qs in linked(doc).items():
            want[kind].add((s0, s1, kind.upper(), *link_values(qs, lookup, schema)))
    for kind, rendered in got.items():
        for x in sorted(want[kind] - rendered, key=str):
            problems.append(f"missing {kind}: {x}")
        for x in sorted(rendered - want[kind], key=str):
            problems.append(f"unexpected {kind}: {x}")
    return problems


