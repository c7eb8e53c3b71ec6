"""The Hugging Face dataset: four configs built from the annotated corpus.

``tahaluf build`` turns the gold (or, while adjudication is in progress,
annotation pass A; see :func:`tahaluf.corpus.source_documents`) into
``dataset/``::

    dataset/README.md                       dataset card; its YAML front matter
                                            declares every config, its data files
                                            and its features
    dataset/data/<config>/<split>.jsonl     one JSON object a line, UTF-8 Arabic

There is no loading script: ``datasets.load_dataset("<abs path>/dataset",
config)`` reads the JSON Lines files with the features the card declares.

Configs (declared as data in :data:`CONFIGS`; the fields are in :func:`features`)
    ``documents`` (default)  one row per article: text, metadata, every layer
    ``entities``             one row per sentence: tokens, BIO tags, offsets
    ``quotes``               one row per quotation: spans, cue, source, speaker,
                             context paragraph
    ``stance``               one row per quotation and stance target

Splits
    The document-disjoint ``train`` / ``validation`` / ``test`` split of
    :data:`tahaluf.corpus.SPLITS`. Every row also carries ``fold`` (the
    article's position in the corpus, :func:`tahaluf.corpus.fold_of`) for
    leave-one-document-out cross-validation, the primary protocol: load
    ``split="train+validation+test"`` and hold out one fold at a time.

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

Determinism and atomicity
    Rows are in corpus order then offset order; JSON keys follow the declared
    features; the card is rendered from :data:`CARD_TEMPLATE` and the
    ``datasets`` library's own YAML helpers. Two builds give byte-identical
    files. The folder is assembled in a staging folder and swapped in whole
    (:func:`tahaluf.core.fileio.atomic_dir`), so a failed build leaves the previous
    ``dataset/`` as it was.

Data hash
    :func:`data_files_hash` is the sha256 over the data files (their sha256 and path,
    in path order, as ``sha256sum`` prints them); the card records it, and a
    score's signature carries its first 12 hex digits.

Loading
    ``datasets`` caches a local folder under a key computed from the card and
    the file names, not the file contents, so after a rebuild
    ``load_dataset`` with a shared cache can serve stale rows. :func:`load`
    never does: it reads the JSON Lines files each time and encodes them with
    the features declared in the card (``Dataset.from_list``), no cache.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tahaluf import corpus
from tahaluf.core import paths, signatures, tagging
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.fileio import atomic_dir
from tahaluf.core.jsonio import jsonl_bytes, read_jsonl
from tahaluf.core.model import Document, Span, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import resolve
from tahaluf.core.version import __version__

#: config name -> what one row is. The first is the default config.
CONFIGS: dict[str, str] = {
    "documents": "one row per article: the raw text, its metadata and all three annotation layers",
    "entities": "one row per sentence: camel-tools tokens with BIO entity tags and character offsets",
    "quotes": "one row per quotation: quote, cue and source spans, type, speaker and context paragraph",
    "stance": "one row per quotation and stance target: quote, context, target and stance label",
}
DEFAULT_CONFIG = "documents"
SPLIT_NAMES: tuple[str, ...] = tuple(corpus.SPLITS)

CARD_TEMPLATE = Path(__file__).resolve().parent / "templates" / "dataset_card.md"
DATA_DIR = "data"
DATA_PATTERN = f"{DATA_DIR}/*/*.jsonl"


# -- features ------------------------------------------------------------------

def bio_names(schema: Schema = SCHEMA) -> list[str]:
    """``O``, then ``B-X``, ``I-X`` for every entity type in schema order."""
    return ["O"] + [f"{p}-{label}" for label in schema.entity_labels for p in ("B", "I")]


def features(config: str, schema: Schema = SCHEMA):
    """The :class:`datasets.Features` of a config: the one declaration the data
    rows, the card's YAML and :func:`load` all follow."""
    from datasets import ClassLabel, Features, List, Value

    _check_config(config)
    i32, s = Value("int32"), Value("string")
    span = {"start": i32, "end": i32, "text": s}
    stance_class = ClassLabel(names=list(schema.stance_labels))
    if config == "documents":
        return Features({
            "doc_id": s,
            "fold": i32,
            "text": s,
            "metadata": {
                "split": s,
                "headline": span,
                "outlet": s,
                "outlet_basis": s,
                "original_source": s,
                "translator": s,
                "byline": s,
                "date": s,
                "date_basis": s,
                "language_variety": s,
                "boilerplate": List({"start": i32, "end": i32}),
                "quality_notes": List({"start": i32, "end": i32, "code": s, "note": s}),
                "sha256": s,
            },
            "entities": List({"start": i32, "end": i32, "label": s, "text": s}),
            "quotes": List({
                "quote_id": s, "start": i32, "end": i32, "text": s, "quote_type": s,
                "cue": span, "source": span, "speaker_id": s,
                **{t: s for t in schema.target_names},
            }),
            **{f"doc_{t}": s for t in schema.target_names},
        })
    if config == "entities":
        return Features({
            "id": s,
            "doc_id": s,
            "fold": i32,
            "sent_index": i32,
            "sent_start": i32,
            "sent_end": i32,
            "text": s,
            "tokens": List(s),
            "token_starts": List(i32),
            "token_ends": List(i32),
            "ner_tags": List(ClassLabel(names=bio_names(schema))),
        })
    if config == "quotes":
        return Features({
            "id": s,
            "doc_id": s,
            "fold": i32,
            "quote_id": s,
            "start": i32,
            "end": i32,
            "text": s,
            "quote_type": ClassLabel(names=list(schema.quote_types)),
            "cue": span,
            "source": span,
            "speaker_id": s,
            "speaker_name_en": s,
            "context_start": i32,
            "context_end": i32,
            "context": s,
            **{t: stance_class for t in schema.target_names},
        })
    # stance
    return Features({
        "id": s,
        "doc_id": s,
        "fold": i32,
        "quote_id": s,
        "speaker_id": s,
        "target": s,
        "target_description": s,
        "start": i32,
        "end": i32,
        "text": s,
        "context_start": i32,
        "context_end": i32,
        "context": s,
        "label": stance_class,
    })


