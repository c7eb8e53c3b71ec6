"""Live scenario: an annotation team extends the corpus in a real Label Studio 1.23.2.

One story, in a copy of the repository (seeds/, annotation/, dataset/), with
a server started by ``tahaluf studio serve`` on 127.0.0.1 and stopped at the
end (tests/live_studio.py), every step through the commands a team runs:

1. the administrator makes two annotator accounts (``studio add-user``); each
   logs in through the login form and labels with their own API token, so
   Label Studio records them as ``completed_by``;
2. a review project holds the gold as pre-annotations; annotator 1 fixes an
   entity and enters a speaker the registry lacks (the page's "new speaker"
   box); ``schema add-target`` adds stance_t4 and ``studio push --update``
   changes the running project in place (tasks, predictions and that
   annotation kept); annotator 2 labels stance_t4; the pull's diff shows
   exactly those changes, credited to their real editors, and writes exactly
   those two gold files with the grown registry and config; ``build`` and
   per-target scores follow (the T1 figures unchanged);
3. blind double annotation: blank tasks, two annotations per task, both
   annotators label the same article; the pull writes one folder per
   annotator; ``agreement`` between them and between one and the gold,
   worded for each case;
4. ``add-article``; ``push --update`` adds only its task; it is labelled,
   pulled into the gold and built.

At every step the test compares a snapshot of the copy: nothing else in the
repository changes. A second test opens the labelling page in headless
Chromium as an annotator and saves screenshots to test-artifacts/.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from pathlib import Path

import pytest
from conftest import ROOT
from live_studio import serve

from tahaluf import corpus, studio
from tahaluf.analysis.diff import Change, diff_documents
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import read_json
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import schema_from_json
from tahaluf.formats.labelstudio import read_export, to_result
from tahaluf.studio import accounts

pytestmark = pytest.mark.live

TOKEN = secrets.token_hex(20)
PASSWORD = secrets.token_urlsafe(16)
TEAM = {"ann1@example.org": "Annotator One", "ann2@example.org": "Annotator Two"}
PASSWORDS = {email: secrets.token_urlsafe(12) for email in TEAM}
ANN1, ANN2 = TEAM
REVIEW, BLIND = "Tahaluf review", "Tahaluf blind"
ARTIFACTS = ROOT / "test-artifacts"

T4 = ["--name", "stance_t4", "--description", "Iraq's sovereignty is respected by the foreign forces",
      "--description-ar", "القوات الأجنبية تحترم سيادة العراق", "--favor", "says they respect it",
      "--against", "says they violate it", "--none", "makes no claim about it"]
NEW_SPEAKER = ("omar_haddad", "Omar Haddad", "عمر الحداد", "spokesman", "Iraqi Ministry of Defence")
ARTICLE = ("التحالف باق في العراق\n"
           "قال التحالف الدولي إن قواته باقية في العراق بطلب من الحكومة العراقية.\n")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from serve(tmp_path_factory, TOKEN, PASSWORD, name="scenario", copy=("seeds", "annotation", "dataset"))


def snap(root: Path) -> dict[str, bytes]:
    """Every file of the copy, less .cache/ (gitignored: the reference cache commands keep)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != ".cache"}


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def ok(r) -> str:
    assert r.returncode == 0, r.stdout + r.stderr
    assert TOKEN not in r.stdout + r.stderr and not any(p in r.stdout + r.stderr for p in PASSWORDS.values())
    return r.stdout


def tasks_of(ls, title: str) -> dict:
    p = studio.find_project(ls, title)
    assert p is not None, title
    return {t.data["doc_id"]: t for t in ls.tasks.list(project=p.id, fields="all")}


def annotation_ids(task) -> list[int]:
    return sorted(a["id"] if isinstance(a, dict) else a.id for a in task.annotations or [])


def submit(client, task, doc: Document) -> None:
    """An annotator submits ``doc``'s layers on ``task`` (the result JSON the labelling page sends)."""
    client.annotations.create(id=task.id, result=to_result(doc), was_cancelled=False)


