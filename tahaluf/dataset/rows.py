"""The rows of every config, built from annotated documents.

Order
    Rows are in split order, then corpus order, then offset order; every
    row's keys are in the order of its config's declared features
    (:func:`tahaluf.dataset.configs.features`; :func:`build_rows` checks it).

Tokens and BIO tags (``entities``)
    Tokens are :func:`tahaluf.core.text.tokenize` (camel-tools), sentences
    :func:`tahaluf.core.text.sentences`. A token is tagged with an entity if it
    overlaps the entity's span: ``B-`` for the first such token, ``I-`` for the
    rest. Entity spans exclude one-letter proclitics but tokens do not split
    them (``للتحالف`` is one token, the entity is ``لتحالف``), so some entity
    starts fall inside a token; the whole token is tagged, and the card reports
    how many spans do not align to token boundaries. Rows and tags are
    :mod:`tahaluf.core.tagging`'s, shared with the CoNLL export, the scorer and
    agreement: a token that two entities touch takes the first
    (``first-wins``); an entity left with no token of its own makes the build
    fail. A sentence boundary that an entity crosses is removed (the two
    sentences become one row) and counted; rows that lie wholly in a
    boilerplate range are left out (boilerplate is not annotated).

Context (``quotes``, ``stance``)
    The context of a quotation is the paragraph holding it: from the line
    break before the quotation's start to the line break after its end
    (several lines if the quotation crosses a stray line break), trimmed of
    white space, with its offsets.

Speakers (``quotes``, ``stance``)
    A quotation's speaker id is resolved through the registry's aliases
    (:func:`tahaluf.core.speakers.resolve`); rows carry the registry id. A
    speaker the registry does not know makes the build fail.

The registry (``speakers``)
    :func:`speaker_rows`: one row per registry entry, in registry order,
    exactly :meth:`tahaluf.core.model.Speaker.to_dict` (so
    ``Speaker.from_dict(row)`` reads one back); every split's speakers, not
    only those of one split.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tahaluf import corpus
from tahaluf.core import tagging
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import resolve
from tahaluf.dataset.configs import ARTICLE_CONFIGS, REGISTRY_SPLIT, SPLIT_NAMES, features


@dataclass(frozen=True)
class Placement:
    """Where a document goes: its split and its fold."""

    split: str
    fold: int


def _name(x: Any) -> str | None:
    """A metadata entry that is null, a string or a record with ``text``/``name``."""
    if x is None or isinstance(x, str):
        return x
    return x.get("text", x.get("name"))


def _flat_stance(quote: dict, schema: Schema) -> dict:
    """A quotation as the model writes it, its ``stance`` record replaced by one key per target."""
    stance = quote.pop("stance")
    return {**quote, **{t: stance.get(t) for t in schema.target_names}}


def document_row(doc: Document, place: Placement, schema: Schema = SCHEMA) -> dict:
    """The ``documents`` row of an article: text, flattened metadata, every layer."""
    m = doc.metadata
    head = m.get("headline")
    return {
        "doc_id": doc.doc_id,
        "fold": place.fold,
        "text": doc.text,
        "metadata": {
            "split": place.split,
            "headline": None if head is None else {"start": head["start"], "end": head["end"],
                                                   "text": head["text"]},
            "outlet": _name(m.get("outlet")),
            "outlet_basis": m.get("outlet_basis"),
            "original_source": _name(m.get("original_source")),
            "translator": _name(m.get("translator")),
            "byline": _name(m.get("byline")),
            "date": (m.get("date") or {}).get("value"),
            "date_basis": (m.get("date") or {}).get("basis"),
            "language_variety": m.get("language_variety"),
            "boilerplate": [{"start": b["start"], "end": b["end"]} for b in m.get("boilerplate", [])],
            "quality_notes": [{"start": n["start"], "end": n["end"], "code": n["code"], "note": n["note"]}
                              for n in m.get("quality_notes", [])],
            "sha256": m.get("sha256"),
        },
        "entities": [e.to_dict() for e in doc.entities],
        "quotes": [_flat_stance(q.to_dict(), schema) for q in doc.quotes],
        **{f"doc_{t}": doc.doc_stance.get(t) for t in schema.target_names},
    }


@dataclass
class EntityStats:
    """What the BIO conversion had to do (reported in the card)."""

    entities: int = 0
    start_inside_token: int = 0
    end_inside_token: int = 0
    crossing_sentence: int = 0
    sentences: int = 0
    sentences_merged: int = 0
    sentences_in_boilerplate: int = 0
    tokens: int = 0

    def add(self, other: EntityStats) -> None:
        for k in vars(other):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def entity_rows(doc: Document, place: Placement, schema: Schema = SCHEMA) -> tuple[list[dict], EntityStats]:
    """One row per kept row of :func:`tahaluf.core.tagging.doc_tokens` (see the module docstring)."""
    dt = tagging.doc_tokens(doc)
    ents = sorted(doc.entities, key=lambda e: (e.start, e.end))
    try:
        tags, proj = tagging.tags_of(dt.starts, dt.ends, ents, schema)
    except TahalufError as e:
        raise TahalufError(f"doc={doc.doc_id}: {e}; run `tahaluf validate`") from None
    if proj.lost:
        lost = [f"{ents[k].label} [{ents[k].start}, {ents[k].end}) {ents[k].text!r}" for k in proj.lost]
        raise TahalufError(f"doc={doc.doc_id}: entities with no token of their own (they share every token "
                           f"with an earlier entity); BIO tags cannot represent them: {'; '.join(lost)}")
    st = EntityStats(entities=len(ents), start_inside_token=proj.start_inside_token,
                     end_inside_token=proj.end_inside_token, crossing_sentence=dt.crossing,
                     sentences_merged=dt.merged, sentences_in_boilerplate=dt.kept.count(False))
    rows = []
    for idx, (a, b) in enumerate(dt.kept_rows()):
        s0, s1 = int(dt.starts[a]), int(dt.ends[b - 1])
        st.tokens += b - a
        rows.append({
            "id": f"{doc.doc_id}-s{idx:03d}",
            "doc_id": doc.doc_id,
            "fold": place.fold,
            "sent_index": idx,
            "sent_start": s0,
            "sent_end": s1,
            "text": doc.text[s0:s1],
            "tokens": list(dt.texts[a:b]),
            "token_starts": dt.starts[a:b].tolist(),
            "token_ends": dt.ends[a:b].tolist(),
            "ner_tags": tags[a:b],
        })
    st.sentences = len(rows)
    tagged = sum(1 for r in rows for t in r["ner_tags"] if t.startswith("B-"))
    if tagged != len(doc.entities):
        raise TahalufError(f"doc={doc.doc_id}: {len(doc.entities)} entities but {tagged} B- tags; "
                           "an entity lies outside every kept sentence")
    return rows, st


def context_of(doc_text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph(s) around ``[start, end)``: line break to line break, trimmed."""
    c0 = doc_text.rfind("\n", 0, start) + 1
    c1 = doc_text.find("\n", end)
    c1 = len(doc_text) if c1 < 0 else c1
    while c0 < start and doc_text[c0].isspace():
        c0 += 1
    while c1 > end and doc_text[c1 - 1].isspace():
        c1 -= 1
    return c0, c1


