"""The viewer: annotated articles as self-contained, right-to-left HTML pages.

:func:`render_document` turns one :class:`~tahaluf.core.model.Document` into an HTML
page (a string; usable from a notebook); :func:`render_index` lists the
articles with their counts per layer; :func:`write_site` writes both for a
corpus. ``tahaluf show`` is the command line (``tahaluf/commands/show.py``).

A page is self-contained: the CSS is inline, there are no scripts, no fonts or
images from the network, and a Content-Security-Policy (``default-src 'none'``)
makes the browser refuse anything else. The article is ``dir="rtl" lang="ar"``
and keeps its line breaks (``white-space: pre-wrap``); the text content of the
article element is exactly ``doc.text``, so offsets can be checked on the DOM.
Every text and attribute value is HTML-escaped; a carriage return is written as
``&#13;`` because an HTML parser would otherwise turn it into a line feed.

Nesting overlapping layers
--------------------------
Entities, quotations, cues, sources and boilerplate ranges overlap (a
quotation contains entities, a source is often an entity). Each is a
:class:`Mark` with a fixed nesting rank: boilerplate (outermost), quote,
cue/source, entity (innermost). Marks are ordered by ``(rank, start, -end,
id)``. The boundaries of all marks cut the text into segments; for each
segment the marks covering it, in that order, are the stack of elements that
must be open there. Between two segments the renderer keeps the longest common
prefix of the old and new stacks open, closes the rest and opens the new
marks. A mark that crosses the boundary of a mark ranked outside it is thereby
split into several ``<span>`` pieces; every piece carries the same attributes
(``data-id`` included), the first has class ``head`` and the last class
``tail`` (the quotation's speaker label is drawn before its head, an entity's
type after its tail, by CSS from ``data-*`` attributes so that they add no
text to the DOM).

Data attributes
---------------
Every mark element has ``data-kind`` (``entity | quote | cue | source |
boilerplate``), ``data-id`` (unique in the page), ``data-label`` (the entity
type, ``QUOTE``, ``CUE``, ``SOURCE`` or ``BOILERPLATE``), ``data-start`` and
``data-end`` (code-point offsets, half-open). Quotations add
``data-quote-id``, ``data-quote-type``, ``data-speaker`` (speaker id),
``data-speaker-name`` (English name from ``annotation/speakers.json``),
``data-stance`` (the value for the first stance target, ``stance_t1``) and
``data-stances`` (``target=value`` for every target). A cue or source shared
by several quotations is rendered once; its ``data-quote-id``,
``data-speaker``, ``data-speaker-name`` and ``data-stance`` list the values of
its quotations, space- (names: `` | ``-) separated.

:func:`read_page` parses a rendered page (or a browser's ``--dump-dom`` of it)
back into text and pieces, and :func:`check_rendered` compares that with the
document; the tests run it on the pages as Chromium parsed them. The
``chromium_*`` helpers drive Debian's headless Chromium.
"""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote as _urlquote

from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.fileio import write_atomic
from tahaluf.core.model import Document, Quote, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import documents_hash
from tahaluf.core.speakers import lookup
from tahaluf.core.version import __version__

#: The annotation layers a page can show. Boilerplate ranges are always greyed.
LAYERS: tuple[str, ...] = ("entities", "quotes")

#: Nesting rank: lower is further out.
RANK: dict[str, int] = {"boilerplate": 0, "quote": 1, "cue": 2, "source": 2, "entity": 3}

#: Background colour of each entity type (in schema order); unknown labels are grey.
ENTITY_COLOURS: dict[str, str] = {
    "PER": "#ffd3d3", "ORG": "#cfe2ff", "GPE": "#cdf2cb", "LOC": "#e8f5b8", "FAC": "#ffe1bd",
    "NORP": "#e6d4ff", "EVENT": "#ffd0ee", "DATE": "#cdeff2", "MONEY": "#f5eca6",
}
UNKNOWN_COLOUR = "#e2e2e2"
#: Colour of a quotation's label and underline, by stance.
STANCE_COLOURS: dict[str, str] = {"FAVOR": "#1a7f37", "AGAINST": "#c62828", "NONE": "#5f6670"}
NO_STANCE_COLOUR = "#222222"

#: Everything but inline styles (and data: images) is refused by the browser.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


