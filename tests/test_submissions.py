"""Onto the leaderboard: `tahaluf submit`, re-scoring every entry, refusals, paired comparison."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import jsonl_bytes
from tahaluf.corpus import load_speakers, source_documents
from tahaluf.leaderboard import build, collect, tables
from tahaluf.scoring.compare import headline_counts, paired
from tahaluf.scoring.entries import EntryRefused, verify_entry, write_submission
from tahaluf.scoring.evaluate import evaluate_submission_file
from tahaluf.scoring.submission import gold_submission
from tahaluf.scoring.tasks import TASKS, get

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "baselines"
DOCS, REF = source_documents()


def _tahaluf(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tahaluf", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def _submit(tmp_path, pred=BASE / "entities-crf" / "lodo.jsonl", name="crf-copy", *extra):
    return _tahaluf("submit", str(pred), "--task", "entities", "--protocol", "lodo", "--name", name,
                    "--description", "a copy of entities-crf", "--out", str(tmp_path / "submissions"), *extra)


def test_submit_writes_predictions_and_results_with_provenance(tmp_path):
    r = _submit(tmp_path)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "submissions" / "crf-copy"
    assert sorted(p.name for p in folder.iterdir()) == ["lodo.jsonl", "results.json"]
    assert (folder / "lodo.jsonl").read_bytes() == (BASE / "entities-crf" / "lodo.jsonl").read_bytes()
    res = json.loads((folder / "results.json").read_text())
    prov = res["runs"]["lodo"]["provenance"]
    assert set(prov) == {"command", "tahaluf_version", "data", "signature", "date", "predictions_sha256"}
    assert prov["command"].startswith("tahaluf submit ") and "--protocol lodo" in prov["command"]
    assert prov["data"] == res["data"] and f"|data:{res['data']}|" in prov["signature"]
    assert "protocol:lodo" in prov["signature"] and "space:char" in prov["signature"]
    base = json.loads((BASE / "entities-crf" / "results.json").read_text())["runs"]["lodo"]["score"]
    assert res["runs"]["lodo"]["score"]["strict"] == base["strict"]
    # a second run under the same name adds the test run and keeps lodo
    r = _tahaluf("submit", str(BASE / "entities-crf" / "test.jsonl"), "--task", "entities", "--split", "test",
                 "--name", "crf-copy", "--description", "a copy", "--out", str(tmp_path / "submissions"))
    assert r.returncode == 0, r.stderr
    res = json.loads((folder / "results.json").read_text())
    assert list(res["runs"]) == ["lodo", "test"] and (folder / "test.jsonl").exists()


def test_leaderboard_rescores_and_lists_a_submission(tmp_path):
    assert _submit(tmp_path).returncode == 0
    board = build(collect(BASE, tmp_path / "submissions"))
    rows = {r["system"]: r for r in board["tasks"]["entities"]["rows"]}
    assert rows["crf-copy"]["kind"] == "submission"
    assert rows["crf-copy"]["values"] == rows["entities-crf"]["values"][:-1] + [None]  # no test run
    assert rows["crf-copy"]["vs_best"]["difference"] == rows["entities-crf"]["vs_best"]["difference"]
    r = _tahaluf("leaderboard", "--dry-run", "--submissions", str(tmp_path / "submissions"))
    assert r.returncode == 0, r.stderr
    assert "| crf-copy (submission) |" in r.stdout


def _refusal(tmp_path) -> str:
    r = _tahaluf("leaderboard", "--dry-run", "--submissions", str(tmp_path / "submissions"))
    assert r.returncode == 1, r.stdout
    return r.stderr


def test_tampered_results_are_refused(tmp_path):
    assert _submit(tmp_path).returncode == 0
    path = tmp_path / "submissions" / "crf-copy" / "results.json"
    res = json.loads(path.read_text())
    res["runs"]["lodo"]["score"]["strict"]["micro"]["f1"] = 0.99  # the hand-edited LODO F1
    path.write_text(json.dumps(res))
    err = _refusal(tmp_path)
    assert "submissions/crf-copy: refused" in err and "differ from the re-score" in err
    assert "strict.micro.f1: recorded 0.99, re-scored 0.762827" in err
    with pytest.raises(EntryRefused, match="differ from the re-score"):
        collect(BASE, tmp_path / "submissions")


def test_folder_without_results_or_predictions_is_refused_not_skipped(tmp_path):
    (tmp_path / "submissions" / "nothing-here").mkdir(parents=True)
    assert "submissions/nothing-here: refused: no results.json" in _refusal(tmp_path)
    shutil.rmtree(tmp_path / "submissions")
    assert _submit(tmp_path).returncode == 0
    (tmp_path / "submissions" / "crf-copy" / "lodo.jsonl").unlink()
    assert "run 'lodo' has no predictions file" in _refusal(tmp_path)


def test_entry_for_other_data_is_refused(tmp_path):
    assert _submit(tmp_path).returncode == 0
    path = tmp_path / "submissions" / "crf-copy" / "results.json"
    res = json.loads(path.read_text())
    res["data"] = "000000000000"
    path.write_text(json.dumps(res))
    assert "signature does not match the current corpus" in _refusal(tmp_path)
    res = json.loads(path.read_text())
    res["data"] = json.loads((BASE / "entities-crf" / "results.json").read_text())["data"]
    res["runs"]["lodo"]["score"]["signatures"]["strict"] = res["runs"]["lodo"]["score"]["signature"].replace(
        "|data:", "|data:0")
    path.write_text(json.dumps(res))
    assert "does not match the current corpus and package" in _refusal(tmp_path)


def test_baselines_go_through_the_same_path(tmp_path):
    shutil.copytree(BASE / "quotes-rule", tmp_path / "b" / "quotes-rule")
    entry = verify_entry(tmp_path / "b" / "quotes-rule", DOCS, REF, speakers=load_speakers())
    assert set(entry.subs) == {"lodo", "test", "validation"}
    path = tmp_path / "b" / "quotes-rule" / "results.json"
    res = json.loads(path.read_text())
    res["runs"]["test"]["score"]["quote"]["exact"]["ci95"]["f1"][1] = 1.0
    path.write_text(json.dumps(res))
    with pytest.raises(EntryRefused, match=r"run 'test'.*quote\.exact\.ci95\.f1\[1\]"):
        verify_entry(tmp_path / "b" / "quotes-rule", DOCS, REF, speakers=load_speakers())


def test_refused_predictions_write_nothing(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "nope", "entities": []}\n')
    r = _submit(tmp_path, bad)
    assert r.returncode == 3 and "unknown-document" in r.stderr
    assert not (tmp_path / "submissions").exists() or not any((tmp_path / "submissions").iterdir())
    r = _submit(tmp_path, BASE / "entities-crf" / "lodo.jsonl", "entities-crf")
    assert r.returncode == 1 and "taken by a baseline" in r.stderr
    r = _submit(tmp_path, BASE / "entities-crf" / "lodo.jsonl", "../escape")
    assert r.returncode == 1 and "submission name" in r.stderr


def test_protocol_is_a_known_choice_never_copied_into_the_signature(tmp_path):
    r = _tahaluf("evaluate", str(BASE / "entities-crf" / "lodo.jsonl"), "--task", "entities",
                 "--protocol", "lodo|ref:gold|data:000000000000")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = _submit(tmp_path, BASE / "entities-crf" / "lodo.jsonl", "x", "--protocol", "lodo|data:0")
    assert r.returncode == 2


def test_bio_and_char_entity_scores_are_separate_sections(tmp_path):
    pred = tmp_path / "bio.jsonl"
    pred.write_bytes(jsonl_bytes(gold_submission(DOCS, "entities", bio=True)))
    write_submission(pred, task="entities", name="gold-bio", description="the gold as BIO", protocol="lodo",
                     out_dir=tmp_path / "submissions", docs=DOCS, reference=REF)
    board = build(collect(BASE, tmp_path / "submissions"))
    assert [r["system"] for r in board["tasks"]["entities_bio"]["rows"]] == ["gold-bio"]
    assert "gold-bio" not in {r["system"] for r in board["tasks"]["entities"]["rows"]}
    assert all("space:token" in s for sigs in board["tasks"]["entities_bio"]["signatures"].values() for s in sigs)
    assert all("space:char" in s for sigs in board["tasks"]["entities"]["signatures"].values() for s in sigs)
    assert "Named entities (BIO tokens" in tables(board)
    sub_bio = verify_entry(tmp_path / "submissions" / "gold-bio", DOCS, REF).subs["lodo"]
    crf = verify_entry(BASE / "entities-crf", DOCS, REF).subs["lodo"]
    with pytest.raises(TahalufError, match="not comparable"):
        paired(sub_bio, crf)


@pytest.mark.parametrize("task", list(TASKS))
def test_headline_counts_give_the_scorers_headline(task):
    system = {"entities": "entities-crf", "quotes": "quotes-crf", "stance": "stance-tfidf-lr"}[task]
    speakers = load_speakers()
    sub, score = evaluate_submission_file(BASE / system / "lodo.jsonl", task=task, split="all", docs=DOCS,
                                          reference=REF, protocol="lodo", speakers=speakers, bootstrap=None)
    per, metric, _ = headline_counts(sub, speakers=speakers)
    assert round(float(metric(per.sum(0))), 6) == get(score, TASKS[task].headline.path)


def _brute_p(pa, pb, metric):
    """The permutation p-value by explicit swapping of whole articles, one assignment at a time."""
    n = len(pa)
    obs = abs(metric(sum(pa)) - metric(sum(pb)))
    hits = 0
    for s in itertools.product((0, 1), repeat=n):
        a = sum(pb[k] if s[k] else pa[k] for k in range(n))
        b = sum(pa[k] if s[k] else pb[k] for k in range(n))
        hits += abs(metric(a) - metric(b)) >= obs - 1e-12
    return hits / 2 ** n


def test_permutation_p_value_and_its_floor():
    speakers = load_speakers()
    a = verify_entry(BASE / "quotes-rule", DOCS, REF, speakers=speakers).subs["lodo"]
    b = verify_entry(BASE / "quotes-crf", DOCS, REF, speakers=speakers).subs["lodo"]
    res = paired(a, b, speakers=speakers)
    pa, metric, _ = headline_counts(a, speakers=speakers)
    pb, _, _ = headline_counts(b, speakers=speakers)
    assert res["permutation"]["p_value"] == round(_brute_p(list(pa), list(pb), lambda s: float(metric(s))), 6)
    assert res["permutation"]["n_assignments"] == 32 and res["permutation"]["p_floor"] == 0.0625
    assert "cannot give p below 1/2^4 = 0.0625" in res["note"]
    lo, hi = res["bootstrap"]["ci95"]
    assert lo <= res["difference"] <= hi
    rev = paired(b, a, speakers=speakers)
    assert rev["permutation"]["p_value"] == res["permutation"]["p_value"]
    assert rev["difference"] == -res["difference"]
    # a system against the reference itself: the smallest p five articles allow, and no mark
    gold = gold_submission(DOCS, "quotes")
    from tahaluf.scoring.submission import load_submission
    g = load_submission(gold, task="quotes", docs=DOCS, speakers=speakers)
    best = paired(g, b, speakers=speakers)
    assert best["permutation"]["p_value"] == 0.0625 and not best["permutation"]["significant"]
    assert best["bootstrap"]["excludes_zero"]


def test_compare_command_prints_both_tests():
    r = _tahaluf("compare", "stance-tfidf-lr", "stance-majority", "--task", "stance")
    assert r.returncode == 0, r.stderr
    assert "paired bootstrap over articles: 95% CI [+0.184, +0.355]" in r.stdout
    assert "exact paired permutation over articles: p = 0.0625" in r.stdout
    assert "floor 0.0625" in r.stdout and "no significant difference" in r.stdout
    r = _tahaluf("compare", "entities-crf", "nothing", "--task", "entities")
    assert r.returncode == 1 and "neither a predictions file nor an entry" in r.stderr



def test_degenerate_intervals_are_flagged_and_warned():
    from tahaluf.scoring.evaluate import evaluate
    from tahaluf.scoring.report import render
    for split, n, distinct in (("test", 2, 3), ("validation", 1, 1)):
        res = evaluate(BASE / "quotes-rule" / f"{split}.jsonl", task="quotes", split=split, docs=DOCS, reference=REF)
        assert res["intervals"] == {"n_docs": n, "n_distinct_samples": distinct, "degenerate": True,
                                    "warning": res["intervals"]["warning"]}
        assert "not meaningful" in res["intervals"]["warning"]
        assert "warning: the intervals rest on" in render(res)
    res = evaluate(BASE / "quotes-rule" / "lodo.jsonl", task="quotes", docs=DOCS, reference=REF, protocol="lodo")
    assert not res["intervals"]["degenerate"] and res["intervals"]["n_distinct_samples"] >= 20
    assert "warning:" not in render(res)
    board = build(collect(BASE))
    rows = board["tasks"]["quotes"]["rows"]
    test_col = board["tasks"]["quotes"]["columns"].index("test quote+speaker F1")
    assert all(r["flags"][test_col] and not r["flags"][0] for r in rows)
    assert "]† |" in tables(board)


def test_lodo_is_reported_pooled_and_as_the_mean_over_folds():
    from tahaluf.scoring.evaluate import evaluate
    from tahaluf.scoring.report import render
    res = evaluate(BASE / "stance-tfidf-lr" / "lodo.jsonl", task="stance", docs=DOCS, reference=REF, protocol="lodo")
    for r in res["per_target"].values():
        vals = [d["macro_f1"] for d in r["per_doc"].values()]
        f = r["folds"]
        assert f["pooled"] == r["macro_f1"] and f["primary"] == "pooled" and f["n_folds"] == 5
        assert f["mean"] == round(sum(vals) / 5, 6) and f["min"] == min(vals) and f["max"] == max(vals)
        assert f["sd"] == round(float(np.std(vals, ddof=1)), 6)
    assert res["per_target"]["stance_t3"]["folds"]["mean"] != res["per_target"]["stance_t3"]["folds"]["pooled"]
    assert "pooled over the 5 held-out articles 0.633 (primary); mean over folds" in render(res)
    board = build(collect(BASE))
    t1 = board["tasks"]["stance_t1"]
    assert t1["columns"][:2] == ["LODO macro F1", "LODO macro F1, fold mean ± sd"]
    assert " ± " in tables(board)


def test_compare_flags_a_degenerate_interval():
    r = _tahaluf("compare", "quotes-rule", "quotes-crf", "--task", "quotes", "--split", "test", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["n_docs"] == 2 and res["bootstrap"]["degenerate"] and res["permutation"]["p_floor"] == 0.5
    r = _tahaluf("compare", "quotes-rule", "quotes-crf", "--task", "quotes", "--split", "test")
    assert "warning: the bootstrap interval rests on 2 article(s)" in r.stdout


def test_reference_option_scores_against_any_annotation(tmp_path):
    pred = str(BASE / "quotes-rule" / "test.jsonl")
    r = _tahaluf("evaluate", pred, "--task", "quotes", "--split", "test", "--reference", "pass_b", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["reference"] == "pass_b" and "|ref:pass_b|" in res["signature"]
    folder = tmp_path / "my annotations"
    shutil.copytree(ROOT / "annotation" / "passes" / "pass_b", folder)
    r = _tahaluf("evaluate", pred, "--task", "quotes", "--split", "test", "--reference", str(folder), "--json")
    assert r.returncode == 0, r.stderr
    res2 = json.loads(r.stdout)
    assert "|ref:folder|" in res2["signature"] and str(tmp_path) not in r.stdout.split('"signatures"')[1]
    assert res2["data"] == res["data"] and res2["quote"] == res["quote"]
    r = _tahaluf("evaluate", pred, "--task", "quotes", "--reference", "pass_b", "--data", str(ROOT / "dataset"))
    assert r.returncode == 2 and "give one" in r.stderr


def test_outside_a_clone_the_error_says_what_to_do(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TAHALUF_ROOT": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "tahaluf", "evaluate", "x.jsonl", "--task", "entities"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 1 and "pass --data DIR" in r.stderr and "$TAHALUF_ROOT" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_readme_loop(tmp_path):
    """load_dataset -> train -> row-shaped predictions -> evaluate -> submit -> leaderboard -> compare,
    the README's code run as it stands (the dataset path filled in)."""
    import re
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    loop = readme[readme.index("**The whole loop**"):]
    code = re.search(r"```python\n(.*?)```", loop, re.S).group(1)
    shell = re.search(r"```bash\n(.*?)```", loop, re.S).group(1).strip().splitlines()
    code = code.replace("/abs/path/to/tahaluf/dataset", str(ROOT / "dataset"))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "stance-test.jsonl").exists()
    out = {}
    for line in shell:
        import shlex
        argv = shlex.split(line.split("#")[0])[1:]
        if argv[0] == "submit":
            argv += ["--out", str(tmp_path / "submissions")]
        if argv[0] == "leaderboard":
            argv += ["--dry-run", "--submissions", str(tmp_path / "submissions")]
        if argv[0] == "compare":
            argv[1] = str(tmp_path / "submissions" / "my-majority")
        r = _tahaluf(*argv, cwd=tmp_path)
        assert r.returncode == 0, (line, r.stderr[-2000:])
        out[argv[0]] = r.stdout
    assert "warning: the intervals rest on 2 article(s)" in out["evaluate"]
    assert "| my-majority (submission) |" in out["leaderboard"]
    assert "paired bootstrap over articles" in out["compare"] and "exact paired permutation" in out["compare"]
    assert "floor 0.5000" in out["compare"]


