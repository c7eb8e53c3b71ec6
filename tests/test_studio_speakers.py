"""The speaker list on the labelling page, new speakers, and pending articles: task JSON in, files out.

No server: :class:`FakeLS` answers the three calls ``tahaluf studio pull``
makes (list projects, export, list users) with a task list built here, and
the CLI runs in-process over a copy of ``seeds/`` and ``annotation/``
(``$TAHALUF_ROOT``), so what a pull writes (the gold, the registry, the
config, the metadata) is read back from the copy.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT

from tahaluf import corpus, seeds, studio
from tahaluf.cli import main
from tahaluf.core.jsonio import dumps, read_json
from tahaluf.core.model import Speaker
from tahaluf.core.schema import SCHEMA
from tahaluf.formats.labelstudio import labeling_config, tasks_to_documents, to_task
from tahaluf.formats.labelstudio_speakers import collect, parse
from tahaluf.studio.users import annotator_email
from tahaluf.validate import document_findings

NEW = "omar_haddad | Omar Haddad | عمر الحداد; الحداد | spokesman | Iraqi ministry of defence"


@pytest.fixture(scope="module")
def gold():
    return corpus.load_gold()


@pytest.fixture(scope="module")
def registry():
    return corpus.load_speakers()


def _task(doc, tid=7, aid=70):
    t = to_task(doc, task_id=tid)
    t["annotations"][0]["id"] = aid
    return t


def _with_new_speaker(task, quote, text=NEW, keep_choice=False):
    """The task with ``quote``'s speaker given in ``new_speaker`` (as Label Studio exports it)."""
    task = copy.deepcopy(task)
    res = task["annotations"][0]["result"]
    if not keep_choice:
        res[:] = [r for r in res if not (r.get("id") == quote.quote_id and r.get("from_name") == "speaker_id")]
    res.append({"id": quote.quote_id, "from_name": "new_speaker", "to_name": "text", "type": "textarea",
                "origin": "manual", "value": {"start": quote.span.start, "end": quote.span.end,
                                              "text": [text]}})
    return task


def _bases(docs):
    return {d.doc_id: d.with_layers(entities=(), quotes=(), doc_stance={}, annotator=None) for d in docs}


# -- the speaker list -----------------------------------------------------------------

def test_the_speaker_is_chosen_from_the_registry_shown_with_its_names_stored_as_its_id(registry):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(labeling_config())
    ch = next(c for c in root.iter("Choices") if c.get("name") == "speaker_id")
    assert ch.get("layout") == "select" and ch.get("perRegion") == "true" and ch.get("whenLabelValue") == "QUOTE"
    items = {c.get("alias"): c.get("value") for c in ch.findall("Choice")}
    for sid, s in registry.items():
        assert items[sid].startswith(f"{sid} · {s.name_en}") and (not s.spellings or s.spellings[0] in items[sid])
    assert "noroza" in items and "old id of nawroza" in items["noroza"]  # an older pass still shows its speaker
    assert not any(t.get("name") == "speaker_id" for t in root.iter("TextArea"))
    assert next(t for t in root.iter("TextArea") if t.get("name") == "new_speaker").get("perRegion") == "true"


def test_the_config_grows_with_the_registry(registry):
    grown = {**registry, "omar_haddad": Speaker("omar_haddad", "Omar Haddad", spellings=("عمر الحداد",))}
    before, after = labeling_config(SCHEMA, registry), labeling_config(SCHEMA, grown)
    assert 'alias="omar_haddad"' in after and 'alias="omar_haddad"' not in before
    assert studio.interface_problems(after, []) == []


def test_a_free_text_speaker_id_of_an_older_project_is_read_as_before(gold):
    doc = gold[0]
    task = _task(doc)
    for r in task["annotations"][0]["result"]:
        if r.get("from_name") == "speaker_id":  # the old TextArea result
            r["type"] = "textarea"
            r["value"] = {"start": r["value"]["start"], "end": r["value"]["end"],
                          "text": [" " + r["value"]["choices"][0] + " "]}
    docs, found = tasks_to_documents([task], _bases(gold))
    assert found == [] and docs == [doc]


def test_a_speaker_id_result_of_another_type_is_refused(gold):
    task = _task(gold[0])
    r = next(r for r in task["annotations"][0]["result"] if r.get("from_name") == "speaker_id")
    r["type"] = "labels"
    _, found = tasks_to_documents([task], _bases(gold))
    assert [f.id for f in found] == ["wrong-type"] and "speaker_id result must be of type choices" in found[0].message


