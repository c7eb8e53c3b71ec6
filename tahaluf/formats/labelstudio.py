"""Label Studio export format <-> canonical model, and the labeling config.

The gold annotations and both annotation passes are stored in Label Studio's
JSON export format (a list of tasks, each with ``data`` and ``annotations``),
so that annotators can import them into a real Label Studio and export them
back. This module converts both ways, losslessly, and validates everything it
reads (Label Studio validates nothing on import).

Result layout (one project, all three layers; see :func:`labeling_config`):

* ``from_name="entity"``, ``type="labels"``: an entity region.
* ``from_name="quote"``, ``type="labels"``: a QUOTE, CUE or SOURCE region.
* per-region results share the id of their QUOTE region: ``quote_type`` and
  every stance target (``stance_t1`` ...) as ``choices``; ``speaker_id`` as
  ``textarea`` (its ``value.text`` is a list of strings).
* ``type="relation"`` with ``labels`` ``["said"]`` (SOURCE -> QUOTE) or
  ``["cue_of"]`` (CUE -> QUOTE).
* ``from_name="doc_<target>"``, ``type="choices"`` with no offsets: the
  document-level stance.

Rules when reading: regions and their attributes are tied by region id, never
by position; span text is rebuilt from the offsets and the task text, never
trusted from ``value.text``; every problem becomes a :class:`Finding` with the
same ids the validator uses. Region ids written by :func:`to_task` are stable:
a quotation's region id is its ``quote_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

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
    Schema,
)
from tahaluf.formats.labelstudio_checks import (
    ENTITY_FROM,
    QUOTE_FROM,
    QUOTE_TYPE_FROM,
    SPEAKER_FROM,
    TO_NAME,
    annotator_finding,
    relation_shape,
    result_shape,
    type_name,
    wrong,
)


def doc_stance_name(target: str) -> str:
    return f"doc_{target}"


# -- labeling config -----------------------------------------------------------

#: colours for the entity labels (Label Studio background attribute)
_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0",
            "#f032e6", "#bcf60c", "#fabebe", "#008080", "#e6beff", "#9a6324"]


def labeling_config(schema: Schema = SCHEMA) -> str:
    """The Label Studio labeling config for all three layers, from the schema.

    Arabic is shown right to left by a wrapping ``<View>`` styled
    ``direction: rtl`` (the Text tag ignores ``dir``).
    """
    ent = "\n".join(
        f'      <Label value={quoteattr(l)} background="{_COLOURS[i % len(_COLOURS)]}"/>'
        for i, l in enumerate(schema.entity_labels))
    qlab = "\n".join(f'      <Label value="{l}" background="{c}"/>' for l, c in
                     zip(QUOTE_REGION_LABELS, ("#ffe119", "#808000", "#000075")))
    rel = "\n".join(f'    <Relation value="{r}"/>' for r in (RELATION_SAID, RELATION_CUE_OF))

    def choices(name: str, values: Iterable[str], per_region: bool) -> str:
        attrs = ' perRegion="true" visibleWhen="region-selected" whenLabelValue="QUOTE"' if per_region else ""
        opts = "".join(f'<Choice value="{v}"/>' for v in values)
        return f'    <Choices name="{name}" toName="{TO_NAME}" choice="single"{attrs}>{opts}</Choices>'

    per_region = [choices(QUOTE_TYPE_FROM, schema.quote_types, True)]
    per_region += [choices(t, schema.stance_labels, True) for t in schema.target_names]
    per_region.append(
        f'    <TextArea name="{SPEAKER_FROM}" toName="{TO_NAME}" perRegion="true" '
        f'visibleWhen="region-selected" whenLabelValue="QUOTE" maxSubmissions="1" '
        f'placeholder="speaker_id from annotation/speakers.json"/>')
    doc_level = [choices(doc_stance_name(t), schema.stance_labels, False) for t in schema.target_names]
    nl = "\n"
    return f"""<View>
  <Header value="Tahaluf schema v{schema.version}: entities, quotations, stance"/>
  <Relations>
{rel}
  </Relations>
  <View style="direction: rtl; text-align: right; font-size: 18px; line-height: 2">
    <Labels name="{ENTITY_FROM}" toName="{TO_NAME}">
{ent}
    </Labels>
    <Labels name="{QUOTE_FROM}" toName="{TO_NAME}">
{qlab}
    </Labels>
    <Text name="{TO_NAME}" value="$text" granularity="symbol"/>
  </View>
  <View>
    <Header value="Selected QUOTE: type, stance, speaker"/>
{nl.join(per_region)}
  </View>
  <View>
    <Header value="Whole document: stance"/>
{nl.join(doc_level)}
  </View>
