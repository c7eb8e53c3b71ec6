"""Corpus statistics: counts per layer, type, speaker, stance and article.

:func:`corpus_stats` returns one JSON-able dict; :func:`tables` turns it into
titled tables that :func:`render` prints as aligned plain text or as Markdown
(for the dataset card). What is counted:

* articles: characters of the raw text (boilerplate included, as stored),
  tokens (:func:`tahaluf.core.text.tokenize`), sentences
  (:func:`tahaluf.core.text.sentences`), entities, quotations, split and
  document-level stance;
* entities: mentions per type (and the number of tokens they cover, a token
  counting if it overlaps the entity);
* quotations: per ``quote_type``; with and without a CUE span and a SOURCE
  span; distinct cue and source spans (a cue shared by the two halves of an
  interrupted quotation counts once);
* speakers: quotations and documents per speaker id, with the registry's
  ``name_en`` and ``kind``. Ids are mapped through the registry's aliases
  first (:func:`tahaluf.analysis.speakers.map_speakers`, as for agreement);
  an id in neither is listed as written with the name ``(not in the registry)``;
* stance: for every target of the schema, quote-level labels, quote-level
  labels per speaker, and document-level labels.

Every table row is a count; nothing is estimated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tahaluf.analysis.speakers import map_speakers
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.text import sentences, tokenize
from tahaluf.corpus import SPLITS, split_of

MISSING_NAME = "(not in the registry)"


def _split(doc_id: str) -> str:
    try:
        return split_of(doc_id)
    except TahalufError:
        return "-"


def corpus_stats(docs: Sequence[Document], speakers: Mapping[str, Speaker], *,
                 schema: Schema = SCHEMA) -> dict:
    """Counts of ``docs`` (speaker ids mapped through ``speakers``' aliases)."""
    docs, mapping = map_speakers(docs, speakers)
    articles = []
    ent_types: Counter[str] = Counter()
    ent_tokens: Counter[str] = Counter()
    qtypes: Counter[str] = Counter()
    cue = Counter()
    source = Counter()
    distinct_cues = distinct_sources = 0
    spk_quotes: Counter[str] = Counter()
    spk_docs: dict[str, set[str]] = {}
    stance_q = {t: Counter() for t in schema.target_names}
    stance_spk = {t: {} for t in schema.target_names}
    stance_d = {t: Counter() for t in schema.target_names}
    splits: dict[str, Counter] = {}
    for d in docs:
        toks = tokenize(d.text)
        n_sent = len(sentences(d.text, toks))
        for e in d.entities:
            ent_types[e.label] += 1
            ent_tokens[e.label] += sum(1 for t in toks if t.start < e.end and e.start < t.end)
        for q in d.quotes:
            qtypes[q.quote_type] += 1
            cue["with" if q.cue else "without"] += 1
            source["with" if q.source else "without"] += 1
            sid = q.speaker_id or "(none)"
            spk_quotes[sid] += 1
            spk_docs.setdefault(sid, set()).add(d.doc_id)
            for t in schema.target_names:
                lab = q.stance.get(t, "(missing)")
                stance_q[t][lab] += 1
                stance_spk[t].setdefault(sid, Counter())[lab] += 1
        distinct_cues += len({(q.cue.start, q.cue.end) for q in d.quotes if q.cue})
        distinct_sources += len({(q.source.start, q.source.end) for q in d.quotes if q.source})
        for t in schema.target_names:
            stance_d[t][d.doc_stance.get(t, "(missing)")] += 1
        split = _split(d.doc_id)
        row = {"doc_id": d.doc_id, "split": split, "chars": len(d.text), "tokens": len(toks),
               "sentences": n_sent, "entities": len(d.entities), "quotes": len(d.quotes),
               "doc_stance": dict(d.doc_stance)}
        articles.append(row)
        sc = splits.setdefault(split, Counter())
        sc.update({"documents": 1, **{k: row[k] for k in ("chars", "tokens", "sentences", "entities", "quotes")}})

    def ordered(c: Counter, order: Sequence[str]) -> dict[str, int]:
        keys = [k for k in order if k in c] + sorted(k for k in c if k not in order)
        return {k: c[k] for k in keys}

    stance_order = list(schema.stance_labels)
    speaker_rows = []
    for sid in sorted(spk_quotes, key=lambda s: (-spk_quotes[s], s)):
        s = speakers.get(sid)
        speaker_rows.append({"speaker_id": sid, "name_en": s.name_en if s else MISSING_NAME,
                             "kind": s.kind if s else "-", "quotes": spk_quotes[sid],
                             "documents": len(spk_docs[sid])})
    totals = {"documents": len(docs), **{k: sum(a[k] for a in articles)
                                         for k in ("chars", "tokens", "sentences", "entities", "quotes")},
              "cues": distinct_cues, "sources": distinct_sources, "speakers": len(spk_quotes)}
    return {
        "totals": totals,
        "speaker_ids_mapped": mapping.to_dict(),
        "articles": articles,
        "splits": {k: dict(splits[k]) for k in _split_order(splits)},
        "entities": {"by_type": ordered(ent_types, schema.entity_labels),
                     "tokens_by_type": ordered(ent_tokens, schema.entity_labels),
                     "total": sum(ent_types.values())},
        "quotations": {"total": sum(qtypes.values()),
                       "by_quote_type": ordered(qtypes, schema.quote_types),
                       "with_cue": cue["with"], "without_cue": cue["without"],
                       "with_source": source["with"], "without_source": source["without"],
                       "distinct_cue_spans": distinct_cues, "distinct_source_spans": distinct_sources},
        "speakers": speaker_rows,
        "stance": {t: {"quotes": ordered(stance_q[t], stance_order),
                       "quotes_by_speaker": {sid: ordered(stance_spk[t][sid], stance_order)
                                             for sid in (r["speaker_id"] for r in speaker_rows)},
                       "documents": ordered(stance_d[t], stance_order)}
                   for t in schema.target_names},
    }


def _split_order(names) -> list[str]:
    known = list(SPLITS)
    return sorted(names, key=lambda s: (known.index(s) if s in known else len(known), s))


# -- tables ---------------------------------------------------------------------

Table = tuple[str, list[str], list[list[Any]]]


def _pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)" if total else str(n)