# -- new speakers -------------------------------------------------------------------------

def test_parse_a_new_speaker_line():
    sp, problem = parse(NEW)
    assert problem == "" and sp == Speaker("omar_haddad", "Omar Haddad", "person", ("عمر الحداد", "الحداد"),
                                           "spokesman", "Iraqi ministry of defence")
    assert parse("omar_haddad")[0] == Speaker("omar_haddad", "")  # the id alone: a second quotation
    assert parse("omar_haddad |")[1] == "no English name after the id"
    assert parse("| Omar")[1] == "no id before the first |"
    assert "6 fields" in parse("a | b | c | d | e | f")[1]


def test_a_new_speaker_becomes_the_quotes_speaker_and_a_registry_entry(gold, registry):
    doc = gold[0]
    q = doc.quotes[0]
    tasks = [_with_new_speaker(_task(doc), q)]
    docs, found = tasks_to_documents(tasks, _bases(gold))
    assert found == [] and docs[0].quotes[0].speaker_id == "omar_haddad"
    assert docs[0].quotes[1:] == doc.quotes[1:]
    new = collect(tasks, registry, location="project=1")
    assert new.findings == [] and list(new.entries) == ["omar_haddad"]
    assert new.where["omar_haddad"] == (f"project=1 task=7 doc={doc.doc_id} annotation=70 region={q.quote_id} "
                                        f"chars={q.span.start}-{q.span.end}")
    assert [f.id for f in document_findings(docs[0], speakers=registry)] == ["unknown-speaker"]
    assert document_findings(docs[0], speakers={**registry, **new.entries}) == []


def test_the_same_new_speaker_on_two_quotations_and_a_second_pull(gold, registry):
    doc = gold[0]
    q0, q1 = doc.quotes[:2]
    tasks = [_with_new_speaker(_with_new_speaker(_task(doc), q0), q1, "omar_haddad")]  # the id alone, the 2nd time
    new = collect(tasks, registry)
    assert new.findings == [] and list(new.entries) == ["omar_haddad"]
    registered = {**registry, **new.entries}  # pulled once: the same line again adds nothing, refuses nothing
    again = collect(tasks, registered)
    assert again.findings == [] and again.entries == {}


@pytest.mark.parametrize("text, keep_choice, fid, words", [
    ("ryan_rideout | Someone Else", False, "duplicate-id", "already in annotation/speakers.json as 'Ryan Rideout'"),
    ("noroza | Noroza", False, "duplicate-id", "old id (alias) of 'nawroza'"),
    ("omar_haddad |", False, "malformed-file", "no English name"),
    ("omar_haddad", False, "malformed-file", "has only an id"),
    ("Omar Haddad | Omar Haddad", False, "unsafe-id", "speaker_id does not match"),
    (NEW, True, "malformed-file", "a speaker from the list and a new speaker"),
])
def test_a_bad_new_speaker_is_a_finding_with_task_annotation_and_region(gold, registry, text, keep_choice, fid,
                                                                       words):
    doc = gold[0]
    q = doc.quotes[0]
    new = collect([_with_new_speaker(_task(doc), q, text, keep_choice)], registry, location="project=1")
    assert [f.id for f in new.findings] == [fid] and new.entries == {}
    f = new.findings[0]
    assert words in f.message or words in str(f)
    assert f.location.startswith(f"project=1 task=7 doc={doc.doc_id} annotation=70 region={q.quote_id}")


def test_fields_are_cleaned_and_swapped_fields_refused():
    sp, problem = parse("omar_x\u200e | Omar  X\u200e | \u200fعمر اكس، عمر إكس | spokesman")
    assert problem == "" and sp == Speaker("omar_x", "Omar X", "person", ("عمر اكس", "عمر إكس"), "spokesman", "")
    assert "has Arabic letters" in parse("omar_x | عمر اكس | Omar X")[1]
    assert "has no Arabic letter" in parse("omar_x | Omar | X | عمر")[1]


@pytest.mark.parametrize("text, twin", [
    ("wayne_m | Wayne Marotto | واين ماروتو", "wayne_marotto"),   # the same English name under a new id
    ("wayne_maroto | W. Marotto | وَايـن ماروتو", "wayne_marotto"),  # a registry spelling, with diacritic and tatweel
])
def test_a_registry_speaker_under_a_new_id_is_refused(gold, registry, text, twin):
    doc = gold[0]
    new = collect([_with_new_speaker(_task(doc), doc.quotes[0], text)], registry)
    assert [f.id for f in new.findings] == ["duplicate-id"] and new.entries == {}
    assert f"choose {twin} from the list" in new.findings[0].message