def _speaker(speakers: Mapping[str, Speaker], speaker_id: str | None, where: str) -> Speaker:
    sp = resolve(speakers, speaker_id)
    if sp is None:
        raise TahalufError(f"{where}: speaker {speaker_id!r} is not in annotation/speakers.json "
                           f"(run `tahaluf validate`)")
    return sp


def quote_rows(doc: Document, place: Placement, speakers: Mapping[str, Speaker],
               schema: Schema = SCHEMA) -> list[dict]:
    """One ``quotes`` row per quotation, with its resolved speaker and context paragraph."""
    rows = []
    for q in doc.quotes:
        qd = q.to_dict()
        sp = _speaker(speakers, q.speaker_id, f"doc={doc.doc_id} quote={q.quote_id}")
        c0, c1 = context_of(doc.text, q.span.start, q.span.end)
        rows.append({
            "id": f"{doc.doc_id}-{q.quote_id}",
            "doc_id": doc.doc_id,
            "fold": place.fold,
            "quote_id": q.quote_id,
            "start": q.span.start,
            "end": q.span.end,
            "text": q.span.text,
            "quote_type": q.quote_type,
            "cue": qd["cue"],
            "source": qd["source"],
            "speaker_id": sp.speaker_id,
            "speaker_name_en": sp.name_en,
            "context_start": c0,
            "context_end": c1,
            "context": doc.text[c0:c1],
            **{t: q.stance.get(t) for t in schema.target_names},
        })
    return rows


