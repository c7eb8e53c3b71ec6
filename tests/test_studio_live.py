"""Live: a real Label Studio 1.23.2 on 127.0.0.1, driven through `tahaluf studio`.

The module's fixture installs Label Studio into its own virtualenv if it is
missing (``<repo>/.cache/label-studio-venv``, or ``$TAHALUF_LS_VENV``), starts
it with ``tahaluf studio serve`` on a free port with a fresh data directory,
and stops it at the end, also when a test fails. If the server cannot be
installed or started the tests fail with the reason; they are never skipped.

Commands that write run with ``TAHALUF_ROOT`` pointing at a copy of the
seeds and annotations, so nothing here can touch the working tree.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from live_studio import _copy_tree, _listening_address, serve

from tahaluf import corpus, studio
from tahaluf.analysis.diff import Change, diff_documents
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import dumps
from tahaluf.core.model import Quote, Span
from tahaluf.core.schema import SCHEMA, StanceTarget
from tahaluf.formats.labelstudio import labeling_config, read_export, to_task
from tahaluf.studio import slug

pytestmark = pytest.mark.live

TOKEN = secrets.token_hex(20)
PASSWORD = secrets.token_urlsafe(16)
EXT = SCHEMA.extended(stance_targets=(StanceTarget(
    "stance_t4", "trial target for the live test: the speaker's stance towards Iraqi sovereignty",
    required=False),))


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from serve(tmp_path_factory, TOKEN, PASSWORD)


@pytest.fixture(scope="module")
def source():
    docs, which = corpus.source_documents()
    assert len(docs) == 5
    return docs, which


def _tasks(ls, title):
    p = studio.find_project(ls, title)
    assert p is not None, title
    return p, list(ls.tasks.list(project=p.id, fields="all"))


def _ann_id(a):
    return a["id"] if isinstance(a, dict) else a.id


# -- serve ----------------------------------------------------------------------------

def test_serve_prints_the_url_and_never_the_token(live):
    out = "".join(live.output)
    assert f"Label Studio is up at {live.url}" in out
    assert TOKEN not in out and PASSWORD not in out
    assert TOKEN not in (live.data / "server.log").read_text(encoding="utf-8", errors="replace")
    assert _listening_address(int(live.url.rsplit(":", 1)[1])) == "127.0.0.1"
    assert studio.http_get(f"{live.url}/api/current-user/whoami", TOKEN)[0] == 200
    assert studio.http_get(f"{live.url}/api/current-user/whoami", "not-the-token")[0] == 401


# -- push and pull ------------------------------------------------------------------------

def test_push_pull_is_lossless_on_the_whole_corpus(live, source, tmp_path):
    docs, which = source
    r = live.cli("push", "--project", "Tahaluf lossless")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"pushed {which} to project 'Tahaluf lossless'" in r.stdout and "5 task(s), 5 annotation(s)" in r.stdout
    assert TOKEN not in r.stdout + r.stderr

    _, tasks = _tasks(live.ls, "Tahaluf lossless")
    assert len(tasks) == 5
    for t in tasks:  # ground truth set on purpose: yes for the gold, no for a pass
        assert [a["ground_truth"] for a in t.annotations] == [which == "gold"]

    pulled = studio.pull(live.ls, "Tahaluf lossless", speakers=corpus.load_speakers())
    assert pulled.findings == []
    assert pulled.docs == docs  # every span, attribute, quote id and annotator

    out = tmp_path / "out"
    r = live.cli("pull", "--project", "Tahaluf lossless", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": no change") == 5 and "wrote 5 file(s), 0 unchanged" in r.stdout
    for d in docs:
        assert (out / f"{d.doc_id}.json").read_text(encoding="utf-8") == dumps([to_task(d)])

    gold = live.root / "annotation" / "gold"
    before = {f.name: f.read_bytes() for f in gold.glob("*.json")}
    r = live.cli("pull", "--project", "Tahaluf lossless")  # into the (copied) gold: nothing to change
    assert r.returncode == 0, r.stdout + r.stderr
    if which == "gold":
        assert "wrote 0 file(s), 5 unchanged" in r.stdout
        assert {f.name: f.read_bytes() for f in gold.glob("*.json")} == before


def _untagged_word(doc):
    """The first plain Arabic word that no entity touches (a valid new entity span)."""
    for m in re.finditer(r"(?<![\w\u0640])[\u0621-\u064a]{4,}(?![\w\u0640])", doc.text):
        if m.group().startswith(("لل", "وال", "فال", "بال", "كال", "لال")):
            continue
        if not any(e.start < m.end() and m.start() < e.end for e in doc.entities):
            return Span.of(doc.text, m.start(), m.end(), "LOC")
    raise AssertionError("no untagged word")


def test_extension_scenario_new_target_and_new_entity_arrive_exactly(live, source, tmp_path):
    docs, _ = source
    report = studio.push(live.ls, [docs], title="Tahaluf extension", schema=EXT)
    assert report.created and report.annotations == 5
    assert 'name="stance_t4"' in live.ls.projects.get(id=report.project_id).label_config

    # an annotator, through the API, adds stance_t4 on one quotation and one new entity
    doc = docs[0]
    quote = doc.quotes[1]
    new_ent = _untagged_word(doc)
    _, tasks = _tasks(live.ls, "Tahaluf extension")
    task = next(t for t in tasks if t.data["doc_id"] == doc.doc_id)
    ann = live.ls.annotations.get(id=_ann_id(task.annotations[0]))
    result = list(ann.result) + [
        {"id": quote.quote_id, "from_name": "stance_t4", "to_name": "text", "type": "choices", "origin": "manual",
         "value": {"start": quote.span.start, "end": quote.span.end, "text": quote.span.text,
                   "choices": ["AGAINST"]}},
        {"id": "Zk3_x9Qa", "from_name": "entity", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {"start": new_ent.start, "end": new_ent.end, "text": new_ent.text, "labels": ["LOC"]}},
    ]
    live.ls.annotations.update(id=ann.id, result=result)

    pulled = studio.pull(live.ls, "Tahaluf extension", schema=EXT, speakers=corpus.load_speakers())
    assert pulled.findings == []
    by_id = {d.doc_id: d for d in pulled.docs}
    assert len(by_id) == 5
    assert diff_documents(doc, by_id[doc.doc_id]) == [
        Change("+", "entity", new_ent.start, new_ent.end, new="LOC", text=new_ent.text),
        Change("~", "quote", quote.span.start, quote.span.end, "stance_t4", None, "AGAINST", quote.span.text),
    ]
    for d in docs[1:]:
        assert by_id[d.doc_id] == d
    # the editor is credited, not the author of the imported annotation: the API user saved it
    from tahaluf.studio.server import DEFAULT_USER as editor
    want = doc.with_layers(
        entities=doc.entities + (new_ent,), annotator=editor,
        quotes=tuple(Quote(q.quote_id, q.span, q.quote_type, q.speaker_id, q.cue, q.source,
                           {**q.stance, "stance_t4": "AGAINST"}) if q is quote else q for q in doc.quotes))
    assert by_id[doc.doc_id] == want and doc.annotator != editor

    # the CLI knows only the targets of annotation/schema.json: it refuses, names the fix, writes nothing
    out2 = tmp_path / "plain"
    r = live.cli("pull", "--project", "Tahaluf extension", "--out", str(out2))
    assert r.returncode == 1
    assert "[unknown-from-name]" in r.stdout and "stance_t4" in r.stdout and "nothing written" in r.stdout
    assert "tahaluf schema add-target --name stance_t4" in r.stdout
    assert not out2.exists()

    # the permanent way: `tahaluf schema add-target` (no Python edited); it changes the schema and the config only
    def snap() -> dict:
        return {str(p.relative_to(live.root)): p.read_bytes() for p in sorted(live.root.rglob("*")) if p.is_file()}
    before = snap()
    r = subprocess.run([sys.executable, "-m", "tahaluf", "schema", "add-target", "--name", "stance_t4",
                        "--description", "Iraqi sovereignty is respected", "--description-ar", "سيادة العراق مصونة",
                        "--favor", "says it is respected", "--against", "says it is violated", "--none", "no claim"],
                       capture_output=True, text=True, env=live.env, cwd=live.root, timeout=300, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    after = snap()
    assert {k for k in after if after[k] != before.get(k)} == {"annotation/schema.json",
                                                               "annotation/labeling_config.xml"}

    # now the pull: exit 0, the diff says exactly this, the files hold it
    out = tmp_path / "ext"
    r = live.cli("pull", "--project", "Tahaluf extension", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"== {doc.doc_id} [{editor}]: 2 change(s)" in r.stdout
    assert f"+ entity LOC [{new_ent.start},{new_ent.end})" in r.stdout
    assert "stance_t4: None -> 'AGAINST'" in r.stdout and r.stdout.count(": no change") == 4
    base = {d.doc_id: d.with_layers(entities=(), quotes=(), doc_stance={}, annotator=None) for d in docs}
    back, found = read_export(out / f"{doc.doc_id}.json", base, schema=EXT)
    assert found == [] and back == [want]
    # one new entity: one new region in the file, every other region id as before (content-derived ids)
    old_text = dumps([to_task(doc.with_layers(annotator=editor))]).splitlines()  # (the editor: above)
    new_text = (out / f"{doc.doc_id}.json").read_text(encoding="utf-8").splitlines()
    import difflib
    minus = [ln for ln in difflib.unified_diff(old_text, new_text, n=0, lineterm="") if ln.startswith("-")
             and not ln.startswith("---")]
    assert minus == [], minus  # nothing removed or renumbered: only additions (the entity, stance_t4)


def _with_every_target(docs):
    """A schema-1 pass labelled for the targets added since (NONE), so it validates under schema 2."""
    fill = dict.fromkeys(SCHEMA.target_names, "NONE")
    return [d.with_layers(quotes=tuple(dataclasses.replace(q, stance={**fill, **q.stance}) for q in d.quotes),
                          doc_stance={**fill, **d.doc_stance}) for d in docs]


def test_several_annotators_on_one_task_stay_apart(live, source, tmp_path):
    docs, which = source
    other = _with_every_target(corpus.load_pass("pass_a") if which == "gold" else corpus.load_pass("pass_b"))
    src2 = tmp_path / "second-annotator"
    src2.mkdir()
    for d in other:
        (src2 / f"{d.doc_id}.json").write_text(dumps([to_task(d)]), encoding="utf-8")
    r = live.cli("push", "--project", "Tahaluf agreement", "--source", which, "--source", str(src2))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 task(s), 10 annotation(s)" in r.stdout

    pulled = studio.pull(live.ls, "Tahaluf agreement")
    assert pulled.findings == []  # (no speaker registry given: pass_b keeps an alias id)
    key = lambda d: (d.doc_id, d.annotator)
    assert sorted(pulled.docs, key=key) == sorted(docs + other, key=key)

    gold = live.root / "annotation" / "gold"
    before = {f.name: f.read_bytes() for f in gold.glob("*.json")}
    r = live.cli("pull", "--project", "Tahaluf agreement")
    assert r.returncode == 1 and "several annotators on one task" in r.stderr
    assert {f.name: f.read_bytes() for f in gold.glob("*.json")} == before

    if which == "gold":  # pass_b has a speaker alias the registry refuses; gold + pass_a validate
        out = tmp_path / "agreement"
        r = live.cli("pull", "--project", "Tahaluf agreement", "--out", str(out))
        assert r.returncode == 0, r.stdout + r.stderr
        for d in docs + other:
            f = out / slug(d.annotator) / f"{d.doc_id}.json"
            assert f.read_text(encoding="utf-8") == dumps([to_task(d)]), f
        assert len(list(out.rglob("*.json"))) == 10


def test_push_as_predictions_for_preannotation(live):
    docs = corpus.load_pass("pass_a")
    r = live.cli("push", "--project", "Tahaluf prelabel", "--source", "pass_a", "--predictions", "pass-a-v1")
    assert r.returncode == 0, r.stdout + r.stderr
    p, tasks = _tasks(live.ls, "Tahaluf prelabel")
    assert live.ls.projects.get(id=p.id).model_version == "pass-a-v1"
    by_doc = {d.doc_id: d for d in docs}
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(by_doc)
    for t in tasks:
        assert t.annotations in (None, [])
        preds = [x if isinstance(x, dict) else x.model_dump() for x in t.predictions]
        assert len(preds) == 1 and preds[0]["model_version"] == "pass-a-v1"
        assert preds[0]["result"] == to_task(by_doc[t.data["doc_id"]])["annotations"][0]["result"]


def test_a_baseline_s_predictions_as_preannotations(live):
    """``push --source baselines/entities-crf --predictions crf``: its LODO run, entities only."""
    from tahaluf.studio.predictions import read_predictions
    folder = ROOT / "baselines" / "entities-crf"
    want = {d.doc_id: d for d in read_predictions(folder)[0]}
    r = live.cli("push", "--project", "Tahaluf crf", "--source", str(folder), "--predictions", "crf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "predictions read from" in r.stdout and "lodo.jsonl (entities; split all)" in r.stdout
    assert "5 task(s), 5 prediction(s) (model_version 'crf')" in r.stdout
    p, tasks = _tasks(live.ls, "Tahaluf crf")
    assert live.ls.projects.get(id=p.id).model_version == "crf"
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(want)
    for t in tasks:
        assert t.annotations in (None, [])
        preds = [x if isinstance(x, dict) else x.model_dump() for x in t.predictions]
        assert len(preds) == 1 and preds[0]["model_version"] == "crf"
        assert preds[0]["result"] == to_task(want[t.data["doc_id"]], as_prediction="crf")["predictions"][0]["result"]
        assert {x["from_name"] for x in preds[0]["result"]} == {"entity"}  # the layers it does not predict: empty


def _api_result(live, title, doc_id):
    _, tasks = _tasks(live.ls, title)
    task = next(t for t in tasks if t.data["doc_id"] == doc_id)
    ann = live.ls.annotations.get(id=_ann_id(task.annotations[0]))
    return task, ann, json.loads(json.dumps(list(ann.result)))


def test_the_speaker_list_grows_with_a_new_speaker_entered_on_the_page(live, source, tmp_path):
    """The server takes the generated config (speaker list, new_speaker field); an annotator's new
    speaker comes back as a registry entry written with the gold; push updates the list in place."""
    docs, _ = source
    root = _copy_tree(tmp_path)  # this test writes the gold and the registry: a copy of its own
    env = {**live.env, "TAHALUF_ROOT": str(root)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "tahaluf", "studio", *args], capture_output=True, text=True,
                              env=env, cwd=root, timeout=300, check=False)

    title = "Tahaluf speakers"
    r = cli("push", "--project", title)
    assert r.returncode == 0, r.stdout + r.stderr
    p = studio.find_project(live.ls, title)
    cfg = live.ls.projects.get(id=p.id).label_config
    assert cfg.strip() == labeling_config().strip()  # accepted as generated: the speaker list and the new-speaker field
    assert '<Choices name="speaker_id" toName="text" choice="single" layout="select"' in cfg
    assert 'alias="wayne_marotto"' in cfg and '<TextArea name="new_speaker"' in cfg and 'alias="omar_haddad"' not in cfg

    # an annotator gives q1 a new speaker (the list left empty) and q2 keeps the old free-text form
    doc = docs[0]
    q1, q2 = doc.quotes[:2]
    _, ann, result = _api_result(live, title, doc.doc_id)
    result = [x for x in result if not (x.get("from_name") == "speaker_id" and x.get("id") in (q1.quote_id,
                                                                                                 q2.quote_id))]
    line = "omar_haddad | Omar Haddad | عمر الحداد | spokesman | Iraqi ministry of defence"
    result += [
        {"id": q1.quote_id, "from_name": "new_speaker", "to_name": "text", "type": "textarea", "origin": "manual",
         "value": {"start": q1.span.start, "end": q1.span.end, "text": [line]}},
        {"id": q2.quote_id, "from_name": "speaker_id", "to_name": "text", "type": "textarea", "origin": "manual",
         "value": {"start": q2.span.start, "end": q2.span.end, "text": [q2.speaker_id]}},
    ]
    live.ls.annotations.update(id=ann.id, result=result)

    r = cli("pull", "--project", title)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "new speaker omar_haddad: Omar Haddad / عمر الحداد" in r.stdout
    assert f"speaker_id: {q1.speaker_id!r} -> 'omar_haddad'" in r.stdout
    registry = json.loads((root / "annotation" / "speakers.json").read_text(encoding="utf-8"))
    assert registry[-1]["speaker_id"] == "omar_haddad" and registry[-1]["role"] == "spokesman"
    assert len(registry) == len(corpus.load_speakers()) + 1
    new_cfg = (root / "annotation" / "labeling_config.xml").read_text(encoding="utf-8")
    assert 'alias="omar_haddad"' in new_cfg
    gold = {d.doc_id: d for d in corpus.load_annotations(root / "annotation" / "gold", check=False)}
    assert gold[doc.doc_id].quotes[0].speaker_id == "omar_haddad"
    assert gold[doc.doc_id].quotes[1:] == doc.quotes[1:]  # the free-text speaker_id read as before

    # push updates the project's config in place: the list has the new speaker, every task and annotation stays
    ids_before = sorted(t.id for t in _tasks(live.ls, title)[1])
    r = cli("push", "--project", title, "--update")
    assert r.returncode == 0 and "0 task(s)" in r.stdout, r.stdout + r.stderr
    assert live.ls.projects.get(id=p.id).label_config.strip() == new_cfg.strip()
    assert sorted(t.id for t in _tasks(live.ls, title)[1]) == ids_before
    kept = [x if isinstance(x, dict) else x.model_dump() for x in live.ls.annotations.get(id=ann.id).result]
    assert [x["value"]["text"] for x in kept if x.get("from_name") == "new_speaker"] == [[line]]
    # pulled again: the same speaker, nothing new to register or write
    r = cli("pull", "--project", title)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "new speaker" not in r.stdout and "wrote 0 file(s), 5 unchanged" in r.stdout

    # a clash is refused with the ids an annotator finds in Label Studio, and nothing is written
    _, ann2, result2 = _api_result(live, title, docs[1].doc_id)
    q = docs[1].quotes[0]
    result2 = [x for x in result2 if not (x.get("from_name") == "speaker_id" and x.get("id") == q.quote_id)]
    result2.append({"id": q.quote_id, "from_name": "new_speaker", "to_name": "text", "type": "textarea",
                    "origin": "manual", "value": {"start": q.span.start, "end": q.span.end,
                                                  "text": ["omar_haddad | Omar Hadad"]}})
    live.ls.annotations.update(id=ann2.id, result=result2)
    snapshot = {f: f.read_bytes() for f in sorted((root / "annotation").rglob("*")) if f.is_file()}
    r = cli("pull", "--project", title)
    assert r.returncode == 1 and "[duplicate-id]" in r.stdout and "INVALID, nothing written" in r.stdout
    assert f"annotation={ann2.id} region={q.quote_id}" in r.stdout
    assert {f: f.read_bytes() for f in sorted((root / "annotation").rglob("*")) if f.is_file()} == snapshot


def _poll(b, expression: str, timeout: float = 90):
    """The value of a page expression once it is truthy (polled every half second)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = b.evaluate(expression)
        if v:
            return v
        time.sleep(0.5)
    raise AssertionError(f"the page never satisfied {expression!r} in {timeout:.0f} s")


