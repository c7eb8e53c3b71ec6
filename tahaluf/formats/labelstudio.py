"""Label Studio export format <-> canonical model, and the labeling config.

The gold annotations and both annotation passes are stored in Label Studio's
JSON export format (a list of tasks, each with ``data`` and ``annotations``),
so that annotators can import them into a real Label Studio and export them
back. This module converts both ways, losslessly, and validates everything it
reads (Label Studio validates nothing on import).

Result layout (one project, all three layers; see :func:`labeling_config`):

* ``from_name="entity"``, ``type="labels"``: an entity region.
* ``from_name="quote"``, ``type="labels"``: a QUOTE, CUE or SOURCE region.
* per-region results share the id of their QUOTE region: ``quote_type``,
  every stance target (``stance_t1`` ...) and ``speaker_id`` (a registry id)
  as ``choices``. A ``speaker_id`` of type ``textarea`` (``value.text``, a
  list of one string: projects made before the speaker list, API users) is
  read the same way. ``new_speaker`` (``textarea``) is a speaker not in the
  registry (:mod:`tahaluf.formats.labelstudio_speakers`): its id becomes the
  quotation's ``speaker_id``.
* ``type="relation"`` with ``labels`` ``["said"]`` (SOURCE -> QUOTE) or
  ``["cue_of"]`` (CUE -> QUOTE).
* ``from_name="doc_<target>"``, ``type="choices"`` with no offsets: the
  document-level stance.

Rules when reading: regions and their attributes are tied by region id, never
by position; span text is rebuilt from the offsets and the task text, never
trusted from ``value.text``; every problem becomes a :class:`Finding` with the
same ids the validator uses. Region ids written by :func:`to_task` are stable:
a quotation's region id is its ``quote_id``, every other region's comes from
its offsets and label (:func:`region_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.ids import id_finding
from tahaluf.core.jsonio import read_json, short
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import (
    CUE_LABEL,
    QUOTE_LABEL,
    QUOTE_REGION_LABELS,
    RELATION_CUE_OF,
    RELATION_SAID,
    SCHEMA,
    SOURCE_LABEL,
    STANCE_TARGET_RE,
    Schema,
)
from tahaluf.formats.labelconfig import (  # noqa: F401 - re-exported: the format's names and its config
    ENTITY_FROM,
    GUIDELINES,
    INSTRUCTIONS_SUMMARY,
    NEW_SPEAKER_FROM,
    QUOTE_FROM,
    QUOTE_TYPE_FROM,
    SPEAKER_FROM,
    TO_NAME,
    doc_stance_name,
    instructions_html,
    labeling_config,
    target_label,
)
from tahaluf.formats.labelstudio_checks import annotator_finding, relation_shape, result_shape, type_name, wrong
from tahaluf.formats.labelstudio_speakers import new_speaker_id

# -- canonical -> Label Studio ---------------------------------------------------

def _region(rid: str, from_name: str, span: Span) -> dict:
    return {"id": rid, "from_name": from_name, "to_name": TO_NAME, "type": "labels", "origin": "manual",
            "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]}}


def _attr(rid: str, from_name: str, span: Span, kind: str, value: list[str]) -> dict:
    return {"id": rid, "from_name": from_name, "to_name": TO_NAME, "type": kind, "origin": "manual",
            "value": {"start": span.start, "end": span.end, "text" if kind == "textarea" else kind: value}}


def region_id(span: Span) -> str:
    """The region id of an entity, CUE or SOURCE span, from its content alone.

    ``e-<start>-<end>-<label>`` for an entity, ``c-<start>-<end>`` for a CUE,
    ``s-<start>-<end>`` for a SOURCE: adding or deleting another region never
    changes it, so a one-span edit is a one-span diff of the gold. (A QUOTE's
    region id is its ``quote_id``.) Entities are flat and CUE/SOURCE regions
    are shared per distinct span, so the ids are unique within a document.
    """
    if span.label == CUE_LABEL:
        return f"c-{span.start}-{span.end}"
    if span.label == SOURCE_LABEL:
        return f"s-{span.start}-{span.end}"
    return f"e-{span.start}-{span.end}-{span.label}"


def to_result(doc: Document) -> list[dict]:
    """The Label Studio ``result`` list of one document's annotation."""
    res: list[dict] = []
    seen: dict[str, int] = {}
    for e in doc.entities:
        rid = region_id(e)
        seen[rid] = seen.get(rid, 0) + 1
        # the same entity twice (invalid, but kept so the validator can say so): a numbered second id
        res.append(_region(rid if seen[rid] == 1 else f"{rid}-{seen[rid]}", ENTITY_FROM, e))
    shared: dict[tuple[str, int, int], str] = {}  # one CUE/SOURCE region per distinct span

    def shared_region(prefix: str, span: Span) -> str:
        key = (span.label, span.start, span.end)
        if key not in shared:
            shared[key] = region_id(span)
            res.append(_region(shared[key], QUOTE_FROM, span))
        return shared[key]

    relations = []
    for q in doc.quotes:
        res.append(_region(q.quote_id, QUOTE_FROM, q.span))
        if q.quote_type:  # (none in a prediction of stance alone)
            res.append(_attr(q.quote_id, QUOTE_TYPE_FROM, q.span, "choices", [q.quote_type]))
        for target, label in q.stance.items():
            res.append(_attr(q.quote_id, target, q.span, "choices", [label]))
        if q.speaker_id is not None:
            res.append(_attr(q.quote_id, SPEAKER_FROM, q.span, "choices", [q.speaker_id]))
        if q.cue is not None:
            relations.append((shared_region("c", q.cue), q.quote_id, RELATION_CUE_OF))
        if q.source is not None:
            relations.append((shared_region("s", q.source), q.quote_id, RELATION_SAID))
    for src, dst, lab in relations:
        res.append({"type": "relation", "from_id": src, "to_id": dst, "direction": "right", "labels": [lab]})
    for target, label in doc.doc_stance.items():
        res.append({"id": f"doc_{target}", "from_name": doc_stance_name(target), "to_name": TO_NAME,
                    "type": "choices", "origin": "manual", "value": {"choices": [label]}})
    return res