def _check_config(config: str) -> None:
    if config not in CONFIGS:
        raise TahalufError(f"unknown dataset config {config!r}. {did_you_mean(config, CONFIGS)}")


# -- rows ----------------------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    """Where a document goes: its split and its fold."""

    split: str
    fold: int


def _opt_span(span: Span | None) -> dict | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": span.text}


def _name(x: Any) -> str | None:
    """A metadata entry that is null, a string or a record with ``text``/``name``."""
    if x is None or isinstance(x, str):
        return x
    return x.get("text", x.get("name"))


def document_row(doc: Document, place: Placement, schema: Schema = SCHEMA) -> dict:
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
        "quotes": [{
            "quote_id": q.quote_id, "start": q.span.start, "end": q.span.end, "text": q.span.text,
            "quote_type": q.quote_type, "cue": _opt_span(q.cue), "source": _opt_span(q.source),
            "speaker_id": q.speaker_id, **{t: q.stance.get(t) for t in schema.target_names},
        } for q in doc.quotes],
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
    rows = []
    for q in doc.quotes:
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
            "cue": _opt_span(q.cue),
            "source": _opt_span(q.source),
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


@dataclass
class Built:
    """The rows of every config and split, and the statistics for the card."""

    rows: dict[str, dict[str, list[dict]]]
    entity_stats: EntityStats
    source: str
    speakers: Mapping[str, Speaker]


def build_rows(docs: list[Document], speakers: Mapping[str, Speaker], *, source: str,
               placements: Mapping[str, Placement] | None = None, schema: Schema = SCHEMA) -> Built:
    """All rows, in split order then corpus order. ``placements`` (doc_id ->
    split and fold) defaults to :data:`tahaluf.corpus.SPLITS` and fold_of."""
    if placements is None:
        placements = {d.doc_id: Placement(corpus.split_of(d.doc_id), corpus.fold_of(d.doc_id)) for d in docs}
    missing = [d.doc_id for d in docs if d.doc_id not in placements]
    if missing:
        raise TahalufError(f"documents with no split or fold: {missing}")
    rows: dict[str, dict[str, list[dict]]] = {c: {s: [] for s in SPLIT_NAMES} for c in CONFIGS}
    est = EntityStats()
    for d in docs:
        place = placements[d.doc_id]
        if place.split not in SPLIT_NAMES:
            raise TahalufError(f"doc={d.doc_id}: unknown split {place.split!r}. Available: {SPLIT_NAMES}")
        rows["documents"][place.split].append(document_row(d, place, schema))
        er, st = entity_rows(d, place, schema)
        est.add(st)
        rows["entities"][place.split] += er
        qr = quote_rows(d, place, speakers, schema)
        rows["quotes"][place.split] += qr
        rows["stance"][place.split] += stance_rows(qr, schema)
    for c, by_split in rows.items():
        keys = list(features(c, schema))
        for rs in by_split.values():
            for r in rs:
                if list(r) != keys:  # a row builder out of step with its declared features
                    raise TahalufError(f"config {c}: row keys {list(r)} differ from the features {keys}")
    return Built(rows, est, source, speakers)


