"""Loading the annotated corpus: the gold, the annotation passes, the speakers.

Everything is stored in Label Studio export format and read through
:mod:`tahaluf.formats.labelstudio`, which validates as it converts; loading refuses
(``TahalufError`` with the findings) if anything is invalid, so code that
builds on the corpus never sees a broken span.

Layout::

    annotation/gold/<doc_id>.json          adjudicated gold, one task per file
    annotation/passes/<pass>/<doc_id>.json  independent passes (pass_a, pass_b)
    annotation/speakers.json               speaker registry

The fixed split is declared in ``annotation/schema.json`` (:data:`SPLITS`); the
folds are the articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tahaluf import seeds
from tahaluf.core import paths
from tahaluf.core.fileio import names
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import Documents, documents_hash
from tahaluf.core.speakers import load_registry

#: Why the fixed split is what it is (the dataset card prints this); from ``annotation/schema.json``.
SPLIT_RATIONALE: str = SCHEMA.split_rationale

#: Document-disjoint fixed split, read from ``annotation/schema.json`` (``tahaluf
#: add-article --split`` adds to it; rationale: :data:`SPLIT_RATIONALE`).
SPLITS: dict[str, tuple[str, ...]] = SCHEMA.split_map


def split_of(doc_id: str) -> str:
    for split, ids in SPLITS.items():
        if doc_id in ids:
            return split
    raise TahalufError(f"document {doc_id!r} is in no split of annotation/schema.json "
                       f"(splits: {', '.join(SPLITS)}); add it with `tahaluf add-article FILE --split SPLIT`")


def fold_of(doc_id: str, seeds_dir: Path | None = None) -> int:
    """Fold number for leave-one-document-out: the article's position in the corpus."""
    return seeds.doc_position(doc_id, seeds_dir)


def load_annotations(folder: Path, *, schema: Schema = SCHEMA, check: bool = True) -> list[Document]:
    """All documents annotated in ``folder`` (Label Studio exports), in corpus order.

    With ``check`` every validator finding (including the speaker registry)
    makes this raise.
    """
    from tahaluf.validate import load_speakers, validate_export
    bases = {d.doc_id: d for d in seeds.load_corpus()}
    speakers, found = load_speakers()
    docs: list[Document] = []
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise TahalufError(f"no annotation files in {folder}")
    for p in files:
        ds, f = validate_export(p, bases, schema=schema, speakers=speakers if check else None)
        found += f
        docs += ds
    if check and found:
        raise TahalufError(f"{folder}: the annotations are invalid (run `tahaluf validate`)", found)
    order = {doc_id: i for i, doc_id in enumerate(bases)}
    return sorted(docs, key=lambda d: order[d.doc_id])


def iter_annotations(folder: Path, *, schema: Schema = SCHEMA, check: bool = True) -> Iterator[Document]:
    """The documents of :func:`load_annotations`, one file at a time, in corpus order.

    When every file is named after its article (``<doc_id>.json``, the layout
    of ``annotation/gold/``) the files are read, converted and checked one by
    one, in corpus order, and no text is kept after its document is yielded;
    a finding makes it raise, as :func:`load_annotations` does, with every
    finding of the folder. Any other layout falls back to
    :func:`load_annotations`.
    """
    from tahaluf.validate import load_speakers, validate_export
    stems = [Path(n).stem for n in names(folder, ".json")]  # names, not a Path per file of a large corpus
    order = {doc_id: i for i, doc_id in enumerate(seeds.doc_ids())}
    if not stems or not all(s in order for s in stems):
        yield from load_annotations(folder, schema=schema, check=check)
        return
    bases = seeds.Articles()
    speakers, found = load_speakers()
    if check and found:
        _refuse(folder, schema, found)
    last = -1
    for p in (Path(folder) / f"{s}.json" for s in sorted(stems, key=order.__getitem__)):
        ds, f = validate_export(p, bases, schema=schema, speakers=speakers if check else None)
        if check and f:
            _refuse(folder, schema, f)
        for d in sorted(ds, key=lambda d: order[d.doc_id]):
            if order[d.doc_id] <= last:
                raise TahalufError(f"{p}: holds {d.doc_id}, out of corpus order; name each annotation file "
                                   "after the one article it holds")
            last = order[d.doc_id]
            yield d


def _refuse(folder: Path, schema: Schema, found: list) -> None:
    """Raise as :func:`load_annotations` does, with every finding of the folder."""
    load_annotations(folder, schema=schema, check=True)
    raise TahalufError(f"{folder}: the annotations are invalid (run `tahaluf validate`)", found)