def test_the_labelling_page_offers_the_speaker_list_and_the_new_speaker_field(live, source):
    """In headless Chromium (tests/cdp.py), logged in: select a QUOTE, see its speaker in the list, pick
    another, clear one and type a new speaker, save; the export holds exactly those values (bare ids)."""
    from cdp import Browser

    from tahaluf.formats.labelconfig import NEW_SPEAKER_FORMAT, speaker_choices
    from tahaluf.studio import accounts
    docs, _ = source
    doc = docs[0]
    q1, q2 = doc.quotes[:2]
    report = studio.push(live.ls, [[doc]], title="Tahaluf speaker page")
    task = _tasks(live.ls, "Tahaluf speaker page")[1][0]
    entries = speaker_choices(corpus.load_speakers())
    shown = {sid: label for label, sid in entries}
    other = next(sid for sid in shown if sid not in (q1.speaker_id, "nawroza", "noroza"))
    line = "omar_haddad | Omar Haddad | عمر الحداد"
    select = ("(id) => { const a = window.Htx.annotationStore.selected; "
              "a.selectArea(a.regions.find(r => r.id.split('#')[0] === id)); }")
    trigger = "document.querySelector('.lsf-choices_layout_select button')"

    def click_option(label: str) -> str:
        return "document.querySelector(" + json.dumps('[data-testid="select-option-' + label + '"]') + ").click()"

    session = accounts.login(live.url, studio.DEFAULT_USER, PASSWORD)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with Browser(width=1400, height=1800) as b:
        b.set_cookies(live.url, {"sessionid": session.cookie("sessionid"), "csrftoken": session.cookie("csrftoken")})
        b.open(f"{live.url}/projects/{report.project_id}/data?task={task.id}")
        _poll(b, "!!(window.Htx && window.Htx.annotationStore.selected "
                 "&& window.Htx.annotationStore.selected.regions.length > 0)", timeout=120)
        # (selected again on every poll: the editor may still be rebuilding its regions)
        assert _poll(b, f"(({select})({json.dumps(q1.quote_id)}), {trigger} && "
                        f"{trigger}.getAttribute('data-value'))") == shown[q1.speaker_id]
        assert b.evaluate("document.querySelector('input[name=new_speaker]').placeholder") == NEW_SPEAKER_FORMAT
        b.evaluate(f"{trigger}.click()")
        options = _poll(b, "Array.from(document.querySelectorAll('[role=option]')).map(o => o.textContent)")
        assert options == [label for label, _ in entries]  # the registry's, as "id · English name · Arabic"
        (artifacts / "labelstudio-speaker-list.png").write_bytes(b.screenshot())
        b.evaluate(click_option(shown[other]))
        _poll(b, f"(({select})({json.dumps(q2.quote_id)}), "
                 f"{trigger}.getAttribute('data-value') === {json.dumps(shown[q2.speaker_id])})")
        b.evaluate(f"{trigger}.click()")  # clicking the chosen entry again clears the list ...
        _poll(b, "!!document.querySelector('[role=option]')")
        b.evaluate(click_option(shown[q2.speaker_id]))
        b.evaluate("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
        b.evaluate("document.querySelector('input[name=new_speaker]').focus()")  # ... and the new speaker is typed
        b.send("Input.insertText", session=True, text=line)
        for kind in ("keyDown", "keyUp"):
            b.send("Input.dispatchKeyEvent", session=True, type=kind, key="Enter", code="Enter",
                   windowsVirtualKeyCode=13)
        (artifacts / "labelstudio-new-speaker.png").write_bytes(b.screenshot())
        b.evaluate("Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Update')"
                   ".click()")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            res = [x if isinstance(x, dict) else x.model_dump()
                   for x in live.ls.annotations.get(id=_ann_id(task.annotations[0])).result]
            if any(x.get("from_name") == "new_speaker" for x in res):
                break
            time.sleep(1)
    per = {(x.get("id"), x.get("from_name")): x["value"] for x in res if x.get("type") != "relation"}
    assert per[(q1.quote_id, "speaker_id")]["choices"] == [other]  # stored as the bare id (the Choice's alias)
    assert (q2.quote_id, "speaker_id") not in per or per[(q2.quote_id, "speaker_id")].get("choices") in ([], None)
    assert per[(q2.quote_id, "new_speaker")]["text"] == [line]
    pulled = studio.pull(live.ls, "Tahaluf speaker page", speakers=corpus.load_speakers())
    assert pulled.findings == [] and list(pulled.new_speakers) == ["omar_haddad"]
    got = pulled.docs[0].quotes
    assert (got[0].speaker_id, got[1].speaker_id) == (other, "omar_haddad") and got[2:] == doc.quotes[2:]


def test_invalid_annotation_blocks_the_pull_and_push_refuses_to_duplicate(live, source, tmp_path):
    docs, _ = source
    doc = docs[4]
    studio.push(live.ls, [[doc]], title="Tahaluf invalid")
    _, tasks = _tasks(live.ls, "Tahaluf invalid")
    ann = live.ls.annotations.get(id=_ann_id(tasks[0].annotations[0]))
    result = json.loads(json.dumps(list(ann.result)))
    st = next(r for r in result if r.get("from_name") == "stance_t1")
    st["value"]["choices"] = ["MAYBE"]
    result = [r for r in result if not (r.get("from_name") == "speaker_id" and r["id"] == st["id"])]
    live.ls.annotations.update(id=ann.id, result=result)

    out = tmp_path / "invalid"
    r = live.cli("pull", "--project", "Tahaluf invalid", "--out", str(out))
    assert r.returncode == 1
    assert "[unknown-label]" in r.stdout and "'MAYBE'" in r.stdout
    assert "[quote-without-speaker]" in r.stdout and "INVALID, nothing written" in r.stdout
    assert not out.exists()

    with pytest.raises(TahalufError, match="already has tasks"):
        studio.push(live.ls, [[doc]], title="Tahaluf invalid")
    # the edited annotation is work nobody has pulled: --replace refuses and deletes nothing ...
    r = live.cli("push", "--project", "Tahaluf invalid", "--source", "gold", "--replace")
    assert r.returncode == 1 and "refusing --replace: the project holds work nobody has pulled" in r.stderr
    assert f"task {tasks[0].id} ({doc.doc_id})" in r.stderr and "--force" in r.stderr
    assert [t.id for t in _tasks(live.ls, "Tahaluf invalid")[1]] == [tasks[0].id]
    # ... unless forced
    rep = studio.push(live.ls, [[doc]], title="Tahaluf invalid", replace=True, force=True)
    assert rep.replaced == 1 and not rep.created
    pulled = studio.pull(live.ls, "Tahaluf invalid", speakers=corpus.load_speakers())
    assert pulled.findings == [] and pulled.docs == [doc]


def test_blank_tasks_for_blind_double_annotation(live, source):
    docs, which = source
    r = live.cli("push", "--project", "Tahaluf blind", "--source", which, "--blank", "--annotations-per-task", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 task(s), no annotation (blank tasks)" in r.stdout
    p, tasks = _tasks(live.ls, "Tahaluf blind")
    assert live.ls.projects.get(id=p.id).maximum_annotations == 2
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(d.doc_id for d in docs)
    for t in tasks:
        assert t.annotations in (None, []) and t.predictions in (None, [])
        assert t.data["text"] == next(d.text for d in docs if d.doc_id == t.data["doc_id"])
    # pushing again adds nothing and keeps the tasks (and whatever work they hold)
    r = live.cli("push", "--project", "Tahaluf blind", "--source", which, "--blank")
    assert r.returncode == 0 and "0 task(s)" in r.stdout, r.stdout + r.stderr
    assert [t.id for t in _tasks(live.ls, "Tahaluf blind")[1]] == [t.id for t in tasks]
