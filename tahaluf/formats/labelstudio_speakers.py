"""New speakers entered on the labelling page, turned into registry entries.

A QUOTE whose speaker is not in the list (``speaker_id``, a ``<Choices
layout="select">`` of :mod:`tahaluf.formats.labelconfig`) gets its speaker in
the per-region text field ``new_speaker`` instead, one line::

    id | English name | Arabic spelling(s), ; between them | role | affiliation

Only the id and the English name are required (``kind`` is ``person``; an
institution is marked by editing ``annotation/speakers.json`` after the pull).
On a second quotation of the same new speaker the id alone is enough. The
result in Label Studio's JSON is the textarea result of every per-region
control::

    {"id": "<QUOTE region id>", "from_name": "new_speaker", "to_name": "text", "type": "textarea",
     "value": {"start": 12, "end": 40, "text": ["omar_x | Omar X | عمر اكس | spokesman | ministry"]}}

The converter (:func:`tahaluf.formats.labelstudio.result_to_document`) makes
the id the quotation's ``speaker_id``; :func:`collect` reads every new speaker
of an export and checks it against the registry and the other new entries.
Policy: an id that is already a registry id with the same English name is
the same speaker (pulling a project twice adds nothing); every other clash
refuses, with the task, annotation and region ids an annotator can find:

===============================================================  ===============
problem                                                          finding id
===============================================================  ===============
an id already in the registry (another name) or one of its       ``duplicate-id``
aliases; one new id given twice with different names
not ``id | name ...``; only an id, and no full entry anywhere;   ``malformed-file``
a speaker from the list *and* a new speaker on one QUOTE
an id that is not a safe speaker id                              ``unsafe-id``
a registry id with other details (a new spelling: edit           ``duplicate-id``
``annotation/speakers.json``); a new id whose English name or
an Arabic spelling is a registry speaker's (the same person
has one id: choose it); two ``new_speaker`` results on one QUOTE
Arabic letters in the English name, or a spelling with none      ``malformed-file``
(the fields in the wrong order)
===============================================================  ===============

Each field is cleaned before it is compared or stored: direction marks
(U+200E, U+200F, U+061C, U+202A-U+202E, U+2066-U+2069) removed, runs of white
space made one space; spellings are separated by ``;``, ``؛``, ``،`` or ``,``.
Names are compared case-insensitively and spellings after
:func:`tahaluf.core.text.normalise` (tatweel, diacritics, alef, yeh, teh
marbuta), so a speaker typed again with a diacritic or a tatweel is still
found in the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tahaluf.core.errors import Finding
from tahaluf.core.ids import id_finding
from tahaluf.core.model import Speaker
from tahaluf.core.speakers import alias_table
from tahaluf.core.text import normalise
from tahaluf.formats.labelconfig import NEW_SPEAKER_FORMAT, NEW_SPEAKER_FROM, SPEAKER_FROM

#: the fields of a ``new_speaker`` line, in order (the first two required, unless only the id is given)
FIELDS = ("speaker_id", "name_en", "spellings", "role", "affiliation")


#: direction marks an annotator's right-to-left input may carry invisibly
_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SPELLING_SEP = re.compile("[;\u061b\u060c,]")
_ARABIC = re.compile("[\u0621-\u064a]")


def clean(field_text: str) -> str:
    """A field without direction marks, its white space runs made one space."""
    return " ".join(_MARKS.sub("", field_text).split())


def new_speaker_id(text: str) -> str:
    """The id of a ``new_speaker`` line (its first field)."""
    return clean(text.split("|", 1)[0])


def parse(text: str) -> tuple[Speaker | None, str]:
    """A ``new_speaker`` line as a :class:`Speaker` (``name_en`` empty when only
    the id is given), or ``None`` and what is wrong with it."""
    parts = [clean(p) for p in text.split("|")]
    if len(parts) > len(FIELDS):
        return None, f"{len(parts)} fields where at most {len(FIELDS)} belong ('|' separates fields only)"
    parts += [""] * (len(FIELDS) - len(parts))
    sid, name, spellings, role, affiliation = parts
    if not sid:
        return None, "no id before the first |"
    if "|" in text and not name:
        return None, "no English name after the id"
    if _ARABIC.search(name):
        return None, (f"the English name {name!r} has Arabic letters: the order is id | English name | "
                      f"Arabic spelling(s)")
    forms = tuple(s for s in (clean(x) for x in _SPELLING_SEP.split(spellings)) if s)
    latin = [s for s in forms if not _ARABIC.search(s)]
    if latin:
        return None, f"the Arabic spelling {latin[0]!r} has no Arabic letter: the order is id | English name | " \
                     f"Arabic spelling(s) | role | affiliation"
    return Speaker(sid, name, "person", forms, role, affiliation), ""


def _forms(sp: Speaker) -> set[str]:
    """A speaker's spellings as compared: normalised (:func:`tahaluf.core.text.normalise`)."""
    return {normalise(s) for s in sp.spellings}


def _same_line(a: Speaker, b: Speaker) -> bool:
    """The same entry up to the case of the name and the diacritics, tatweel... of the spellings."""
    return (a.name_en.casefold(), _forms(a), a.role, a.affiliation) == \
        (b.name_en.casefold(), _forms(b), b.role, b.affiliation)


def same_person(sp: Speaker, registry: Mapping[str, Speaker]) -> str | None:
    """The registry id whose English name (any case) or one of whose spellings ``sp`` shares, if any."""
    name, forms = sp.name_en.casefold(), _forms(sp)
    for sid, other in registry.items():
        if (name and other.name_en.casefold() == name) or forms & _forms(other):
            return sid
    return None