# -- files ---------------------------------------------------------------------

def data_file(config: str, split: str) -> str:
    return f"{DATA_DIR}/{config}/{split}.jsonl"


def data_files_hash(dataset_dir: str | Path | None = None, *, full: bool = False) -> str:
    """:func:`tahaluf.core.signatures.data_files_hash` of a built dataset (default
    ``dataset/``): sha256 over ``sha256sum``'s lines for ``data/*/*.jsonl`` in
    path order. The first 12 hex digits unless ``full``."""
    folder = Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()
    h = signatures.data_files_hash(folder, DATA_PATTERN, full=full)
    if h is None:
        raise TahalufError(f"{folder}: no built dataset here (no {DATA_DIR}/*/*.jsonl); run `tahaluf build`")
    return h


def _card_yaml(built: Built, schema: Schema, sizes: Mapping[str, int]) -> str:
    """The card's front matter, made by ``datasets``' and ``huggingface_hub``'s own
    serialisers from the same Features as the rows."""
    from datasets import Dataset, DatasetInfo
    from datasets.info import DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    card = DatasetCardData(
        pretty_name="Tahaluf",
        language=["ar"],
        license="other",
        license_name="annotations-cc-by-4.0-texts-publishers-copyright",
        annotations_creators=["machine-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"],
        size_categories=["n<1K"],
        source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition", "multi-class-classification"],
        tags=["arabic", "news", "quotation-attribution", "stance-detection", "named-entity-recognition"],
    )
    MetadataConfigs({
        c: {**({"default": True} if c == DEFAULT_CONFIG else {}),
            "data_files": [{"split": s, "path": data_file(c, s)} for s in SPLIT_NAMES]}
        for c in CONFIGS
    }).to_dataset_card_data(card)
    infos = {}
    for c in CONFIGS:
        feats = features(c, schema)
        splits = SplitDict()
        for s in SPLIT_NAMES:
            # encoding with the Features checks every value (e.g. a ClassLabel name) at build time
            try:
                rows = built.rows[c][s]  # from_list([]) cannot infer the keys: build an empty table by name
                table = (Dataset.from_list(rows, features=feats) if rows else
                         Dataset.from_dict({k: [] for k in feats}, features=feats)).data
            except (ValueError, TypeError, KeyError) as e:
                raise TahalufError(f"config {c}, split {s}: rows do not fit the declared features: {e}") from e
            splits.add(SplitInfo(name=s, num_bytes=table.nbytes, num_examples=len(built.rows[c][s])))
        infos[c] = DatasetInfo(features=feats, splits=splits,
                               download_size=sum(sizes[data_file(c, s)] for s in SPLIT_NAMES),
                               dataset_size=sum(v.num_bytes for v in splits.values()))
    DatasetInfosDict(infos).to_dataset_card_data(card)
    return card.to_yaml()