def pulled_lines(stdout: str) -> dict[str, list[str]]:
    """``== doc [annotator]: ...`` header -> its change lines, from a pull's output."""
    out: dict[str, list[str]] = {}
    key = None
    for ln in stdout.splitlines():
        if ln.startswith("== "):
            key = ln.split(":")[0][3:]
            out[key] = []
        elif ln.startswith("   ") and key:
            out[key].append(ln.strip())
        else:
            key = None
    return out


def test_an_annotation_team_extends_the_corpus(live, tmp_path):
    root = live.root
    docs, which = corpus.source_documents()
    assert which == "gold"
    by_id = {d.doc_id: d for d in docs}
    start = snap(root)

    # -- 1. accounts: made by the administrator, checked by a real login; idempotent; nothing secret printed
    pw = {}
    for email, name in TEAM.items():
        pw[email] = tmp_path / f"{email}.pw"
        pw[email].write_text(PASSWORDS[email] + "\n", encoding="utf-8")
        out = ok(live.cli("add-user", email, "--name", name, "--password-file", str(pw[email])))
        assert f"created the Label Studio user {email}" in out and f"name {name!r}" in out
        assert "logs in at" in out and "own API token (not shown)" in out
    out = ok(live.cli("add-user", ANN1, "--name", TEAM[ANN1], "--password-file", str(pw[ANN1])))
    assert f"already had the Label Studio user {ANN1}" in out and "renamed" not in out
    wrong = tmp_path / "wrong.pw"
    wrong.write_text("not-the-password\n", encoding="utf-8")
    r = live.cli("add-user", ANN1, "--password-file", str(wrong))
    assert r.returncode == 1 and "this password does not log in" in r.stderr
    # a user made through the API (as push makes stand-ins) cannot log in until its password is set
    live.ls.users.create(username="ann3@example.org", email="ann3@example.org")
    r = live.cli("add-user", "ann3@example.org", "--password-file", str(wrong))
    assert r.returncode == 1 and "--reset-password" in r.stderr
    out = ok(live.cli("add-user", "ann3@example.org", "--password-file", str(wrong), "--reset-password"))
    assert "reset the password of the Label Studio user ann3@example.org" in out
    accounts.login(live.url, "ann3@example.org", "not-the-password")
    with pytest.raises(TahalufError, match="refused to sign up"):  # no sign-up without the invite link
        accounts.signup(live.url, "not-the-invite-token", "intruder@example.org", "long-enough-1")
    token_file = tmp_path / "ann2.token"
    ok(live.cli("add-user", ANN2, "--password-file", str(pw[ANN2]), "--token-file", str(token_file)))
    assert os.stat(token_file).st_mode & 0o777 == 0o600
    clients = {}
    for email, name in TEAM.items():  # each annotator: the login form, then their own token
        session = accounts.login(live.url, email, PASSWORDS[email])
        assert session.whoami()["email"] == email and session.whoami()["first_name"] == name
        clients[email] = studio.client(live.url, session.token())
    assert token_file.read_text(encoding="utf-8").strip() == accounts.login(live.url, ANN2, PASSWORDS[ANN2]).token()
    ids = {email: accounts.login(live.url, email, PASSWORDS[email]).whoami()["id"] for email in TEAM}
    assert snap(root) == start

    # -- 2. a running project: the gold as pre-annotations; annotator 1 fixes an entity
    out = ok(live.cli("push", "--project", REVIEW, "--source", "gold", "--predictions", "gold-v2"))
    assert "5 task(s), 5 prediction(s)" in out
    review = tasks_of(live.ls, REVIEW)
    a_doc, b_doc = by_id["004_b236d4533db216b8"], by_id["002_38ce8d431084eb1f"]
    k, ent = next((i, e) for i, e in enumerate(a_doc.entities) if e.label == "ORG")
    fixed = Span.of(a_doc.text, ent.start, ent.end, "NORP")
    # ... and gives one quotation a speaker the registry lacks, in the page's "new speaker" box
    qa = a_doc.quotes[0]
    a_new = a_doc.with_layers(entities=a_doc.entities[:k] + (fixed,) + a_doc.entities[k + 1:], annotator=ANN1,
                              quotes=(dataclasses.replace(qa, speaker_id=NEW_SPEAKER[0]),) + a_doc.quotes[1:])
    result = [r for r in to_result(a_new) if not (r.get("from_name") == "speaker_id" and r["id"] == qa.quote_id)]
    result.append({"id": qa.quote_id, "from_name": "new_speaker", "to_name": "text", "type": "textarea",
                   "origin": "manual", "value": {"start": qa.span.start, "end": qa.span.end,
                                                 "text": [" | ".join(NEW_SPEAKER)]}})
    clients[ANN1].annotations.create(id=review[a_doc.doc_id].id, result=result, was_cancelled=False)

    # the schema gets a target (data, not Python); only the schema and the labelling config change
    before = snap(root)
    ok(live.tahaluf("schema", "add-target", *T4))
    assert changed(before, snap(root)) == {"annotation/schema.json", "annotation/labeling_config.xml"}
    schema = schema_from_json(read_json(root / "annotation" / "schema.json"))
    assert schema.target("stance_t4").required is False

    # the running project changes in place: same tasks, same annotation, same predictions, the new config
    before = snap(root)
    r = live.cli("push", "--project", REVIEW)
    assert r.returncode == 1 and "--update" in r.stderr  # a plain push would re-import: it refuses, names --update
    out = ok(live.cli("push", "--project", REVIEW, "--update"))
    assert "config updated" in out and ": 0 task(s)" in out
    after = tasks_of(live.ls, REVIEW)
    assert {d: t.id for d, t in after.items()} == {d: t.id for d, t in review.items()}
    assert len(annotation_ids(after[a_doc.doc_id])) == 1 and all(len(t.predictions) == 1 for t in after.values())
    config = live.ls.projects.get(id=studio.find_project(live.ls, REVIEW).id).label_config
    assert 'name="stance_t4"' in config and "T4 (stance_t4)" in config
    assert snap(root) == before

    # annotator 2 labels the new target on one quotation and for the article
    q = b_doc.quotes[0]
    b_new = b_doc.with_layers(
        quotes=(dataclasses.replace(q, stance={**q.stance, "stance_t4": "AGAINST"}),) + b_doc.quotes[1:],
        doc_stance={**b_doc.doc_stance, "stance_t4": "NONE"}, annotator=ANN2)
    submit(clients[ANN2], after[b_doc.doc_id], b_new)

    # the pull: exactly those changes, credited to the real editors; then exactly those two gold files
    assert diff_documents(a_doc, a_new) == [
        Change("~", "entity", ent.start, ent.end, "label", "ORG", "NORP", ent.text),
        Change("~", "quote", qa.span.start, qa.span.end, "speaker_id", qa.speaker_id, NEW_SPEAKER[0], qa.span.text)]
    assert diff_documents(b_doc, b_new) == [
        Change("~", "quote", q.span.start, q.span.end, "stance_t4", None, "AGAINST", q.span.text),
        Change("~", "document", None, None, "stance_t4", None, "NONE")]
    out = ok(live.cli("pull", "--project", REVIEW, "--allow-missing", "--dry-run"))
    assert pulled_lines(out) == {f"{a_doc.doc_id} [{ANN1}]": [str(c) for c in diff_documents(a_doc, a_new)],
                                 f"{b_doc.doc_id} [{ANN2}]": [str(c) for c in diff_documents(b_doc, b_new)]}, out
    assert f"new speaker {NEW_SPEAKER[0]}: {NEW_SPEAKER[1]} / {NEW_SPEAKER[2]}" in out
    before = snap(root)
    out = ok(live.cli("pull", "--project", REVIEW, "--allow-missing"))
    gold = "annotation/gold"
    # the two gold files, and with them (one all-or-nothing write) the registry and the config that lists it
    assert changed(before, snap(root)) == {f"{gold}/{a_doc.doc_id}.json", f"{gold}/{b_doc.doc_id}.json",
                                           "annotation/speakers.json", "annotation/labeling_config.xml"}
    registry = read_json(root / "annotation" / "speakers.json")
    assert registry[:-1] == read_json(ROOT / "annotation" / "speakers.json")  # appended; the others as they were
    assert {k: registry[-1].get(k) for k in ("speaker_id", "name_en", "spellings", "role", "affiliation")} == {
        "speaker_id": NEW_SPEAKER[0], "name_en": NEW_SPEAKER[1], "spellings": [NEW_SPEAKER[2]],
        "role": NEW_SPEAKER[3], "affiliation": NEW_SPEAKER[4]}
    assert f'"{NEW_SPEAKER[0]}"' in (root / "annotation" / "labeling_config.xml").read_text(encoding="utf-8")
    for want in (a_new, b_new):
        base = Document(want.doc_id, want.text, want.metadata)
        back, found = read_export(root / gold / f"{want.doc_id}.json", {want.doc_id: base}, schema=schema)
        assert found == [] and back == [want]

    # build, and per-target scores: stance_t4 is scored on its own; every T1 figure is what it was
    ok(live.tahaluf("validate"))
    before = snap(root)
    ok(live.tahaluf("build"))
    built = changed(before, snap(root))
    assert built and all(k.startswith("dataset/") for k in built), built
    sub = str(ROOT / "baselines" / "stance-tfidf-lr" / "lodo.jsonl")
    argv = ("evaluate", sub, "--task", "stance", "--protocol", "lodo", "--missing-stance", "wrong", "--json")
    new = json.loads(ok(live.tahaluf(*argv)))
    old = json.loads(_in_repo(*argv))
    t1_new, t1_old = dict(new["per_target"]["stance_t1"]), dict(old["per_target"]["stance_t1"])
    assert t1_new.pop("signature") != t1_old.pop("signature")  # the data hash: the gold has changed ...
    assert t1_new == t1_old  # ... but no T1 figure has
    assert "stance_t4" in new["per_target"] and "stance_t4" not in old["per_target"]

    # -- 3. blind double annotation: blank tasks, two annotators each, one folder per annotator
    out = ok(live.cli("push", "--project", BLIND, "--blank", "--annotations-per-task", "2"))
    assert "5 task(s), no annotation (blank tasks)" in out
    blind = tasks_of(live.ls, BLIND)
    c_doc = by_id["000_fccf310b8a8da4fc"]
    e0, e1 = c_doc.entities[:2]
    q0 = dataclasses.replace(c_doc.quotes[0], cue=None, source=None)
    other = next(lab for lab in schema.entity_labels if lab != e1.label)
    work = {
        ANN1: c_doc.with_layers(entities=(e0, e1), doc_stance={**c_doc.doc_stance, "stance_t4": "NONE"}, annotator=ANN1,
                                quotes=(dataclasses.replace(q0, stance={**q0.stance, "stance_t4": "FAVOR"}),)),
        ANN2: c_doc.with_layers(entities=(e0, Span.of(c_doc.text, e1.start, e1.end, other)), annotator=ANN2,
                                doc_stance={**c_doc.doc_stance, "stance_t4": "NONE"},
                                quotes=(dataclasses.replace(q0, stance={**q0.stance, "stance_t4": "AGAINST"}),)),
    }
    for email, doc in work.items():
        submit(clients[email], blind[c_doc.doc_id], doc)
    export = studio.export_tasks(live.ls, studio.find_project(live.ls, BLIND).id)
    task = next(t for t in export if t["data"]["doc_id"] == c_doc.doc_id)
    assert sorted(a["completed_by"] for a in task["annotations"]) == sorted(ids.values())

    team = tmp_path / "team"
    before = snap(root)
    out = ok(live.cli("pull", "--project", BLIND, "--allow-missing", "--out", str(team)))
    assert f"== {c_doc.doc_id} [{ANN1}]" in out and f"== {c_doc.doc_id} [{ANN2}]" in out
    assert sorted(p.relative_to(team).as_posix() for p in team.rglob("*.json")) == [
        f"{ANN1}/{c_doc.doc_id}.json", f"{ANN2}/{c_doc.doc_id}.json"]
    assert snap(root) == before

    # agreement between the two annotators, worded for that case
    r = live.tahaluf("agreement", "--a", str(team / ANN1), "--b", str(team / ANN2))
    text = ok(r).splitlines()[0]
    assert text == f"Agreement between two annotators: annotator {ANN2} (B) against annotator {ANN1} (A) (1 document)"
    rep = json.loads(ok(live.tahaluf("agreement", "--a", str(team / ANN1), "--b", str(team / ANN2), "--json")))
    strict = rep["entities"]["strict"]["overall"]
    assert (strict["n_a"], strict["n_b"], strict["tp"]) == (2, 2, 1)
    assert rep["stance"]["stance_t1"]["quotes"]["agree"] == 1 and rep["stance"]["stance_t4"]["quotes"]["agree"] == 0
    # ... and between one annotator and the gold, on the article they share
    r = live.tahaluf("agreement", "--a", "annotation/gold", "--b", str(team / ANN1))
    assert r.returncode == 1 and "cover different documents" in r.stderr
    out = ok(live.tahaluf("agreement", "--a", "annotation/gold", "--b", str(team / ANN1), "--shared"))
    assert out.splitlines()[0] == (f"Agreement of an annotator with the adjudicated gold: annotator {ANN1} (B) "
                                   f"against the gold (A) (1 document; only the articles both annotate)")
    rep = json.loads(ok(live.tahaluf("agreement", "--a", "annotation/gold", "--b", str(team / ANN1), "--shared",
                                     "--json")))
    strict = rep["entities"]["strict"]["overall"]
    assert (strict["n_a"], strict["n_b"], strict["tp"]) == (len(c_doc.entities), 2, 2)
    assert rep["left_out"]["a"] == sorted(set(by_id) - {c_doc.doc_id}) and rep["left_out"]["b"] == []
    assert snap(root) == before

    # -- 4. a new article, end to end: add-article -> push adds only its task -> label -> pull -> build
    art = tmp_path / "article.txt"
    art.write_bytes(ARTICLE.encode("utf-8"))
    before = snap(root)
    out = ok(live.tahaluf("add-article", str(art), "--split", "train", "--date", "2021-03-04"))
    new_id = out.split()[1]
    assert changed(before, snap(root)) == {f"seeds/{new_id}.txt", "seeds/metadata.json", "annotation/schema.json"}
    before = snap(root)
    out = ok(live.cli("push", "--project", REVIEW, "--update"))
    assert ": 1 task(s)" in out
    review2 = tasks_of(live.ls, REVIEW)
    assert set(review2) == set(review) | {new_id}
    assert {d: t.id for d, t in review2.items() if d != new_id} == {d: t.id for d, t in review.items()}
    assert review2[new_id].annotations in (None, []) and review2[new_id].predictions in (None, [])
    text = ARTICLE
    qs = text.index("قواته")
    qe = text.index("العراقية") + len("العراقية")
    speaker = b_doc.quotes[0].speaker_id
    fresh = Document(new_id, text, {}).with_layers(
        entities=(Span.of(text, text.index("التحالف الدولي"), text.index("التحالف الدولي") + len("التحالف الدولي"),
                          "ORG"),
                  Span.of(text, text.index("العراق"), text.index("العراق") + len("العراق"), "GPE")),
        quotes=(Quote("q01", Span.of(text, qs, qe, "QUOTE"), "indirect", speaker,
                      stance={"stance_t1": "FAVOR", "stance_t2": "NONE", "stance_t3": "NONE"}),),
        doc_stance={"stance_t1": "FAVOR", "stance_t2": "NONE", "stance_t3": "NONE"}, annotator=ANN1)
    submit(clients[ANN1], review2[new_id], fresh)
    out = ok(live.cli("pull", "--project", REVIEW, "--allow-missing"))
    assert pulled_lines(out) == {f"{a_doc.doc_id} [{ANN1}]": [], f"{b_doc.doc_id} [{ANN2}]": [],  # pulled already
                                 f"{new_id} [{ANN1}]": [str(c) for c in diff_documents(None, fresh)]}, out
    assert len(diff_documents(None, fresh)) == 6
    assert f"no longer pending (annotation pulled into the gold): {new_id}" in out
    assert changed(before, snap(root)) == {f"{gold}/{new_id}.json", "seeds/metadata.json"}
    assert "annotation" not in read_json(root / "seeds" / "metadata.json")["documents"][-1]
    ok(live.tahaluf("validate"))
    before = snap(root)
    ok(live.tahaluf("build"))
    built = changed(before, snap(root))
    assert built and all(k.startswith("dataset/") for k in built), built
    train = "".join((root / "dataset").rglob("train.jsonl").__next__().read_text(encoding="utf-8").splitlines())
    assert new_id in train


