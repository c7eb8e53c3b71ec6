"""Row-shaped submissions: predictions in the shape of the Hugging Face configs' rows.

A user who trained on ``load_dataset(..., "entities")`` has predictions per
row, not per article. A submission whose records carry ``id`` (and no
``doc_id`` record) is row-shaped: one record per row of the task's config,
the row's ``id`` and the predicted field only:

==========  ===================================  =============================================
task        ``id`` (as in the config)            predicted fields
==========  ===================================  =============================================
entities    ``<doc_id>-s<NNN>``, one per row     ``ner_tags`` (tags or ClassLabel ids; optional
                                                 ``tokens``, checked)
quotes      ``<doc_id>-<quote_id>``, one per     ``start``, ``end``; optional ``quote_type``,
            *predicted* quotation                ``speaker_id``, ``cue``, ``source``, ``text``
stance      ``<doc_id>-<quote_id>-<target>``,    ``label``
            one per row
==========  ===================================  =============================================

:func:`rows_to_records` groups the rows into one record per article (an
article with no quotation row predicts no quotation; every entity and stance
row must be present), after which the article records are read and checked
as usual (:mod:`tahaluf.scoring.submission`). :func:`records_to_rows` is the
inverse; ``tahaluf convert`` runs either. Nothing is repaired: a row whose id
names no article or row, a duplicate id, a missing sentence row, or an
unknown field is a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tahaluf.core.errors import Finding, did_you_mean
from tahaluf.core.jsonio import short
from tahaluf.core.model import Document
from tahaluf.core.tagging import doc_tokens

#: task -> (required, optional) fields of a row besides ``id``
ROW_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "entities": (("ner_tags",), ("tokens",)),
    "quotes": (("start", "end"), ("quote_type", "speaker_id", "cue", "source", "text")),
    "stance": (("label",), ()),
}


def is_row_shaped(records: Sequence[tuple[int, Any]]) -> bool:
    """The first record that is an object has ``id`` and no ``doc_id``."""
    first = next((r for _, r in records if isinstance(r, dict)), None)
    return first is not None and "id" in first and "doc_id" not in first


def _doc_of(row_id: str, docs: Mapping[str, Document]) -> tuple[str, str] | None:
    """``(doc_id, rest)`` of a row id ``<doc_id>-<rest>``."""
    doc_id, sep, rest = row_id.partition("-")
    return (doc_id, rest) if sep and doc_id in docs and rest else None


def rows_to_records(records: Sequence[tuple[int, Any]], task: str, docs: Sequence[Document],
                    name: str) -> tuple[list[tuple[int, dict]], list[Finding]]:
    """Article records (with the line of each article's first row) from row records, and the findings."""
    by_id = {d.doc_id: d for d in docs}
    required, optional = ROW_FIELDS[task]
    found: list[Finding] = []
    per_doc: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    seen: dict[str, int] = {}
    for line, row in records:
        loc = f"{name}:{line}"
        if not isinstance(row, dict):
            found.append(Finding("malformed-file", "row is not a JSON object", loc, got=short(row),
                                 expected='{"id": ..., ' + ", ".join(f'"{k}": ...' for k in required) + "}"))
            continue
        rid = row.get("id")
        if not isinstance(rid, str):
            found.append(Finding("malformed-file", "row lacks a string id", loc, got=short(rid),
                                 expected="the id of the config's row"))
            continue
        loc = f"{loc} id={rid}"
        bad = [k for k in row if k not in ("id", *required, *optional)]
        for k in bad:
            found.append(Finding("malformed-file", f"unknown field {k!r} in a {task} row", loc, got=k,
                                 expected=did_you_mean(k, ("id", *required, *optional))))
        lacking = [k for k in required if k not in row]
        for k in lacking:
            found.append(Finding("malformed-file", f"{task} row lacks field {k!r}", loc,
                                 expected=f"fields id, {', '.join(required)}"))
        if bad or lacking:
            continue
        if rid in seen:
            found.append(Finding("duplicate-id", f"second row with this id (the first is on line {seen[rid]})",
                                 loc, got=rid, expected="each row once"))
            continue
        seen[rid] = line
        parsed = _doc_of(rid, by_id)
        if parsed is None:
            found.append(Finding("unknown-document", "the row id names no article of the evaluated split", loc,
                                 got=rid, expected=f"<doc_id>-... with doc_id one of {', '.join(by_id)}"))
            continue
        doc_id, rest = parsed
        first_line.setdefault(doc_id, line)
        rec = per_doc.setdefault(doc_id, {"doc_id": doc_id})
        if task == "entities":
            if not (rest.startswith("s") and rest[1:].isdigit()):
                found.append(Finding("unknown-document", "not an entities row id", loc, got=rid,
                                     expected=f"{doc_id}-s000 ... (the config's sentence rows)"))
                continue
            rec.setdefault("_rows", {})[int(rest[1:])] = row
        elif task == "quotes":
            rec.setdefault("quotes", []).append({"quote_id": rest, **{k: v for k, v in row.items() if k != "id"}})
        else:
            qid, sep, target = rest.rpartition("-")
            if not sep or not qid:
                found.append(Finding("unknown-document", "not a stance row id", loc, got=rid,
                                     expected=f"{doc_id}-<quote_id>-<target>"))
                continue
            rec.setdefault("stance", []).append({"quote_id": qid, "target": target, "label": row["label"]})
    out = []
    for d in docs:
        rec = per_doc.get(d.doc_id)
        if task == "quotes" and rec is None:
            rec = {"doc_id": d.doc_id, "quotes": []}  # no quotation row: no quotation predicted
        if rec is None:
            continue
        if task == "entities":
            rows = rec.pop("_rows", {})
            n = len(doc_tokens(d).kept_rows())
            gone = [k for k in range(n) if k not in rows]
            extra = [k for k in rows if k >= n]
            if gone or extra:
                found.append(Finding("malformed-file", f"article {d.doc_id}: the entities rows are incomplete",
                                     f"{name}:{first_line[d.doc_id]} doc={d.doc_id}",
                                     got=f"missing {', '.join(f'{d.doc_id}-s{k:03d}' for k in gone[:5])}"
                                         if gone else f"unknown row s{extra[0]:03d}",
                                     expected=f"{n} rows, {d.doc_id}-s000 ... {d.doc_id}-s{n - 1:03d}"))
                continue
            rec["ner_tags"] = [rows[k]["ner_tags"] for k in range(n)]
            if any("tokens" in r for r in rows.values()):
                rec["tokens"] = [rows[k].get("tokens") for k in range(n)]
        out.append((first_line.get(d.doc_id, 0), rec))
    return out, found


def records_to_rows(records: Sequence[Mapping], task: str, docs: Sequence[Document]) -> list[dict]:
    """The rows of article records (already validated), in article order then row order."""
    by_id = {d.doc_id: d for d in docs}
    out = []
    for rec in records:
        doc_id = rec["doc_id"]
        if task == "entities":
            if "ner_tags" not in rec:
                raise ValueError("convert BIO records (ner_tags) to entities rows; character spans have no rows")
            dt = doc_tokens(by_id[doc_id])
            rows = dt.kept_rows()

            def per_row(seq, dt=dt, rows=rows):
                if seq and not isinstance(seq[0], list):  # one flat list for the article's tokens
                    return [seq[a:b] for a, b in rows]
                if len(seq) == len(dt.rows) != len(rows):  # every sentence, boilerplate included
                    return [t for t, keep in zip(seq, dt.kept) if keep]
                return seq
            tags = per_row(rec["ner_tags"])
            toks = per_row(rec["tokens"]) if "tokens" in rec else None
            for k, t in enumerate(tags):
                out.append({"id": f"{doc_id}-s{k:03d}", "ner_tags": list(t)}
                           | ({"tokens": list(toks[k])} if toks is not None else {}))
        elif task == "quotes":
            for k, q in enumerate(rec["quotes"], 1):
                qid = q.get("quote_id") or f"p{k:02d}"
                out.append({"id": f"{doc_id}-{qid}", **{f: v for f, v in q.items() if f != "quote_id"}})
        else:
            for s in rec["stance"]:
                out.append({"id": f"{doc_id}-{s['quote_id']}-{s['target']}", "label": s["label"]})
    return out
