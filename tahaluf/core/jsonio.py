"""JSON and JSON Lines: one canonical written form, one reader of each kind.

Written form
    :func:`dumps` is the package's canonical JSON: UTF-8 text with Arabic as
    is (no ``\\u`` escapes), keys in the order given, one-space indent, a final
    newline. Gold files, results files and Label Studio tasks are all written
    with it, so two runs give byte-identical files. :func:`jsonl_bytes` writes
    JSON Lines (one compact object a line) for the dataset's data files.

Readers
    :func:`read_json` reads a JSON file; leading lines starting with ``#``
    are a comment header (the invalid fixtures under ``tests/fixtures/`` open
    with one saying why they are invalid) and are skipped.
    :func:`parse_jsonl` splits JSON Lines text into ``(line number, value)``
    pairs and reports every line that is not JSON as a finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tahaluf.core.errors import Finding


def _plain(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, (list, tuple)):
        return [o.to_dict() if hasattr(o, "to_dict") else o for o in obj]
    return obj


def dumps(obj: Any) -> str:
    """Canonical JSON text of ``obj`` (objects with ``to_dict`` are converted)."""
    return json.dumps(_plain(obj), ensure_ascii=False, indent=1) + "\n"


def jsonl_bytes(rows: Iterable[Mapping]) -> bytes:
    """JSON Lines, UTF-8 (Arabic as is), keys in the rows' order."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def read_json(path: str | Path) -> Any:
    """The JSON value of a file, skipping a leading ``#`` comment header."""
    raw = Path(path).read_bytes().decode("utf-8")
    lines = raw.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("#"):
        k += 1
    return json.loads("\n".join(lines[k:]))


def short(x: Any, n: int = 60) -> str:
    """A value as a short string for a finding's ``got``."""
    s = x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def parse_jsonl(text: str, name: str) -> tuple[list[tuple[int, Any]], list[Finding]]:
    """``(line number, value)`` of every non-blank line, and a finding per line that is not JSON."""
    out, found = [], []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((i, json.loads(line)))
        except json.JSONDecodeError as e:
            found.append(Finding("malformed-file", f"line is not valid JSON ({e.msg} at column {e.colno})",
                                 f"{name}:{i}", got=short(line), expected="one JSON object per line"))
    return out, found


def read_jsonl(path: str | Path) -> list[Any]:
    """The values of a JSON Lines file written by :func:`jsonl_bytes` (trusted input)."""
    return [json.loads(line) for line in Path(path).read_bytes().decode("utf-8").splitlines() if line]
