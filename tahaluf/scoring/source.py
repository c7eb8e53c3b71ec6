"""Where the scorer's reference comes from: a clone's corpus, or a built dataset folder.

:func:`reference` is what every scoring command calls. In order:

1. ``data`` (``--data DIR``) or ``$TAHALUF_DATA``: a built Tahaluf dataset
   folder (``tahaluf build``'s ``dataset/``, or a download of the Hub copy).
   Its data files must hash to the data hash its card records (else the
   folder was changed after it was built, and it is refused); the reference
   documents are read back from its ``documents`` config (text, boilerplate,
   every layer), and the signature's ``data:`` is the documents hash the
   card records, so a score made from the dataset carries the same
   signature as one made in the clone. The speaker registry is the
   dataset's ``speakers`` config (every entry, with its aliases: the same
   registry as the clone's ``annotation/speakers.json``, checked by the same
   :func:`tahaluf.core.speakers.check_registry`); a folder without it was
   built before the config existed and is refused.
2. a clone of the repository (``$TAHALUF_ROOT`` or the folder above the
   package): the gold (:func:`tahaluf.corpus.source_documents`).
3. neither: a :class:`~tahaluf.core.errors.TahalufError` saying what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import read_jsonl
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.speakers import check_registry
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import data_files_hash, documents_hash

ENV = "TAHALUF_DATA"
NO_CORPUS = ("no reference to score against: pass --data DIR (a built Tahaluf dataset folder, such as a download "
             f"of the Hugging Face dataset) or set ${ENV} to one, or run from a clone of the repository "
             "(or set $TAHALUF_ROOT to one)")

#: the ``speakers`` config's one file (``tahaluf.dataset.configs.data_file("speakers", "registry")``; a test
#: checks they agree: the scorer does not import the dataset builder)
REGISTRY_FILE = "data/speakers/registry.jsonl"


@dataclass
class Reference:
    """The reference documents, their name (``ref:``), their documents hash (``data:``) and the registry."""

    docs: Sequence[Document]
    name: str
    data: str
    speakers: dict[str, Speaker] | None = None


def reference(data: str | Path | None = None, *, schema: Schema = SCHEMA, lazy: bool = False) -> Reference:
    """The reference (see the module docstring); ``lazy``: a clone's documents as the reference
    cache's :class:`tahaluf.cache.StoredDocuments`, read one at a time (what ``tahaluf evaluate`` uses)."""
    data = data or os.environ.get(ENV) or None
    if data:
        return from_dataset(Path(data), schema=schema)
    if paths.seeds_dir().is_dir():
        from tahaluf.corpus import load_speakers, source_documents
        docs, name = source_documents(schema=schema, lazy=lazy)
        return Reference(docs, name, documents_hash(docs), load_speakers())
    raise TahalufError(NO_CORPUS)


def _card_hashes(card: str) -> tuple[str, str, str]:
    full = re.search(r"\*\*Data files hash:\*\*.*?full: `([0-9a-f]{64})`", card)
    docs = re.search(r"\*\*Documents hash:\*\* `([0-9a-f]{12})`", card)
    source = re.search(r"\*\*Built by:\*\*.*?annotation pass `(\w+)`", card)
    if not (full and docs):
        raise TahalufError("the dataset card records no data hash and documents hash; rebuild it with `tahaluf build`")
    return full.group(1), docs.group(1), source.group(1) if source else "gold"


def from_dataset(folder: Path, *, schema: Schema = SCHEMA) -> Reference:
    """The reference read back from a built dataset folder (refused if its files are not its card's)."""
    folder = Path(folder)
    card_path = folder / "README.md"
    if not card_path.is_file() or not (folder / "data" / "documents").is_dir():
        raise TahalufError(f"{folder}: not a built Tahaluf dataset folder (no README.md card or data/documents/); "
                           f"{NO_CORPUS}")
    full, docs_hash, source = _card_hashes(card_path.read_text(encoding="utf-8"))
    got = data_files_hash(folder, full=True)
    if got != full:
        raise TahalufError(f"{folder}: its data files hash to {str(got)[:12]}, its card records {full[:12]}: the "
                           f"folder changed after it was built; use an unmodified build")
    registry = folder / REGISTRY_FILE
    if not registry.is_file():
        raise TahalufError(f"{folder}: no speakers config ({REGISTRY_FILE}): it was built before the speaker "
                           "registry was part of the dataset; use a current build (`tahaluf build`)")
    docs = sorted((_document(r, schema) for p in sorted((folder / "data" / "documents").glob("*.jsonl"))
                   for r in read_jsonl(p)), key=lambda d: d.doc_id)
    speakers, found = check_registry(read_jsonl(registry), str(registry))
    if found:
        raise TahalufError(f"{registry}: the speakers config is not a valid speaker registry", found)
    return Reference(docs, source, docs_hash, speakers)


def _span(d: dict | None, label: str) -> Span | None:
    return None if d is None else Span.from_dict(d, label)


def _document(row: dict, schema: Schema) -> Document:
    """A ``documents`` row back to what the scorer reads: text, boilerplate, entities, quotations, stance."""
    m = row["metadata"]
    quotes = tuple(Quote(quote_id=q["quote_id"], span=_span(q, "QUOTE"), quote_type=q.get("quote_type"),
                         speaker_id=q.get("speaker_id"), cue=_span(q.get("cue"), "CUE"),
                         source=_span(q.get("source"), "SOURCE"),
                         stance={t: q[t] for t in schema.target_names if q.get(t) is not None})
                   for q in row["quotes"])
    return Document(doc_id=row["doc_id"], text=row["text"],
                    metadata={"boilerplate": [dict(b) for b in m.get("boilerplate", [])]},
                    entities=tuple(Span.from_dict(e) for e in row["entities"]),
                    quotes=quotes,
                    doc_stance={t: row[f"doc_{t}"] for t in schema.target_names if row.get(f"doc_{t}")})
