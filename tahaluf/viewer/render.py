"""Pages: one article as a self-contained, right-to-left HTML page; the index page.

:func:`render_document` turns one :class:`~tahaluf.core.model.Document` into an
HTML page (a string; usable from a notebook); :func:`render_index` lists the
articles with their counts per layer; :func:`write_site` writes both for a
corpus. The renderer reads nothing from disk: the caller passes the documents,
the speaker registry and (for the index) each article's split, as ``tahaluf
show`` does (``tahaluf/commands/show.py``).

A page is self-contained: the CSS is inline, there are no scripts, no fonts or
images from the network, and a Content-Security-Policy (:data:`CSP`,
``default-src 'none'``) makes the browser refuse anything else. The article is
``dir="rtl" lang="ar"`` and keeps its line breaks (``white-space: pre-wrap``);
the text content of the article element is exactly ``doc.text`` (the marks
nest inside it, :mod:`tahaluf.viewer.marks`), so offsets can be checked on the
DOM (:mod:`tahaluf.viewer.check`). Every text and attribute value is
HTML-escaped (:func:`~tahaluf.viewer.marks.esc`). The header and footer say
which annotations the page shows (``gold``, ``pass_a`` ...), the documents hash of
its documents (:func:`tahaluf.core.signatures.documents_hash`) and the package
version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote as _urlquote

from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.fileio import write_files
from tahaluf.core.ids import child, require
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import documents_hash
from tahaluf.core.version import __version__
from tahaluf.viewer.marks import (
    ENTITY_COLOURS,
    LAYERS,
    NO_STANCE_COLOUR,
    STANCE_COLOURS,
    UNKNOWN_COLOUR,
    Speakers,
    esc,
    first_target,
    marks,
    parse_layers,
    render_text,
    speaker_lookup,
    speaker_name,
    uniq,
)

#: Everything but inline styles (and data: images) is refused by the browser.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


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
 font:600 .66rem/1 "DejaVu Sans","Liberation Sans",sans-serif;color:#111;background:#fff;border:1px solid #777;
 border-radius:2px;padding:0 .12rem;vertical-align:.6em;margin-inline-start:2px}}
.pua{{outline:2px solid #b00020;outline-offset:1px;border-radius:2px}}
.pua::after{{content:attr(data-note);direction:ltr;unicode-bidi:isolate;font:600 .62rem/1 "DejaVu Sans",sans-serif;
 color:#fff;background:#b00020;border-radius:2px;padding:0 .2rem;margin-inline-start:2px;vertical-align:.5em}}
.k-boilerplate{{color:#9a9a9a;background:repeating-linear-gradient(135deg,#f4f4f4 0 6px,#ececec 6px 12px)}}
.k-boilerplate .m{{background:none}}
table{{border-collapse:collapse;margin:.8rem 0}}
th,td{{border:1px solid #d5d5d5;padding:.25rem .45rem;text-align:start;vertical-align:top}}
th{{background:#f3f3f3}} td[data-count]{{text-align:right}}
#index{{font-size:.8rem}} #index th{{font-size:.66rem;padding:.2rem .25rem}} #index td{{padding:.2rem .3rem}}
td.ar{{font-family:"Noto Naskh Arabic","Noto Sans Arabic","DejaVu Sans",sans-serif;font-size:.9rem;
 min-width:9rem;max-width:15rem}}
td.names{{min-width:7rem}} td.doc{{word-break:break-all;min-width:5.5rem;font-size:.72rem}}
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
    """What a page says about the annotations it shows (``pass_a`` is explained)."""
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


def render_document(doc: Document, speakers: Speakers,
                    layers: str | Iterable[str] | None = LAYERS, *, source: str | None = None,
                    index_href: str | None = None, schema: Schema = SCHEMA) -> str:
    """The page of one article (a complete HTML document, as a string).

    ``speakers`` is the speaker registry; ``source`` says which
    annotations these are (``gold``, ``pass_a`` ...); ``index_href`` adds a link
    back to the index.
    """
    layers = parse_layers(layers)
    ms = marks(doc, speakers, layers, schema=schema)
    body = render_text(doc.text, ms)
    headline = headline_of(doc)
    title = f"{headline or doc.doc_id} — {doc.doc_id} — Tahaluf"
    n_q = len(doc.quotes)
    spk = uniq(q.speaker_id or "" for q in doc.quotes)
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
    rows.append(("counts", f"{plural(len(doc.entities), 'entity', 'entities')}, {plural(n_q, 'quotation')}, "
                           f"{plural(len(spk), 'speaker')}"))
    notes = [n for n in doc.metadata.get("quality_notes", ()) if n.get("code") == "private-use-character"]
    for n in notes:
        rows.append(("note", f"[{n['start']}, {n['end']}) {n['note']} (marked in the text)"))
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


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 speaker``, ``2 speakers`` (``many`` for an irregular plural)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def headline_of(doc: Document, limit: int = 120) -> str:
    """The headline from the metadata, else the article's first non-empty line (cut at ``limit``)."""
    hl = doc.metadata.get("headline")
    if isinstance(hl, Mapping) and hl.get("text"):
        return str(hl["text"])
    line = next((x.strip() for x in doc.text.splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[:limit].rstrip() + "…"


def _footer(source: str | None, docs: Sequence[Document]) -> str:
    return (f'<footer class="ltr" lang="en">annotations: {esc(describe_source(source))} · '
            f'documents hash {esc(documents_hash(list(docs)))} · tahaluf {esc(__version__)}</footer>\n')


def page_name(doc_id: str) -> str:
    """The file name of an article's page in a site (``<doc_id>.html``); the doc id must be safe."""
    return f"{require('doc_id', doc_id)}.html"


def counts(doc: Document, schema: Schema = SCHEMA) -> dict[str, int]:
    """Counts per layer: entities per type, entities, quotes, quotes per stance, speakers."""
    out = {lab: 0 for lab in schema.entity_labels}
    for e in doc.entities:
        out[e.label] = out.get(e.label, 0) + 1
    out["entities"] = len(doc.entities)
    out["quotes"] = len(doc.quotes)
    first = first_target(schema)
    for s in schema.stance_labels:
        out[f"quotes_{s}"] = sum(1 for q in doc.quotes if q.stance.get(first) == s)
    out["speakers"] = len({q.speaker_id for q in doc.quotes if q.speaker_id})
    return out


def render_index(docs: Sequence[Document], speakers: Speakers, *, source: str | None = None,
                 splits: Mapping[str, str] | None = None, href=page_name, schema: Schema = SCHEMA) -> str:
    """The index page: one row per article with its counts per layer and a link to its page.

    ``splits`` maps a document id to its split (``tahaluf.corpus.split_of``);
    an article it does not name has an empty split cell.
    """
    splits = splits or {}
    lookup = speaker_lookup(speakers)
    labels = list(schema.entity_labels) + sorted({e.label for d in docs for e in d.entities}
                                                 - set(schema.entity_labels))
    cols = labels + ["entities", "quotes"] + [f"quotes_{s}" for s in schema.stance_labels] + ["speakers"]
    heads = labels + ["entities", "quotes"] + [f"quotes {s}" for s in schema.stance_labels] + ["speakers"]
    annotators = uniq(d.annotator or "" for d in docs)
    one_annotator = len(annotators) == 1  # said once above the table instead of in every row
    rows = []
    total = {c: 0 for c in cols}
    all_speakers: set[str] = set()
    for i, d in enumerate(docs):
        c = counts(d, schema)
        for k in cols:
            total[k] += c.get(k, 0)
        sp = uniq(q.speaker_id for q in d.quotes if q.speaker_id)
        all_speakers.update(sp)
        names = "; ".join(speaker_name(s, lookup) for s in sp)
        headline = headline_of(d)
        split = splits.get(d.doc_id, "")
        cells = "".join(f'<td data-count="{esc(k)}">{c.get(k, 0)}</td>' for k in cols[:-1])
        cells += f'<td data-count="speakers" title="{esc(names)}">{c["speakers"]}</td>'
        stance = " ".join(f"{v}" for v in d.doc_stance.values())
        rows.append(
            f'<tr data-doc-id="{esc(d.doc_id)}"><td>{i}</td>'
            f'<td class="doc"><a href="{esc(_urlquote(href(d.doc_id)))}">{esc(d.doc_id)}</a></td>'
            f'<td class="ar" lang="ar" dir="rtl">{esc(headline)}</td><td>{esc(split)}</td>'
            + ("" if one_annotator else f'<td class="annotator">{esc(d.annotator or "")}</td>')
            + f'{cells}<td>{esc(stance)}</td>'
            f'<td class="names">{esc(names)}</td></tr>')
    total["speakers"] = len(all_speakers)
    tcells = "".join(f'<td data-count="{esc(k)}">{total[k]}</td>' for k in cols)
    rows.append('<tr class="total" data-doc-id=""><td></td><td>all</td><td></td><td></td>'
                + ("" if one_annotator else "<td></td>") + f'{tcells}<td></td><td></td></tr>')
    th = "".join(f"<th>{esc(h)}</th>" for h in ["#", "document", "headline", "split",
                                                 *([] if one_annotator else ["annotator"]), *heads,
                                                 "doc stance", "speaker names"])
    who = (f' Annotator of every article: <span id="annotator">{esc(annotators[0])}</span>.'
           if one_annotator and annotators[0] else "")
    return (_head("Tahaluf: the annotated articles", schema, "en", "ltr")
            + '<body class="ltr" style="max-width:none">\n<h1>Tahaluf: the annotated articles</h1>\n'
            + f'<p>Annotations: {esc(describe_source(source))}. Entity counts by type, quotations (by '
              f'stance towards T1) and distinct speakers per article; follow a link to read the article '
              f'with its layers.{who}</p>\n'
            + f'<table id="index"><thead><tr>{th}</tr></thead><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table>\n" + _footer(source, docs) + "</body>\n</html>\n")


def write_site(docs: Sequence[Document], out_dir: str | os.PathLike,
               speakers: Speakers, layers: str | Iterable[str] | None = LAYERS, *,
               source: str | None = None, splits: Mapping[str, str] | None = None,
               schema: Schema = SCHEMA) -> list[Path]:
    """Write ``index.html`` and one page per article into ``out_dir`` (each file atomically)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TahalufError(f"{out} exists and is not a folder")
    lookup = speaker_lookup(speakers)
    layers = parse_layers(layers)
    pages = {page_name(d.doc_id): render_document(d, lookup, layers, source=source,
                                                   index_href="index.html", schema=schema) for d in docs}
    pages["index.html"] = render_index(docs, lookup, source=source, splits=splits, schema=schema)
    for name in pages:
        child(out, name)  # a doc id never puts a page outside the folder
    return write_files(out, pages)


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


