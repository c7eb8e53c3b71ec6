"""The labeling config, and canonical -> Label Studio -> canonical without loss.

The round trip is :func:`tahaluf.studio.sync.roundtrip_problems`: it compares the
converted document with the original, so a broken converter (an attribute
dropped, an offset shifted) makes it fail; the tests below prove that.
Regenerate the committed config with
``tahaluf studio config --out annotation/labeling_config.xml``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tahaluf import corpus
from tahaluf.analysis.diff import diff_documents
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import SCHEMA, StanceTarget
from tahaluf.formats import labelstudio
from tahaluf.formats.labelstudio import labeling_config, tasks_to_documents, to_result, to_task
from tahaluf.studio import (
    annotator_email,
    annotator_name,
    interface_problems,
    plan_outputs,
    roundtrip_problems,
    slug,
    with_annotators,
    write_outputs,
)

CONFIG_FILE = ROOT / "annotation" / "labeling_config.xml"


@pytest.fixture(scope="module")
def pass_a():
    return corpus.load_pass("pass_a")


@pytest.fixture(scope="module")
def pass_b():
    return corpus.load_pass("pass_b")


def _gold_or_none():
    gd = paths.gold_dir()
    return corpus.load_gold() if gd.exists() and any(gd.glob("*.json")) else None


# -- the labeling config ---------------------------------------------------------------

def test_committed_config_is_the_generated_one():
    assert CONFIG_FILE.read_bytes().decode("utf-8") == labeling_config(), (
        "annotation/labeling_config.xml is stale: run `tahaluf studio config --out annotation/labeling_config.xml`")


def test_config_validates_offline_with_label_interface():
    from label_studio_sdk.label_interface import LabelInterface
    li = LabelInterface(CONFIG_FILE.read_text(encoding="utf-8"))
    li.validate()  # raises on a schema, name or toName problem
    names = {c.name for c in li.controls}
    assert names == {"entity", "quote", "quote_type", "speaker_id", "new_speaker", *SCHEMA.target_names,
                     *(f"doc_{t}" for t in SCHEMA.target_names)}
    speakers = corpus.load_speakers()  # the speaker list is the registry: ids, then old ids (aliases)
    assert li.get_control("speaker_id").labels == sorted(speakers) + [a for s in sorted(speakers)
                                                                      for a in speakers[s].aliases]
    assert li.get_control("new_speaker").tag == "TextArea"
    assert li.get_control("entity").labels == list(SCHEMA.entity_labels)
    assert li.get_control("quote").labels == ["QUOTE", "CUE", "SOURCE"]
    for t in SCHEMA.target_names:
        assert li.get_control(t).labels == list(SCHEMA.stance_labels)


def test_each_target_is_under_a_header_with_its_wording_and_the_page_has_instructions():
    from tahaluf.formats.labelstudio import GUIDELINES, INSTRUCTIONS_SUMMARY, instructions_html
    root = ET.fromstring(labeling_config())
    headers = [h.get("value") for h in root.iter("Header")]
    assert INSTRUCTIONS_SUMMARY in headers and GUIDELINES in INSTRUCTIONS_SUMMARY
    for t in SCHEMA.stance_targets:
        for name in (t.name, f"doc_{t.name}"):
            view = next(v for v in root.iter("View") if any(c.get("name") == name for c in v.findall("Choices")))
            words = [h.get("value") for h in view.iter("Header")]
            assert words == [f"T{t.name[len('stance_t'):]} ({t.name}): {t.description}", t.description_ar], name
    html = instructions_html()
    assert all(t.description_ar in html and dict(t.definitions)["AGAINST"].replace("'", "&#x27;") in html
               for t in SCHEMA.stance_targets)
    assert f'href="{GUIDELINES}"' in html


def test_label_interface_catches_a_broken_config():
    from label_studio_sdk.label_interface import LabelInterface
    broken = labeling_config().replace('name="quote_type" toName="text"', 'name="quote_type" toName="txt"')
    with pytest.raises(Exception, match="txt"):
        LabelInterface(broken).validate()


def test_text_is_shown_right_to_left_by_a_wrapping_view():
    root = ET.fromstring(labeling_config())
    parent = next(v for v in root.iter("View") if v.find("Text") is not None)
    assert "direction: rtl" in parent.get("style", "")
    assert parent.find("Text").get("name") == "text"


def test_config_follows_the_schema_when_extended():
    ext = SCHEMA.extended(entity_labels=("WEAPON",), stance_targets=(StanceTarget("stance_t4", "x"),))
    cfg = labeling_config(ext)
    assert 'value="WEAPON"' in cfg and 'name="stance_t4"' in cfg and 'name="doc_stance_t4"' in cfg
    assert interface_problems(cfg, []) == []


def test_every_result_validates_against_the_config(pass_a):
    assert interface_problems(labeling_config(), pass_a) == []


def test_interface_check_can_fail(pass_a):
    doc = pass_a[0]
    q = doc.quotes[0]
    doc2 = doc.with_layers(quotes=(Quote(q.quote_id, q.span, q.quote_type, q.speaker_id, q.cue, q.source,
                                         {**q.stance, "stance_t4": "FAVOR"}),) + doc.quotes[1:])
    problems = interface_problems(labeling_config(), [doc2])
    assert problems and "stance_t4" in problems[0]


# -- round trip on the corpus ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["pass_a", "pass_b", "gold"])
def test_roundtrip_is_lossless_on_the_corpus(name, pass_a, pass_b):
    docs = {"pass_a": pass_a, "pass_b": pass_b, "gold": _gold_or_none()}[name]
    if docs is None:
        pytest.skip("annotation/gold/ is not built yet")
    assert len(docs) == 5
    for doc in docs:
        assert doc.entities and doc.quotes  # a real annotation, not an empty one
        assert roundtrip_problems(doc) == [], doc.doc_id


def test_stored_files_are_what_the_converter_writes(pass_a):
    # the pass files are exactly to_task(doc) of what they hold: nothing is kept outside the model
    for doc in pass_a:
        stored = json.loads((corpus.pass_dir("pass_a") / f"{doc.doc_id}.json").read_bytes().decode("utf-8"))
        assert stored == [to_task(doc)]


# -- round trip on generated documents --------------------------------------------------------

_ALPHABET = ("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى" "\u064b\u064e\u0640" " \n\t" "\"“”«».،:؟!-"
             "0123456789" "ABCxyz" "😀")
_TARGETS = SCHEMA.target_names + ("stance_t4",)
_EXT = SCHEMA.extended(stance_targets=(StanceTarget("stance_t4", "generated", required=False),))


@st.composite
def documents(draw):
    text = draw(st.text(alphabet=_ALPHABET, min_size=1, max_size=120))
    n = len(text)

    def span(label):
        s = draw(st.integers(0, n - 1))
        return Span.of(text, s, draw(st.integers(s + 1, n)), label)

    def stance():
        keys = draw(st.lists(st.sampled_from(_TARGETS), unique=True, max_size=2))
        return {k: draw(st.sampled_from(SCHEMA.stance_labels)) for k in keys}

    entities = tuple(span(draw(st.sampled_from(SCHEMA.entity_labels)))
                     for _ in range(draw(st.integers(0, 8))))
    ids = draw(st.lists(st.integers(0, 999), unique=True, max_size=5))
    quotes = tuple(
        Quote(f"q{i:02d}", span("QUOTE"), draw(st.sampled_from(SCHEMA.quote_types)),
              draw(st.none() | st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)),
              span("CUE") if draw(st.booleans()) else None,
              span("SOURCE") if draw(st.booleans()) else None,
              stance())
        for i in ids)
    annotator = draw(st.none() | st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s))
    return Document("000_fccf310b8a8da4fc", text, {}, entities, quotes, stance(), annotator)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_roundtrip_is_lossless_on_generated_documents(doc):
    assert roundtrip_problems(doc, schema=_EXT) == []


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_diff_of_a_document_with_itself_is_empty(doc):
    assert diff_documents(doc, doc) == []


# -- a broken converter makes the round trip fail ------------------------------------------------

def _drop_one_attribute(doc):
    res = to_result(doc)
    k = next(i for i, r in enumerate(res) if r.get("from_name") == "stance_t1")
    return res[:k] + res[k + 1:]


def _shift_one_offset(doc):
    res = to_result(doc)
    v = next(r for r in res if r.get("from_name") == "entity")["value"]
    v["start"], v["end"] = v["start"] + 1, v["end"] + 1
    v["text"] = doc.text[v["start"]:v["end"]]  # consistent text: only the comparison can catch it
    return res


def _shift_offset_keep_text(doc):
    res = to_result(doc)
    v = next(r for r in res if r.get("from_name") == "entity")["value"]
    v["start"], v["end"] = v["start"] + 1, v["end"] + 1
    return res


def _swap_quote_type(doc):
    res = to_result(doc)
    r = next(r for r in res if r.get("from_name") == "quote_type")
    r["value"]["choices"] = ["mixed" if r["value"]["choices"] != ["mixed"] else "direct"]
    return res


@pytest.mark.parametrize("broken, expect", [
    (_drop_one_attribute, "stance_t1"),
    (_shift_one_offset, "entity"),
    (_shift_offset_keep_text, "span-text-mismatch"),
    (_swap_quote_type, "quote_type"),
])
def test_broken_converter_fails_the_roundtrip(pass_a, broken, expect):
    doc = pass_a[0]
    assert roundtrip_problems(doc, to_result=to_result) == []
    problems = roundtrip_problems(doc, to_result=broken)
    assert problems, "the round-trip check did not notice a broken converter"
    assert any(expect in p for p in problems), problems


def test_broken_converter_in_the_module_fails_the_default_check(pass_a, monkeypatch):
    # without to_result=..., the check uses tahaluf.formats.labelstudio.to_result as it is at call time
    assert roundtrip_problems(pass_a[0]) == []
    monkeypatch.setattr(labelstudio, "to_result", _drop_one_attribute)  # calls the original, then breaks it
    assert roundtrip_problems(pass_a[0])


# -- several annotators on one task ------------------------------------------------------------

def test_several_annotators_on_one_task_stay_apart(pass_a, pass_b, tmp_path):
    a, b = pass_a[2], pass_b[2]
    assert a.doc_id == b.doc_id and a.annotator != b.annotator
    task = to_task(a)
    task["annotations"] += to_task(b)["annotations"]
    base = Document(a.doc_id, a.text, a.metadata)
    docs, found = tasks_to_documents(json.loads(json.dumps([task])), {a.doc_id: base})
    assert found == []
    assert sorted(docs, key=lambda d: d.annotator) == sorted([a, b], key=lambda d: d.annotator)
    plan = plan_outputs(docs, tmp_path)
    assert plan == {tmp_path / slug(a.annotator) / f"{a.doc_id}.json": a,
                    tmp_path / slug(b.annotator) / f"{b.doc_id}.json": b}


def test_two_annotations_by_one_annotator_are_refused(pass_a, tmp_path):
    with pytest.raises(TahalufError, match="two annotations by"):
        plan_outputs([pass_a[0], pass_a[0]], tmp_path)


def test_one_annotation_per_task_goes_flat(pass_a, tmp_path):
    plan = plan_outputs(pass_a, tmp_path)
    assert sorted(plan) == sorted(tmp_path / f"{d.doc_id}.json" for d in pass_a)
    assert set(plan_outputs(pass_a, tmp_path, by_annotator=True)) == {
        tmp_path / slug(d.annotator) / f"{d.doc_id}.json" for d in pass_a}


def test_annotators_map_to_users_and_back():
    for name in ["pass-a/annotator-a1 (AI helper agent)", "adjudicator (AI agent; lead engineer)", "سارة"]:
        email = annotator_email(name)
        assert email.endswith("@tahaluf.invalid") and " " not in email and "/" not in email
        assert annotator_name({"email": email, "first_name": name}) == name
    assert annotator_email("a1@example.org") == "a1@example.org"
    assert annotator_name({"email": "a1@example.org", "first_name": "Ann"}) == "a1@example.org"
    assert annotator_email("x y") != annotator_email("x-y")  # the hash keeps slug-equal names apart
    tasks = [{"data": {}, "annotations": [{"completed_by": 7, "result": []}, {"completed_by": 9, "result": []}]}]
    out = with_annotators(tasks, {7: {"id": 7, "email": annotator_email("A B"), "first_name": "A B"}})
    assert [a["completed_by"]["email"] for a in out[0]["annotations"]] == ["A B", "label-studio-user-9"]
    assert tasks[0]["annotations"][0]["completed_by"] == 7  # the input is not changed


# -- writing pulled documents ----------------------------------------------------------------------

def test_write_outputs_is_deterministic_and_skips_unchanged(pass_a, tmp_path):
    plan = plan_outputs(pass_a, tmp_path / "gold")
    written, same = write_outputs(plan)
    assert len(written) == 5 and same == []
    first = {p: p.read_bytes() for p in written}
    for p in written:  # the same bytes as the stored pass files (to_task of the document)
        assert p.read_bytes() == (corpus.pass_dir("pass_a") / p.name).read_bytes()
    written2, same2 = write_outputs(plan)
    assert written2 == [] and len(same2) == 5
    assert {p: p.read_bytes() for p in same2} == first
    assert not list((tmp_path / "gold").glob(".*tmp"))


# -- `tahaluf studio` without a server ------------------------------------------------------------

def _studio(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "tahaluf", "studio", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, check=False)


def test_studio_commands_need_the_token_and_say_where_the_server_is(tmp_path):
    from tahaluf.studio import free_port
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAHALUF_")}
    r = _studio(["pull"], env, tmp_path)
    assert r.returncode == 1 and "$TAHALUF_LS_TOKEN is not set" in r.stderr
    token = "t0ken-" + "9" * 20
    env.update(TAHALUF_LS_TOKEN=token, TAHALUF_LS_URL=f"http://127.0.0.1:{free_port()}")
    for cmd in (["pull"], ["push"]):
        r = _studio(cmd, env, tmp_path)
        assert r.returncode == 1 and "no Label Studio answers at" in r.stderr and "studio serve" in r.stderr
        assert token not in r.stdout + r.stderr
    assert _studio([], env, tmp_path).returncode == 2


def test_install_never_deletes_a_folder_it_did_not_make(tmp_path):
    from tahaluf import studio
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("x")
    with pytest.raises(TahalufError, match="does not hold label-studio 1.23.2"):
        studio.install(mine, log=lambda m: None)
    assert (mine / "keep.txt").exists()
    with pytest.raises(TahalufError, match="is not installed in"):
        studio.Server(data_dir=tmp_path / "data", token="t" * 20, venv=mine).start()


def _regions(task: dict) -> list[str]:
    """Each region of a task's annotation (result items sharing an id, and relations) as one string."""
    from tahaluf.core.jsonio import dumps as _dumps
    by_id: dict[str, list] = {}
    for r in task["annotations"][0]["result"]:
        key = r.get("id") or f"rel:{r['from_id']}->{r['to_id']}"
        by_id.setdefault(key, []).append(r)
    return sorted(_dumps(v) for v in by_id.values())