def stance_rows(quotes: list[dict], schema: Schema = SCHEMA) -> list[dict]:
    """One row per quotation row and labelled target (an optional target that
    a quotation lacks gives no row)."""
    return [{
        "id": f"{q['id']}-{t.name}",
        "doc_id": q["doc_id"],
        "fold": q["fold"],
        "quote_id": q["quote_id"],
        "speaker_id": q["speaker_id"],
        "target": t.name,
        "target_description": t.description,
        "start": q["start"],
        "end": q["end"],
        "text": q["text"],
        "context_start": q["context_start"],
        "context_end": q["context_end"],
        "context": q["context"],
        "label": q[t.name],
    } for q in quotes for t in schema.stance_targets if q.get(t.name) is not None]


def _check_keys(config: str, rows: list[dict], keys: list[str]) -> None:
    for r in rows:
        if list(r) != keys:  # a row builder out of step with its declared features
            raise TahalufError(f"config {config}: row keys {list(r)} differ from the features {keys}")


def speaker_rows(speakers: Mapping[str, Speaker]) -> list[dict]:
    """The ``speakers`` config: one row per registry entry, in registry order (the module docstring)."""
    rows = [sp.to_dict() for sp in speakers.values()]
    _check_keys("speakers", rows, list(features("speakers")))
    return rows


def placement_of(doc_id: str, placements: Mapping[str, Placement] | None) -> Placement:
    """Where a document goes: ``placements[doc_id]``, by default :data:`tahaluf.corpus.SPLITS`
    and :func:`tahaluf.corpus.fold_of`; an unknown split is refused."""
    if placements is None:
        place = Placement(corpus.split_of(doc_id), corpus.fold_of(doc_id))
    elif doc_id not in placements:
        raise TahalufError(f"documents with no split or fold: {[doc_id]}")
    else:
        place = placements[doc_id]
    if place.split not in SPLIT_NAMES:
        raise TahalufError(f"doc={doc_id}: unknown split {place.split!r}. Available: {SPLIT_NAMES}")
    return place


class RowMaker:
    """The rows of every config for one document at a time, each row checked
    against its config's declared feature keys."""

    def __init__(self, speakers: Mapping[str, Speaker], schema: Schema = SCHEMA) -> None:
        self.speakers, self.schema = speakers, schema
        self.keys = {c: list(features(c, schema)) for c in ARTICLE_CONFIGS}

    def rows(self, doc: Document, place: Placement) -> tuple[dict[str, list[dict]], EntityStats]:
        er, st = entity_rows(doc, place, self.schema)
        qr = quote_rows(doc, place, self.speakers, self.schema)
        out = {"documents": [document_row(doc, place, self.schema)], "entities": er, "quotes": qr,
               "stance": stance_rows(qr, self.schema)}
        for c, rs in out.items():
            _check_keys(c, rs, self.keys[c])
        return out, st


@dataclass
class Built:
    """The rows of every config and split, and the statistics for the card."""

    rows: dict[str, dict[str, list[dict]]]
    entity_stats: EntityStats
    source: str
    speakers: Mapping[str, Speaker]


def build_rows(docs: list[Document], speakers: Mapping[str, Speaker], *, source: str,
               placements: Mapping[str, Placement] | None = None, schema: Schema = SCHEMA) -> Built:
    """All rows in memory, in split order then corpus order (``tahaluf build``
    streams them instead: :func:`tahaluf.dataset.builder.write_dataset`).
    ``placements`` (doc_id -> split and fold) defaults to
    :data:`tahaluf.corpus.SPLITS` and fold_of."""
    missing = [d.doc_id for d in docs if placements is not None and d.doc_id not in placements]
    if missing:
        raise TahalufError(f"documents with no split or fold: {missing}")
    rows: dict[str, dict[str, list[dict]]] = {c: {s: [] for s in SPLIT_NAMES} for c in ARTICLE_CONFIGS}
    rows["speakers"] = {REGISTRY_SPLIT: speaker_rows(speakers)}
    est = EntityStats()
    maker = RowMaker(speakers, schema)
    for d in docs:
        place = placement_of(d.doc_id, placements)
        out, st = maker.rows(d, place)
        est.add(st)
        for c, rs in out.items():
            rows[c][place.split] += rs
    return Built(rows, est, source, speakers)
