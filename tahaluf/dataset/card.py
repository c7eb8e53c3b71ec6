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
from tahaluf.core.model import Document
from tahaluf.core.schema import Schema
from tahaluf.core.version import __version__
import tahaluf.dataset.about as about
from tahaluf.dataset.configs import CONFIGS, DATA_DIR, DEFAULT_CONFIG, SPLIT_NAMES, data_file, features
from tahaluf.dataset.rows import Built

#: the licence file the card's ``license_link`` names, written next to the card (:func:`licence_text`)
LICENSE_FILE = "LICENSE"

#: the card's prose, in the package's ``templates/`` folder (one level above this module)
CARD_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "dataset_card.md"


def _card_yaml(built: Built, schema: Schema, sizes: Mapping[str, int]) -> str:
    """The card's front matter, made by ``datasets``' and ``huggingface_hub``'s own
    serialisers from the same Features as the rows."""
    from datasets import Dataset, DatasetInfo
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
        "citation": about.bibtex(__version__, h[:12]),
        "texts_status_quoted": about.texts_status().replace("\n\n", "\n>\n> "),
        "task_categories": ", ".join(f"`{t}`" for t in about.TASK_CATEGORIES),
        "task_ids": ", ".join(f"`{t}`" for t in about.TASK_IDS),
        "data_hash_full": h,
        "documents_hash": signatures.documents_hash(docs),
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
        "example_entities": _example(built, "entities"),
        "example_stance": _example(built, "stance"),
        **_statistics(built, docs, schema),
    }
    try:
        return string.Template(CARD_TEMPLATE.read_text(encoding="utf-8")).substitute(values)
    except (KeyError, ValueError) as e:
        raise TahalufError(f"{CARD_TEMPLATE}: placeholder {e} has no value") from e