def test_reference_from_a_dataset_folder_signs_like_the_clone(tmp_path):
    from tahaluf.scoring.source import from_dataset
    ref = from_dataset(ROOT / "dataset")
    assert ref.name == REF and len(ref.docs) == len(DOCS)
    from tahaluf.core.signatures import documents_hash
    assert ref.data == documents_hash(DOCS)
    for task, system in (("entities", "entities-crf"), ("quotes", "quotes-crf"), ("stance", "stance-tfidf-lr")):
        _, a = evaluate_submission_file(BASE / system / "lodo.jsonl", task=task, split="all", docs=DOCS,
                                        reference=REF, protocol="lodo", speakers=load_speakers())
        _, b = evaluate_submission_file(BASE / system / "lodo.jsonl", task=task, split="all", docs=ref.docs,
                                        reference=ref.name, protocol="lodo", speakers=ref.speakers, data_hash=ref.data)
        assert a == b, task
    copy = tmp_path / "dataset"
    shutil.copytree(ROOT / "dataset", copy)
    p = copy / "data" / "stance" / "test.jsonl"
    p.write_text(p.read_text().replace('"label": "FAVOR"', '"label": "NONE"', 1))
    with pytest.raises(TahalufError, match="changed after it was built"):
        from_dataset(copy)
    r = _tahaluf("evaluate", str(BASE / "stance-majority" / "test.jsonl"), "--task", "stance", "--split", "test",
                 "--data", str(copy))
    assert r.returncode == 1 and "changed after it was built" in r.stderr


