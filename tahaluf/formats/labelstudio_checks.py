"""Type and shape checks of a Label Studio export, run before any value is used.

Label Studio validates nothing on import, and an export edited by hand or by
another tool can hold anything JSON can: a list where an object belongs, an
id that is a number, a boolean offset (``True`` is an ``int`` to Python). The
converter (:mod:`tahaluf.formats.labelstudio`) calls these checks on every
task, annotation and result item first; each problem is a ``wrong-type``
finding (or ``unsafe-id``, ``unknown-from-name``) with its location and
got/expected, never an exception. The control names of the labeling config
are declared here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tahaluf.core.errors import Finding
from tahaluf.core.ids import id_finding
from tahaluf.core.jsonio import short
from tahaluf.core.schema import Schema
from tahaluf.formats.labelconfig import (
    ENTITY_FROM,
    NEW_SPEAKER_FROM,
    QUOTE_FROM,
    QUOTE_TYPE_FROM,
    SPEAKER_FROM,
    TO_NAME,
)


def type_name(x: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(x), type(x).__name__)


def wrong(what: str, where: str, got: Any, expected: str) -> Finding:
    return Finding("wrong-type", f"{what} is not {expected}", where, got=type_name(got), expected=expected)


def annotator_finding(ann: Mapping[str, Any], where: str) -> Finding | None:
    who = ann.get("completed_by")
    if who is None or type(who) in (int, str):
        return None
    if not isinstance(who, Mapping):
        return wrong("completed_by", where, who, "a user id or a user object")
    if who.get("email") is not None and not isinstance(who["email"], str):
        return wrong("completed_by.email", where, who["email"], "a string")
    if who.get("id") is not None and type(who["id"]) not in (int, str):
        return wrong("completed_by.id", where, who["id"], "an integer")
    return None


#: the result ``type`` of each kind of control
_LABELS, _CHOICES, _TEXTAREA = "labels", "choices", "textarea"


def _offset(x: Any) -> bool:
    return type(x) is int  # not bool, not float


def result_shape(r: Mapping[str, Any], where: str, schema: Schema) -> list[Finding]:
    """Type and shape problems of one non-relation result item (checked before any use)."""
    out = []
    name, value, rid = r.get("from_name"), r.get("value"), r.get("id")
    if not isinstance(name, str):
        return [wrong("from_name", where, name, "a string")]
    if not isinstance(value, Mapping):
        return [wrong("value", where, value, "an object")]
    per_region = name in schema.target_names or name in (QUOTE_TYPE_FROM, SPEAKER_FROM, NEW_SPEAKER_FROM)
    if name in (ENTITY_FROM, QUOTE_FROM) or per_region:
        bad = id_finding("quote_id", rid, where)  # region ids become quote ids
        if bad is not None:
            return [bad]
    if r.get("to_name") is not None and r.get("to_name") != TO_NAME:
        out.append(Finding("unknown-from-name", "result points at a control that is not the text", where,
                           got=short(r.get("to_name")), expected=TO_NAME))
    want = (_LABELS if name in (ENTITY_FROM, QUOTE_FROM) else _TEXTAREA if name == NEW_SPEAKER_FROM
            else _CHOICES)
    # speaker_id was a textarea before the speaker list: both are read
    ok = (want, _TEXTAREA) if name == SPEAKER_FROM else (want,)
    if r.get("type") is not None and r.get("type") not in ok and (
            name in (ENTITY_FROM, QUOTE_FROM) or per_region or name.startswith("doc_")):
        out.append(Finding("wrong-type", f"a {name} result must be of type {want}", where,
                           got=short(r.get("type")), expected=want))
    if name in (ENTITY_FROM, QUOTE_FROM):
        for k in ("start", "end"):
            if not _offset(value.get(k)):
                out.append(wrong(f"value.{k}", where, value.get(k), "an integer"))
        if not isinstance(value.get("labels"), list):
            out.append(wrong("value.labels", where, value.get("labels"), "a list of one label"))
        if value.get("text") is not None and not isinstance(value["text"], str):
            out.append(wrong("value.text", where, value["text"], "a string"))
    elif per_region:
        for k in ("start", "end"):
            if value.get(k) is not None and not _offset(value[k]):
                out.append(wrong(f"value.{k}", where, value[k], "an integer"))
    return out


def relation_shape(r: Mapping[str, Any], where: str) -> list[Finding]:
    out = []
    for k in ("from_id", "to_id"):
        if not isinstance(r.get(k), str):
            out.append(wrong(k, where, r.get(k), "a region id (string)"))
    labs = r.get("labels")
    if labs is not None and not (isinstance(labs, list) and all(isinstance(x, str) for x in labs)):
        out.append(wrong("relation labels", where, labs, "a list of strings"))
    return out