def to_task(doc: Document, *, annotator: str | None = None, task_id: int | None = None,
            as_prediction: str | None = None, ground_truth: bool = False) -> dict:
    """A Label Studio task holding the document's annotation.

    With ``as_prediction=MODEL_VERSION`` the annotation goes into
    ``predictions`` (for pre-annotation) instead of ``annotations``.
    """
    task: dict[str, Any] = {"data": {"text": doc.text, "doc_id": doc.doc_id}}
    if task_id is not None:
        task["id"] = task_id
    result = to_result(doc)
    if as_prediction is not None:
        task["predictions"] = [{"model_version": as_prediction, "result": result}]
    else:
        who = annotator if annotator is not None else doc.annotator
        task["annotations"] = [{"completed_by": {"email": who} if who else None,
                                "ground_truth": ground_truth, "was_cancelled": False, "result": result}]
    return task


# -- Label Studio -> canonical ------------------------------------------------------

def _where(loc: str, index: int, rid: Any, at: Any = None) -> str:
    """Where a result is, as an annotator finds it: the region id Label Studio
    shows (else the result's position) and the character offsets."""
    where = f"{loc} region={rid}" if rid is not None else f"{loc} result[{index}]"
    if isinstance(at, Span):
        return f"{where} chars={at.start}-{at.end}"
    if isinstance(at, Mapping) and isinstance(at.get("start"), int) and isinstance(at.get("end"), int):
        return f"{where} chars={at['start']}-{at['end']}"
    return where


@dataclass
class _Region:
    rid: str
    from_name: str
    span: Span
    index: int


def annotator_of(annotation: Mapping[str, Any]) -> str | None:
    """A readable annotator name from ``completed_by`` (int id or user dict)."""
    who = annotation.get("completed_by")
    if isinstance(who, Mapping):
        email = who.get("email")
        return (email if isinstance(email, str) else None) or (str(who["id"]) if "id" in who else None)
    return None if who is None else str(who)