def test_a_dataset_reference_knows_every_registry_speaker_and_alias(tmp_path):
    """``--data`` reads the registry from the ``speakers`` config: every id and alias is accepted, an id
    it does not list is refused with a message that names the config, a build without it is refused."""
    from tahaluf.dataset.configs import REGISTRY_SPLIT, data_file
    from tahaluf.scoring.source import REGISTRY_FILE, from_dataset
    assert REGISTRY_FILE == data_file("speakers", REGISTRY_SPLIT)
    ref = from_dataset(ROOT / "dataset")
    assert ref.speakers == load_speakers()
    alias, canonical = next((a, s.speaker_id) for s in ref.speakers.values() for a in s.aliases)
    recs = gold_submission(DOCS, "quotes")
    quoted = [q for r in recs for q in r["quotes"] if q["speaker_id"] == canonical]
    assert quoted  # the alias's speaker is quoted, so the alias is scored
    for q in quoted:
        q["speaker_id"] = alias
    pred = tmp_path / "alias.jsonl"
    pred.write_bytes(jsonl_bytes(recs))
    r = _tahaluf("evaluate", str(pred), "--task", "quotes", "--data", str(ROOT / "dataset"), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["speaker"]["accuracy"] == 1.0
    quoted[0]["speaker_id"] = "nobody_known"
    pred.write_bytes(jsonl_bytes(recs))
    r = _tahaluf("evaluate", str(pred), "--task", "quotes", "--data", str(ROOT / "dataset"))
    assert r.returncode == 3 and "[unknown-speaker]" in r.stderr, r.stderr
    assert "not in the speaker registry (the ids and aliases of the dataset's `speakers` config)" in r.stderr
    copy = tmp_path / "old-build"
    shutil.copytree(ROOT / "dataset", copy)
    rows = (copy / REGISTRY_FILE).read_bytes().splitlines(keepends=True)
    (copy / REGISTRY_FILE).unlink()  # as a build made before the config existed: its card hashes what is left
    _refit_card_hash(copy)
    with pytest.raises(TahalufError, match="no speakers config .*use a current build"):
        from_dataset(copy)
    (copy / REGISTRY_FILE).write_bytes(b"".join(rows + rows[:1]))  # one entry twice
    _refit_card_hash(copy)
    with pytest.raises(TahalufError, match="not a valid speaker registry") as e:
        from_dataset(copy)
    assert [f.id for f in e.value.findings] == ["duplicate-id"]


def _refit_card_hash(folder: Path) -> None:
    """Make a changed dataset folder's card record its data files hash, as a build of those files would."""
    import re
    from tahaluf.core.signatures import data_files_hash
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    old = re.search(r"full: `([0-9a-f]{64})`", text).group(1)
    card.write_text(text.replace(old, data_files_hash(folder, full=True)), encoding="utf-8")