# -- marks -------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """One annotation to draw: its kind, page-unique id, offsets, label and data attributes."""

    kind: str
    id: str
    start: int
    end: int
    label: str
    attrs: tuple[tuple[str, str], ...] = ()
    title: str = ""
    css: str = ""

    def sort_key(self) -> tuple:
        return (RANK[self.kind], self.start, -self.end, self.id)


def parse_layers(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"entities,quotes"`` (or an iterable of names) -> layer names in canonical order."""
    if spec is None:
        return LAYERS
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    for n in names:
        if n not in LAYERS:
            raise TahalufError(f"unknown layer {n!r}. {did_you_mean(n, LAYERS)}")
    return tuple(n for n in LAYERS if n in names)


def speaker_lookup(speakers: Mapping[str, Speaker] | Iterable[Speaker] | None) -> dict[str, Speaker]:
    """speaker id and every alias -> :class:`Speaker` (passes may use an alias)."""
    if speakers is None:
        from tahaluf.corpus import load_speakers
        speakers = load_speakers()
    recs = speakers.values() if isinstance(speakers, Mapping) else speakers
    return lookup({s.speaker_id: s for s in recs})


def speaker_name(speaker_id: str | None, lookup: Mapping[str, Speaker]) -> str:
    if not speaker_id:
        return "(no speaker)"
    s = lookup.get(speaker_id)
    return s.name_en if s else f"{speaker_id} (not in the registry)"


def _stance_text(q: Quote, schema: Schema) -> tuple[str, str]:
    """(value of the first target, ``target=value`` list)."""
    first = q.stance.get(schema.target_names[0], "") if schema.target_names else ""
    pairs = " ".join(f"{k}={v}" for k, v in q.stance.items())
    return first, pairs


def marks(doc: Document, speakers: Mapping[str, Speaker] | Iterable[Speaker] | None = None,
          layers: str | Iterable[str] | None = LAYERS, *, schema: Schema = SCHEMA) -> list[Mark]:
    """The marks of ``doc`` for the chosen layers, plus its boilerplate ranges."""
    layers = parse_layers(layers)
    lookup = speaker_lookup(speakers) if "quotes" in layers else {}
    out: list[Mark] = []
    for i, (b0, b1) in enumerate(_boilerplate(doc)):
        what = str(doc.metadata["boilerplate"][i].get("what", ""))
        out.append(Mark("boilerplate", f"boilerplate-{i + 1}", b0, b1, "BOILERPLATE",
                        title=f"boilerplate (not annotated): {what}".strip()))
    if "entities" in layers:
        for i, e in enumerate(doc.entities):
            css = f"l{schema.entity_labels.index(e.label)}" if e.label in schema.entity_labels else "lx"
            out.append(Mark("entity", f"ent-{i + 1}", e.start, e.end, e.label, title=e.label, css=css))
    if "quotes" in layers:
        shared: dict[tuple[str, int, int], list[Quote]] = {}
        for q in doc.quotes:
            first, pairs = _stance_text(q, schema)
            name = speaker_name(q.speaker_id, lookup)
            tag = f"{name} · {first or 'no stance'}"
            extra = [f"{k.replace('stance_', '')}:{v}" for k, v in q.stance.items()
                     if k != (schema.target_names[0] if schema.target_names else None)]
            if extra:
                tag += " · " + " · ".join(extra)
            out.append(Mark(
                "quote", f"quote-{q.quote_id}", q.span.start, q.span.end, "QUOTE",
                attrs=(("data-quote-id", q.quote_id), ("data-quote-type", q.quote_type),
                       ("data-speaker", q.speaker_id or ""), ("data-speaker-name", name),
                       ("data-stance", first), ("data-stances", pairs), ("data-tag", tag)),
                title=f"{q.quote_id} · {q.quote_type} quotation · {name} · {pairs or 'no stance'}",
                css=f"s-{first}" if first in STANCE_COLOURS else "s-x"))
            for kind, span in q.spans()[1:]:
                shared.setdefault((kind, span.start, span.end), []).append(q)
        for (kind, s0, s1), qs in sorted(shared.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            ids = " ".join(q.quote_id for q in qs)
            spk = _uniq(q.speaker_id or "" for q in qs)
            names = _uniq(speaker_name(q.speaker_id, lookup) for q in qs)
            stances = _uniq(_stance_text(q, schema)[0] for q in qs)
            out.append(Mark(
                kind, f"{kind}-{s0}-{s1}", s0, s1, kind.upper(),
                attrs=(("data-quote-id", ids), ("data-speaker", " ".join(spk)),
                       ("data-speaker-name", " | ".join(names)), ("data-stance", " ".join(stances))),
                title=f"{kind} of {ids} · {' | '.join(names)}"))
    return sorted(out, key=Mark.sort_key)


def _uniq(xs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def _boilerplate(doc: Document) -> list[tuple[int, int]]:
    from tahaluf.seeds import boilerplate_ranges
    try:
        ranges = boilerplate_ranges(doc)
    except (KeyError, TypeError) as e:
        raise TahalufError(f"document {doc.doc_id}: malformed boilerplate metadata: {e}") from e
    for b0, b1 in ranges:
        if not (isinstance(b0, int) and isinstance(b1, int) and 0 <= b0 < b1 <= len(doc.text)):
            raise TahalufError(f"document {doc.doc_id}: boilerplate range [{b0}, {b1}) is outside the "
                               f"text (length {len(doc.text)}) or empty")
    return ranges


# -- HTML --------------------------------------------------------------------------

def esc(s: object) -> str:
    """Escape text or an attribute value (quotes included); CR kept as ``&#13;``."""
    return html.escape(str(s), quote=True).replace("\r", "&#13;")


def _open_tag(m: Mark, head: bool, tail: bool) -> str:
    cls = " ".join(c for c in ("m", f"k-{m.kind}", m.css, "head" if head else "", "tail" if tail else "") if c)
    attrs = [("class", cls), ("data-kind", m.kind), ("data-id", m.id), ("data-label", m.label),
             ("data-start", str(m.start)), ("data-end", str(m.end)), *m.attrs]
    if m.title:
        attrs.append(("title", m.title))
    return "<span " + " ".join(f'{k}="{esc(v)}"' for k, v in attrs) + ">"


def render_text(text: str, ms: Sequence[Mark]) -> str:
    """``text`` with ``ms`` as nested ``<span>`` elements (see the module docstring)."""
    order = sorted(ms, key=Mark.sort_key)
    for m in order:
        if not 0 <= m.start < m.end <= len(text):
            raise TahalufError(f"mark {m.id} [{m.start}, {m.end}) is outside the text (length {len(text)})")
    bounds = sorted({0, len(text), *(m.start for m in order), *(m.end for m in order)})
    # tokens: text strings and [mark, piece_start, piece_end] lists for open/close
    tokens: list = []
    stack: list[list] = []  # open pieces: [mark, start, end]

    def close_to(k: int, at: int) -> None:
        while len(stack) > k:
            piece = stack.pop()
            piece[2] = at
            tokens.append(("close", piece))

    for a, b in pairwise(bounds):
        active = [m for m in order if m.start <= a and b <= m.end]
        k = 0
        while k < len(stack) and k < len(active) and stack[k][0] is active[k]:
            k += 1
        close_to(k, a)
        for m in active[k:]:
            piece = [m, a, None]
            stack.append(piece)
            tokens.append(("open", piece))
        tokens.append(("text", text[a:b]))
    close_to(0, len(text))
    out = []
    for kind, x in tokens:
        if kind == "text":
            out.append(esc(x))
        elif kind == "open":
            m, p0, p1 = x
            out.append(_open_tag(m, p0 == m.start, p1 == m.end))
        else:
            out.append("</span>")
    return "".join(out)


def _css(schema: Schema) -> str:
    ent = "\n".join(f".l{i}{{background:{ENTITY_COLOURS.get(lab, UNKNOWN_COLOUR)}}}"
                    for i, lab in enumerate(schema.entity_labels))
    stance = "\n".join(f".s-{s}{{--stance:{c}}}" for s, c in STANCE_COLOURS.items())
    return f"""
:root{{color-scheme:light}}
body{{margin:0 auto;max-width:62rem;padding:1.2rem 1.6rem 3rem;background:#fff;color:#1b1b1b;
 font-family:"Noto Naskh Arabic","Noto Sans Arabic","Amiri","DejaVu Sans","Arial",sans-serif}}
.ltr{{direction:ltr;text-align:left;font-family:"DejaVu Sans","Liberation Sans","Arial",sans-serif;font-size:.82rem;color:#333}}
h1{{font-size:1.45rem;line-height:1.7;margin:.3rem 0 .6rem}}
a{{color:#0b4fa8}}
dl.meta{{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.4rem 0}}
dl.meta dt{{font-weight:600}} dl.meta dd{{margin:0}}
.legend{{border:1px solid #ddd;border-radius:6px;padding:.4rem .6rem;margin:.6rem 0 1rem;line-height:2.1}}
.legend .key{{margin-inline-end:.7rem;white-space:nowrap}}
.legend .sw{{padding:0 .35rem;border-radius:3px}}
.text{{white-space:pre-wrap;font-size:1.22rem;line-height:2.2;unicode-bidi:isolate}}
.m{{-webkit-box-decoration-break:clone;box-decoration-break:clone}}
.k-entity{{border-radius:3px;padding:.08em 0}}
.lx{{background:{UNKNOWN_COLOUR}}}
{ent}
{stance}
.s-x{{--stance:{NO_STANCE_COLOUR}}}
.k-quote{{background:#fffbea;border-bottom:3px solid var(--stance);padding-bottom:.12em}}
.k-quote.head::before{{content:attr(data-tag);direction:ltr;unicode-bidi:isolate;display:inline-block;
 font:600 .6rem/1.25 "DejaVu Sans","Liberation Sans",sans-serif;color:#fff;background:var(--stance);
 border-radius:3px;padding:.05rem .3rem;margin-inline-end:.25rem;vertical-align:.45em}}
.k-cue{{color:#0b3d91;font-weight:700;border-bottom:2px dotted #0b3d91}}
.k-source{{outline:1.5px dashed #444;outline-offset:1px;border-radius:3px}}
.k-entity.tail::after{{content:attr(data-label);direction:ltr;unicode-bidi:isolate;
 font:500 .5rem/1 "DejaVu Sans","Liberation Sans",sans-serif;color:#444;vertical-align:.7em;margin-inline-start:1px}}
.k-boilerplate{{color:#9a9a9a;background:repeating-linear-gradient(135deg,#f4f4f4 0 6px,#ececec 6px 12px)}}
.k-boilerplate .m{{background:none}}
table{{border-collapse:collapse;margin:.8rem 0}}
th,td{{border:1px solid #d5d5d5;padding:.25rem .45rem;text-align:start;vertical-align:top}}
th{{background:#f3f3f3}} td[data-count]{{text-align:right}}
td.ar{{font-family:"Noto Naskh Arabic","Noto Sans Arabic","DejaVu Sans",sans-serif;font-size:.95rem;
 min-width:18rem;max-width:28rem}}
td.names{{min-width:14rem}}
tr.total td{{font-weight:700}}
footer{{margin-top:1.5rem;border-top:1px solid #ddd;padding-top:.5rem}}
"""


def _head(title: str, schema: Schema, lang: str, direction: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="tahaluf {esc(__version__)}">\n'
            f"<title>{esc(title)}</title>\n<style>{_css(schema)}</style>\n</head>\n")


def describe_source(source: str | None) -> str:
    if source == "pass_a":
        return "pass_a (annotation pass A; the adjudicated gold does not exist yet)"
    return source or "unspecified"


def _legend(doc_labels: Iterable[str], layers: Sequence[str], schema: Schema) -> str:
    keys: list[str] = []
    if "entities" in layers:
        labels = list(schema.entity_labels) + sorted(set(doc_labels) - set(schema.entity_labels))
        for lab in labels:
            css = f"l{schema.entity_labels.index(lab)}" if lab in schema.entity_labels else "lx"
            keys.append(f'<span class="key"><span class="sw {css}" data-legend="{esc(lab)}">{esc(lab)}</span></span>')
    if "quotes" in layers:
        for s, colour in STANCE_COLOURS.items():
            keys.append(f'<span class="key"><span class="sw" style="background:#fffbea;border-bottom:3px solid '
                        f'{colour}" data-legend="QUOTE {s}">quotation, stance {s}</span></span>')
        keys.append('<span class="key"><span class="k-cue" data-legend="CUE">cue</span></span>')
        keys.append('<span class="key"><span class="k-source" data-legend="SOURCE">source</span></span>')
    keys.append('<span class="key"><span class="sw k-boilerplate" data-legend="BOILERPLATE">'
                'boilerplate (not annotated)</span></span>')
    note = (" Each quotation starts with its speaker's name and its stance towards T1 (the continued "
            "presence of the coalition's and US forces in Iraq)." if "quotes" in layers else "")
    return (f'<section class="legend ltr" aria-label="legend"><strong>Legend.</strong> '
            f'{" ".join(keys)}<br><span class="note">Hover over a span for details.{esc(note)}</span></section>\n')


def render_document(doc: Document, speakers: Mapping[str, Speaker] | Iterable[Speaker] | None = None,
                    layers: str | Iterable[str] | None = LAYERS, *, source: str | None = None,
                    index_href: str | None = None, schema: Schema = SCHEMA) -> str:
    """The page of one article (a complete HTML document, as a string).

    ``speakers`` defaults to ``annotation/speakers.json``; ``source`` says which
    annotations these are (``gold``, ``pass_a`` ...); ``index_href`` adds a link
    back to the index.
    """
    layers = parse_layers(layers)
    ms = marks(doc, speakers, layers, schema=schema)
    body = render_text(doc.text, ms)
    headline = headline_of(doc)
    title = f"{headline or doc.doc_id} — {doc.doc_id} — Tahaluf"
    n_q = len(doc.quotes)
    spk = _uniq(q.speaker_id or "" for q in doc.quotes)
    rows = [("document", doc.doc_id), ("annotations", describe_source(source)),
            ("annotator", doc.annotator or "")]
    date = doc.metadata.get("date")
    if isinstance(date, Mapping):
        rows.append(("date", f"{date.get('value', '')} ({date.get('basis', '')})"))
    for key in ("outlet", "original_source", "translator", "byline"):
        v = doc.metadata.get(key)
        if isinstance(v, Mapping):
            rows.append((key.replace("_", " "), str(v.get("text") or v.get("name") or "")))
    if doc.doc_stance:
        rows.append(("document stance", " ".join(f"{k}={v}" for k, v in doc.doc_stance.items())))
    rows.append(("layers", ", ".join(layers) + " (+ boilerplate)"))
    rows.append(("counts", f"{len(doc.entities)} entities, {n_q} quotations, {len(spk)} speakers"))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
    crumbs = (f'<p class="ltr"><a href="{esc(index_href)}">← all articles</a></p>\n' if index_href else "")
    ent_labels = {e.label for e in doc.entities}
    return (_head(title, schema, "ar", "rtl") + "<body>\n<header>\n" + crumbs
            + f'<h1 id="headline">{esc(headline or doc.doc_id)}</h1>\n'
            + f'<dl class="meta ltr" lang="en">{dl}</dl>\n</header>\n'
            + _legend(ent_labels, layers, schema)
            + f'<article id="text" class="text" lang="ar" dir="rtl" data-doc-id="{esc(doc.doc_id)}" '
              f'data-layers="{esc(",".join(layers))}">{body}</article>\n'
            + _footer(source, [doc]) + "</body>\n</html>\n")


def headline_of(doc: Document, limit: int = 120) -> str:
    """The headline from the metadata, else the article's first non-empty line (cut at ``limit``)."""
    hl = doc.metadata.get("headline")
    if isinstance(hl, Mapping) and hl.get("text"):
        return str(hl["text"])
    line = next((x.strip() for x in doc.text.splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[:limit].rstrip() + "…"


def _footer(source: str | None, docs: Sequence[Document]) -> str:
    
    return (f'<footer class="ltr" lang="en">annotations: {esc(describe_source(source))} · '
            f'data hash {esc(documents_hash(list(docs)))} · tahaluf {esc(__version__)}</footer>\n')


def page_name(doc_id: str) -> str:
    return f"{doc_id}.html"


def counts(doc: Document, schema: Schema = SCHEMA) -> dict[str, int]:
    """Counts per layer: entities per type, entities, quotes, quotes per stance, speakers."""
    out = {lab: 0 for lab in schema.entity_labels}
    for e in doc.entities:
        out[e.label] = out.get(e.label, 0) + 1
    out["entities"] = len(doc.entities)
    out["quotes"] = len(doc.quotes)
    first = schema.target_names[0] if schema.target_names else ""
    for s in schema.stance_labels:
        out[f"quotes_{s}"] = sum(1 for q in doc.quotes if q.stance.get(first) == s)
    out["speakers"] = len({q.speaker_id for q in doc.quotes if q.speaker_id})
    return out


def render_index(docs: Sequence[Document], speakers: Mapping[str, Speaker] | Iterable[Speaker] | None = None,
                 *, source: str | None = None, href=page_name, schema: Schema = SCHEMA) -> str:
    """The index page: one row per article with its counts per layer and a link to its page."""
    lookup = speaker_lookup(speakers)
    labels = list(schema.entity_labels) + sorted({e.label for d in docs for e in d.entities}
                                                 - set(schema.entity_labels))
    cols = labels + ["entities", "quotes"] + [f"quotes_{s}" for s in schema.stance_labels] + ["speakers"]
    heads = labels + ["entities", "quotes"] + [f"quotes {s}" for s in schema.stance_labels] + ["speakers"]
    rows = []
    total = {c: 0 for c in cols}
    all_speakers: set[str] = set()
    for i, d in enumerate(docs):
        c = counts(d, schema)
        for k in cols:
            total[k] += c.get(k, 0)
        sp = _uniq(q.speaker_id for q in d.quotes if q.speaker_id)
        all_speakers.update(sp)
        names = "; ".join(speaker_name(s, lookup) for s in sp)
        headline = headline_of(d)
        split = _split(d.doc_id)
        cells = "".join(f'<td data-count="{esc(k)}">{c.get(k, 0)}</td>' for k in cols[:-1])
        cells += f'<td data-count="speakers" title="{esc(names)}">{c["speakers"]}</td>'
        stance = " ".join(f"{v}" for v in d.doc_stance.values())
        rows.append(
            f'<tr data-doc-id="{esc(d.doc_id)}"><td>{i}</td>'
            f'<td><a href="{esc(_urlquote(href(d.doc_id)))}">{esc(d.doc_id)}</a></td>'
            f'<td class="ar" lang="ar" dir="rtl">{esc(headline)}</td><td>{esc(split)}</td>'
            f'<td>{esc(d.annotator or "")}</td>{cells}<td>{esc(stance)}</td>'
            f'<td class="names">{esc(names)}</td></tr>')
    total["speakers"] = len(all_speakers)
    tcells = "".join(f'<td data-count="{esc(k)}">{total[k]}</td>' for k in cols)
    rows.append(f'<tr class="total" data-doc-id=""><td></td><td>all</td><td></td><td></td><td></td>'
                f'{tcells}<td></td><td></td></tr>')
    th = "".join(f"<th>{esc(h)}</th>" for h in ["#", "document", "headline", "split", "annotator", *heads,
                                                 "doc stance", "speaker names"])
    return (_head("Tahaluf: the annotated articles", schema, "en", "ltr")
            + '<body class="ltr" style="max-width:none">\n<h1>Tahaluf: the annotated articles</h1>\n'
            + f'<p>Annotations: {esc(describe_source(source))}. Entity counts by type, quotations (by '
              f'stance towards T1) and distinct speakers per article; follow a link to read the article '
              f'with its layers.</p>\n'
            + f'<table id="index"><thead><tr>{th}</tr></thead><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table>\n" + _footer(source, docs) + "</body>\n</html>\n")


def _split(doc_id: str) -> str:
    from tahaluf.corpus import SPLITS
    return next((s for s, ids in SPLITS.items() if doc_id in ids), "")


def write_site(docs: Sequence[Document], out_dir: str | os.PathLike,
               speakers: Mapping[str, Speaker] | Iterable[Speaker] | None = None,
               layers: str | Iterable[str] | None = LAYERS, *, source: str | None = None,
               schema: Schema = SCHEMA) -> list[Path]:
    """Write ``index.html`` and one page per article into ``out_dir`` (each file atomically)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TahalufError(f"{out} exists and is not a folder")
    lookup = speaker_lookup(speakers)
    layers = parse_layers(layers)
    pages = {page_name(d.doc_id): render_document(d, lookup, layers, source=source,
                                                   index_href="index.html", schema=schema) for d in docs}
    pages["index.html"] = render_index(docs, lookup, source=source, schema=schema)
    written = []
    for name, text in pages.items():
        write_atomic(out / name, text)
        written.append(out / name)
    return written


def find_document(docs: Sequence[Document], key: str) -> Document:
    """The document whose id is ``key`` or starts with it (``000``); otherwise a clear error."""
    exact = [d for d in docs if d.doc_id == key]
    if exact:
        return exact[0]
    pre = [d for d in docs if d.doc_id.startswith(key)] if key else []
    if len(pre) == 1:
        return pre[0]
    ids = [d.doc_id for d in docs]
    if len(pre) > 1:
        raise TahalufError(f"document {key!r} is ambiguous: {', '.join(d.doc_id for d in pre)}")
    raise TahalufError(f"unknown document {key!r}. {did_you_mean(key, ids)}")


# -- reading a page back -----------------------------------------------------------

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


def check_rendered(markup: str, doc: Document,
                   speakers: Mapping[str, Speaker] | Iterable[Speaker] | None = None,
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
    want["boilerplate"] = {(b0, b1) for b0, b1 in _boilerplate(doc)}
    if "entities" in layers:
        want["entity"] = {(e.start, e.end, e.label) for e in doc.entities}
    if "quotes" in layers:
        first = schema.target_names[0] if schema.target_names else ""
        linked: dict[tuple[str, int, int], list[Quote]] = {}
        for q in doc.quotes:
            want["quote"].add((q.quote_id, q.span.start, q.span.end, "QUOTE", q.quote_type, q.speaker_id or "",
                               speaker_name(q.speaker_id, lookup), q.stance.get(first, "")))
            for kind, s in q.spans()[1:]:
                linked.setdefault((kind, s.start, s.end), []).append(q)
        for (kind, s0, s1), qs in linked.items():
            want[kind].add((s0, s1, kind.upper(), tuple(q.quote_id for q in qs),
                            " ".join(_uniq(q.speaker_id or "" for q in qs)),
                            " | ".join(_uniq(speaker_name(q.speaker_id, lookup) for q in qs)),
                            " ".join(_uniq(q.stance.get(first, "") for q in qs))))
    for kind, rendered in got.items():
        for x in sorted(want[kind] - rendered, key=str):
            problems.append(f"missing {kind}: {x}")
        for x in sorted(rendered - want[kind], key=str):
            problems.append(f"unexpected {kind}: {x}")
    return problems


# -- headless Chromium -------------------------------------------------------------

#: Flags for every run: no sandbox (containers, root), no GPU, no network chatter.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def find_chromium() -> str | None:
    """``$TAHALUF_CHROMIUM``, else ``chromium`` on the PATH (Debian's package), else None."""
    env = os.environ.get("TAHALUF_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    return shutil.which("chromium")


def run_chromium(args: Sequence[str], *, timeout: float = 120) -> str:
    """Run headless Chromium with :data:`CHROMIUM_FLAGS` and a throw-away profile; its stdout."""
    exe = find_chromium()
    if not exe:
        raise TahalufError("chromium not found: install Debian's `chromium` (apt-get install chromium) "
                           "or set TAHALUF_CHROMIUM to a Chromium executable")
    with tempfile.TemporaryDirectory(prefix="tahaluf-chromium-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TahalufError(f"chromium did not finish in {timeout:.0f}s: {' '.join(cmd)}") from None
        finally:
            try:  # helper processes left in the session
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace")[-1500:]
        raise TahalufError(f"chromium exited with {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return out.decode("utf-8")


def dump_dom(page: str | os.PathLike, *, timeout: float = 120) -> str:
    """The DOM of a local HTML file after Chromium parsed it (``--dump-dom``)."""
    return run_chromium(["--dump-dom", Path(page).resolve().as_uri()], timeout=timeout)


def screenshot(page: str | os.PathLike, png: str | os.PathLike, *, width: int = 1200, height: int = 1400,
               timeout: float = 120) -> Path:
    """A PNG of the top ``width`` x ``height`` pixels of a local HTML file, written atomically."""
    png = Path(png)
    with tempfile.TemporaryDirectory(prefix="tahaluf-shot-") as tmp:
        shot = Path(tmp) / "shot.png"
        run_chromium([f"--screenshot={shot}", f"--window-size={width},{height}", Path(page).resolve().as_uri()],
                     timeout=timeout)
        if not shot.exists() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            raise TahalufError(f"chromium wrote no PNG for {page}")
        write_atomic(png, shot.read_bytes())
    return png