def result_to_document(result: list[Mapping[str, Any]], base: Document, *, schema: Schema = SCHEMA,
                       annotator: str | None = None, location: str = "") -> tuple[Document | None, list[Finding]]:
    """Convert one Label Studio ``result`` over ``base``'s text.

    Returns the document (``None`` if a finding makes conversion impossible)
    and every finding.
    """
    text = base.text
    loc = location or f"doc={base.doc_id}"
    found: list[Finding] = []
    regions: dict[str, _Region] = {}
    attrs: dict[str, dict[str, tuple[int, Any]]] = {}
    relations: list[tuple[int, Mapping[str, Any]]] = []
    doc_stance: dict[str, str] = {}
    per_region_names = {QUOTE_TYPE_FROM, SPEAKER_FROM, NEW_SPEAKER_FROM, *schema.target_names}
    doc_names = {doc_stance_name(t): t for t in schema.target_names}

    for i, r in enumerate(result):
        where = f"{loc} result[{i}]"
        if not isinstance(r, Mapping):
            found.append(Finding("malformed-file", "a result item is not an object", where, got=type(r).__name__))
            continue
        if r.get("type") == "relation":
            shape = relation_shape(r, where)
            if shape:
                found += shape
            else:
                relations.append((i, r))
            continue
        rid = r.get("id")
        shape = result_shape(r, f"{where} id={short(rid, 40)}", schema)
        if shape:
            found += shape
            continue
        name, value = r["from_name"], r["value"]
        where = _where(loc, i, rid if isinstance(rid, str) else None, value)
        if name in (ENTITY_FROM, QUOTE_FROM):
            labels = value.get("labels") or []
            allowed = schema.entity_labels if name == ENTITY_FROM else QUOTE_REGION_LABELS
            if len(labels) != 1 or not isinstance(labels[0], str) or labels[0] not in allowed:
                found.append(Finding("unknown-label", f"{name} region label is not one of the schema's",
                                     where, got=labels, expected=list(allowed)))
                continue
            s, e = value.get("start"), value.get("end")
            try:
                span = Span.of(text, s, e, labels[0])
            except TahalufError:
                found.append(Finding("span-out-of-range", f"{labels[0]} region offsets outside the text",
                                     where, got=[s, e], expected=f"0 <= start < end <= {len(text)}"))
                continue
            if isinstance(value.get("text"), str) and value["text"] != span.text:
                found.append(Finding("span-text-mismatch",
                                     f"{labels[0]} region text differs from the task text at its offsets",
                                     where, got=value["text"], expected=span.text))
                continue
            if rid in regions:
                found.append(Finding("duplicate-id", "two regions share an id", where, got=rid))
                continue
            regions[rid] = _Region(rid, name, span, i)
        elif name in per_region_names:
            textarea = name == NEW_SPEAKER_FROM or (name == SPEAKER_FROM and "choices" not in value)
            vals = value.get("text" if textarea else "choices")
            if not isinstance(vals, list) or len(vals) != 1 or not isinstance(vals[0], str):
                found.append(Finding("malformed-file", f"{name} must hold exactly one value in a list",
                                     where, got=vals, expected="[one string]"))
                continue
            attrs.setdefault(rid, {})[name] = (i, vals[0].strip())
        elif name in doc_names:
            vals = value.get("choices")
            if not isinstance(vals, list) or len(vals) != 1 or not isinstance(vals[0], str):
                found.append(Finding("malformed-file", f"{name} must hold exactly one value in a list",
                                     where, got=vals, expected="[one stance label]"))
                continue
            doc_stance[doc_names[name]] = vals[0]
        else:
            known = [ENTITY_FROM, QUOTE_FROM, *sorted(per_region_names), *doc_names]
            target = name[len("doc_"):] if isinstance(name, str) and name.startswith("doc_") else name
            hint = (f"; {target} is not a target of annotation/schema.json: add it with `tahaluf schema "
                    f"add-target --name {target} ...` (then pull again)"
                    if isinstance(target, str) and STANCE_TARGET_RE.fullmatch(target) else "")
            found.append(Finding("unknown-from-name",
                                 "result from a control the labeling config does not have" + hint,
                                 where, got=name, expected=known))

    # per-region attributes: only on QUOTE regions
    for rid, a in attrs.items():
        reg = regions.get(rid)
        if reg is None or reg.span.label != QUOTE_LABEL:
            i = min(ix for ix, _ in a.values())
            found.append(Finding(
                "attribute-on-non-quote" if reg is not None else "dangling-relation",
                "per-region attribute on a region that is not a QUOTE" if reg is not None
                else "per-region attribute names a region id that does not exist",
                _where(loc, i, rid, reg.span if reg else None), got=reg.span.label if reg else rid,
                expected=QUOTE_LABEL))

    # relations
    cue_of: dict[str, str] = {}
    source_of: dict[str, str] = {}
    linked: set[str] = set()
    for i, r in relations:
        where = f"{loc} relation={r.get('from_id')}->{r.get('to_id')}"
        labs = r.get("labels") or []
        src, dst = regions.get(r.get("from_id")), regions.get(r.get("to_id"))
        if len(labs) != 1 or labs[0] not in (RELATION_SAID, RELATION_CUE_OF):
            found.append(Finding("unknown-label", "relation label is not said or cue_of", where,
                                 got=labs, expected=[RELATION_SAID, RELATION_CUE_OF]))
            continue
        want = SOURCE_LABEL if labs[0] == RELATION_SAID else CUE_LABEL
        if src is None or dst is None:
            found.append(Finding("dangling-relation", "relation names a region id that does not exist", where,
                                 got=[r.get("from_id"), r.get("to_id")], expected="ids of existing regions"))
            continue
        if src.span.label != want or dst.span.label != QUOTE_LABEL:
            found.append(Finding("dangling-relation", f"{labs[0]} must link {want} -> QUOTE", where,
                                 got=f"{src.span.label} -> {dst.span.label}", expected=f"{want} -> QUOTE"))
            continue
        table = source_of if want == SOURCE_LABEL else cue_of
        if dst.rid in table and table[dst.rid] != src.rid:
            found.append(Finding("dangling-relation", f"QUOTE {dst.rid} has two {labs[0]} relations", where,
                                 got=[table[dst.rid], src.rid], expected="one"))
            continue
        table[dst.rid] = src.rid
        linked.add(src.rid)

    entities: list[Span] = []
    quotes: list[Quote] = []
    for reg in regions.values():
        where = _where(loc, reg.index, reg.rid, reg.span)
        lab = reg.span.label
        if reg.from_name == ENTITY_FROM:
            entities.append(reg.span)
        elif lab == CUE_LABEL and reg.rid not in linked:
            found.append(Finding("cue-without-quote", "CUE region has no cue_of relation to a QUOTE", where,
                                 got=reg.span.text))
        elif lab == SOURCE_LABEL and reg.rid not in linked:
            found.append(Finding("source-without-quote", "SOURCE region has no said relation to a QUOTE", where,
                                 got=reg.span.text))
        elif lab == QUOTE_LABEL:
            # attribute values are checked by tahaluf.validate.document_findings
            a = attrs.get(reg.rid, {})
            stance = {t: v for t, (_, v) in a.items() if t not in (QUOTE_TYPE_FROM, SPEAKER_FROM, NEW_SPEAKER_FROM)}
            speaker = a.get(SPEAKER_FROM, (0, ""))[1] or new_speaker_id(a.get(NEW_SPEAKER_FROM, (0, ""))[1])
            cue = regions[cue_of[reg.rid]].span if reg.rid in cue_of else None
            src = regions[source_of[reg.rid]].span if reg.rid in source_of else None
            quotes.append(Quote(reg.rid, reg.span, a.get(QUOTE_TYPE_FROM, (0, ""))[1], speaker or None,
                                cue, src, stance))
    doc = Document(base.doc_id, text, base.metadata, tuple(entities), tuple(quotes), doc_stance, annotator)
    return doc, found


