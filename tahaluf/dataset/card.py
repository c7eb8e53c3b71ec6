"""The dataset card ``dataset/README.md``: YAML front matter, statistics, prose.

Front matter
    Made by the ``datasets`` and ``huggingface_hub`` libraries' own YAML
    helpers (``DatasetCardData``, ``MetadataConfigs``, ``DatasetInfosDict``)
    from the same Features as the rows (:func:`tahaluf.dataset.configs.features`):
    every config, its data files, its features and per-split sizes. Encoding
    each split with its Features checks every value (e.g. a ClassLabel name)
    at build time.

Body
    :data:`CARD_TEMPLATE` (``tahaluf/templates/dataset_card.md``, a
    :class:`string.Template`) filled in with the statistics of the rows (per
    split, per fold, per label), what the BIO conversion had to do
    (:class:`tahaluf.dataset.rows.EntityStats`), a table of the data files
    with their sha256, the data files hash (:func:`tahaluf.core.signatures.sums_hash`
    of those files, as ``sha256sum`` prints them; it identifies the build), the
    documents hash (what every score signature carries in ``data:``) and an example row of the
    ``entities`` and ``stance`` configs. A placeholder with no value is an
    error. The same rows give the same card, byte for byte.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tahaluf import corpus
from tahaluf.core import signatures, tagging
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import Schema
from tahaluf.core.version import __version__
import tahaluf.dataset.about as about
from tahaluf.dataset.configs import (
    CONFIGS, DATA_DIR, DATA_FILES, DEFAULT_CONFIG, REGISTRY_SPLIT, SPLIT_NAMES, data_file, features, splits_of)
from tahaluf.dataset.arrowsize import TableBytes
from tahaluf.dataset.rows import EntityStats, Placement

#: the licence file the card's ``license_link`` names, written next to the card (:func:`licence_text`)
LICENSE_FILE = "LICENSE"

#: the card's prose, in the package's ``templates/`` folder (one level above this module)
CARD_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "dataset_card.md"


def _card_yaml(stats: CardStats, schema: Schema, sizes: Mapping[str, int]) -> str:
    """The card's front matter, made by ``datasets``' and ``huggingface_hub``'s own
    serialisers from the same Features as the rows."""
    from datasets import DatasetInfo
    from datasets.info import DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    card = DatasetCardData(
        pretty_name=about.NAME,
        language=["ar"],
        license="other",  # annotations CC BY 4.0, texts the publishers' (NOTICE.md), code MIT
        license_name=about.LICENSE_NAME,
        license_link=LICENSE_FILE,  # in this folder, written by the build
        annotations_creators=["machine-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"],
        size_categories=["n<1K"],
        source_datasets=["original"],
        task_categories=list(about.TASK_CATEGORIES),
        task_ids=list(about.TASK_IDS),
        tags=list(about.TAGS),
    )
    MetadataConfigs({
        c: {**({"default": True} if c == DEFAULT_CONFIG else {}),
            "data_files": [{"split": s, "path": data_file(c, s)} for s in splits_of(c)]}
        for c in CONFIGS
    }).to_dataset_card_data(card)
    infos = {}
    for c in CONFIGS:
        feats = features(c, schema)
        splits = SplitDict()
        for s in splits_of(c):
            splits.add(SplitInfo(name=s, num_bytes=stats.nbytes[c, s], num_examples=stats.rows[c, s]))
        infos[c] = DatasetInfo(features=feats, splits=splits,
                               download_size=sum(sizes[data_file(c, s)] for s in splits_of(c)),
                               dataset_size=sum(v.num_bytes for v in splits.values()))
    DatasetInfosDict(infos).to_dataset_card_data(card)
    return card.to_yaml()


def licence_text() -> str:
    """``dataset/LICENSE``: what each part is licensed under, the texts' notice (NOTICE.md, verbatim)
    and the CC BY 4.0 text of the annotations (LICENSE-ANNOTATIONS)."""
    annotations = about.ANNOTATIONS_LICENSE_FILE.read_text(encoding="utf-8")
    return (
        "Tahaluf dataset: licences\n\n"
        "- Annotations (all layers, the speaker registry, the metadata): CC BY 4.0 (text below).\n"
        "- Article texts (the `text`, `context` and span `text` fields): NOT under CC BY 4.0; see the notice below.\n"
        "- Code of the tahaluf package (not in this folder): MIT.\n\n"
        "== The article texts: status and take-down ==\n\n" + about.texts_status() + "\n\n"
        "== Annotations ==\n\n" + annotations
    )


def _counts_table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


class CardStats:
    """What the card says about the rows, added up one document at a time
    (:meth:`add`), so the build never holds the rows of a split: counts per
    split, fold, label and speaker, the BIO conversion's
    :class:`tahaluf.dataset.rows.EntityStats`, the documents hash, the first
    row of every config and split, and each split's Arrow size
    (:class:`tahaluf.dataset.arrowsize.TableBytes`, which also checks every
    value against the declared Features)."""

    def __init__(self, speakers: Mapping[str, Speaker], source: str, schema: Schema) -> None:
        self.speakers, self.source, self.schema = speakers, source, schema
        self.entity_stats = EntityStats()
        self.hasher = signatures.DocumentsHasher()
        self.n_docs = 0
        self.rows: Counter = Counter()
        self.first: dict[tuple[str, str], dict] = {}
        self.tables = {(c, s): TableBytes(features(c, schema), f"config {c}, split {s}") for c, s in DATA_FILES}
        self.nbytes: dict[tuple[str, str], int] = {}
        self.split_docs: dict[str, list[str]] = {s: [] for s in SPLIT_NAMES}
        self.per_split: dict[str, Counter] = {s: Counter() for s in SPLIT_NAMES}
        self.fold_rows: list[list[Any]] = []
        self.ent: Counter = Counter()
        self.qt: Counter = Counter()
        self.st: Counter = Counter()
        self.aff: Counter = Counter()
        self.labels: Counter = Counter()
        self.dst: Counter = Counter()
        self.quote_speakers: dict[str, set[str]] = {s: set() for s in SPLIT_NAMES}
        self.cues = self.srcs = 0

    def add(self, doc: Document, place: Placement, rows: Mapping[str, list[dict]], est: EntityStats,
            sizes: Mapping[str, int] | None = None) -> None:
        """Add one document and its rows (``sizes``: bytes of each config's rows as JSON Lines)."""
        s = place.split
        self.n_docs += 1
        self.hasher.add(doc)
        self.entity_stats.add(est)
        for c, rs in rows.items():
            self.rows[c, s] += len(rs)
            if rs and (c, s) not in self.first:
                self.first[c, s] = rs[0]
            self.tables[c, s].add(rs, (sizes or {}).get(c, 0))
        self.split_docs[s].append(doc.doc_id)
        ps = self.per_split[s]
        ps["characters"] += len(doc.text)
        ps["tokens"] += sum(len(r["tokens"]) for r in rows["entities"])
        ps["entities"] += len(doc.entities)
        self.fold_rows.append([place.fold, f"`{doc.doc_id}`", s, len(doc.text), len(doc.entities), len(doc.quotes),
                               ", ".join(f"{t}: {v}" for t, v in doc.doc_stance.items())])
        self.ent.update((e.label, s) for e in doc.entities)
        for r in rows["quotes"]:
            self.qt[r["quote_type"], s] += 1
            self.quote_speakers[s].add(r["speaker_id"])
            self.cues += r["cue"] is not None
            self.srcs += r["source"] is not None
            sp = self.speakers[r["speaker_id"]]
            self.aff[sp.affiliation or sp.name_en] += 1
        for r in rows["stance"]:
            self.st[r["target"], r["label"], s] += 1
            self.labels[r["label"]] += 1
        self.dst.update(doc.doc_stance.items())

    def add_registry(self, config: str, rows: list[dict], size: int) -> None:
        """Add the rows of a registry config (one split, :data:`~tahaluf.dataset.configs.REGISTRY_SPLIT`)."""
        k = (config, REGISTRY_SPLIT)
        self.rows[k] += len(rows)
        if rows:
            self.first.setdefault(k, rows[0])
        self.tables[k].add(rows, size)

    def finish(self) -> None:
        """Encode the last chunks and record every split's Arrow size."""
        self.nbytes = {k: t.nbytes() for k, t in self.tables.items()}


def _statistics(stats: CardStats, schema: Schema) -> dict[str, str]:
    R = stats.rows
    split_rows = []
    for s in SPLIT_NAMES:
        ps = stats.per_split[s]
        split_rows.append([
            f"`{s}`", ", ".join(f"`{d}`" for d in stats.split_docs[s]), ps["characters"],
            R["entities", s], ps["tokens"], ps["entities"], R["quotes", s], R["stance", s]])
    split_rows.append(["**all**", f"{stats.n_docs} articles", sum(stats.per_split[s]["characters"] for s in SPLIT_NAMES),
                       sum(R["entities", s] for s in SPLIT_NAMES),
                       sum(stats.per_split[s]["tokens"] for s in SPLIT_NAMES),
                       sum(stats.per_split[s]["entities"] for s in SPLIT_NAMES),
                       sum(R["quotes", s] for s in SPLIT_NAMES), sum(R["stance", s] for s in SPLIT_NAMES)])
    splits = _counts_table(["split", "articles", "characters", "sentences", "tokens", "entities",
                            "quotations", "stance rows"], split_rows)
    folds = _counts_table(["fold", "article", "split", "characters", "entities", "quotations",
                           "document stance"], stats.fold_rows)

    ent = stats.ent
    entities = _counts_table(["type"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{lab}`"] + [ent[lab, s] for s in SPLIT_NAMES] + [sum(ent[lab, s] for s in SPLIT_NAMES)]
        for lab in schema.entity_labels])

    qt = stats.qt
    quotes = _counts_table(["quote type"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{t}`"] + [qt[t, s] for s in SPLIT_NAMES] + [sum(qt[t, s] for s in SPLIT_NAMES)]
        for t in schema.quote_types])
    nq = sum(R["quotes", s] for s in SPLIT_NAMES)

    st = stats.st
    stance = _counts_table(["target", "label"] + list(SPLIT_NAMES) + ["all"], [
        [f"`{t}`", f"`{lab}`"] + [st[t, lab, s] for s in SPLIT_NAMES] + [sum(st[t, lab, s] for s in SPLIT_NAMES)]
        for t in schema.target_names for lab in schema.stance_labels])
    affiliation = _counts_table(["speaker affiliation", "quotations"],
                                [[a, n] for a, n in sorted(stats.aff.items(), key=lambda x: (-x[1], x[0]))])
    labels = stats.labels
    if labels:
        top, n_top = min(labels.items(), key=lambda x: (-x[1], x[0]))
        total = sum(labels.values())
        majority = f"the majority label `{top}` covers {n_top} of {total} quotation labels ({100 * n_top / total:.0f}%)"
    else:
        majority = "no quotation has a stance label"
    doc_stance = ", ".join(f"`{t}` {v}: {n} article(s)" for (t, v), n in sorted(stats.dst.items())) or "none"
    e = stats.entity_stats
    return {
        "affiliation_table": affiliation, "stance_majority": majority, "doc_stance_summary": doc_stance,
        "split_table": splits, "fold_table": folds, "entity_table": entities, "quote_table": quotes,
        "stance_table": stance, "n_speakers": str(len(set().union(*stats.quote_speakers.values()))),
        "n_quotes": str(nq), "registry_summary": _registry_summary(stats),
        "n_with_cue": str(stats.cues), "n_with_source": str(stats.srcs), "n_entities": str(e.entities),
        "n_start_inside": str(e.start_inside_token), "n_end_inside": str(e.end_inside_token),
        "n_crossing": str(e.crossing_sentence), "n_merged": str(e.sentences_merged),
        "n_boilerplate_sents": str(e.sentences_in_boilerplate),
    }


def _registry_summary(stats: CardStats) -> str:
    """How many registry entries there are, and how many speakers of each later split no ``train`` quotation has."""
    kinds = Counter(sp.kind for sp in stats.speakers.values())
    first, *rest = SPLIT_NAMES
    seen = stats.quote_speakers[first]
    per = "; ".join(f"of the {len(stats.quote_speakers[s])} speakers quoted in `{s}`, "
                    f"{len(stats.quote_speakers[s] - seen)} are never quoted in `{first}`" for s in rest)
    return (f"{len(stats.speakers)} entries (kind " + ", ".join(f"`{k}`: {n}" for k, n in sorted(kinds.items()))
            + f"); {per}")


def _example(stats: CardStats, config: str, max_items: int = 8) -> str:
    """The first row of a config as JSON, one key a line, long lists cut to
    ``max_items`` (marked with a trailing ``"..."``)."""
    for s in splits_of(config):
        if (config, s) in stats.first:
            row = stats.first[config, s]
            lines = []
            for k, v in row.items():
                if isinstance(v, list) and len(v) > max_items:
                    v = v[:max_items] + ["..."]
                lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}")
            return "{\n" + ",\n".join(lines) + "\n}"
    return "{}"


