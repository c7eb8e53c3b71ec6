"""Submissions: reading and validating system output before it is scored.

Format: JSON Lines, one record (a JSON object on one line) per article of the
evaluated split, in any order::

    {"doc_id": "000_fccf310b8a8da4fc",
     "entities": [{"start": 120, "end": 127, "label": "GPE"}],
     "quotes":   [{"start": 300, "end": 410, "quote_type": "direct", "speaker_id": "wayne_marotto",
                   "cue": {"start": 280, "end": 283}, "source": null}],
     "stance":   [{"quote_id": "q01", "target": "stance_t1", "label": "FAVOR"}]}

Only the field of the task being scored is required (``[]`` when a system
predicts nothing for an article); the others may be present and are ignored.

* ``entities``: character spans over the raw text (Python ``str`` offsets,
  end exclusive): ``start``, ``end``, ``label``; optional ``text``, checked
  against the article. Spans are flat: no duplicates, no overlaps.
* or, instead of ``entities``, BIO tags over tahaluf tokens
  (:func:`tahaluf.core.text.tokenize` within :func:`tahaluf.core.text.sentences`,
  the tokens of the dataset's ``entities`` config): ``ner_tags`` is either a
  list per sentence (``[["O", "B-ORG", ...], ...]``) or one flat list for
  the article's tokens; tags are strings (``B-PER``) or their ``ClassLabel``
  ids (``O`` = 0, ``B-PER`` = 1, ``I-PER`` = 2, ... in schema order).
  An optional ``tokens`` field of the same shape is checked against the
  tokens. A BIO submission is scored in token space (see
  :mod:`tahaluf.scoring`); all its records must be BIO.
* ``quotes``: ``start``, ``end`` (the quotation, marks excluded); optional
  ``quote_type`` (``direct``/``indirect``/``mixed`` or null), ``speaker_id``
  (a speaker registry id or alias, or null), ``cue`` and ``source``
  (``{"start", "end"}`` or null), ``quote_id`` and ``text``. Quotations never
  overlap.
* ``stance``: one item per reference quotation and stance target:
  ``quote_id`` (the reference quotation's id), ``target`` (``stance_t1``),
  ``label`` (``FAVOR``/``AGAINST``/``NONE``).
* ``meta``: free, ignored.

Refusals
    Nothing is dropped or repaired. Every problem found is reported at once
    with its location (``file:line doc=... field``), what was got and what was
    expected, under a stable finding id of :data:`tahaluf.core.errors.FINDING_IDS`:

    ===========================================  ========================
    problem                                      finding id
    ===========================================  ========================
    a line that is not JSON or not an object     ``malformed-file``
    a missing, mistyped or unknown field         ``malformed-file``
    an article that is unknown or not in split   ``unknown-document``
    an article of the split with no record       ``missing-document``
    two records for one article; duplicate span  ``duplicate-id``
    offsets outside the text                     ``span-out-of-range``
    a ``text`` that is not ``text[start:end]``   ``span-text-mismatch``
    unknown label, tag, quote type or target     ``unknown-label``
    unknown speaker id                           ``unknown-speaker``
    a stance item for no reference quotation     ``dangling-relation``
    a reference stance item with no prediction   ``missing-attribute``
    overlapping entities / quotations            ``entity-overlap`` / ``quote-overlap``
    ===========================================  ========================

    :func:`load_submission` raises :class:`SubmissionRefused` (a
    :class:`~tahaluf.core.errors.TahalufError`); ``tahaluf evaluate`` exits 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.jsonio import parse_jsonl, short
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import alias_table

TASKS: tuple[str, ...] = ("entities", "quotes", "stance")
SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test", "all")

RECORD_KEYS = ("doc_id", "entities", "ner_tags", "tokens", "quotes", "stance", "meta")
ENTITY_KEYS = (("start", "end", "label"), ("text",))
SPAN_KEYS = (("start", "end"), ("text",))
QUOTE_KEYS = (("start", "end"), ("quote_id", "text", "quote_type", "speaker_id", "cue", "source"))
STANCE_KEYS = (("quote_id", "target", "label"), ())
#: at most this many findings are listed
MAX_FINDINGS = 200


class SubmissionRefused(TahalufError):
    """A submission that cannot be scored; carries every finding."""


@dataclass
class Submission:
    """A validated submission for one task, reduced to what is scored.

    ``entities`` maps a document to ``(start, end, type_index)`` spans, in
    characters (``space == "char"``) or in token positions (``"token"``);
    ``quotes`` to :class:`~tahaluf.scoring.quotes.QuoteItem` lists; ``stance``
    to ``{(quote_id, target): label}`` (``None`` for an item counted missing).
    """

    name: str
    task: str
    split: str
    docs: tuple[Document, ...]
    space: str = "char"
    entities: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    quotes: dict[str, list] = field(default_factory=dict)
    stance: dict[str, dict[tuple[str, str], str | None]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def docs_in_split(docs: Sequence[Document], split: str) -> list[Document]:
    from tahaluf.corpus import SPLITS
    if split == "all":
        return list(docs)
    if split not in SPLITS:
        raise TahalufError(f"unknown split {split!r}. {did_you_mean(split, SPLIT_NAMES)}")
    ids = set(SPLITS[split])
    return [d for d in docs if d.doc_id in ids]


class _Checker:
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


def load_submission(source: str | Path | Iterable[Mapping], *, task: str, split: str = "all",
                    docs: Sequence[Document] | None = None, schema: Schema = SCHEMA,
                    speakers: Mapping[str, Speaker] | None = None, missing: str = "refuse",
                    name: str | None = None, text: str | None = None) -> Submission:
    """Read and validate a submission for ``task`` on ``split``; raise :class:`SubmissionRefused`.

    ``source`` is a path to a JSON Lines file, or the records themselves
    (dicts, for the Python API); ``text`` gives the file's content directly
    (stdin). ``docs`` defaults to :func:`tahaluf.corpus.source_documents`.
    """
    if task not in TASKS:
        raise TahalufError(f"unknown task {task!r}. {did_you_mean(task, TASKS)}")
    if missing not in ("refuse", "wrong"):
        raise TahalufError(f"missing must be 'refuse' or 'wrong', got {missing!r}")
    if docs is None:
        from tahaluf.corpus import source_documents
        docs, _ = source_documents()
    if speakers is None and task == "quotes":
        from tahaluf.corpus import load_speakers
        speakers = load_speakers()
    scope = docs_in_split(docs, split)
    all_by_id = {d.doc_id: d for d in docs}
    by_id = {d.doc_id: d for d in scope}

    if text is not None or isinstance(source, (str, Path)):
        if text is None:
            path = Path(source)
            name = name or str(source)
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise TahalufError(f"{path}: no such file") from None
            except UnicodeDecodeError as e:
                raise SubmissionRefused(f"{path}: refused", [Finding(
                    "malformed-file", f"file is not UTF-8 ({e.reason} at byte {e.start})", str(path),
                    expected="UTF-8 JSON Lines")]) from None
        name = name or "<stdin>"
        records, found = parse_jsonl(text, name)
    else:
        name = name or "<records>"
        records, found = list(enumerate(source, 1)), []
    chk = _Checker(name)
    chk.found += found
    sub = Submission(name=name, task=task, split=split, docs=tuple(scope))
    seen: dict[str, int] = {}
    bio_lines: list[int] = []
    char_lines: list[int] = []
    from tahaluf.corpus import split_of

    for line, rec in records:
        loc = f"{name}:{line}"
        if not isinstance(rec, dict):
            chk.add("malformed-file", "record is not a JSON object", loc, got=short(rec),
                    expected='{"doc_id": ..., "' + task + '": [...]}')
            continue
        unknown = [k for k in rec if k not in RECORD_KEYS]
        for k in unknown:
            chk.add("malformed-file", f"unknown field {k!r}", loc, got=k, expected=did_you_mean(k, RECORD_KEYS))
        doc_id = rec.get("doc_id")
        if not isinstance(doc_id, str):
            chk.add("malformed-file", "record lacks a string doc_id", loc, got=short(doc_id),
                    expected="the article's doc_id")
            continue
        loc = f"{loc} doc={doc_id}"
        if doc_id not in by_id:
            if doc_id in all_by_id:
                chk.add("unknown-document", f"article is in split {split_of(doc_id)!r}, not in {split!r}", loc,
                        got=doc_id, expected=f"only the articles of {split!r}: {', '.join(by_id)} "
                                             f"(or score with --split all)")
            else:
                chk.add("unknown-document", "no such article", loc, got=doc_id,
                        expected=did_you_mean(doc_id, list(by_id)))
            continue
        if doc_id in seen:
            chk.add("duplicate-id", f"second record for the article (the first is on line {seen[doc_id]})", loc,
                    got=doc_id, expected="one record per article")
            continue
        seen[doc_id] = line
        sub.lines[doc_id] = line
        doc = by_id[doc_id]
        if task == "entities":
            if "entities" in rec and "ner_tags" in rec:
                chk.add("malformed-file", "record has both entities and ner_tags", loc,
                        expected="character spans in entities, or BIO tags in ner_tags, not both")
            elif "ner_tags" in rec:
                bio_lines.append(line)
                spans = _bio(chk, rec, doc, schema, loc)
                if spans is not None:
                    sub.entities[doc_id] = spans
            elif "entities" in rec:
                char_lines.append(line)
                sub.entities[doc_id] = _entities(chk, rec["entities"], doc, schema, f"{loc} entities")
            else:
                chk.add("malformed-file", "record lacks field 'entities' (or 'ner_tags')", loc,
                        expected="a list of entity spans ([] for none)")
        elif task == "quotes":
            if "quotes" not in rec:
                chk.add("malformed-file", "record lacks field 'quotes'", loc,
                        expected="a list of quotations ([] for none)")
            else:
                sub.quotes[doc_id] = _quotes(chk, rec["quotes"], doc, schema, speakers, f"{loc} quotes")
        else:
            if "stance" not in rec:
                chk.add("malformed-file", "record lacks field 'stance'", loc,
                        expected="a list of {quote_id, target, label} items, one per reference quotation and target")
            else:
                sub.stance[doc_id] = _stance(chk, rec["stance"], doc, schema, f"{loc} stance", missing)
    if bio_lines and char_lines:
        chk.add("malformed-file", "records mix character spans and BIO tags", f"{name}:{bio_lines[0]}",
                got=f"ner_tags on line {bio_lines[0]}, entities on line {char_lines[0]}",
                expected="one representation for the whole submission")
    sub.space = "token" if bio_lines else "char"
    for d in scope:
        if d.doc_id not in seen:
            chk.add("missing-document", f"no record for article {d.doc_id} of split {split!r}", name,
                    got=d.doc_id, expected=f"one record per article: {', '.join(by_id)}")
    if chk.found:
        n = len(chk.found)
        shown = chk.found[:MAX_FINDINGS]
        more = f" (first {MAX_FINDINGS} shown)" if n > MAX_FINDINGS else ""
        raise SubmissionRefused(f"{name}: submission refused for task {task!r}, split {split!r}: "
                                f"{n} problem(s){more}", shown)
    return sub


def _entities(chk: _Checker, items: Any, doc: Document, schema: Schema, loc: str) -> list[tuple[int, int, int]]:
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


def _bio(chk: _Checker, rec: Mapping, doc: Document, schema: Schema, loc: str):
    from tahaluf.core.tagging import TagSet, decode, doc_tokens
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


def _quotes(chk: _Checker, items: Any, doc: Document, schema: Schema,
            speakers: Mapping[str, Speaker] | None, loc: str) -> list:
    from tahaluf.scoring.quotes import QuoteItem
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
            chk.add("unknown-speaker", "speaker_id is not in the speaker registry", f"{where}.speaker_id",
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


def gold_stance(doc: Document) -> dict[tuple[str, str], str]:
    return {(q.quote_id, t): v for q in doc.quotes for t, v in q.stance.items()}


def _stance(chk: _Checker, items: Any, doc: Document, schema: Schema, loc: str,
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
