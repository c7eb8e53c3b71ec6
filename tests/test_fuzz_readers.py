"""Property tests: random JSON-shaped data fed to every reader yields findings or a TahalufError, nothing else.

Two kinds of input: mutants of valid data (a random node of a valid export,
submission, registry or metadata replaced by random JSON, a few times over),
which reach deep into the readers, and JSON text built at random, which
exercises the parser. The budget is fixed (``derandomize=True`` and a set
number of examples per reader), so CI runs the same examples every time in a
few seconds each; ``TAHALUF_FUZZ_EXAMPLES`` raises it for a longer run.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from conftest import FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tahaluf.core import jsonio
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.speakers import read_registry
from tahaluf.formats.labelstudio import tasks_to_documents
from tahaluf.scoring.submission import gold_submission, load_submission
from tahaluf.seeds import load_corpus, metadata_records
from tahaluf.validate import document_findings

SEEDS = FIXTURES / "seeds"
EXAMPLES = int(os.environ.get("TAHALUF_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                     st.text(max_size=8), st.sampled_from(["", "text", "QUOTE", "relation", "said", "labels",
                                                          "choices", "textarea", "entity", "quote", "tiny",
                                                          "stance_t1", "\ud800", "../x"]))
JSONISH = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                       max_leaves=12)


def _nodes(v, path=()):
    yield path
    if isinstance(v, dict):
        for k, c in v.items():
            yield from _nodes(c, (*path, k))
    elif isinstance(v, list):
        for i, c in enumerate(v):
            yield from _nodes(c, (*path, i))


@st.composite
def mutants(draw, valid):
    v = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_nodes(v))
        path = draw(st.sampled_from(paths))
        new = draw(JSONISH)
        if not path:
            v = new
            continue
        parent = v
        for k in path[:-1]:
            parent = parent[k]
        if draw(st.booleans()) or not isinstance(parent, (dict, list)):
            parent[path[-1]] = new
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    return v


def _only_findings(found):
    assert all(isinstance(f, Finding) and f.location for f in found)
    for f in found:
        str(f)


BASES = {d.doc_id: d for d in load_corpus(SEEDS)}
VALID_EXPORT = jsonio.read_json(FIXTURES / "valid.json")


@FUZZ
@given(mutants(VALID_EXPORT))
def test_converter_only_findings(tasks):
    try:
        docs, found = tasks_to_documents(tasks, BASES, location="fuzz.json", single_annotator=True)
        for d in docs:
            found += document_findings(d, location="fuzz.json")
    except TahalufError as e:
        found = list(e.findings)
    _only_findings(found)


@pytest.fixture(scope="module")
def corpus_docs():
    from tahaluf.corpus import source_documents
    return source_documents()[0]


@pytest.mark.parametrize("task", ["entities", "quotes", "stance"])
def test_submission_reader_only_refusals(task, corpus_docs):
    valid = gold_submission(corpus_docs, task)

    @FUZZ
    @given(mutants(valid))
    def check(records):
        try:
            if isinstance(records, list):
                load_submission(records, task=task, docs=corpus_docs)
            text = "\n".join(jsonio.dumps(r).replace("\n", " ") for r in
                             (records if isinstance(records, list) else [records]))
            load_submission("x", task=task, docs=corpus_docs, text=text)
        except TahalufError as e:
            _only_findings(e.findings)
    check()


def test_speaker_registry_only_findings(tmp_path):
    valid = jsonio.read_json(ROOT / "annotation" / "speakers.json")
    p = tmp_path / "speakers.json"

    @FUZZ
    @given(mutants(valid))
    def check(data):
        p.write_text(json.dumps(data), encoding="utf-8")  # ASCII: a lone surrogate stays an escape
        _, found = read_registry(p)
        _only_findings(found)
    check()


@FUZZ
@given(mutants(jsonio.read_json(ROOT / "seeds" / "metadata.json")))
def test_metadata_only_findings(data):
    try:
        metadata_records(data, "metadata.json")
    except TahalufError as e:
        _only_findings(e.findings)


@FUZZ
@given(st.one_of(JSONISH.map(lambda v: jsonio.dumps(v)), st.text(alphabet='[]{}":,0123456789.e-tn ', max_size=80)))
def test_parser_only_refusals(text):
    try:
        jsonio.loads(text)
    except TahalufError as e:
        assert len(e.findings) == 1
    _, found = jsonio.parse_jsonl(text, "f")
    _only_findings(found)