def test_new_details_for_a_registry_speaker_are_a_finding_not_dropped(gold, registry):
    doc = gold[0]
    new = collect([_with_new_speaker(_task(doc), doc.quotes[0], "wayne_marotto | Wayne Marotto | ماروتو الجديد")],
                  registry)
    assert [f.id for f in new.findings] == ["duplicate-id"] and "other details" in new.findings[0].message
    same = collect([_with_new_speaker(_task(doc), doc.quotes[0], "wayne_marotto | wayne marotto")], registry)
    assert same.findings == [] and same.entries == {}  # the same speaker, in other case: nothing to add


def test_two_new_speakers_on_one_quote_are_refused(gold, registry):
    doc = gold[0]
    q = doc.quotes[0]
    task = _with_new_speaker(_with_new_speaker(_task(doc), q), q, "ali_y | Ali Y")
    new = collect([task], registry)
    assert [f.id for f in new.findings] == ["duplicate-id"] and "two 'new speaker' entries" in new.findings[0].message


def test_one_new_id_with_two_different_names_is_refused(gold, registry):
    a, b = gold[0], gold[1]
    tasks = [_with_new_speaker(_task(a, 7), a.quotes[0]),
             _with_new_speaker(_task(b, 8), b.quotes[0], "omar_haddad | Omar Hadad")]
    new = collect(tasks, registry)
    assert [f.id for f in new.findings] == ["duplicate-id"] and "given twice" in new.findings[0].message
    assert "task=8" in new.findings[0].location and "task=7" in new.findings[0].message


# -- pull, in-process, over a copy of the repository ----------------------------------------

#: the Label Studio users of the annotators here, by user id (as ``push`` makes them)
USERS = {1: "adjudicator (AI agent; lead engineer)", 2: "annotator-1"}


class FakeLS:
    """The three calls of ``pull``: projects.list, projects.exports.download_sync, users.list."""

    def __init__(self, tasks):
        self.projects = SimpleNamespace(
            list=lambda: [SimpleNamespace(id=1, title="Tahaluf")],
            exports=SimpleNamespace(download_sync=lambda **kw: [json.dumps(tasks).encode("utf-8")]))
        self.users = SimpleNamespace(list=lambda: [
            SimpleNamespace(id=uid, email=annotator_email(name), first_name=name) for uid, name in USERS.items()])


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    for name in ("seeds", "annotation"):
        shutil.copytree(ROOT / name, root / name)
    monkeypatch.setenv("TAHALUF_ROOT", str(root))
    monkeypatch.setenv("TAHALUF_LS_TOKEN", "t" * 40)
    monkeypatch.setenv("TAHALUF_CACHE", "0")
    return root


def _pull(monkeypatch, tasks, *argv):
    monkeypatch.setattr(studio, "client", lambda *a, **k: FakeLS(tasks))
    return main(["studio", "pull", "--url", "http://127.0.0.1:9", *argv])


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for d in ("seeds", "annotation")
            for p in sorted((root / d).rglob("*")) if p.is_file()}


def _export(docs, first_id=1):
    """The documents as Label Studio exports them: task ids, ``completed_by`` a user id."""
    tasks = []
    by_name = {name: uid for uid, name in USERS.items()}
    for i, d in enumerate(docs):
        t = to_task(d, task_id=first_id + i)
        t["annotations"][0]["completed_by"] = by_name[d.annotator]
        tasks.append(t)
    return tasks


def _gold_tasks(gold):
    return _export(gold)