@pytest.mark.parametrize("edit", ["add", "delete"])
def test_region_ids_are_stable_a_one_entity_edit_is_a_one_region_diff(edit):
    import dataclasses
    import difflib
    from collections import Counter

    from tahaluf.core.jsonio import dumps as _dumps
    from tahaluf.core.model import Span
    from tahaluf.corpus import load_gold
    doc = load_gold()[1]
    gold_file = ROOT / "annotation" / "gold" / f"{doc.doc_id}.json"
    assert gold_file.read_text(encoding="utf-8") == _dumps([to_task(doc)])  # the gold is what to_task writes
    ents = list(doc.entities)
    k = len(ents) // 3  # an entity early in the article: every later region would shift with positional ids
    if edit == "delete":
        del ents[k]
    else:
        a, b = ents[k].end, ents[k + 1].start
        assert b - a > 3
        ents.insert(k + 1, Span.of(doc.text, a + 1, a + 2, "LOC"))
    new = dataclasses.replace(doc, entities=tuple(ents))
    old_regions, new_regions = Counter(_regions(to_task(doc))), Counter(_regions(to_task(new)))
    assert sum(((old_regions - new_regions) + (new_regions - old_regions)).values()) == 1
    old_lines = _dumps([to_task(doc)]).splitlines()
    new_lines = _dumps([to_task(new)]).splitlines()
    changed = [ln for ln in difflib.unified_diff(old_lines, new_lines, n=0, lineterm="")
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    # only the lines of that one region item are added or removed (a region item is 15-17 lines)
    assert len({ln[0] for ln in changed}) == 1 and abs(len(new_lines) - len(old_lines)) == len(changed) < 20, changed


def test_findings_name_the_label_studio_task_region_and_offsets(tmp_path):
    """An annotator finds the problem by the ids Label Studio shows, not by list positions."""
    from tahaluf.core.jsonio import dumps as _dumps
    from tahaluf.corpus import load_gold
    from tahaluf.seeds import load_corpus
    from tahaluf.validate import validate_export
    doc = load_gold()[0]
    task = to_task(doc, task_id=12)
    task["annotations"][0]["id"] = 34
    res = task["annotations"][0]["result"]
    ent = next(r for r in res if r["from_name"] == "entity")
    ent["id"], ent["value"]["labels"] = "Xy12ab", ["PERSON"]
    q = doc.quotes[0]
    spk = next(r for r in res if r["id"] == q.quote_id and r["from_name"] == "speaker_id")
    spk["value"]["choices"] = ["no-such-speaker"]
    path = tmp_path / "export.json"
    path.write_text(_dumps([task]), encoding="utf-8")
    bases = {d.doc_id: d for d in load_corpus()}
    from tahaluf.corpus import load_speakers
    _, found = validate_export(path, bases, speakers=load_speakers())
    by_id = {f.id: f.location for f in found}
    v = ent["value"]
    assert by_id["unknown-label"] == (f"{path} task=12 doc={doc.doc_id} annotation=34 region=Xy12ab "
                                      f"chars={v['start']}-{v['end']}")
    assert by_id["unknown-speaker"] == (f"{path} task=12 doc={doc.doc_id} region={q.quote_id} "
                                        f"chars={q.span.start}-{q.span.end}")