def _in_repo(*argv: str) -> str:
    """A tahaluf command run in the repository itself (not the copy), for figures to compare against."""
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAHALUF_")}
    r = subprocess.run([sys.executable, "-m", "tahaluf", *argv], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=600, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_the_labelling_page_in_a_browser(live):
    """An annotator logs in (the login form, its CSRF token), and headless Chromium, given that session
    cookie, opens a task's labelling page: every target's header (with its Arabic wording) and the
    article's Arabic text are in the page, and the screenshots are not blank."""
    from PIL import Image

    from tahaluf.core.schema import SCHEMA
    from tahaluf.formats.labelconfig import target_label
    from tahaluf.viewer import find_chromium
    if not find_chromium():
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail("chromium not found (CI=true: the browser test must run in CI)", pytrace=False)
        pytest.skip("chromium not found: apt-get install chromium fonts-noto-core (or set TAHALUF_CHROMIUM)")
    from cdp import Browser

    email, password = "page-viewer@example.org", secrets.token_urlsafe(12)
    accounts.add_user(live.ls, live.url, TOKEN, email, password, name="Page Viewer")
    docs, _ = corpus.source_documents()
    doc = docs[4]
    report = studio.push(live.ls, [[doc]], title="Tahaluf page", blank=True)
    task = next(iter(tasks_of(live.ls, "Tahaluf page").values()))
    session = accounts.login(live.url, email, password)
    headers = [f"{target_label(t.name)} ({t.name})" for t in SCHEMA.stance_targets]
    assert "T2 (stance_t2)" in headers
    line = next(ln for ln in doc.text.splitlines() if len(ln) > 40)[:40].strip()
    ARTIFACTS.mkdir(exist_ok=True)
    with Browser(width=1400, height=1600) as b:
        b.set_cookies(live.url, {"sessionid": session.cookie("sessionid"), "csrftoken": session.cookie("csrftoken")})
        b.open(f"{live.url}/projects/{report.project_id}/data?task={task.id}")
        needles = [line, *headers, *(t.description_ar for t in SCHEMA.stance_targets)]
        dom = b.wait_for(needles, timeout=120)
        assert "/user/login" not in b.evaluate("location.href")
        shots = {"labelstudio-task.png": b.screenshot()}
        scrolled = b.evaluate("""(() => {
            const el = [...document.querySelectorAll('*')].find(
                e => e.childElementCount === 0 && e.textContent.startsWith('T2 (stance_t2)'));
            if (!el) return false;
            el.scrollIntoView({block: 'center'});
            return true; })()""")
        assert scrolled
        b.wait_for(headers, timeout=10)
        shots["labelstudio-targets.png"] = b.screenshot()
    (ARTIFACTS / "labelstudio-task.html").write_text(dom, encoding="utf-8")
    assert all(n in dom for n in needles)
    for name, png in shots.items():
        (ARTIFACTS / name).write_bytes(png)
        im = Image.open(ARTIFACTS / name).convert("RGB")
        assert im.size == (1400, 1600), name
        counts = sorted((n for n, _ in im.getcolors(maxcolors=1 << 22)), reverse=True)
        assert len(counts) > 50 and counts[0] < 0.95 * im.size[0] * im.size[1], f"{name} looks blank"