def test_pull_writes_the_new_speaker_with_the_gold_and_says_so(repo, monkeypatch, gold, capsys):
    tasks = _gold_tasks(gold)
    q = gold[2].quotes[0]
    tasks[2] = _with_new_speaker(tasks[2], q)
    before = _files(repo)
    assert _pull(monkeypatch, tasks) == 0
    out = capsys.readouterr().out
    assert "new speaker omar_haddad: Omar Haddad / عمر الحداد / الحداد" in out
    assert f"speaker_id: '{q.speaker_id}' -> 'omar_haddad'" in out
    after = _files(repo)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {f"annotation/gold/{gold[2].doc_id}.json", "annotation/speakers.json",
                       "annotation/labeling_config.xml"}
    reg = read_json(repo / "annotation" / "speakers.json")
    assert reg[:-1] == read_json(ROOT / "annotation" / "speakers.json")  # the records there stay as they are
    assert reg[-1] == {"speaker_id": "omar_haddad", "name_en": "Omar Haddad", "kind": "person",
                       "spellings": ["عمر الحداد", "الحداد"], "role": "spokesman",
                       "affiliation": "Iraqi ministry of defence", "aliases": []}
    speakers = corpus.load_speakers()
    assert (repo / "annotation" / "labeling_config.xml").read_text(encoding="utf-8") == labeling_config(
        SCHEMA, speakers)
    assert main(["validate"]) == 0
    # pulled again: valid, nothing more to write, no new speaker
    assert _pull(monkeypatch, tasks) == 0
    out = capsys.readouterr().out
    assert "new speaker" not in out and "wrote 0 file(s), 5 unchanged" in out
    assert _files(repo) == after


def test_a_refused_new_speaker_writes_nothing(repo, monkeypatch, gold, capsys):
    tasks = _gold_tasks(gold)
    tasks[0] = _with_new_speaker(tasks[0], gold[0].quotes[0], "wayne_marotto | W. Marotto")
    before = _files(repo)
    assert _pull(monkeypatch, tasks) == 1
    out = capsys.readouterr().out
    assert "[duplicate-id]" in out and "task=1" in out and f"region={gold[0].quotes[0].quote_id}" in out
    assert "INVALID, nothing written" in out
    assert _files(repo) == before


