"""Safe identifiers: the one declaration of what a doc, quote, speaker, system or target id may be.

An id read from data (a seed's metadata, a Label Studio export, the speaker
registry, a submission, a baseline's name) ends up in file names
(``seeds/<doc_id>.txt``, ``<doc_id>.html``, ``baselines/<system>/``), in HTML
and in the dataset. So every reader checks it against its pattern in
:data:`ID_PATTERNS` (finding ``unsafe-id``): no path separator, no ``..``, no
control character, nothing that starts with a dot or a dash, bounded length.
:func:`child` is the one way to turn a name from the data into a path inside
a folder; it refuses anything that would land outside.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tahaluf.core.errors import Finding, TahalufError

_WORD = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"

#: kind of id -> the pattern it must match in full
ID_PATTERNS: dict[str, str] = {
    "doc_id": _WORD,
    "quote_id": r"[A-Za-z0-9_-]{1,64}",
    "speaker_id": r"[a-z0-9][a-z0-9_]{0,63}",
    "system": r"[a-z0-9][a-z0-9-]{0,63}",
    "target": r"[a-z][a-z0-9_]{0,31}",
}
_COMPILED = {k: re.compile(v) for k, v in ID_PATTERNS.items()}


def is_safe(kind: str, value: Any) -> bool:
    """Whether ``value`` is a string matching the pattern of ``kind``."""
    return isinstance(value, str) and _COMPILED[kind].fullmatch(value) is not None and ".." not in value


def id_finding(kind: str, value: Any, location: str) -> Finding | None:
    """``unsafe-id`` (or ``wrong-type`` if not a string) for a bad id, ``None`` for a good one."""
    if not isinstance(value, str):
        return Finding("wrong-type", f"{kind} is not a string", location, got=type(value).__name__,
                       expected="string")
    if is_safe(kind, value):
        return None
    shown = value if len(value) <= 60 else value[:60] + "..."
    return Finding("unsafe-id", f"{kind} does not match its pattern", location, got=shown,
                   expected=ID_PATTERNS[kind])


def require(kind: str, value: Any, location: str = "") -> str:
    """``value`` if it is a safe id of ``kind``; else raise :class:`TahalufError` with the finding."""
    f = id_finding(kind, value, location or kind)
    if f is not None:
        raise TahalufError(str(f), [f])
    return value


def child(folder: str | Path, name: str) -> Path:
    """``folder / name``, refused (:class:`TahalufError`) unless it stays inside ``folder``."""
    base = Path(folder).resolve()
    p = (base / name).resolve()
    if p.parent != base and base not in p.parents or p == base:
        raise TahalufError(f"refused: {name!r} would be written or read outside {folder}")
    return base / name
