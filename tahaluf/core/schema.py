"""The annotation schema, read from ``annotation/schema.json``.

Everything that names a label, a quote type, a stance target or a split is
read from a :class:`Schema`: the validator, the Label Studio config
generator, the converters, the dataset builder, the corpus splits and the
scorer. The schema is data: ``annotation/schema.json`` (format below) is the
one declaration, and :data:`SCHEMA` is that file as loaded when the package is
imported. ``tahaluf schema add-target`` and ``tahaluf schema add-entity-type``
edit it (append-only, so tag ids never shift) and ``tahaluf add-article``
adds to its splits; adding a target or a type never needs an edit of Python.
Code that must try an extension before it is committed (tests) passes
``SCHEMA.extended(...)`` explicitly.

File format (:func:`schema_to_json` writes it, :func:`schema_from_json` reads
and checks it)::

    {"format": "tahaluf annotation schema", "version": 2,
     "entity_types": [{"name": "PER", "description": "..."}, ...],
     "quote_types": [{"name": "direct", "description": "..."}, ...],
     "stance_labels": ["FAVOR", "AGAINST", "NONE"],
     "targets": [{"name": "stance_t1", "description": "...", "description_ar": "...",
                  "required": true, "definitions": {"FAVOR": "...", "AGAINST": "...", "NONE": "..."}}],
     "splits": {"rationale": "...", "train": [doc ids], "validation": [...], "test": [...]}}

This is schema version 2 of ``../shared/annotation-spec.md`` (targets T2 and
T3 added; rules settled, see ``annotation/guidelines.md``'s change log).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.jsonio import read_json

#: Region labels of the quotation layer (layer 2).
QUOTE_LABEL = "QUOTE"
CUE_LABEL = "CUE"
SOURCE_LABEL = "SOURCE"
QUOTE_REGION_LABELS: tuple[str, ...] = (QUOTE_LABEL, CUE_LABEL, SOURCE_LABEL)

#: Relation labels: SOURCE -> QUOTE is ``said``, CUE -> QUOTE is ``cue_of``.
RELATION_SAID = "said"
RELATION_CUE_OF = "cue_of"
RELATION_LABELS: tuple[str, ...] = (RELATION_SAID, RELATION_CUE_OF)

#: A stance target's name: ``stance_t1``, ``stance_t2`` ...
STANCE_TARGET_RE = re.compile(r"stance_t[1-9][0-9]*")
#: An entity type's name: upper-case ASCII (``PER``, ``WEAPON``)
ENTITY_TYPE_RE = re.compile(r"[A-Z][A-Z_]{1,19}")

#: One-letter proclitics that stay outside entity and cue spans.
PROCLITICS = "وفبلك"

#: the ``format`` field of ``annotation/schema.json``
SCHEMA_FORMAT = "tahaluf annotation schema"


@dataclass(frozen=True)
class StanceTarget:
    """A stance target: its name (``stance_t1``) and what it is."""

    name: str
    description: str
    #: the target's wording in Arabic, as the schema states it
    description_ar: str = ""
    #: Required targets are labelled on every quotation and document; optional
    #: ones may be missing while they are being added.
    required: bool = True
    #: what each stance label means for this target: ``((label, definition), ...)``
    definitions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Schema:
    """Labels, targets and splits of the three annotation layers."""

    version: int = 2
    #: Entity types (layer 1), in the order used for tag ids.
    entity_labels: tuple[str, ...] = ()
    quote_types: tuple[str, ...] = ("direct", "indirect", "mixed")
    #: Stance labels (layer 3), SemEval-2016 Task 6 convention.
    stance_labels: tuple[str, ...] = ("FAVOR", "AGAINST", "NONE")
    stance_targets: tuple[StanceTarget, ...] = ()
    #: the fixed split: ``((split, (doc ids ...)), ...)``, document-disjoint
    splits: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: why the fixed split is what it is (the dataset card prints it)
    split_rationale: str = ""
    #: what each entity type / quote type is: ``((name, description), ...)``
    entity_descriptions: tuple[tuple[str, str], ...] = ()
    quote_type_descriptions: tuple[tuple[str, str], ...] = ()

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.stance_targets)

    @property
    def required_targets(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.stance_targets if t.required)

    def target(self, name: str) -> StanceTarget:
        for t in self.stance_targets:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def split_map(self) -> dict[str, tuple[str, ...]]:
        return {name: ids for name, ids in self.splits}

    def extended(self, *, entity_labels: tuple[str, ...] = (),
                 stance_targets: tuple[StanceTarget, ...] = ()) -> "Schema":
        """A copy with more entity labels and/or stance targets."""
        for t in stance_targets:
            if not STANCE_TARGET_RE.fullmatch(t.name):
                raise ValueError(f"stance target {t.name!r} must match {STANCE_TARGET_RE.pattern}")
        return dataclasses.replace(
            self,
            entity_labels=self.entity_labels + tuple(entity_labels),
            stance_targets=self.stance_targets + tuple(stance_targets),
        )


# -- the file ---------------------------------------------------------------------

def schema_to_json(schema: Schema) -> dict[str, Any]:
    """The schema as the JSON object of ``annotation/schema.json``."""
    ent = dict(schema.entity_descriptions)
    qt = dict(schema.quote_type_descriptions)
    return {
        "format": SCHEMA_FORMAT,
        "version": schema.version,
        "entity_types": [{"name": n, "description": ent.get(n, "")} for n in schema.entity_labels],
        "quote_types": [{"name": n, "description": qt.get(n, "")} for n in schema.quote_types],
        "stance_labels": list(schema.stance_labels),
        "targets": [{"name": t.name, "description": t.description, "description_ar": t.description_ar,
                     "required": t.required, "definitions": dict(t.definitions)}
                    for t in schema.stance_targets],
        "splits": {"rationale": schema.split_rationale, **{n: list(ids) for n, ids in schema.splits}},
    }


def schema_from_json(data: Any, where: str = "annotation/schema.json") -> Schema:
    """Check and read the JSON object of ``annotation/schema.json``.

    Raises :class:`TahalufError` with a finding for every problem (names
    that repeat, a target without its definitions, a document in two splits...).
    """
    found: list[Finding] = []

    def bad(msg: str, loc: str, got: Any = None, expected: Any = None, fid: str = "malformed-file") -> None:
        found.append(Finding(fid, msg, f"{where} {loc}".strip(), got=got, expected=expected))

    if not isinstance(data, Mapping) or data.get("format") != SCHEMA_FORMAT:
        raise TahalufError(f"{where}: not a Tahaluf schema file",
                           [Finding("malformed-file", "not a Tahaluf schema file", where,
                                    got=data.get("format") if isinstance(data, Mapping) else type(data).__name__,
                                    expected=SCHEMA_FORMAT)])

    def named(key: str, pattern: re.Pattern | None = None) -> list[tuple[str, str]]:
        items = data.get(key)
        if not isinstance(items, list) or not items:
            bad(f"{key} must be a non-empty list", key, got=type(items).__name__, expected="list")
            return []
        out: list[tuple[str, str]] = []
        for i, it in enumerate(items):
            name = it.get("name") if isinstance(it, Mapping) else None
            if not isinstance(name, str) or (pattern and not pattern.fullmatch(name)):
                bad(f"{key}[{i}] has no valid name", f"{key}[{i}]", got=name,
                    expected=pattern.pattern if pattern else "a string")
            elif name in dict(out):
                bad(f"{key}: the name {name!r} repeats", f"{key}[{i}]", got=name, fid="duplicate-id")
            else:
                out.append((name, str(it.get("description", ""))))
        return out

    entities = named("entity_types", ENTITY_TYPE_RE)
    quote_types = named("quote_types")
    labels = data.get("stance_labels")
    if not (isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels)):
        bad("stance_labels must be a list of strings", "stance_labels", got=labels)
        labels = []
    targets: list[StanceTarget] = []
    for (name, desc), raw in zip(named("targets", STANCE_TARGET_RE), data.get("targets") or []):
        defs = raw.get("definitions") or {}
        missing = [lab for lab in labels if not (isinstance(defs, Mapping) and isinstance(defs.get(lab), str)
                                                 and defs[lab].strip())]
        if missing:
            bad(f"target {name} has no definition of {', '.join(missing)}", f"targets.{name}.definitions",
                got=sorted(defs) if isinstance(defs, Mapping) else defs, expected=labels)
        if not desc.strip() or not isinstance(raw.get("description_ar"), str) or not raw["description_ar"].strip():
            bad(f"target {name} needs its wording in English and Arabic", f"targets.{name}",
                expected="description and description_ar")
        if not isinstance(raw.get("required", True), bool):
            bad(f"target {name}: required must be true or false", f"targets.{name}.required",
                got=raw.get("required"))
        targets.append(StanceTarget(name, desc, str(raw.get("description_ar", "")), bool(raw.get("required", True)),
                                    tuple((lab, str(defs.get(lab, ""))) for lab in labels)
                                    if isinstance(defs, Mapping) else ()))
    raw_splits = data.get("splits")
    splits: list[tuple[str, tuple[str, ...]]] = []
    rationale = ""
    if not isinstance(raw_splits, Mapping):
        bad("splits must be an object: split name -> document ids, plus its rationale", "splits",
            got=type(raw_splits).__name__)
    else:
        rationale = str(raw_splits.get("rationale", ""))
        seen: dict[str, str] = {}
        for split, ids in raw_splits.items():
            if split == "rationale":
                continue
            if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
                bad(f"split {split} must list document ids", f"splits.{split}", got=ids)
                continue
            for doc_id in ids:
                if doc_id in seen:
                    bad(f"document {doc_id} is in two splits", f"splits.{split}", got=[seen[doc_id], split],
                        expected="one split per document", fid="duplicate-id")
                seen[doc_id] = split
            splits.append((split, tuple(ids)))
    version = data.get("version")
    if not isinstance(version, int):
        bad("version must be an integer", "version", got=version)
    if found:
        raise TahalufError(f"{where}: the schema is invalid", found)
    return Schema(version=version, entity_labels=tuple(n for n, _ in entities),
                  quote_types=tuple(n for n, _ in quote_types), stance_labels=tuple(labels),
                  stance_targets=tuple(targets), splits=tuple(splits), split_rationale=rationale,
                  entity_descriptions=tuple(entities), quote_type_descriptions=tuple(quote_types))


def load_schema(path: str | Path | None = None) -> Schema:
    """The schema in ``path`` (default ``annotation/schema.json``)."""
    p = Path(path) if path else paths.schema_file()
    if path is None and not p.exists():
        p = paths.packaged_schema_file()  # outside a clone
    try:
        data = read_json(p)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise TahalufError(f"{p}: cannot read the schema: {e}",
                           [Finding("malformed-file", f"cannot read the schema: {e}", str(p))]) from None
    return schema_from_json(data, str(p.name if p.parent == paths.annotation_dir() else p))


#: The schema of the committed gold (``annotation/schema.json``).
SCHEMA = load_schema()
