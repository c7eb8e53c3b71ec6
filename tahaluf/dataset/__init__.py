"""The Hugging Face dataset: five configs built from the annotated corpus and the speaker registry.

``tahaluf build`` turns the gold (or, while adjudication is in progress,
annotation pass A; see :func:`tahaluf.corpus.source_documents`) into
``dataset/``::

    dataset/README.md                       dataset card; its YAML front matter
                                            declares every config, its data files
                                            and its features
    dataset/croissant.json                  Croissant 1.1 metadata with the RAI fields
    dataset/data/<config>/<split>.jsonl     one JSON object a line, UTF-8 Arabic
                                            (data/speakers/registry.jsonl: the
                                            speaker registry, one split)

There is no loading script: ``datasets.load_dataset("<abs path>/dataset",
config)`` reads the JSON Lines files with the features the card declares;
:func:`load` does the same without a cache, so it never serves stale rows.

=========  =================================================================
module     what it does
=========  =================================================================
configs    the configs, splits, file layout and ``datasets.Features`` declared
rows       the rows of every config: documents, entities (BIO, via
           :mod:`tahaluf.core.tagging`), quotes (context, speakers), stance,
           speakers (the registry, not split by article)
about      name, licences, citation, the texts' status (NOTICE.md), RAI fields
card       the dataset card: YAML front matter, statistics, the template
croissant  ``croissant.json``: record sets, fields and files from the same Features
builder    ``build``: rows to files atomically, the data files hash, ``compare``
loader     ``declared`` and ``load``: the card's declarations and fresh rows
=========  =================================================================

Each module's docstring states its conventions. The public names are
re-exported here: ``import tahaluf.dataset as td; td.load("entities", "test")``.
"""

from __future__ import annotations

from tahaluf.dataset.builder import BuildResult, build, compare, data_files_hash, write_dataset
from tahaluf.dataset.card import CARD_TEMPLATE, render_card
from tahaluf.dataset.configs import (
    ARTICLE_CONFIGS,
    CONFIGS,
    DATA_DIR,
    DATA_FILES,
    DATA_PATTERN,
    DEFAULT_CONFIG,
    REGISTRY_SPLIT,
    SPLIT_NAMES,
    check_config,
    data_file,
    features,
    splits_of,
)
from tahaluf.dataset.loader import declared, load
from tahaluf.dataset.rows import (
    Built,
    EntityStats,
    Placement,
    build_rows,
    context_of,
    document_row,
    entity_rows,
    quote_rows,
    speaker_rows,
    stance_rows,
)

__all__ = [
    "ARTICLE_CONFIGS", "CARD_TEMPLATE", "CONFIGS", "DATA_DIR", "DATA_FILES", "DATA_PATTERN", "DEFAULT_CONFIG",
    "REGISTRY_SPLIT", "SPLIT_NAMES",
    "BuildResult", "Built", "EntityStats", "Placement",
    "build", "build_rows", "check_config", "compare", "context_of", "data_file",
    "data_files_hash", "declared", "document_row", "entity_rows", "features", "load", "quote_rows",
    "render_card", "speaker_rows", "splits_of", "stance_rows", "write_dataset",
]
