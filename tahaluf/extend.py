"""Extending the corpus as data: stance targets, entity types and articles.

``annotation/schema.json`` declares the targets, entity types, quote types and
splits (:mod:`tahaluf.core.schema`); ``seeds/metadata.json`` holds one record
per article. The functions here are the only writers of both, and each
works the same way: read the files, make the new version, check it (the
schema file is re-read through :func:`tahaluf.core.schema.schema_from_json`
and the gold is validated against the new schema), then write every file
that changes, ``annotation/labeling_config.xml`` regenerated with them, all or
nothing (:func:`tahaluf.core.fileio.write_files` under the repository root). A refusal writes nothing.

Policies:

* Append-only: a target or an entity type is added at the end and never
  renamed or removed, so the tag ids of :class:`tahaluf.core.tagging.TagSet`
  and earlier labels never shift.
* A new target is optional (``required: false``): the gold has no label for
  it yet. It becomes required by editing ``required`` once every quotation
  and document has its label; ``tahaluf validate`` checks that.
* A new article is *pending* (``"annotation": "pending"`` in its metadata
  record): it has a split and a text but no gold yet, and ``tahaluf validate``
  lists it instead of reporting ``missing-document``. Pulling its annotation
  from Label Studio makes it part of the gold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from tahaluf import seeds
from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.fileio import write_files
from tahaluf.core.jsonio import dumps, read_json
from tahaluf.core.schema import (
    ENTITY_TYPE_RE,
    STANCE_TARGET_RE,
    Schema,
    StanceTarget,
    load_schema,
    schema_from_json,
    schema_to_json,
)
from tahaluf.formats.labelstudio import labeling_config

#: the metadata value that marks an article added but not yet annotated
PENDING = seeds.PENDING


def config_file() -> Path:
    return paths.annotation_dir() / "labeling_config.xml"


def _files(schema: Schema) -> dict[Path, str]:
    data = schema_to_json(schema)
    checked = schema_from_json(data)  # what is written must read back as the same schema
    if checked != schema:
        raise TahalufError("the new schema does not read back as written (a bug): nothing written")
    out = {paths.schema_file(): dumps(data), config_file(): labeling_config(schema)}
    if paths.packaged_schema_file().parents[2] == paths.root():  # the package's own clone: keep its copy equal
        out[paths.packaged_schema_file()] = dumps(data)
    return out


def _check_gold(schema: Schema) -> None:
    from tahaluf.validate import validate_corpus
    found, _ = validate_corpus(schema=schema)
    if found:
        raise TahalufError(f"with this change the corpus would be invalid ({len(found)} finding(s)); "
                           f"nothing written", found)


def next_target_name(schema: Schema) -> str:
    nums = [int(t.name[len("stance_t"):]) for t in schema.stance_targets]
    return f"stance_t{max(nums, default=0) + 1}"


def add_target(description: str, description_ar: str, definitions: Mapping[str, str], *,
               name: str | None = None, dry_run: bool = False) -> tuple[StanceTarget, list[Path]]:
    """Append an optional stance target; returns it and the files written."""
    schema = load_schema()
    name = name or next_target_name(schema)
    if not STANCE_TARGET_RE.fullmatch(name):
        raise TahalufError(f"a target name is stance_tN (got {name!r}); the next free one is "
                           f"{next_target_name(schema)}")
    if name in schema.target_names:
        raise TahalufError(f"target {name} is already in annotation/schema.json "
                           f"({schema.target(name).description!r}); targets are never redefined",
                           [Finding("duplicate-id", "the target exists", "annotation/schema.json", got=name)])
    missing = [lab for lab in schema.stance_labels if not (definitions.get(lab) or "").strip()]
    if missing or not description.strip() or not description_ar.strip():
        raise TahalufError(f"a target needs its wording in English and Arabic and a definition of every "
                           f"stance label; missing: {', '.join(missing + [w for w, v in (('description', description), ('description_ar', description_ar)) if not v.strip()])}")
    target = StanceTarget(name, description.strip(), description_ar.strip(), False,
                          tuple((lab, definitions[lab].strip()) for lab in schema.stance_labels))
    new = schema.extended(stance_targets=(target,))
    files = _files(new)
    _check_gold(new)
    if not dry_run:
        _write(files)
    return target, sorted(files)


def add_entity_type(name: str, description: str, *, dry_run: bool = False) -> list[Path]:
    """Append an entity type (its tag ids come after every existing type's)."""
    schema = load_schema()
    if not ENTITY_TYPE_RE.fullmatch(name):
        raise TahalufError(f"an entity type is upper-case ASCII ({ENTITY_TYPE_RE.pattern}), got {name!r}")
    if name in schema.entity_labels:
        raise TahalufError(f"entity type {name} is already in annotation/schema.json",
                           [Finding("duplicate-id", "the entity type exists", "annotation/schema.json", got=name)])
    if not description.strip():
        raise TahalufError("an entity type needs a description (what it covers, for the annotators)")
    new = dataclasses.replace(schema.extended(entity_labels=(name,)),
                              entity_descriptions=schema.entity_descriptions + ((name, description.strip()),))
    files = _files(new)
    _check_gold(new)
    if not dry_run:
        _write(files)
    return sorted(files)


_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def add_article(file: str | Path, split: str, *, headline: str | None = None, date: str | None = None,
                outlet: str | None = None, doc_id: str | None = None,
                dry_run: bool = False) -> tuple[str, list[Path]]:
    """Copy an article into ``seeds/``, record its metadata, put it in ``split``.

    The text is stored byte for byte (UTF-8). ``headline`` is a line of the
    text (default: its first non-empty line); ``date`` is ``YYYY``,
    ``YYYY-MM`` or ``YYYY-MM-DD`` as stated by the article or its source.
    Returns the new doc id and the files written (with ``dry_run``: that
    would be written). Every function here takes ``dry_run``.
    """
    schema = load_schema()
    src = Path(file)
    try:
        text = seeds.read_text(src)
    except (OSError, UnicodeDecodeError) as e:
        raise TahalufError(f"{src}: cannot read the article as UTF-8 text: {e}") from None
    if not text.strip():
        raise TahalufError(f"{src}: the article is empty")
    if split not in schema.split_map:
        raise TahalufError(f"unknown split {split!r}. {did_you_mean(split, list(schema.split_map))}")
    meta_path = seeds.metadata_path()
    meta = read_json(meta_path)
    records = meta["documents"]
    digest = seeds.sha256_text(text)
    for r in records:
        if r.get("sha256") == digest:
            raise TahalufError(f"{src} is already in the corpus as {r['doc_id']}")
    doc_id = doc_id or f"{len(records):03d}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,80}", doc_id) or any(r["doc_id"] == doc_id for r in records):
        raise TahalufError(f"document id {doc_id!r} is taken or not a safe file name")
    if headline is None:
        headline = next(line for line in text.split("\n") if line.strip()).strip()
    at = text.find(headline)
    if at < 0:
        raise TahalufError(f"the headline {headline!r} is not in the text of {src} (give it as it is written there)")
    if date is not None and not _DATE_RE.fullmatch(date):
        raise TahalufError(f"--date is YYYY, YYYY-MM or YYYY-MM-DD, got {date!r}")
    rec = {
        "doc_id": doc_id,
        "headline": {"start": at, "end": at + len(headline), "text": headline},
        "outlet": outlet,
        "outlet_basis": "given when the article was added" if outlet else "not stated",
        "original_source": None,
        "byline": None,
        "translator": None,
        "date": ({"value": date, "basis": "stated", "evidence": "given when the article was added"}
                 if date else {"value": None, "basis": "unknown", "evidence": "not given"}),
        "language_variety": "not recorded",
        "boilerplate": [],
        "quality_notes": [],
        "sha256": digest,
        "n_chars": len(text),
        "file": f"seeds/{doc_id}.txt",
        "annotation": PENDING,
    }
    new_meta = {**meta, "documents": [*records, rec]}
    splits = tuple((s, ids + (doc_id,) if s == split else ids) for s, ids in schema.splits)
    new_schema = dataclasses.replace(schema, splits=splits)
    files: dict[Path, str | bytes] = {**_files(new_schema), meta_path: dumps(new_meta),
                                      paths.seeds_dir() / f"{doc_id}.txt": text.encode("utf-8")}
    if not dry_run:
        _write(files)
    return doc_id, sorted(files)


def _write(files: dict[Path, str | bytes]) -> None:
    """All of ``files`` (paths under the repository root) or none (:func:`write_files`)."""
    root = paths.root()
    write_files(root, {Path(p).resolve().relative_to(root.resolve()).as_posix(): d for p, d in files.items()})
