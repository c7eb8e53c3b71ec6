"""Baselines: they run, write valid submissions and documented results, are
deterministic, and the committed leaderboard is what `tahaluf reproduce`
regenerates."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tahaluf.baselines
from tahaluf.baselines import SYSTEMS, make, run_all, system
from tahaluf.baselines.base import Baseline
from tahaluf.baselines.features import proclitic_offset, span_start_forms
from tahaluf.baselines.results import RESULT_SCHEMA, key_paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.schema import SCHEMA
from tahaluf.corpus import load_speakers, source_documents
from tahaluf.leaderboard import build, collect, markdown, render
from tahaluf.scoring.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "baselines"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("baselines")
    run_all(None, out, show_progress=False)
    return out


def _tahaluf(*args, env=None):
    return subprocess.run([sys.executable, "-m", "tahaluf", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=600)


def _without_commit(path: Path) -> dict:
    d = json.loads(path.read_text(encoding="utf-8"))
    d.pop("git_commit")
    return d


def test_every_system_writes_its_folder(run_dir):
    for s in SYSTEMS:
        folder = run_dir / s.name
        assert sorted(p.name for p in folder.iterdir()) == ["lodo.jsonl", "results.json", "test.jsonl",
                                                            "validation.jsonl"], s.name
        res = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert res["system"] == s.name and res["task"] == s.task and res["config"] == s.config
        assert res["runs"]["lodo"]["score"]["signature"].startswith(f"tahaluf|task:{s.task}|")
        assert "|protocol:lodo|" in res["runs"]["lodo"]["score"]["signature"]
        assert "|split:test|" in res["runs"]["test"]["score"]["signature"]
        score = res["runs"]["lodo"]["score"]
        per_doc = score["per_target"]["stance_t1"]["per_doc"] if s.task == "stance" else score["per_doc"]
        assert len(per_doc) == 5


def test_predictions_are_valid_submissions_the_cli_scores(run_dir):
    """The written files go through the scorer's validation and give the recorded score."""
    docs, reference = source_documents()
    for s in SYSTEMS:
        res = json.loads((run_dir / s.name / "results.json").read_text(encoding="utf-8"))
        runs = (("lodo", "all", "lodo"), ("test", "test", None), ("validation", "validation", None))
        for run, split, protocol in runs:
            again = evaluate(run_dir / s.name / f"{run}.jsonl", task=s.task, split=split, docs=docs,
                             reference=reference, protocol=protocol, name=f"{s.name}/{run}.jsonl")
            assert again == res["runs"][run]["score"], (s.name, run)


def test_results_schema_is_documented_key_by_key(run_dir):
    for s in SYSTEMS:
        res = json.loads((run_dir / s.name / "results.json").read_text(encoding="utf-8"))
        keys = key_paths(res)
        assert keys - set(RESULT_SCHEMA) == set(), keys - set(RESULT_SCHEMA)
        assert set(RESULT_SCHEMA) - keys <= {"runs.*.folds", "runs.*.split"}  # protocol-specific keys


def test_baselines_are_sane(run_dir):
    def head(name, *path):
        d = json.loads((run_dir / name / "results.json").read_text(encoding="utf-8"))["runs"]["lodo"]["score"]
        for k in path:
            d = d[k]
        return d
    assert head("entities-majority", "strict", "micro", "f1") == 0.0
    for name in ("entities-gazetteer", "entities-logreg", "entities-crf"):
        assert head(name, "strict", "micro", "f1") > 0.5, name
    for name in ("quotes-rule", "quotes-crf"):
        assert head(name, "quote", "overlap", "f1") > 0.8, name
        assert head(name, "end_to_end", "overlap", "f1") > 0.5, name
    t1 = ("per_target", "stance_t1", "macro_f1")
    assert head("stance-tfidf-lr", *t1) > head("stance-majority", *t1)


