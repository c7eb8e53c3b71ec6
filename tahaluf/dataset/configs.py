"""What the dataset declares: its configs, splits, file layout and features.

Configs (declared as data in :data:`CONFIGS`; the fields are in :func:`features`)
    ``documents`` (default)  one row per article: text, metadata, every layer
    ``entities``             one row per sentence: tokens, BIO tags, offsets
    ``quotes``               one row per quotation: spans, cue, source, speaker,
                             context paragraph
    ``stance``               one row per quotation and stance target
    ``speakers``             one row per entry of the speaker registry
                             (``annotation/speakers.json``): the ids the
                             ``quotes`` task predicts

Splits
    The article configs (:data:`ARTICLE_CONFIGS`: every config but
    ``speakers``) have the document-disjoint ``train`` / ``validation`` /
    ``test`` split of :data:`tahaluf.corpus.SPLITS`. Every row of them also
    carries ``doc_id`` and ``fold`` (the article's position in the corpus,
    :func:`tahaluf.corpus.fold_of`) for leave-one-document-out
    cross-validation, the primary protocol: load
    ``split="train+validation+test"`` and hold out one fold at a time.

    The registry is not split by article: a speaker may be quoted in several
    splits, and the ``test`` speakers must be known to a system that never
    saw a ``test`` quotation. :data:`REGISTRY_CONFIGS` have one split,
    :data:`REGISTRY_SPLIT` (``registry``; ``all`` is a keyword of the
    ``datasets`` library, and ``train`` would say the test speakers are
    training data), rows in registry order, no ``doc_id`` or ``fold``.
    :func:`splits_of` gives a config's splits, :data:`DATA_FILES` every
    (config, split) pair the build writes.

Files
    ``data/<config>/<split>.jsonl`` (:func:`data_file`), one JSON object a
    line whose keys follow the config's declared features.

Features
    :func:`features` is the one declaration that the data rows
    (:mod:`tahaluf.dataset.rows`), the card's YAML (:mod:`tahaluf.dataset.card`)
    and :func:`tahaluf.dataset.loader.load` all follow. The ``entities``
    config's ``ner_tags`` are a ClassLabel over the tag set
    :func:`tahaluf.core.tagging.tag_names` (``O``, then ``B-X``, ``I-X`` for
    every entity type in schema order); quote types and stance labels are
    ClassLabels over the schema's lists.
"""

from __future__ import annotations

from tahaluf import corpus
from tahaluf.core import tagging
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.schema import SCHEMA, Schema

#: config name -> what one row is. The first is the default config.
CONFIGS: dict[str, str] = {
    "documents": "one row per article: the raw text, its metadata and all three annotation layers",
    "entities": "one row per sentence: camel-tools tokens with BIO entity tags and character offsets",
    "quotes": "one row per quotation: quote, cue and source spans, type, speaker and context paragraph",
    "stance": "one row per quotation and stance target: quote, context, target and stance label",
    "speakers": "one row per speaker of the registry (not split by article): id, English name, Arabic "
                "spellings, role, affiliation, aliases",
}
DEFAULT_CONFIG = "documents"
SPLIT_NAMES: tuple[str, ...] = tuple(corpus.SPLITS)

#: configs that are a registry, not rows of articles: one split, :data:`REGISTRY_SPLIT`
REGISTRY_CONFIGS: tuple[str, ...] = ("speakers",)
REGISTRY_SPLIT = "registry"
#: configs whose rows belong to an article (``doc_id``, ``fold``), split by :data:`SPLIT_NAMES`
ARTICLE_CONFIGS: tuple[str, ...] = tuple(c for c in CONFIGS if c not in REGISTRY_CONFIGS)


def splits_of(config: str) -> tuple[str, ...]:
    """The splits of a config: :data:`SPLIT_NAMES`, or ``(REGISTRY_SPLIT,)`` for a registry."""
    check_config(config)
    return (REGISTRY_SPLIT,) if config in REGISTRY_CONFIGS else SPLIT_NAMES


DATA_DIR = "data"
DATA_PATTERN = f"{DATA_DIR}/*/*.jsonl"


def data_file(config: str, split: str) -> str:
    """The path of a config's split, relative to the dataset folder."""
    return f"{DATA_DIR}/{config}/{split}.jsonl"


def features(config: str, schema: Schema = SCHEMA):
    """The :class:`datasets.Features` of a config: the one declaration the data
    rows, the card's YAML and :func:`load` all follow."""
    from datasets import ClassLabel, Features, List, Value

    check_config(config)
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
            "ner_tags": List(ClassLabel(names=list(tagging.tag_names(schema)))),
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
    if config == "speakers":  # the keys and order of Speaker.to_dict
        return Features({
            "speaker_id": s,
            "name_en": s,
            "kind": s,
            "spellings": List(s),
            "role": s,
            "affiliation": s,
            "aliases": List(s),
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


def check_config(config: str) -> None:
    """Refuse a config name that :data:`CONFIGS` does not declare (with a did-you-mean)."""
    if config not in CONFIGS:
        raise TahalufError(f"unknown dataset config {config!r}. {did_you_mean(config, CONFIGS)}")


#: every (config, split) the build writes, in config order then split order
DATA_FILES: tuple[tuple[str, str], ...] = tuple((c, s) for c in CONFIGS for s in splits_of(c))