def test_pull_into_another_folder_reports_the_new_speaker_and_leaves_the_registry(repo, monkeypatch, gold, capsys,
                                                                                  tmp_path):
    tasks = _gold_tasks(gold)
    tasks[2] = _with_new_speaker(tasks[2], gold[2].quotes[0])
    before = _files(repo)
    assert _pull(monkeypatch, tasks, "--out", str(tmp_path / "elsewhere"), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [(s["speaker_id"], s["registered"]) for s in report["new_speakers"]] == [("omar_haddad", False)]
    assert _files(repo) == before and len(list((tmp_path / "elsewhere").glob("*.json"))) == 5


def test_a_dry_run_or_refused_pull_registers_no_new_speaker(repo, monkeypatch, gold, capsys):
    tasks = _gold_tasks(gold)
    tasks[2] = _with_new_speaker(tasks[2], gold[2].quotes[0])
    before = _files(repo)
    assert _pull(monkeypatch, tasks, "--dry-run", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [(s["speaker_id"], s["registered"]) for s in report["new_speakers"]] == [("omar_haddad", False)]
    assert _pull(monkeypatch, tasks, "--dry-run") == 0
    assert "(would be added to annotation/speakers.json)" in capsys.readouterr().out
    tasks[0] = _with_new_speaker(tasks[0], gold[0].quotes[0], "wayne_marotto | W. Marotto")
    assert _pull(monkeypatch, tasks, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert all(not s["registered"] for s in report["new_speakers"])
    assert _files(repo) == before


def test_a_killed_pull_with_a_new_speaker_is_finished_by_the_next_command(repo, monkeypatch, gold, capsys):
    """The write of the gold, the registry and the config keeps its journal where
    every command looks for one (the repository root), so a kill between two renames
    is rolled forward by the next `tahaluf` run."""
    from tahaluf.core import fileio
    tasks = _gold_tasks(gold)
    tasks[2] = _with_new_speaker(tasks[2], gold[2].quotes[0])
    real = fileio.os.replace
    calls = []

    def dying(src, dst):
        if Path(dst).name != fileio.JOURNAL:
            calls.append(dst)
            if len(calls) == 2:  # after the first rename of the committed write
                raise KeyboardInterrupt
        return real(src, dst)
    monkeypatch.setattr(fileio.os, "replace", dying)
    with pytest.raises(KeyboardInterrupt):
        _pull(monkeypatch, tasks)
    monkeypatch.setattr(fileio.os, "replace", real)
    assert (repo / fileio.JOURNAL).is_file()
    capsys.readouterr()
    assert main(["validate"]) == 0  # any command finishes the write first
    assert not (repo / fileio.JOURNAL).exists()
    assert [s["speaker_id"] for s in read_json(repo / "annotation" / "speakers.json")][-1] == "omar_haddad"
    assert "omar_haddad" in (repo / "annotation" / "labeling_config.xml").read_text(encoding="utf-8")
    assert not list(repo.rglob("*.tahaluf-tmp*"))


def test_the_editor_of_an_annotation_is_credited_not_its_author(repo, monkeypatch, gold, capsys):
    """Label Studio keeps who created an annotation (completed_by) and who last saved
    it (updated_by): an annotator who corrects the adjudicator's imported annotation is
    the annotator of what is pulled."""
    tasks = _gold_tasks(gold)
    by_name = {name: uid for uid, name in USERS.items()}
    adj = next(i for i, d in enumerate(gold) if d.annotator != "annotator-1")
    tasks[adj]["annotations"][0]["completed_by"] = by_name.get(gold[adj].annotator, 1)
    tasks[adj]["annotations"][0]["updated_by"] = by_name["annotator-1"]
    res = tasks[adj]["annotations"][0]["result"]
    ent = next(r for r in res if r.get("from_name") == "entity")
    res.remove(ent)
    assert _pull(monkeypatch, tasks, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"== {gold[adj].doc_id} [annotator-1]: 1 change(s)" in out
    same = _gold_tasks(gold)
    same[adj]["annotations"][0]["updated_by"] = same[adj]["annotations"][0]["completed_by"]  # saved by its author
    assert _pull(monkeypatch, same, "--dry-run") == 0
    assert f"== {gold[adj].doc_id} [{gold[adj].annotator}]: no change" in capsys.readouterr().out


# -- pending articles ---------------------------------------------------------------------

def _cli(root, *argv):
    """``tahaluf`` in a process of its own over ``root`` (the schema, with the new split, read afresh)."""
    env = {**os.environ, "TAHALUF_ROOT": str(root), "PYTHONPATH": str(ROOT), "TAHALUF_CACHE": "0"}
    return subprocess.run([sys.executable, "-m", "tahaluf", *argv], capture_output=True, text=True, env=env,
                          cwd=root, timeout=600, check=False)


ARTICLE = "عنوان الخبر التجريبي\nقال المتحدث إن التحالف باق في العراق.\n"


def test_a_pending_article_is_unmarked_when_its_annotation_is_pulled(repo, monkeypatch, gold, capsys, tmp_path):
    from tahaluf import extend
    art = tmp_path / "article.txt"
    art.write_text(ARTICLE, encoding="utf-8")
    doc_id, _ = extend.add_article(art, "train", date="2021-03-04")
    assert read_json(seeds.metadata_path())["documents"][-1]["annotation"] == "pending"
    base = next(d for d in seeds.load_corpus() if d.doc_id == doc_id)
    at = ARTICLE.index("التحالف")
    from tahaluf.core.model import Span
    new = base.with_layers(entities=(Span.of(ARTICLE, at, at + len("التحالف"), "ORG"),), quotes=(),
                           doc_stance=dict.fromkeys(SCHEMA.target_names, "NONE"), annotator="annotator-1")
    tasks = _gold_tasks(gold) + _export([new], 6)
    bad = copy.deepcopy(tasks)
    bad[-1]["annotations"][0]["result"][0]["value"]["labels"] = ["PERSON"]
    assert _cli(repo, "build").returncode == 0  # pending: not in the dataset yet
    documents = repo / "dataset" / "data" / "documents" / "train.jsonl"
    assert doc_id not in documents.read_text(encoding="utf-8")
    meta_before = seeds.metadata_path().read_bytes()
    assert _pull(monkeypatch, bad) == 1  # an annotation that does not validate: still pending, nothing written
    assert seeds.metadata_path().read_bytes() == meta_before
    capsys.readouterr()
    assert _pull(monkeypatch, tasks) == 0
    out = capsys.readouterr().out
    assert f"no longer pending (annotation pulled into the gold): {doc_id}" in out
    rec = read_json(seeds.metadata_path())["documents"][-1]
    assert rec["doc_id"] == doc_id and "annotation" not in rec
    assert (repo / "annotation" / "gold" / f"{doc_id}.json").read_text(encoding="utf-8") == dumps([to_task(new)])
    assert main(["validate"]) == 0
    assert "pending annotation" not in capsys.readouterr().out
    r = _cli(repo, "build")  # now an article of the gold like the others: in its split of the dataset
    assert r.returncode == 0, r.stderr
    assert doc_id in documents.read_text(encoding="utf-8")