def tables(st: dict, schema: Schema = SCHEMA) -> list[Table]:
    """The statistics as titled tables (title, header, rows)."""
    out: list[Table] = []
    cols = ["chars", "tokens", "sentences", "entities", "quotes"]
    targets = list(schema.target_names)
    rows = [[a["doc_id"], a["split"], *(a[c] for c in cols), *(a["doc_stance"].get(t, "-") for t in targets)]
            for a in st["articles"]]
    rows.append(["total", "", *(st["totals"][c] for c in cols), *([""] * len(targets))])
    out.append(("Articles", ["doc_id", "split", *cols, *(f"doc {t}" for t in targets)], rows))
    out.append(("Splits", ["split", "documents", *cols],
                [[k, v["documents"], *(v[c] for c in cols)] for k, v in st["splits"].items()]))
    e = st["entities"]
    out.append(("Entities by type", ["type", "mentions", "tokens"],
                [[t, _pct(n, e["total"]), e["tokens_by_type"][t]] for t, n in e["by_type"].items()]
                + [["total", e["total"], sum(e["tokens_by_type"].values())]]))
    q = st["quotations"]
    n = q["total"]
    qrows = [[f"quote_type {t}", _pct(c, n)] for t, c in q["by_quote_type"].items()]
    qrows += [["with a cue", _pct(q["with_cue"], n)], ["without a cue", _pct(q["without_cue"], n)],
              ["with a source", _pct(q["with_source"], n)], ["without a source", _pct(q["without_source"], n)],
              ["distinct cue spans", q["distinct_cue_spans"]], ["distinct source spans", q["distinct_source_spans"]],
              ["quotations", n]]
    out.append(("Quotations", ["", "count"], qrows))
    labels = list(schema.stance_labels)
    for t in targets:
        s = st["stance"][t]
        extra = sorted({k for c in s["quotes_by_speaker"].values() for k in c} - set(labels))
        hdr = labels + extra
        srows = [[r["speaker_id"], r["name_en"], r["kind"], r["quotes"], r["documents"],
                  *(s["quotes_by_speaker"][r["speaker_id"]].get(k, 0) for k in hdr)] for r in st["speakers"]]
        out.append((f"Speakers (quotations, documents, quote-level {t})",
                    ["speaker_id", "name_en", "kind", "quotes", "documents", *hdr], srows))
        hdr2 = labels + sorted((set(s["quotes"]) | set(s["documents"])) - set(labels))
        out.append((f"Stance towards {t}", ["level", *hdr2],
                    [["quotations", *(_pct(s["quotes"].get(k, 0), n) for k in hdr2)],
                     ["documents", *(s["documents"].get(k, 0) for k in hdr2)]]))
    return out


def _cell(x: Any, markdown: bool) -> str:
    s = str(x)
    return s.replace("|", "\\|") if markdown else s


def render(st: dict, header: str, *, markdown: bool = False, schema: Schema = SCHEMA) -> str:
    """Plain aligned tables, or Markdown tables (for the dataset card)."""
    m = st["speaker_ids_mapped"]
    lines = [header, f"Speaker ids mapped through the registry's aliases: {m['mapped_quotes']} quotation(s)"
             + (f" ({', '.join(f'{k} -> {v}' for k, v in m['aliases'].items())})" if m["aliases"] else "")
             + (f"; not in the registry: {', '.join(m['unknown'])}" if m["unknown"] else ""), ""]
    for title, hdr, rows in tables(st, schema):
        cells = [[_cell(c, markdown) for c in r] for r in [hdr, *rows]]
        if markdown:
            lines.append(f"**{title}**")
            lines.append("")
            lines.append("| " + " | ".join(cells[0]) + " |")
            lines.append("|" + "|".join("---" if i < 1 or not _numeric(rows, i) else "---:"
                                        for i in range(len(hdr))) + "|")
            lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
        else:
            w = [max(len(r[i]) for r in cells) for i in range(len(hdr))]
            lines.append(title.upper())
            for k, r in enumerate(cells):
                lines.append("  " + "  ".join(c.rjust(w[i]) if i and _numeric(rows, i) else c.ljust(w[i])
                                              for i, c in enumerate(r)).rstrip())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _numeric(rows: list[list[Any]], i: int) -> bool:
    vals = [r[i] for r in rows if r[i] != ""]
    return bool(vals) and all(isinstance(v, int) or (isinstance(v, str) and v[:1].isdigit()) for v in vals)
