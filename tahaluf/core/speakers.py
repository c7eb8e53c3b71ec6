"""The speaker registry ``annotation/speakers.json``: load, aliases, resolve.

One record a speaker (:class:`~tahaluf.core.model.Speaker`): id, the Arabic
spellings met, English name, role, affiliation, and ``aliases``, the other ids
an annotation pass used for the same speaker (pass B's ``noroza`` is
``nawroza``).

Alias policy (strict, the only one)
    Every registry id resolves to itself and every alias to the id of the
    record that lists it. An alias that is also a registry id, or that two
    records claim, is an error: :func:`read_registry` reports it as a
    ``duplicate-id`` finding and :func:`alias_table` refuses it. An id that is
    neither an id nor an alias does not resolve (:func:`resolve` gives
    ``None``); each consumer says what that means for it (the validator
    reports ``unknown-speaker``, agreement compares the id as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.ids import id_finding
from tahaluf.core.jsonio import read_json
from tahaluf.core.model import Speaker


def _conflicts(speakers: Mapping[str, Speaker]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    table = {sid: sid for sid in speakers}
    bad = []
    for s in speakers.values():
        for a in s.aliases:
            if a in table and table[a] != s.speaker_id:
                bad.append((a, s.speaker_id, "an id" if a in speakers else f"an alias of {table[a]!r}"))
                continue
            table[a] = s.speaker_id
    return table, bad


def alias_table(speakers: Mapping[str, Speaker]) -> dict[str, str]:
    """id or alias -> registry id; refuses a conflicting alias (the policy above)."""
    table, bad = _conflicts(speakers)
    if bad:
        a, owner, what = bad[0]
        raise TahalufError(f"speaker registry: alias {a!r} of {owner!r} is already {what}")
    return table


def resolve(speakers: Mapping[str, Speaker], speaker_id: str | None) -> Speaker | None:
    """The registry record of an id or alias, ``None`` if there is none."""
    if speaker_id is None:
        return None
    if speaker_id in speakers:
        return speakers[speaker_id]
    sid = alias_table(speakers).get(speaker_id)
    return None if sid is None else speakers[sid]


def lookup(speakers: Mapping[str, Speaker]) -> dict[str, Speaker]:
    """Every id and alias -> its record."""
    return {k: speakers[v] for k, v in alias_table(speakers).items()}


_STR_FIELDS = ("name_en", "kind", "role", "affiliation")
_LIST_FIELDS = ("spellings", "aliases")


def _record_finding(d: object, loc: str) -> Finding | None:
    """The first type or id problem of one registry record, if any."""
    if not isinstance(d, dict):
        return Finding("wrong-type", "registry record is not an object", loc, got=type(d).__name__,
                       expected="object")
    bad = id_finding("speaker_id", d.get("speaker_id"), loc)
    if bad is not None:
        return bad
    loc = f"{loc} id={d['speaker_id']}"
    for k in _STR_FIELDS:
        if not isinstance(d.get(k, ""), str) or (k == "name_en" and k not in d):
            return Finding("wrong-type", f"{k} is not a string", loc, got=type(d.get(k)).__name__, expected="string")
    for k in _LIST_FIELDS:
        v = d.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return Finding("wrong-type", f"{k} is not a list of strings", loc, got=str(v)[:60],
                           expected="list of strings")
    return None


def read_registry(path: str | Path) -> tuple[dict[str, Speaker], list[Finding]]:
    """The registry at ``path`` (empty if the file does not exist) and its findings."""
    p = Path(path)
    if not p.exists():
        return {}, []
    try:
        data = read_json(p)
    except TahalufError as e:
        return {}, list(e.findings) or [Finding("malformed-file", f"cannot read the speaker registry: {e}", str(p))]
    return check_registry(data, str(p))


def load_registry(path: str | Path) -> dict[str, Speaker]:
    """:func:`read_registry`, refused (a :class:`TahalufError` with its findings) if invalid."""
    speakers, found = read_registry(path)
    if found:
        raise TahalufError(f"the speaker registry {path} is invalid (`tahaluf validate` says where)", found)
    return speakers


def check_registry(data: object, where: str) -> tuple[dict[str, Speaker], list[Finding]]:
    """The registry in ``data`` (the JSON of ``annotation/speakers.json``) and its findings."""
    if not isinstance(data, list):
        return {}, [Finding("wrong-type", "the speaker registry is not a list of records", where,
                            got=type(data).__name__, expected="list")]
    recs, found = [], []
    for i, d in enumerate(data):
        bad = _record_finding(d, f"{where} speaker={i}")
        if bad is not None:
            found.append(bad)
        else:
            recs.append(Speaker.from_dict(d))
    out: dict[str, Speaker] = {}
    for s in recs:
        if s.speaker_id in out:
            found.append(Finding("duplicate-id", "two registry entries share an id", where, got=s.speaker_id))
        out[s.speaker_id] = s
    for a, owner, what in _conflicts(out)[1]:
        found.append(Finding("duplicate-id", f"alias of {owner!r} is already {what}", where, got=a))
    return out, found
