"""seed_findings streams seeds/metadata.json (one record at a time) and gives, on every file,
good or malformed, exactly what the whole parse gives: the same findings, or the same
TahalufError (message and findings). The whole parse is forced by making the streamed
check give up (its fallback is the whole parse of load_metadata)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_readers import FUZZ

from tahaluf import seeds, validate
from tahaluf.core.errors import TahalufError

SEEDS = FIXTURES / "seeds"
REAL = (seeds.paths.seeds_dir() / "metadata.json").read_text(encoding="utf-8")
FIRST = '"doc_id": "000_fccf310b8a8da4fc"'
DEEP = '{"x": ' * 61 + "1" + "}" * 61  # a record holding it nests 62 deep, 64 in the file: the limit


def _rec(**fields) -> str:
    return json.dumps({"doc_id": "000_fccf310b8a8da4fc", "sha256": "x", **fields}, ensure_ascii=False)


#: name -> metadata.json text (str) or bytes; whether the stream vouches for it (no whole parse)
VARIANTS: dict[str, tuple[str | bytes, bool]] = {
    "valid": (REAL, True),
    "valid, compact": (json.dumps(json.loads(REAL), ensure_ascii=False), True),
    "valid, no other key": ('{"documents": [' + _rec() + "]}", True),
    "valid, white space around": ("\r\n\t " + REAL + " \n\n", True),
    "valid, record at the depth limit": ('{"documents": [' + _rec(deep=json.loads(DEEP)) + "]}", True),
    "valid, comment header": ("# a header\n" + REAL, False),
    "empty documents": ('{"documents": []}', True),
    "empty file": ("", False),
    "only white space": (" \n", False),
    "truncated": (REAL[: len(REAL) // 2], False),
    "not an object": ("[" + _rec() + "]", False),
    "no documents": ('{"schema": "x"}', False),
    "documents not a list": ('{"documents": {"doc_id": "a"}}', False),
    "documents twice": ('{"documents": [], "documents": [' + _rec() + "]}", False),
    "other key twice": ('{"a": 1, "a": 2, "documents": []}', False),
    "escaped key twice": ('{"\\u00e9": 1, "é": 2, "documents": []}', False),
    "key not a string": ('{1: 2, "documents": []}', False),
    "trailing comma in documents": ('{"documents": [' + _rec() + ",]}", False),
    "no comma between records": ('{"documents": [' + _rec() + " " + _rec(n=1).replace("000_", "001_") + "]}",
                                 False),
    "trailing comma in the object": ('{"documents": [], }', False),
    "no comma between keys": ('{"a": 1 "documents": []}', False),
    "text after the object": (REAL + "x", False),
    "a second object": (REAL + "{}", False),
    "byte order mark": ("\ufeff" + REAL, False),
    "not UTF-8 in a record": (REAL.encode("utf-8").replace("جنرال".encode(), b"\xff\xfe", 1), False),
    "not UTF-8 in another value": (b'{"schema": "\xc3", "documents": []}', False),
    "not UTF-8 in a key": (b'{"\xe9": 1, "documents": []}', False),
    "cut UTF-8 at the end": (b'{"documents": []} \xd8', False),
    "duplicate key in a record": (REAL.replace(FIRST, FIRST + ', "sha256": "x"', 1), False),
    "duplicate key in another value": ('{"schema": {"a": 1, "a": 1}, "documents": []}', False),
    "NaN in a record": ('{"documents": [' + _rec().replace('"x"', "NaN") + "]}", False),
    "NaN in another value": ('{"schema": NaN, "documents": []}', False),
    "huge integer": ('{"documents": [' + _rec(n=10 ** 30) + "]}", False),
    "float overflow": ('{"schema": 1e999, "documents": []}', False),
    "record one level too deep": ('{"documents": [' + _rec(deep=json.loads('{"y": ' + DEEP + "}")) + "]}", False),
    "other value too deep": ('{"schema": ' + "[" * 64 + "]" * 64 + ', "documents": []}', False),
    "record not an object": ('{"documents": [1, ' + _rec() + "]}", False),
    "doc_id not a string": ('{"documents": [{"doc_id": 5}]}', False),
    "doc_id missing": ('{"documents": [{"sha256": "x"}]}', False),
    "doc_id unsafe": ('{"documents": [{"doc_id": "../../x"}]}', False),
    "doc_id escaped": ('{"documents": [{"doc_id": "\\u0030\\u0030\\u0030_fccf310b8a8da4fc", "sha256": "x"}]}', True),
    "doc_id twice": ('{"documents": [' + _rec() + ", " + _rec() + "]}", False),
    "sha256 not a string": ('{"documents": [' + _rec(sha256=1) + "]}", False),
    "boilerplate not ranges": ('{"documents": [' + _rec(boilerplate=[{"start": 1}]) + "]}", False),
    "text changed": (REAL.replace('"sha256": "', '"sha256": "0', 1), True),
    "article missing": (REAL.replace("000_fccf310b8a8da4fc", "000_0000000000000000"), True),
}


def _outcome(fn):
    try:
        return "findings", [f.to_dict() for f in fn()]
    except TahalufError as e:
        return "error", str(e), [f.to_dict() for f in e.findings]


def _whole(monkeypatch):
    """Make the streamed check give up on every file, so the whole parse decides."""
    def give_up(*a, **k):
        raise seeds._Unchecked("forced")
        yield  # pragma: no cover
    monkeypatch.setattr(seeds, "_checked_records", give_up)


@pytest.fixture
def seeds_copy(tmp_path):
    sd = tmp_path / "seeds"
    shutil.copytree(seeds.paths.seeds_dir(), sd)
    (sd / "stray.txt").write_text("x", encoding="utf-8")  # an unknown-document finding on every good file
    return sd


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_streamed_seed_check_finds_what_the_whole_parse_finds(name, seeds_copy, monkeypatch):
    content, vouched = VARIANTS[name]
    meta = seeds_copy / "metadata.json"
    meta.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    ids: set[str] = set()
    try:
        streamed = list(seeds._checked_records(meta, ids))
    except seeds._Unchecked:
        streamed = None
    assert (streamed is not None) is vouched, name
    got = _outcome(lambda: seeds.seed_findings(seeds_copy))
    with monkeypatch.context() as m:
        _whole(m)
        want = _outcome(lambda: seeds.seed_findings(seeds_copy))
    assert got == want, name
    if streamed is not None:  # what the stream vouches for, the whole parse reads the same
        assert streamed == list(seeds.load_metadata(seeds_copy).items())
        assert got[0] == "findings" and any(f["id"] == "unknown-document" for f in got[1])


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_the_streamed_records_are_the_parsed_records_at_any_block_size(block):
    ids: set[str] = set()
    streamed = list(seeds._checked_records(seeds.metadata_path(), ids, block))
    assert streamed == list(seeds.load_metadata().items()) and ids == set(seeds.load_metadata())


@pytest.mark.parametrize("name", ["valid", "text changed", "duplicate key in a record", "text after the object",
                                  "doc_id twice", "valid, comment header"])
def test_validate_reports_what_it_reported_with_the_whole_parse(name, seeds_copy, tmp_path, monkeypatch):
    content, _ = VARIANTS[name]
    (seeds_copy / "metadata.json").write_text(content, encoding="utf-8")
    kw = {"seeds_dir": seeds_copy, "gold_dir": seeds.paths.gold_dir(), "speakers_path": seeds.paths.speakers_file()}
    got = _outcome(lambda: validate.validate_corpus(**kw)[0])
    with monkeypatch.context() as m:
        _whole(m)
        want = _outcome(lambda: validate.validate_corpus(**kw)[0])
    assert got == want, name
    assert got[0] == ("findings" if name in ("valid", "text changed") else "error"), got


_BYTES = st.sampled_from(list(b'{}[],:" \n\\0123456789.eE-+tfnulNaI#x') + [0xC3, 0xA9, 0xFF, 0xD8])


@st.composite
def _edited(draw, data: bytes):
    """``data`` with a few bytes deleted, inserted or replaced (JSON's own characters, mostly)."""
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(b)))
        op = draw(st.sampled_from(["delete", "insert", "replace"]))
        if op == "insert" or i == len(b):
            b[i:i] = bytes([draw(_BYTES)])
        elif op == "delete":
            del b[i]
        else:
            b[i] = draw(_BYTES)
    return bytes(b)


@FUZZ
@given(_edited((SEEDS / "metadata.json").read_bytes()))
def test_edited_metadata_gets_the_whole_parse_outcome(data):
    with tempfile.TemporaryDirectory() as tmp:
        sd = Path(tmp)
        shutil.copy(SEEDS / "tiny.txt", sd / "tiny.txt")
        (sd / "metadata.json").write_bytes(data)
        got = _outcome(lambda: seeds.seed_findings(sd))
        with pytest.MonkeyPatch.context() as m:
            _whole(m)
            want = _outcome(lambda: seeds.seed_findings(sd))
        assert got == want