@dataclass
class NewSpeakers:
    #: new registry entries, in the order first met
    entries: dict[str, Speaker] = field(default_factory=dict)
    #: where each was first given
    where: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _items(tasks: Any, location: str):
    """(where, region id, new_speaker text, chosen speaker id) of every new
    speaker in the export; malformed items are skipped (the converter reports them)."""
    for ti, task in enumerate(tasks if isinstance(tasks, list) else []):
        if not isinstance(task, Mapping):
            continue
        tid = task.get("id")
        doc_id = (task.get("data") or {}).get("doc_id") if isinstance(task.get("data"), Mapping) else None
        tloc = f"{location} task={tid if isinstance(tid, int) else f'[{ti}]'} doc={doc_id}"
        for ai, ann in enumerate(task.get("annotations") or []):
            if not isinstance(ann, Mapping) or ann.get("was_cancelled") or not isinstance(ann.get("result"), list):
                continue
            aid = ann.get("id")
            aloc = f"{tloc} annotation={aid if isinstance(aid, int) else f'[{ai}]'}"
            chosen: dict[Any, str] = {}
            new: list[tuple[Any, str, Mapping]] = []
            seen: set = set()
            for r in ann["result"]:
                if not isinstance(r, Mapping) or not isinstance(r.get("value"), Mapping):
                    continue
                v = r["value"]
                vals = v.get("choices") if "choices" in v else v.get("text")
                if not (isinstance(vals, list) and len(vals) == 1 and isinstance(vals[0], str)):
                    continue
                if r.get("from_name") == SPEAKER_FROM:
                    chosen[r.get("id")] = vals[0].strip()
                elif r.get("from_name") == NEW_SPEAKER_FROM and vals[0].strip():
                    new.append((r.get("id"), vals[0].strip(), v))
            for rid, text, v in new:
                at = f" chars={v['start']}-{v['end']}" if type(v.get("start")) is int and type(v.get("end")) is int else ""
                yield f"{aloc} region={rid}{at}".strip(), text, chosen.get(rid), rid in seen
                seen.add(rid)


def collect(tasks: Any, registry: Mapping[str, Speaker], *, location: str = "") -> NewSpeakers:
    """Every new speaker of a Label Studio export, checked (see the module docstring)."""
    out = NewSpeakers()
    aliases = {a: sid for a, sid in alias_table(registry).items() if a != sid}
    refs: list[tuple[str, str]] = []
    for where, text, chosen, again in _items(tasks, location):
        if again:
            out.findings.append(Finding(
                "duplicate-id", "the QUOTE has two 'new speaker' entries: keep one", where, got=text,
                expected="one new_speaker result per QUOTE"))
            continue
        sp, problem = parse(text)
        if sp is None:
            out.findings.append(Finding("malformed-file", f"new speaker: {problem}", where, got=text,
                                        expected=NEW_SPEAKER_FORMAT))
            continue
        bad = id_finding("speaker_id", sp.speaker_id, where)
        if bad is not None:
            out.findings.append(bad)
            continue
        sid = sp.speaker_id
        if chosen and chosen != sid:
            out.findings.append(Finding(
                "malformed-file", "the QUOTE has a speaker from the list and a new speaker: keep one (clear "
                "'new speaker', or leave the list empty)", where, got=[chosen, text], expected="one of them"))
            continue
        if sid in aliases:
            out.findings.append(Finding(
                "duplicate-id", f"new speaker {sid!r} is an old id (alias) of {aliases[sid]!r} in "
                f"annotation/speakers.json: choose {aliases[sid]} from the list", where, got=sid))
            continue
        if sid in registry:
            known = registry[sid]
            if sp.name_en and sp.name_en.casefold() != known.name_en.casefold():
                out.findings.append(Finding(
                    "duplicate-id", f"new speaker {sid!r} is already in annotation/speakers.json as "
                    f"{known.name_en!r}: choose it from the list, or give the new speaker another id",
                    where, got=text, expected=f"an id not in the registry, or {sid} from the list"))
            elif _forms(sp) - _forms(known) or \
                    (sp.role and sp.role != known.role) or (sp.affiliation and sp.affiliation != known.affiliation):
                out.findings.append(Finding(
                    "duplicate-id", f"speaker {sid!r} is in annotation/speakers.json with other details: choose "
                    f"{sid} from the list; a new spelling, role or affiliation is an edit of "
                    f"annotation/speakers.json (then `tahaluf validate`)", where, got=text,
                    expected=" | ".join((known.speaker_id, known.name_en, "; ".join(known.spellings)))))
            continue  # the same speaker, registered by an earlier pull
        twin = same_person(sp, registry) if sp.name_en or sp.spellings else None
        if twin is not None:
            out.findings.append(Finding(
                "duplicate-id", f"new speaker {sid!r} has the name or a spelling of {twin!r} "
                f"({registry[twin].name_en}) in annotation/speakers.json: the same person has one id, "
                f"choose {twin} from the list", where, got=text, expected=twin))
            continue
        if not sp.name_en:
            refs.append((sid, where))
            continue
        old = out.entries.get(sid)
        if old is not None and _same_line(old, sp):
            continue  # the same line again (up to case, diacritics or tatweel)
        if old is None:
            out.entries[sid], out.where[sid] = sp, where
        elif old != sp:
            out.findings.append(Finding(
                "duplicate-id", f"new speaker {sid!r} is given twice with different details (first at "
                f"{out.where[sid]}): write the same line, or only the id, on every quotation",
                where, got=text, expected=" | ".join(x for x in (old.speaker_id, old.name_en) if x) + " ..."))
    for sid, where in refs:
        if sid not in out.entries and sid not in registry:
            out.findings.append(Finding(
                "malformed-file", f"new speaker {sid!r} has only an id, and no quotation gives its name",
                where, got=sid, expected=NEW_SPEAKER_FORMAT))
    return out
