"""The checks of a submission's fields, one function per task's field.

Each check reads one record's field for one article, adds a
:class:`~tahaluf.core.errors.Finding` to the :class:`Checker` for every
problem (the finding ids of :mod:`tahaluf.scoring.submission`) and returns
what is scored: entity spans ``(start, end, type_index)`` in characters
(:func:`check_entities`) or token positions (:func:`check_bio`, decoded
strictly with :func:`tahaluf.core.tagging.decode` over the article's rows),
:class:`~tahaluf.scoring.quotes.QuoteItem` lists (:func:`check_quotes`,
speaker aliases mapped to their canonical id), ``{(quote_id, target): label}``
(:func:`check_stance`, over the reference items of
:func:`tahaluf.scoring.stance.gold_stance`). Nothing is repaired: a span with
a problem is left out and the problem is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.jsonio import short
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import Schema
from tahaluf.core.speakers import alias_table
from tahaluf.core.tagging import TagSet, decode, doc_tokens
from tahaluf.scoring.quotes import QuoteItem
from tahaluf.scoring.stance import gold_stance

#: (required, optional) keys of each object of a record
ENTITY_KEYS = (("start", "end", "label"), ("text",))
SPAN_KEYS = (("start", "end"), ("text",))
QUOTE_KEYS = (("start", "end"), ("quote_id", "text", "quote_type", "speaker_id", "cue", "source"))
STANCE_KEYS = (("quote_id", "target", "label"), ())


class Checker:
    """The findings of one submission (``name``), added as they are found."""

    def __init__(self, name: str):
        self.name = name
        self.found: list[Finding] = []

    def add(self, fid: str, message: str, where: str, got: Any = None, expected: Any = None) -> None:
        self.found.append(Finding(fid, message, where, got=got, expected=expected))

    def fields(self, obj: Any, keys: tuple[tuple[str, ...], tuple[str, ...]], where: str, what: str) -> bool:
        """``obj`` is an object with all required keys and no unknown key."""
        required, optional = keys
        if not isinstance(obj, dict):
            self.add("malformed-file", f"{what} must be a JSON object", where, got=short(obj),
                     expected=f"an object with {', '.join(required)}")
            return False
        ok = True
        for k in obj:
            if k not in required + optional:
                self.add("malformed-file", f"unknown field {k!r} in {what}", where, got=k,
                         expected=did_you_mean(k, required + optional))
                ok = False
        for k in required:
            if k not in obj:
                self.add("malformed-file", f"{what} lacks field {k!r}", where,
                         expected=f"fields {', '.join(required)}" + (f" (optional: {', '.join(optional)})"
                                                                      if optional else ""))
                ok = False
        return ok

    def span(self, obj: Any, text: str, where: str, keys=SPAN_KEYS, what: str = "span") -> tuple[int, int] | None:
        if not self.fields(obj, keys, where, what):
            return None
        s, e = obj["start"], obj["end"]
        if type(s) is not int or type(e) is not int:
            self.add("malformed-file", f"{what} offsets must be integers", where, got=[s, e],
                     expected="integer character offsets")
            return None
        if not 0 <= s < e <= len(text):
            self.add("span-out-of-range", f"{what} [{s}, {e}) is outside the text or empty", where,
                     got=[s, e], expected=f"0 <= start < end <= {len(text)}")
            return None
        if "text" in obj and obj["text"] != text[s:e]:
            self.add("span-text-mismatch", f"{what} text is not the article's text at [{s}, {e})", where,
                     got=obj["text"], expected=text[s:e])
            return None
        return s, e


def check_entities(chk: Checker, items: Any, doc: Document, schema: Schema, loc: str) -> list[tuple[int, int, int]]:
    if not isinstance(items, list):
        chk.add("malformed-file", "entities must be a list", loc, got=short(items), expected="a list ([] for none)")
        return []
    labels = list(schema.entity_labels)
    spans = []
    for k, e in enumerate(items):
        where = f"{loc}[{k}]"
        se = chk.span(e, doc.text, where, ENTITY_KEYS, "entity")
        if se is None:
            continue
        lab = e["label"]
        if lab not in labels:
            chk.add("unknown-label", "unknown entity label", f"{where}.label", got=lab,
                    expected=did_you_mean(lab, labels))
            continue
        spans.append((se[0], se[1], labels.index(lab), k))
    spans.sort()
    out = []
    prev = None
    for s, e, t, k in spans:
        if prev is not None and (s, e) == prev[:2]:
            fid = "duplicate-id" if t == prev[2] else "entity-overlap"
            chk.add(fid, "the same span twice" if t == prev[2] else "one span with two labels",
                    f"{loc}[{k}]", got=[s, e, labels[t]], expected="flat entities, each span once")
        elif prev is not None and s < prev[1]:
            chk.add("entity-overlap", "entities overlap (the layer is flat)", f"{loc}[{k}]",
                    got=[f"[{prev[0]},{prev[1]}) {labels[prev[2]]}", f"[{s},{e}) {labels[t]}"],
                    expected="non-overlapping spans")
        else:
            out.append((s, e, t))
        if prev is None or e > prev[1]:
            prev = (s, e, t)
    return out


def check_bio(chk: Checker, rec: Mapping, doc: Document, schema: Schema, loc: str):
    dt = doc_tokens(doc)
    tags = rec["ner_tags"]
    where = f"{loc} ner_tags"
    all_rows = list(dt.rows)
    kept_rows = [r for r, k in zip(dt.rows, dt.kept) if k]
    if not isinstance(tags, list):
        chk.add("malformed-file", "ner_tags must be a list", where, got=short(tags),
                expected="a list of tags per sentence, or one list for the article")
        return None

    def shape(given, what):
        """The flat list and the token index of each item, or None (a finding added)."""
        if given and all(isinstance(t, list) for t in given):
            if len(given) == len(all_rows):
                rows = all_rows
            elif len(given) == len(kept_rows):
                rows = kept_rows
            else:
                chk.add("malformed-file", f"wrong number of sentences in {what}", f"{loc} {what}", got=len(given),
                        expected=f"{len(kept_rows)} rows (the dataset's entities config) or {len(all_rows)} "
                                 f"(every sentence, boilerplate included)")
                return None
            for i, (t, (a, b)) in enumerate(zip(given, rows)):
                if len(t) != b - a:
                    chk.add("malformed-file", f"wrong number of items in sentence {i} of {what}",
                            f"{loc} {what}[{i}]", got=len(t), expected=f"{b - a}, one per token")
                    return None
            return [x for t in given for x in t], [k for a, b in rows for k in range(a, b)]
        if len(given) != len(dt):
            chk.add("malformed-file", f"wrong number of {what}", f"{loc} {what}", got=len(given),
                    expected=f"{len(dt)}, one per token of the article (or a list per sentence)")
            return None
        return list(given), list(range(len(dt)))

    got = shape(tags, "ner_tags")
    if got is None:
        return None
    flat, index = got
    if "tokens" in rec:
        if not isinstance(rec["tokens"], list):
            chk.add("malformed-file", "tokens must be a list", f"{loc} tokens", got=short(rec["tokens"]))
            return None
        tk = shape(rec["tokens"], "tokens")
        if tk is None:
            return None
        for g, k in zip(*tk):
            if g != dt.texts[k]:
                chk.add("span-text-mismatch", f"token {k} differs from the article's token at "
                        f"[{dt.starts[k]}, {dt.ends[k]})", f"{loc} tokens", got=g, expected=dt.texts[k])
                return None
    try:
        ids = TagSet(schema).encode(flat, where)
    except TahalufError as e:
        chk.found += list(e.findings)
        return None
    full = np.zeros(len(dt), dtype=np.int64)
    full[np.asarray(index, dtype=np.int64)] = ids
    s, e, t = decode(full, dt.row_starts)
    return list(zip(s.tolist(), e.tolist(), t.tolist()))


def check_quotes(chk: Checker, items: Any, doc: Document, schema: Schema,
                 speakers: Mapping[str, Speaker] | None, loc: str) -> list:
    if not isinstance(items, list):
        chk.add("malformed-file", "quotes must be a list", loc, got=short(items), expected="a list ([] for none)")
        return []
    aliases = alias_table(speakers or {})
    out = []
    ids: dict[str, int] = {}
    for k, q in enumerate(items):
        where = f"{loc}[{k}]"
        se = chk.span(q, doc.text, where, QUOTE_KEYS, "quotation")
        if se is None:
            continue
        ok = True
        qt = q.get("quote_type")
        if qt is not None and qt not in schema.quote_types:
            chk.add("unknown-label", "unknown quote_type", f"{where}.quote_type", got=qt,
                    expected=did_you_mean(qt, schema.quote_types) + " (or null)")
            ok = False
        spk = q.get("speaker_id")
        if spk is not None and (not isinstance(spk, str) or spk not in aliases):
            chk.add("unknown-speaker", "speaker_id is not in the speaker registry (the ids and aliases of the "
                    "dataset's `speakers` config)", f"{where}.speaker_id",
                    got=spk, expected=did_you_mean(spk, sorted(speakers or {})) + " (or null)")
            ok = False
        qid = q.get("quote_id")
        if qid is not None:
            if not isinstance(qid, str):
                chk.add("malformed-file", "quote_id must be a string", f"{where}.quote_id", got=short(qid))
                ok = False
            elif qid in ids:
                chk.add("duplicate-id", f"quote_id also used by quotes[{ids[qid]}]", f"{where}.quote_id", got=qid)
                ok = False
            else:
                ids[qid] = k
        parts = {}
        for role in ("cue", "source"):
            v = q.get(role)
            if v is None:
                parts[role] = None
                continue
            sp = chk.span(v, doc.text, f"{where}.{role}", SPAN_KEYS, role)
            if sp is None:
                ok = False
            parts[role] = sp
        if ok:
            out.append((se[0], se[1], k, QuoteItem(se[0], se[1], aliases.get(spk) if spk else None,
                                                   parts["cue"], parts["source"], qt)))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    kept = []
    prev = None
    for s, e, k, item in out:
        if prev is not None and (s, e) == (prev[0], prev[1]):
            chk.add("duplicate-id", "the same quotation span twice", f"{loc}[{k}]", got=[s, e],
                    expected="each quotation once")
        elif prev is not None and s < prev[1]:
            chk.add("quote-overlap", "quotations overlap (they never nest)", f"{loc}[{k}]",
                    got=[[prev[0], prev[1]], [s, e]], expected="non-overlapping quotations")
        else:
            kept.append(item)
        if prev is None or e > prev[1]:
            prev = (s, e)
    return kept


def check_stance(chk: Checker, items: Any, doc: Document, schema: Schema, loc: str,
                 missing: str) -> dict[tuple[str, str], str | None]:
    gold = gold_stance(doc)
    qids = sorted({q for q, _ in gold})
    if not isinstance(items, list):
        chk.add("malformed-file", "stance must be a list", loc, got=short(items),
                expected="a list of {quote_id, target, label}")
        return {}
    out: dict[tuple[str, str], str | None] = {}
    first: dict[tuple[str, str], int] = {}
    for k, it in enumerate(items):
        where = f"{loc}[{k}]"
        if not chk.fields(it, STANCE_KEYS, where, "stance item"):
            continue
        qid, target, label = it["quote_id"], it["target"], it["label"]
        bad = False
        if target not in schema.target_names:
            chk.add("unknown-label", "unknown stance target", f"{where}.target", got=target,
                    expected=did_you_mean(target, schema.target_names))
            bad = True
        if label not in schema.stance_labels:
            chk.add("unknown-label", "unknown stance label", f"{where}.label", got=label,
                    expected=did_you_mean(label, schema.stance_labels))
            bad = True
        if qid not in qids:
            chk.add("dangling-relation", "quote_id names no reference quotation of the article",
                    f"{where}.quote_id", got=qid, expected=did_you_mean(qid, qids))
            bad = True
        elif not bad and (qid, target) not in gold:
            chk.add("dangling-relation", f"the reference quotation has no {target} label to predict",
                    f"{where}", got=[qid, target], expected="items of the reference only")
            bad = True
        if bad:
            continue
        if (qid, target) in first:
            chk.add("duplicate-id",
                    f"second prediction for ({qid}, {target}); the first is stance[{first[(qid, target)]}]",
                    where, got=[qid, target], expected="one label per item")
            continue
        first[(qid, target)] = k
        out[(qid, target)] = label
    absent = [item for item in gold if item not in out]
    if absent:
        if missing == "refuse":
            chk.add("missing-attribute", f"{len(absent)} reference stance item(s) have no prediction", loc,
                    got=f"missing: {', '.join(f'{q}/{t}' for q, t in sorted(absent))}",
                    expected="a label for every reference quotation and target (or score with --missing-stance wrong)")
        else:
            for item in absent:
                out[item] = None
    return out