def render_card(stats: CardStats, schema: Schema, sums: list[tuple[str, str, int]],
                sizes: Mapping[str, int]) -> str:
    """The dataset card: YAML front matter plus :data:`CARD_TEMPLATE` filled in."""
    h = signatures.sums_hash(sums)
    rows_per = {k: stats.rows[k] for k in DATA_FILES}
    files = _counts_table(["file", "rows", "bytes", "sha256"], [
        [f"`{p}`", rows_per[tuple(p[len(DATA_DIR) + 1:-len('.jsonl')].split('/'))], n, f"`{s}`"]
        for s, p, n in sums])
    split_cols = list(dict.fromkeys(s for _, s in DATA_FILES))  # train, validation, test, registry
    configs = _counts_table(["config", "one row is", *split_cols], [
        [f"`{c}`" + (" (default)" if c == DEFAULT_CONFIG else ""), what]
        + [rows_per.get((c, s), "-") for s in split_cols] for c, what in CONFIGS.items()])
    if stats.source == "gold":
        source_note = "the adjudicated gold (`annotation/gold/`)"
    else:
        source_note = (f"**annotation pass `{stats.source}`, not the adjudicated gold** (adjudication was "
                       "in progress when this dataset was built; rebuild with `tahaluf build` once "
                       "`annotation/gold/` exists)")
    values = {
        "yaml": _card_yaml(stats, schema, sizes),
        "version": __version__,
        "data_hash": h[:12],
        "citation": about.bibtex(__version__, h[:12]),
        "texts_status_quoted": about.texts_status().replace("\n\n", "\n>\n> "),
        "task_categories": ", ".join(f"`{t}`" for t in about.TASK_CATEGORIES),
        "task_ids": ", ".join(f"`{t}`" for t in about.TASK_IDS),
        "data_hash_full": h,
        "documents_hash": stats.hasher.hexdigest(),
        "source_note": source_note,
        "config_table": configs,
        "file_table": files,
        "bio_names": ", ".join(f"`{n}`" for n in tagging.tag_names(schema)),
        "entity_labels": ", ".join(f"`{x}`" for x in schema.entity_labels),
        "quote_types": ", ".join(f"`{x}`" for x in schema.quote_types),
        "stance_labels": ", ".join(f"`{x}`" for x in schema.stance_labels),
        "target_names_plain": ", ".join(schema.target_names),
        "target_fields": ", ".join(f"`{t}`" for t in schema.target_names),
        "doc_target_fields": ", ".join(f"`doc_{t}`" for t in schema.target_names),
        "targets": "; ".join(f"`{t.name}`: {t.description}" for t in schema.stance_targets),
        "split_rationale": corpus.SPLIT_RATIONALE,  # stated once, in corpus.py
        "example_entities": _example(stats, "entities"),
        "example_stance": _example(stats, "stance"),
        "example_speakers": _example(stats, "speakers"),
        "registry_split": REGISTRY_SPLIT,
        **_statistics(stats, schema),
    }
    try:
        return string.Template(CARD_TEMPLATE.read_text(encoding="utf-8")).substitute(values)
    except (KeyError, ValueError) as e:
        raise TahalufError(f"{CARD_TEMPLATE}: placeholder {e} has no value") from e