def tasks_to_documents(tasks: Any, bases: Mapping[str, Document], *, schema: Schema = SCHEMA,
                       location: str = "", single_annotator: bool = False,
                       use_predictions: bool = False) -> tuple[list[Document], list[Finding]]:
    """Every annotation of every task, as documents, and every finding.

    ``bases`` maps doc ids to the seed documents (text and metadata). With
    ``single_annotator`` all annotations in the export must be by one annotator
    (``mixed-annotators`` otherwise).
    """
    found: list[Finding] = []
    docs: list[Document] = []
    if not isinstance(tasks, list):
        return [], [Finding("malformed-file", "a Label Studio export is a JSON list of tasks", location,
                            got=type(tasks).__name__, expected="list")]
    annotators: set[str | None] = set()
    for ti, task in enumerate(tasks):
        tid = task.get("id") if isinstance(task, Mapping) else None
        # Label Studio's task id (shown in its task list and URL), else the position in the file
        tloc = f"{location} task={tid}" if isinstance(tid, int) and not isinstance(tid, bool) else f"{location} task[{ti}]"
        if not isinstance(task, Mapping):
            found.append(wrong("task", tloc, task, "an object"))
            continue
        data = task.get("data")
        if not isinstance(data, Mapping) or not isinstance(data.get("text"), str):
            found.append(Finding("malformed-file", "task has no data.text", tloc,
                                 got=type_name(data.get("text") if isinstance(data, Mapping) else data),
                                 expected="data.text, a string"))
            continue
        doc_id = data.get("doc_id")
        bad = id_finding("doc_id", doc_id, f"{tloc} data.doc_id")
        if bad is not None:
            found.append(bad)
            continue
        tloc += f" doc={doc_id}"
        if doc_id not in bases:
            found.append(Finding("unknown-document", "task names a document that is not in seeds/", tloc,
                                 got=doc_id, expected=sorted(bases)))
            continue
        base = bases[doc_id]
        if data["text"] != base.text:
            at = next((k for k, (a, b) in enumerate(zip(data["text"], base.text)) if a != b),
                      min(len(data["text"]), len(base.text)))
            found.append(Finding("seed-text-changed", f"task text differs from seeds/{doc_id}.txt at offset {at}",
                                 tloc, got=data["text"][at:at + 20], expected=base.text[at:at + 20]))
            continue
        key = "predictions" if use_predictions else "annotations"
        anns = task.get(key)
        if anns is not None and not isinstance(anns, list):
            found.append(wrong(key, tloc, anns, "a list"))
            continue
        live = [a for a in anns or [] if isinstance(a, Mapping) and not a.get("was_cancelled")]
        if not live and all(isinstance(a, Mapping) for a in anns or []):
            found.append(Finding("missing-document", f"task has no {key}", tloc, expected=f"one or more {key}"))
        for ai, ann in enumerate(anns or []):
            aid = ann.get("id") if isinstance(ann, Mapping) else None
            # Label Studio's annotation id where it has one, else the position in the task
            aloc = (f"{tloc} {key[:-1]}={aid}" if isinstance(aid, int) and not isinstance(aid, bool)
                    else f"{tloc} {key[:-1]}[{ai}]")
            if not isinstance(ann, Mapping):
                found.append(wrong(key[:-1], aloc, ann, "an object"))
                continue
            if ann.get("was_cancelled"):
                continue
            bad = annotator_finding(ann, aloc) if not use_predictions else None
            if bad is not None:
                found.append(bad)
                continue
            who = annotator_of(ann) if not use_predictions else ann.get("model_version")
            if who is not None and not isinstance(who, str):
                found.append(wrong("model_version", aloc, who, "a string"))
                continue
            result = ann.get("result")
            if result is not None and not isinstance(result, list):
                found.append(wrong("result", aloc, result, "a list"))
                continue
            annotators.add(who)
            doc, f = result_to_document(result or [], base, schema=schema, annotator=who, location=aloc)
            found += f
            if doc is not None:
                docs.append(doc)
    if single_annotator and len(annotators) > 1:
        found.append(Finding("mixed-annotators", "annotations by several annotators where one is expected",
                             location, got=sorted(map(str, annotators)), expected="one annotator"))
    return docs, found


def read_export(path: str | Path, bases: Mapping[str, Document], *, schema: Schema = SCHEMA,
                single_annotator: bool = False) -> tuple[list[Document], list[Finding]]:
    """Read a Label Studio JSON export file (see :func:`tasks_to_documents`)."""
    tasks, found = read_tasks(path)
    if found:
        return [], found
    return tasks_to_documents(tasks, bases, schema=schema, location=str(path), single_annotator=single_annotator)


def read_tasks(path: str | Path) -> tuple[Any, list[Finding]]:
    """The parsed JSON of an export file, or ``None`` and the findings that refuse it."""
    try:
        return read_json(path), []
    except TahalufError as e:
        return None, list(e.findings) or [Finding("malformed-file", str(e), str(path), expected="a readable file")]