def _counts_table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def _statistics(built: Built, docs: list[Document], schema: Schema) -> dict[str, str]:
    R = built.rows
    by_split = {s: [d for d in docs if any(r["doc_id"] == d.doc_id for r in R["documents"][s])]
                for s in SPLIT_NAMES}
    split_rows = []
    for s in SPLIT_NAMES:
        ds = by_split[s]
        split_rows.append([
            f"`{s}`", ", ".join(f"`{d.doc_id}`" for d in ds), sum(len(d.text) for d in ds),
            len(R["entities"][s]), sum(len(r["tokens"]) for r in R["entities"][s]),
            sum(len(d.entities) for d in ds), len(R["quotes"][s]), len(R["stance"][s])])
    split_rows.append(["**all**", f"{len(docs)} articles", sum(len(d.text) for d in docs),
                       sum(len(R["entities"][s]) for s in SPLIT_NAMES),
                       sum(len(r["tokens"]) for s in SPLIT_NAMES for r in R["entities"][s]),
                       sum(len(d.entities) for d in docs), sum(len(R["quotes"][s]) for s in SPLIT_NAMES),
                       sum(len(R["stance"][s]) for s in SPLIT_NAMES)])
    splits = _counts_table(["split", "articles", "characters", "sentences", "tokens", "entities",
                            "quotations", "stance rows"], split_rows)

    fold_rows = []
    for d in docs:
        row = next(r for s in SPLIT_NAMES for r in R["documents"][s] if r["doc_id"] == d.doc_id)
        fold_rows.append([row["fold"], f"`{d.doc_id}`", row["metadata"]["split"], len(d.text),
                          len(d.entities), len(d.quotes),
                          ", ".join(f"{t}: {v}" for t, v in d.doc_stance.items())])
    folds = _counts_table(["fold", "article", "split", "characters", "entities", "quotations",
                           "document stance"], fold_rows)

    ent = Counter((e.label, s) for s in SPLIT_NAMES for d in by_split[s] for e in d.entities)
    entities = _counts_table(["type"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{lab}`"] + [ent[lab, s] for s in SPLIT_NAMES] + [sum(ent[lab, s] for s in SPLIT_NAMES)]
        for lab in schema.entity_labels])

    qt = Counter((r["quote_type"], s) for s in SPLIT_NAMES for r in R["quotes"][s])
    quotes = _counts_table(["quote type"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{t}`"] + [qt[t, s] for s in SPLIT_NAMES] + [sum(qt[t, s] for s in SPLIT_NAMES)]
        for t in schema.quote_types])
    spk = len({r["speaker_id"] for s in SPLIT_NAMES for r in R["quotes"][s]})
    cues = sum(r["cue"] is not None for s in SPLIT_NAMES for r in R["quotes"][s])
    srcs = sum(r["source"] is not None for s in SPLIT_NAMES for r in R["quotes"][s])
    nq = sum(len(R["quotes"][s]) for s in SPLIT_NAMES)

    st = Counter((r["target"], r["label"], s) for s in SPLIT_NAMES for r in R["stance"][s])
    stance = _counts_table(["target", "label"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{t}`", f"`{lab}`"] + [st[t, lab, s] for s in SPLIT_NAMES] + [sum(st[t, lab, s] for s in SPLIT_NAMES)]
        for t in schema.target_names for lab in schema.stance_labels])
    aff = Counter(built.speakers[r["speaker_id"]].affiliation or built.speakers[r["speaker_id"]].name_en
                  for s in SPLIT_NAMES for r in R["quotes"][s])
    affiliation = _counts_table(["speaker affiliation", "quotations"],
                                [[a, n] for a, n in sorted(aff.items(), key=lambda x: (-x[1], x[0]))])
    labels = Counter(r["label"] for s in SPLIT_NAMES for r in R["stance"][s])
    if labels:
        top, n_top = min(labels.items(), key=lambda x: (-x[1], x[0]))
        total = sum(labels.values())
        majority = f"the majority label `{top}` covers {n_top} of {total} quotation labels ({100 * n_top / total:.0f}%)"
    else:
        majority = "no quotation has a stance label"
    dst = Counter((t, v) for d in docs for t, v in d.doc_stance.items())
    doc_stance = ", ".join(f"`{t}` {v}: {n} article(s)" for (t, v), n in sorted(dst.items())) or "none"
    e = built.entity_stats
    return {
        "affiliation_table": affiliation, "stance_majority": majority, "doc_stance_summary": doc_stance,
        "split_table": splits, "fold_table": folds, "entity_table": entities, "quote_table": quotes,
        "stance_table": stance, "n_speakers": str(spk), "n_quotes": str(nq), "n_with_cue": str(cues),
        "n_with_source": str(srcs), "n_entities": str(e.entities),
        "n_start_inside": str(e.start_inside_token), "n_end_inside": str(e.end_inside_token),
        "n_crossing": str(e.crossing_sentence), "n_merged": str(e.sentences_merged),
        "n_boilerplate_sents": str(e.sentences_in_boilerplate),
    }


def _example(built: Built, config: str, max_items: int = 8) -> str:
    """The first row of a config as JSON, one key a line, long lists cut to
    ``max_items`` (marked with a trailing ``"..."``)."""
    for s in SPLIT_NAMES:
        if built.rows[config][s]:
            row = built.rows[config][s][0]
            lines = []
            for k, v in row.items():
                if isinstance(v, list) and len(v) > max_items:
                    v = v[:max_items] + ["..."]
                lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}")
            return "{\n" + ",\n".join(lines) + "\n}"
    return "{}"


def render_card(built: Built, docs: list[Document], schema: Schema, sums: list[tuple[str, str, int]],
                sizes: Mapping[str, int]) -> str:
    """The dataset card: YAML front matter plus :data:`CARD_TEMPLATE` filled in."""
    h = signatures.sums_hash(sums)
    rows_per = {(c, s): len(built.rows[c][s]) for c in CONFIGS for s in SPLIT_NAMES}
    files = _counts_table(["file", "rows", "bytes", "sha256"], [
        [f"`{p}`", rows_per[tuple(p[len(DATA_DIR) + 1:-len('.jsonl')].split('/'))], n, f"`{s}`"]
        for s, p, n in sums])
    configs = _counts_table(["config", "one row is", "train", "validation", "test"], [
        [f"`{c}`" + (" (default)" if c == DEFAULT_CONFIG else ""), what] + [rows_per[c, s] for s in SPLIT_NAMES]
        for c, what in CONFIGS.items()])
    if built.source == "gold":
        source_note = "the adjudicated gold (`annotation/gold/`)"
    else:
        source_note = (f"**annotation pass `{built.source}`, not the adjudicated gold** (adjudication was "
                       "in progress when this dataset was built; rebuild with `tahaluf build` once "
                       "`annotation/gold/` exists)")
    values = {
        "yaml": _card_yaml(built, schema, sizes),
        "version": __version__,
        "data_hash": h[:12],
        "data_hash_full": h,
        "documents_hash": signatures.documents_hash(docs),
        "source_note": source_note,
        "config_table": configs,
        "file_table": files,
        "bio_names": ", ".join(f"`{n}`" for n in bio_names(schema)),
        "entity_labels": ", ".join(f"`{x}`" for x in schema.entity_labels),
        "quote_types": ", ".join(f"`{x}`" for x in schema.quote_types),
        "stance_labels": ", ".join(f"`{x}`" for x in schema.stance_labels),
        "targets": "; ".join(f"`{t.name}`: {t.description}" for t in schema.stance_targets),
        "split_rationale": _split_rationale(),
        "example_entities": _example(built, "entities"),
        "example_stance": _example(built, "stance"),
        **_statistics(built, docs, schema),
    }
    try:
        return string.Template(CARD_TEMPLATE.read_text(encoding="utf-8")).substitute(values)
    except (KeyError, ValueError) as e:
        raise TahalufError(f"{CARD_TEMPLATE}: placeholder {e} has no value") from e


def _split_rationale() -> str:
    """The rationale of :data:`tahaluf.corpus.SPLITS`, stated once, in corpus.py."""
    return corpus.SPLIT_RATIONALE


def write_dataset(folder: Path, built: Built, docs: list[Document], schema: Schema = SCHEMA) -> None:
    """Write the data files and the card into ``folder`` (a staging folder)."""
    sizes = {}
    for c in CONFIGS:
        for s in SPLIT_NAMES:
            p = folder / data_file(c, s)
            p.parent.mkdir(parents=True, exist_ok=True)
            b = jsonl_bytes(built.rows[c][s])
            p.write_bytes(b)
            sizes[data_file(c, s)] = len(b)
    card = render_card(built, docs, schema, signatures.file_sums(folder, DATA_PATTERN), sizes)
    (folder / "README.md").write_bytes(card.encode("utf-8"))


@dataclass(frozen=True)
class BuildResult:
    path: Path
    source: str
    data_hash: str
    counts: dict[str, dict[str, int]]
    entity_stats: EntityStats


def build(out_dir: str | Path | None = None, *, docs: list[Document] | None = None, source: str | None = None,
          speakers: Mapping[str, Speaker] | None = None, placements: Mapping[str, Placement] | None = None,
          schema: Schema = SCHEMA) -> BuildResult:
    """Build the dataset into ``out_dir`` (default ``dataset/``), atomically.

    ``docs`` defaults to :func:`tahaluf.corpus.source_documents` (gold if it
    exists, else pass A); tests pass modified documents.
    """
    out = Path(out_dir) if out_dir is not None else paths.dataset_dir()
    if docs is None:
        docs, source = corpus.source_documents()
    speakers = corpus.load_speakers() if speakers is None else speakers
    built = build_rows(list(docs), speakers, source=source or "custom", placements=placements, schema=schema)
    with atomic_dir(out) as staging:
        staging.chmod(0o755)  # mkdtemp makes it private; the dataset folder is not
        write_dataset(staging, built, list(docs), schema)
    counts = {c: {s: len(built.rows[c][s]) for s in SPLIT_NAMES} for c in CONFIGS}
    return BuildResult(out, built.source, data_files_hash(out), counts, built.entity_stats)


def compare(built_dir: Path, committed_dir: Path) -> list[str]:
    """Differences between two dataset folders (file added, missing or changed)."""
    def files(d: Path) -> dict[str, bytes]:
        return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()} \
            if d.is_dir() else {}
    a, b = files(built_dir), files(committed_dir)
    out = [f"{p}: missing from {committed_dir}" for p in a if p not in b]
    out += [f"{p}: in {committed_dir} but not built" for p in b if p not in a]
    for p in a:
        if p in b and a[p] != b[p]:
            la, lb = a[p].decode("utf-8").splitlines(), b[p].decode("utf-8").splitlines()
            n = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            out.append(f"{p}: differs from line {n + 1} (built {len(la)} lines, committed {len(lb)})")
    return out


# -- loading -------------------------------------------------------------------

def declared(dataset_dir: str | Path | None = None) -> tuple[dict, dict]:
    """(config -> DatasetInfo, config -> metadata config) as the card declares them,
    parsed by the ``datasets`` library's own readers."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    folder = Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()
    readme = folder / "README.md"
    if not readme.is_file():
        raise TahalufError(f"{folder}: no dataset card README.md; run `tahaluf build`")
    data = DatasetCard.load(readme).data
    return DatasetInfosDict.from_dataset_card_data(data), MetadataConfigs.from_dataset_card_data(data)


def load(config: str = DEFAULT_CONFIG, split: str | None = None, *, dataset_dir: str | Path | None = None):
    """A config of the built dataset, read fresh from its files (never a stale cache).

    ``split`` is ``train``, ``validation``, ``test``, several joined by ``+``
    (``"train+validation+test"``: the whole corpus, for cross-validation), or
    ``None`` for a :class:`datasets.DatasetDict` of every split. Rows are
    encoded with the features the card declares, so ClassLabel columns hold
    ids and ``ds.features`` has the names.
    """
    from datasets import Dataset, DatasetDict, concatenate_datasets

    _check_config(config)
    folder = (Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()).resolve()
    infos, mconfigs = declared(folder)
    if config not in infos or config not in mconfigs:
        raise TahalufError(f"{folder}/README.md does not declare config {config!r}; rebuild with `tahaluf build`")
    info = infos[config]
    files = {d["split"]: d["path"] for d in mconfigs[config]["data_files"]}

    def one(s: str) -> Dataset:
        if s not in files:
            raise TahalufError(f"unknown split {s!r} of config {config!r}. {did_you_mean(s, files)}")
        p = folder / files[s]
        try:
            rows = read_jsonl(p)
        except (OSError, ValueError) as e:
            raise TahalufError(f"{p}: cannot read: {e}") from e
        try:
            if not rows:
                return Dataset.from_dict({k: [] for k in info.features}, features=info.features, split=s)
            return Dataset.from_list(rows, features=info.features, split=s)
        except (ValueError, TypeError, KeyError) as e:
            raise TahalufError(f"{p}: rows do not fit the declared features: {e}") from e

    if split is None:
        return DatasetDict({s: one(s) for s in files})
    parts = [one(s.strip()) for s in split.split("+")]
    return parts[0] if len(parts) == 1 else concatenate_datasets(parts)