def iter_source_documents(*, schema: Schema = SCHEMA) -> tuple[Iterator[Document], str]:
    """:func:`source_documents` as a stream (:func:`iter_annotations`) and its name."""
    if paths.gold_dir().exists() and any(paths.gold_dir().glob("*.json")):
        return iter_annotations(paths.gold_dir(), schema=schema), "gold"
    return iter_annotations(pass_dir("pass_a"), schema=schema, check=False), "pass_a"


def load_gold(*, schema: Schema = SCHEMA) -> list[Document]:
    return load_annotations(paths.gold_dir(), schema=schema)


def pass_dir(name: str) -> Path:
    return paths.annotation_dir() / "passes" / name


def load_pass(name: str, *, schema: Schema = SCHEMA) -> list[Document]:
    """An annotation pass (``pass_a`` or ``pass_b``), with speaker ids as the pass wrote them."""
    return load_annotations(pass_dir(name), schema=schema, check=False)


def load_speakers() -> dict[str, Speaker]:
    """The registry ``annotation/speakers.json``, refused if invalid."""
    return load_registry(paths.speakers_file())


#: the named annotation sources; anything else given to :func:`load_source` must be a folder
SOURCES: tuple[str, ...] = ("current", "gold", "pass_a", "pass_b")


def load_source(name: str | None = None, *, schema: Schema = SCHEMA) -> tuple[list[Document], str]:
    """The one source selection of the package: ``(documents, source name)``.

    ``None`` or ``"current"``: the gold if it exists, else pass A
    (:func:`source_documents`); ``"gold"``; a pass name (``pass_a``, ``pass_b`` or
    any folder under ``annotation/passes/``); or a folder of Label Studio exports
    (read without the corpus-wide checks, as a pass).
    """
    if name in (None, "current"):
        docs, which = source_documents(schema=schema)
        return docs, which
    if name == "gold":
        if not (paths.gold_dir().exists() and any(paths.gold_dir().glob("*.json"))):
            raise TahalufError(f"the gold does not exist yet ({paths.gold_dir()} has no annotation files); "
                               f"use a pass (pass_a) instead")
        return load_gold(schema=schema), "gold"
    if pass_dir(name).is_dir() and "/" not in name:
        return load_pass(name, schema=schema), name
    p = Path(name)
    if p.is_dir():
        return load_annotations(p, schema=schema, check=False), str(p)
    passes = sorted(q.name for q in (paths.annotation_dir() / "passes").glob("*") if q.is_dir())
    raise TahalufError(f"unknown annotation source {name!r}. {did_you_mean(name, list(SOURCES) + passes)}, "
                       f"or a folder of Label Studio exports")


def source_documents(*, schema: Schema = SCHEMA, lazy: bool = False) -> tuple[Sequence[Document], str]:
    """The gold if it exists, else pass A (while adjudication is in progress),
    and which one it is (``"gold"`` or ``"pass_a"``).

    The documents come as a :class:`tahaluf.core.signatures.Documents` list
    that carries its documents hash; a second load of the same files reads
    the reference cache (:mod:`tahaluf.cache`) instead of converting and
    validating them again. The first load streams them into the cache
    (:func:`iter_source_documents` into :func:`tahaluf.cache.store`: one
    document at a time, refused with the findings of :func:`load_annotations`).
    ``lazy``: the documents as the cache's :class:`tahaluf.cache.StoredDocuments`,
    which reads each one from the cache file when it is asked for, so neither
    load holds them (a plain list when the cache is off)."""
    from tahaluf import cache
    if paths.gold_dir().exists() and any(paths.gold_dir().glob("*.json")):
        folder, name = paths.gold_dir(), "gold"
    else:
        folder, name = pass_dir("pass_a"), "pass_a"
    k = cache.key(folder, schema) if cache.enabled() else None
    read = cache.open_documents if lazy else cache.load
    hit = read(k) if k else None
    if hit is not None:
        return hit
    if k:
        kept: list[Document] = []
        stream = iter_annotations(folder, schema=schema, check=name == "gold")
        try:
            digest = cache.store(k, stream if lazy else _keeping(stream, kept), name)
        except OSError:
            pass  # the cache cannot be written: load without it
        else:
            if not lazy:
                return Documents(kept, digest), name
            if (stored := cache.open_documents(k)) is not None:
                return stored
    docs = load_gold(schema=schema) if name == "gold" else load_pass("pass_a", schema=schema)
    return Documents(docs, documents_hash(docs)), name


def _keeping(docs: Iterable[Document], kept: list[Document]) -> Iterator[Document]:
    for d in docs:
        kept.append(d)
        yield d
