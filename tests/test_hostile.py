"""Hostile input: every mistyped export, submission or JSON text of issue 14 is a finding, never a traceback."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
from conftest import FIXTURES

from tahaluf.core import jsonio
from tahaluf.core.errors import TahalufError
from tahaluf.formats.labelstudio import tasks_to_documents
from tahaluf.seeds import load_corpus
from tahaluf.validate import load_speakers, validate_export

SEEDS = FIXTURES / "seeds"
VALID = jsonio.read_json(FIXTURES / "valid.json")


def _bases():
    return {d.doc_id: d for d in load_corpus(SEEDS)}


def _result(t):
    return t[0]["annotations"][0]["result"]


def _first(t, pred):
    return next(r for r in _result(t) if pred(r))


def _quote(t):
    return _first(t, lambda r: r.get("from_name") == "quote" and r["value"].get("labels") == ["QUOTE"])


def _entity(t):
    return _first(t, lambda r: r.get("from_name") == "entity")


def _relation(t):
    return _first(t, lambda r: r.get("type") == "relation")


def _set(path_fn, key, value):
    def mutate(t):
        path_fn(t)[key] = value
    return mutate


def _quote_id_int(t):
    q = _quote(t)
    rid = q["id"]
    for r in _result(t):
        if r.get("id") == rid:
            r["id"] = 1
        if r.get("to_id") == rid:
            r["to_id"] = 1


CASES = {
    "annotations-list-of-string": (_set(lambda t: t[0], "annotations", ["oops"]), "wrong-type"),
    "annotations-string": (_set(lambda t: t[0], "annotations", "x"), "wrong-type"),
    "result-int": (_set(lambda t: t[0]["annotations"][0], "result", 5), "wrong-type"),
    "value-list": (_set(_entity, "value", [1]), "wrong-type"),
    "region-id-list": (_set(_entity, "id", ["e0"]), "wrong-type"),
    "doc-id-list": (_set(lambda t: t[0]["data"], "doc_id", ["tiny"]), "wrong-type"),
    "doc-id-int": (_set(lambda t: t[0]["data"], "doc_id", 7), "wrong-type"),
    "doc-id-traversal": (_set(lambda t: t[0]["data"], "doc_id", "../../../escaped"), "unsafe-id"),
    "relation-labels-object": (_set(_relation, "labels", {"said": 1}), "wrong-type"),
    "relation-from-id-list": (_set(_relation, "from_id", ["s0000"]), "wrong-type"),
    "email-list": (_set(lambda t: t[0]["annotations"][0], "completed_by", {"email": ["a"]}), "wrong-type"),
    "quote-id-int": (_quote_id_int, "wrong-type"),
    "end-true": (lambda t: _quote(t)["value"].__setitem__("end", True), "wrong-type"),
    "to-name-not-text": (_set(_entity, "to_name", "other"), "unknown-from-name"),
    "entity-of-type-choices": (_set(_entity, "type", "choices"), "wrong-type"),
    "task-not-object": (lambda t: t.__setitem__(0, "task"), "wrong-type"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mistyped_export_is_a_finding(case):
    mutate, fid = CASES[case]
    tasks = copy.deepcopy(VALID)
    mutate(tasks)
    _, found = tasks_to_documents(tasks, _bases(), location="x.json")
    assert fid in {f.id for f in found}, [str(f) for f in found]
    f = next(f for f in found if f.id == fid)
    assert f.location.startswith("x.json") and f.expected is not None


def test_valid_export_has_no_finding():
    docs, found = tasks_to_documents(copy.deepcopy(VALID), _bases(), location="x.json")
    assert found == [] and len(docs) == 1


def test_two_identical_annotations_in_one_file(tmp_path):
    tasks = copy.deepcopy(VALID)
    tasks[0]["annotations"].append(copy.deepcopy(tasks[0]["annotations"][0]))
    p = tmp_path / "twice.json"
    p.write_text(jsonio.dumps(tasks), encoding="utf-8")
    speakers, _ = load_speakers(SEEDS / "speakers.json")
    found = validate_export(p, _bases(), speakers=speakers)[1]
    assert "duplicate-id" in {f.id for f in found}


@pytest.mark.parametrize("text,fid", [
    ('{"a": 1, "a": 2}', "duplicate-key"),
    ("[" * 100_000, "nesting-too-deep"),
    ("[" * 65 + "]" * 65, "nesting-too-deep"),
    ("1" * 5000, "number-out-of-range"),
    ("-" + "9" * 19, "number-out-of-range"),
    ("1e400", "number-out-of-range"),
    ("NaN", "number-out-of-range"),
    ("[1,", "malformed-file"),
])
def test_loads_refuses(text, fid):
    with pytest.raises(TahalufError) as e:
        jsonio.loads(text, "t.json")
    assert e.value.findings[0].id == fid and e.value.findings[0].location == "t.json"


def test_loads_accepts_what_json_allows():
    assert jsonio.loads("[" * 64 + "]" * 64) is not None
    assert jsonio.loads("123456789012345678") == 123456789012345678


def test_jsonl_splits_on_newline_only():
    text = '{"a": "x\u2028y\u2029z\x85w"}\r\n\n{"b": 1}\n'
    rows, found = jsonio.parse_jsonl(text, "f")
    assert found == [] and rows == [(1, {"a": "x\u2028y\u2029z\x85w"}), (3, {"b": 1})]


def _cli(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "tahaluf", *argv], capture_output=True, text=True, **kw)


def test_validate_prints_a_lone_surrogate_escaped(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(jsonio.dumps(VALID).replace('"doc_id": "tiny"', '"doc_id": "ti\\ud800ny"'), encoding="utf-8")
    r = _cli("validate", "--seeds", str(SEEDS), "--speakers", str(SEEDS / "speakers.json"), str(p))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "[unsafe-id]" in r.stdout and "\\ud800" in r.stdout
    r = _cli("validate", "--json", "--seeds", str(SEEDS), "--speakers", str(SEEDS / "speakers.json"), str(p))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("content", [None, "[" * 100_000, "1" * 5000, '{"doc_id": "a", "doc_id": "b"}'])
@pytest.mark.parametrize("task", ["entities", "quotes", "stance"])
def test_evaluate_hostile_file_is_one_line(tmp_path, task, content):
    p = tmp_path / "sub"
    if content is None:
        p.mkdir()
    else:
        p.write_text(content + "\n", encoding="utf-8")
    r = _cli("evaluate", str(p), "--task", task)
    assert r.returncode in (1, 3) and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip() or r.stdout.strip()