</View>
"""


# -- canonical -> Label Studio ---------------------------------------------------

def _region(rid: str, from_name: str, span: Span) -> dict:
    return {"id": rid, "from_name": from_name, "to_name": TO_NAME, "type": "labels", "origin": "manual",
            "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]}}


def _attr(rid: str, from_name: str, span: Span, kind: str, value: list[str]) -> dict:
    return {"id": rid, "from_name": from_name, "to_name": TO_NAME, "type": kind, "origin": "manual",
            "value": {"start": span.start, "end": span.end, "text" if kind == "textarea" else kind: value}}


def to_result(doc: Document) -> list[dict]:
    """The Label Studio ``result`` list of one document's annotation."""
    res: list[dict] = []
    for i, e in enumerate(doc.entities):
        res.append(_region(f"e{i:04d}", ENTITY_FROM, e))
    shared: dict[tuple[str, int, int], str] = {}  # one CUE/SOURCE region per distinct span

    def shared_region(prefix: str, span: Span) -> str:
        key = (span.label, span.start, span.end)
        if key not in shared:
            shared[key] = f"{prefix}{len([k for k in shared if k[0] == span.label]):04d}"
            res.append(_region(shared[key], QUOTE_FROM, span))
        return shared[key]

    relations = []
    for q in doc.quotes:
        res.append(_region(q.quote_id, QUOTE_FROM, q.span))
        res.append(_attr(q.quote_id, QUOTE_TYPE_FROM, q.span, "choices", [q.quote_type]))
        for target, label in q.stance.items():
            res.append(_attr(q.quote_id, target, q.span, "choices", [label]))
        if q.speaker_id is not None:
            res.append(_attr(q.quote_id, SPEAKER_FROM, q.span, "textarea", [q.speaker_id]))
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
    per_region_names = {QUOTE_TYPE_FROM, SPEAKER_FROM, *schema.target_names}
    doc_names = {doc_stance_name(t): t for t in schema.target_names}

    for i, r in enumerate(result):
        where = f"{loc} result={i}"
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
        where = f"{where} id={short(rid, 40)}"
        shape = result_shape(r, where, schema)
        if shape:
            found += shape
            continue
        name, value = r["from_name"], r["value"]
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
            key = "text" if name == SPEAKER_FROM else "choices"
            vals = value.get(key)
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
            found.append(Finding("unknown-from-name", "result from a control the labeling config does not have",
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
                f"{loc} result={i} id={rid}", got=reg.span.label if reg else rid, expected=QUOTE_LABEL))

    # relations
    cue_of: dict[str, str] = {}
    source_of: dict[str, str] = {}
    linked: set[str] = set()
    for i, r in relations:
        where = f"{loc} result={i}"
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
        where = f"{loc} result={reg.index} id={reg.rid}"
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
            stance = {t: v for t, (_, v) in a.items() if t not in (QUOTE_TYPE_FROM, SPEAKER_FROM)}
            cue = regions[cue_of[reg.rid]].span if reg.rid in cue_of else None
            src = regions[source_of[reg.rid]].span if reg.rid in source_of else None
            quotes.append(Quote(reg.rid, reg.span, a.get(QUOTE_TYPE_FROM, (0, ""))[1],
                                a.get(SPEAKER_FROM, (0, ""))[1] or None, cue, src, stance))
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
        tloc = f"{location} task={ti}"
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
            aloc = f"{tloc} {key[:-1]}={ai}"
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
    p = Path(path)
    try:
        tasks = read_json(p)
    except TahalufError as e:
        return [], list(e.findings) or [Finding("malformed-file", str(e), str(p), expected="a readable file")]
    return tasks_to_documents(tasks, bases, schema=schema, location=str(p), single_annotator=single_annotator)
