"""JSON and JSON Lines: one canonical written form, one reader of each kind.

Written form
    :func:`dumps` is the package's canonical JSON: UTF-8 text with Arabic as
    is (no ``\\u`` escapes), keys in the order given, one-space indent, a final
    newline. Gold files, results files and Label Studio tasks are all written
    with it, so two runs give byte-identical files. :func:`jsonl_bytes` writes
    JSON Lines (one compact object a line) for the dataset's data files.

Readers
    :func:`loads` is the one JSON parser of the package, and it is strict:
    a key twice in one object (``duplicate-key``; Python's ``json`` keeps
    the last silently), nesting deeper than :data:`MAX_DEPTH`
    (``nesting-too-deep``; never a ``RecursionError``), an integer of more
    than :data:`MAX_INT_DIGITS` digits, a float that overflows to infinity,
    or ``NaN``/``Infinity`` (``number-out-of-range``) are refused with a
    :class:`JSONRefused` carrying the finding, as is text that is not JSON
    (``malformed-file``). :func:`read_json` reads a JSON file with it;
    leading lines starting with ``#`` are a comment header (the invalid
    fixtures under ``tests/fixtures/`` open with one saying why they are
    invalid) and are skipped. :func:`parse_jsonl` splits JSON Lines text on
    ``"\\n"`` only (U+2028, U+2029 and other Unicode line breaks may appear
    inside strings, as JSON allows) into ``(line number, value)`` pairs and
    reports every line that is refused as a finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tahaluf.core.errors import Finding, TahalufError

#: objects and arrays nest at most this deep (the corpus's files nest 6 deep)
MAX_DEPTH = 64
#: integers have at most this many digits (offsets, counts and ids need far fewer)
MAX_INT_DIGITS = 18


class JSONRefused(TahalufError, ValueError):
    """JSON text that :func:`loads` refuses; ``findings[0]`` says why and where."""


class _Refuse(Exception):
    def __init__(self, fid: str, message: str, got: Any = None, expected: Any = None):
        super().__init__(message)
        self.fid, self.message, self.got, self.expected = fid, message, got, expected


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _Refuse("duplicate-key", f"key {k!r} appears twice in one object", got=short(k),
                          expected="each key once per object")
        out[k] = v
    return out


def _int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refuse("number-out-of-range", f"integer of {len(s.lstrip('-'))} digits", got=short(s, 30),
                      expected=f"at most {MAX_INT_DIGITS} digits")
    return int(s)


def _float(s: str) -> float:
    x = float(s)
    if x in (float("inf"), float("-inf")):
        raise _Refuse("number-out-of-range", "number overflows a float", got=short(s, 30),
                      expected="a finite number")
    return x


def _constant(s: str) -> Any:
    raise _Refuse("number-out-of-range", f"{s} is not a JSON number", got=s, expected="a finite number")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int, parse_float=_float,
                            parse_constant=_constant)


def _too_deep(value: Any) -> bool:
    """Whether a container nests deeper than :data:`MAX_DEPTH`, level by level (containers only)."""
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return True
        level = [c for v in level for c in (v.values() if isinstance(v, dict) else v) if isinstance(c, (dict, list))]
        depth += 1
    return False


def loads(text: str, location: str = "<json>") -> Any:
    """Parse JSON strictly (see the module docstring); raise :class:`JSONRefused` with one finding."""
    def refuse(fid: str, message: str, got: Any = None, expected: Any = None) -> JSONRefused:
        return JSONRefused(f"{location}: {message}", [Finding(fid, message, location, got=got, expected=expected)])
    try:
        value = _DECODER.decode(text)
    except _Refuse as e:
        raise refuse(e.fid, e.message, e.got, e.expected) from None
    except RecursionError:
        raise refuse("nesting-too-deep", "JSON nests too deep", expected=f"at most {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        raise refuse("malformed-file", f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})",
                     expected="valid JSON") from None
    except ValueError as e:  # int-max-str-digits and the like
        raise refuse("number-out-of-range", f"number out of range ({e})", expected="a finite number") from None
    if _too_deep(value):
        raise refuse("nesting-too-deep", "JSON nests too deep", expected=f"at most {MAX_DEPTH} levels")
    return value


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
    """The JSON value of a file, skipping a leading ``#`` comment header.

    Raises :class:`JSONRefused` (a :class:`TahalufError` with one finding) for
    a file that is not UTF-8 or that :func:`loads` refuses, and a
    :class:`TahalufError` for a file that cannot be read (missing, a folder).
    """
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise JSONRefused(f"{p}: not UTF-8", [Finding("malformed-file", f"file is not UTF-8 ({e.reason} at byte "
                                                                         f"{e.start})", str(p), expected="UTF-8 JSON")]) from None
    except OSError as e:
        raise TahalufError(f"{p}: cannot read: {e.strerror or e}") from None
    lines = raw.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("#"):
        k += 1
    return loads("\n".join(lines[k:]), str(p))


def short(x: Any, n: int = 60) -> str:
    """A value as a short string for a finding's ``got``."""
    s = x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def parse_jsonl(text: str, name: str) -> tuple[list[tuple[int, Any]], list[Finding]]:
    """``(line number, value)`` of every non-blank line, and a finding per line :func:`loads` refuses.

    Lines are split on ``"\\n"`` only (a ``"\\r"`` before it is JSON white space).
    """
    found: list[Finding] = []
    return list(parse_lines(enumerate(text.split("\n"), 1), name, found)), found


def parse_lines(lines: Iterable[tuple[int, str]], name: str, found: list[Finding]) -> Iterator[tuple[int, Any]]:
    """:func:`parse_jsonl` one line at a time: ``(line number, value)`` of each non-blank
    ``(line number, line)``, a finding added to ``found`` for each line :func:`loads` refuses."""
    for i, line in lines:
        if not line.strip():
            continue
        value, f = parse_line(line, f"{name}:{i}")
        if f is None:
            yield i, value
        else:
            found.append(f)


def parse_line(line: str, where: str) -> tuple[Any, Finding | None]:
    """One line of JSON Lines: ``(value, None)``, or ``(None, finding)`` if :func:`loads` refuses it."""
    try:
        return loads(line, where), None
    except JSONRefused as e:
        f = e.findings[0]
        if f.id == "malformed-file":
            f = Finding(f.id, f.message.replace(" at line 1 column", " at column"), f.location,
                        got=short(line), expected="one JSON object per line")
        return None, f


def read_jsonl(path: str | Path) -> list[Any]:
    """The values of a JSON Lines file written by :func:`jsonl_bytes` (trusted input)."""
    return [json.loads(line) for line in Path(path).read_bytes().decode("utf-8").split("\n") if line.strip()]