def test_runs_are_byte_identical(run_dir, tmp_path):
    """A second run in a fresh process with another hash seed writes the same bytes (but git_commit)."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    r = _tahaluf("baselines", "--out", str(out), "--no-progress", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    for s in SYSTEMS:
        for name in ("lodo.jsonl", "test.jsonl", "validation.jsonl"):
            assert (out / s.name / name).read_bytes() == (run_dir / s.name / name).read_bytes(), (s.name, name)
        assert _without_commit(out / s.name / "results.json") == _without_commit(run_dir / s.name / "results.json")
    a, b = render(run_dir), render(out)
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a)  # PNGs included


def test_leaderboard_command_and_check(run_dir):
    def lb(*args):
        return _tahaluf("leaderboard", "--dir", str(run_dir), *args)
    r = lb()
    assert r.returncode == 0, r.stderr
    assert "| quotes-rule |" in r.stdout and "### Named entities" in r.stdout
    for rel in ("LEADERBOARD.md", "leaderboard.json", "plots/entities.png", "plots/quotes.png",
                *(f"plots/{t}.png" for t in SCHEMA.target_names)):
        assert (run_dir / rel).exists(), rel
    png = (run_dir / "plots" / "stance_t1.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert lb("--check").returncode == 0
    md = run_dir / "LEADERBOARD.md"
    md.write_text(md.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    r = lb("--check")
    assert r.returncode == 1 and "stale" in r.stderr
    assert lb().returncode == 0 and lb("--check").returncode == 0


def test_leaderboard_has_intervals_and_signatures(run_dir):
    board = build(collect(run_dir))
    assert list(board["tasks"]) == ["entities", "quotes", *SCHEMA.target_names]  # a stance section per target
    for t in board["tasks"].values():
        assert all(len(row["values"]) == len(t["columns"]) for row in t["rows"])
        assert all(ci is not None and (ci >= 0 if "fold mean" in h else ci[0] <= v <= ci[1]) for row in t["rows"]
                   for h, v, ci in zip(t["columns"], row["values"], row["intervals"]))
        assert all(sig.startswith("tahaluf|") for sigs in t["signatures"].values() for sig in sigs)
        firsts = [row["values"][0] for row in t["rows"]]
        assert firsts == sorted(firsts, reverse=True)
    assert "git_commit" not in json.dumps(board)
    assert "[" in markdown(board) and "protocol:lodo" in markdown(board)


def test_committed_outputs_are_what_reproduce_regenerates(run_dir):
    """baselines/ in the repository is up to date with the code and the data (run `tahaluf reproduce`)."""
    if not (COMMITTED / "leaderboard.json").exists():
        pytest.skip("no committed baselines/ yet")
    for s in SYSTEMS:
        for name in ("lodo.jsonl", "test.jsonl", "validation.jsonl"):
            assert (COMMITTED / s.name / name).read_bytes() == (run_dir / s.name / name).read_bytes(), \
                f"baselines/{s.name}/{name} is stale: run `tahaluf reproduce`"
        assert _without_commit(COMMITTED / s.name / "results.json") == \
            _without_commit(run_dir / s.name / "results.json"), f"baselines/{s.name}/results.json is stale"
    files = render(COMMITTED)
    for rel in ("LEADERBOARD.md", "leaderboard.json"):
        assert (COMMITTED / rel).read_bytes() == files[rel], f"baselines/{rel} is stale: run `tahaluf leaderboard`"


def test_progress_bar_on_request(tmp_path):
    r = _tahaluf("baselines", "--system", "stance-majority", "--out", str(tmp_path), "--progress")
    assert r.returncode == 0 and "fit" in r.stderr and "stance-majority" in r.stderr
    r = _tahaluf("baselines", "--system", "stance-majorty", "--out", str(tmp_path))
    assert r.returncode == 1 and "Did you mean 'stance-majority'?" in r.stderr


# -- the protocol ------------------------------------------------------------------------------

def test_unknown_hyperparameter_is_refused():
    from tahaluf.baselines.entities import CRF
    from tahaluf.baselines.stance import Majority
    with pytest.raises(TahalufError, match=r"entities\.CRF: unknown hyperparameter 'c3'\. "
                                           r"Available: c1, c2, max_iterations"):
        CRF(c1=0.1, c3=0.1)
    with pytest.raises(TahalufError, match=r"unknown hyperparameter 'max_iter'\. Did you mean 'max_iterations'\?"):
        CRF(max_iter=10)
    with pytest.raises(TahalufError, match=r"unknown hyperparameter 'C'\. It takes none"):
        Majority(C=1.0)
    assert CRF(c1=0.1).params == {"c1": 0.1, "c2": 0.05, "max_iterations": 100}


def test_a_misspelt_configuration_fails_before_anything_runs(tmp_path, monkeypatch):
    bad = dataclasses.replace(system("entities-crf"), config={"c1": 0.05, "max_iteration": 10})
    with pytest.raises(TahalufError, match=r"baseline 'entities-crf': .*'max_iteration'\. "
                                           r"Did you mean 'max_iterations'\?"):
        make(bad)
    monkeypatch.setattr(tahaluf.baselines, "SYSTEMS", (system("stance-majority"), bad))
    with pytest.raises(TahalufError, match="max_iteration"):
        run_all(None, tmp_path, show_progress=False)
    assert list(tmp_path.iterdir()) == []  # not even the valid system ran


def test_fit_and_predict_read_nothing_from_disk(monkeypatch):
    """The runner passes the registry in; a model that opens a file fails here."""
    docs, _ = source_documents()
    registry = load_speakers()

    def no_disk(*args, **kwargs):
        raise AssertionError("a baseline read from disk")

    for s in SYSTEMS:
        make(s).fit(docs[1:], registry).predict(docs[0])  # imports and caches warm
    with monkeypatch.context() as m:
        for name in ("open", "read_text", "read_bytes"):
            m.setattr(pathlib.Path, name, no_disk)
        m.setattr("builtins.open", no_disk)
        for s in SYSTEMS:
            model = make(s)
            assert isinstance(model, Baseline) and model.task == s.task
            assert model.fit(docs[:-1], registry) is model
            rec = model.predict(docs[-1])
            assert rec["doc_id"] == docs[-1].doc_id and s.task in rec, s.name


# -- characters from tokens ------------------------------------------------------------------

@pytest.mark.parametrize("token,known,offset", [
    ("للتحالف", (), 1), ("وللتحالف", (), 2), ("والعراق", (), 1), ("بالعراق", (), 1), ("وبالعراق", (), 2),
    ("فالعراق", (), 1), ("العراق", (), 0), ("داعش", (), 0), ("بداعش", (), 0), ("بداعش", ("داعش",), 1),
    ("وبغداد", ("بغداد",), 1), ("وواشنطن", ("واشنطن",), 1), ("واشنطن", ("واشنطن",), 0),
])
def test_proclitic_offset(token, known, offset):
    assert proclitic_offset(token, frozenset(known)) == offset


def test_predicted_entity_spans_follow_the_proclitic_rule(run_dir):
    """No predicted span starts with a proclitic the guidelines exclude (the validator's check)."""
    from tahaluf.core.model import Span
    from tahaluf.validate import boundary_findings
    docs = {d.doc_id: d for d in source_documents()[0]}
    bad = []
    for name in ("entities-gazetteer", "entities-logreg", "entities-crf"):
        for line in (run_dir / name / "lodo.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            text = docs[rec["doc_id"]].text
            for e in rec["entities"]:
                span = Span.of(text, e["start"], e["end"], e["label"])
                bad += [f for f in boundary_findings(span, text, name) if f.id == "proclitic-in-span"]
    assert bad == []


def test_oracle_tags_convert_back_to_the_reference_spans():
    """Gold BIO -> character spans recovers the reference (the conversion's fidelity)."""
    from tahaluf.baselines.entities import gold_tags, to_record
    docs, reference = source_documents()
    recs = []
    for d in docs:
        known = span_start_forms([x for x in docs if x.doc_id != d.doc_id],
                                 lambda x: [(e.start, e.end) for e in x.entities])
        recs.append(to_record(d, gold_tags(d), known))
    res = evaluate(recs, task="entities", docs=docs, reference=reference, bootstrap=None)
    assert res["strict"]["micro"]["f1"] > 0.97
    assert res["modes"]["exact"]["f1"] == res["strict"]["micro"]["f1"]  # only starts can differ, never types
    assert res["modes"]["partial"]["f1"] > 0.985
    assert np.isclose(res["modes"]["ent_type"]["f1"], 1.0)
