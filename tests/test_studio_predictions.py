"""A system's predictions (the submission format) as Label Studio pre-annotations, without a server.

``tahaluf studio push --source baselines/entities-crf --predictions crf``
reads the baseline's ``lodo.jsonl`` (:mod:`tahaluf.studio.predictions`);
here the documents it makes are checked against the records, turned into the
task JSON push sends, validated against the labelling config offline, and
read back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from tahaluf import corpus
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import jsonl_bytes
from tahaluf.formats.labelstudio import labeling_config, tasks_to_documents, to_task
from tahaluf.scoring.submission import gold_submission
from tahaluf.studio import interface_problems, roundtrip_problems
from tahaluf.studio.predictions import prediction_files, read_predictions

BASELINES = ROOT / "baselines"


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _task_json(docs, model_version):
    """What push sends for these documents, through JSON text."""
    return json.loads(json.dumps([to_task(d, as_prediction=model_version) for d in docs], ensure_ascii=False))


def test_a_baseline_folder_is_read_from_its_lodo_run():
    assert prediction_files(BASELINES / "entities-crf") == [BASELINES / "entities-crf" / "lodo.jsonl"]
    f = BASELINES / "entities-crf" / "test.jsonl"
    assert prediction_files(f) == [f]


def test_entity_predictions_become_predictions_with_their_model_version_and_nothing_else():
    docs, note = read_predictions(BASELINES / "entities-crf")
    assert "lodo.jsonl (entities; split all)" in note
    recs = {r["doc_id"]: r for r in _records(BASELINES / "entities-crf" / "lodo.jsonl")}
    assert [d.doc_id for d in docs] == [d.doc_id for d in corpus.load_gold()] == list(recs)
    for d in docs:
        assert [(e.start, e.end, e.label) for e in d.entities] == [
            (e["start"], e["end"], e["label"]) for e in recs[d.doc_id]["entities"]]
        assert d.quotes == () and d.doc_stance == {} and d.annotator is None  # layers not predicted: empty
    tasks = _task_json(docs, "crf")
    for t, d in zip(tasks, docs):
        assert "annotations" not in t and [p["model_version"] for p in t["predictions"]] == ["crf"]
        assert {r["from_name"] for r in t["predictions"][0]["result"]} == {"entity"}
        assert len(t["predictions"][0]["result"]) == len(d.entities)
    assert interface_problems(labeling_config(), docs) == []
    bases = {d.doc_id: d.with_layers(entities=(), quotes=(), doc_stance={}, annotator=None) for d in docs}
    back, found = tasks_to_documents(tasks, bases, use_predictions=True)
    assert found == [] and [b.with_layers(annotator=None) for b in back] == docs


def test_quotation_predictions_carry_type_speaker_cue_and_source():
    docs, _ = read_predictions(BASELINES / "quotes-crf")
    recs = {r["doc_id"]: r for r in _records(BASELINES / "quotes-crf" / "lodo.jsonl")}
    for d in docs:
        want = sorted((q["start"], q["end"], q["quote_type"], q["speaker_id"],
                       tuple(q["cue"].values()) if q["cue"] else None) for q in recs[d.doc_id]["quotes"])
        assert [(q.span.start, q.span.end, q.quote_type, q.speaker_id, (q.cue.start, q.cue.end) if q.cue else None)
                for q in d.quotes] == want
        assert [q.quote_id for q in d.quotes] == [f"q{i:02d}" for i in range(1, len(d.quotes) + 1)]
        assert d.entities == () and all(q.stance == {} for q in d.quotes)
        assert roundtrip_problems(d) == []
    assert interface_problems(labeling_config(), docs) == []


def test_stance_predictions_sit_on_the_reference_quotations():
    docs, _ = read_predictions(BASELINES / "stance-tfidf-lr")
    gold = {d.doc_id: d for d in corpus.load_gold()}
    recs = {r["doc_id"]: r for r in _records(BASELINES / "stance-tfidf-lr" / "lodo.jsonl")}
    for d in docs:
        ref = {q.quote_id: q for q in gold[d.doc_id].quotes}
        assert [(q.span.start, q.span.end) for q in d.quotes] == sorted((q.span.start, q.span.end)
                                                                        for q in ref.values())
        got = {((q.span.start, q.span.end), t): lab for q in d.quotes for t, lab in q.stance.items()}
        assert got == {((ref[i["quote_id"]].span.start, ref[i["quote_id"]].span.end), i["target"]): i["label"]
                       for i in recs[d.doc_id]["stance"]}
        assert all(q.quote_type == "" and q.speaker_id is None and q.cue is None for q in d.quotes)
        task = _task_json([d], "tfidf")[0]
        assert {r["from_name"] for r in task["predictions"][0]["result"]} <= {"quote", *d.quotes[0].stance}
        assert roundtrip_problems(d) == []
    assert interface_problems(labeling_config(), docs) == []


def test_bio_predictions_go_back_to_character_spans(tmp_path):
    gold = corpus.load_gold()
    f = tmp_path / "bio.jsonl"
    f.write_bytes(jsonl_bytes(gold_submission(gold, "entities", bio=True)))
    docs, note = read_predictions(f)
    assert "split all" in note
    for d, g in zip(docs, gold):  # whole tokens: a proclitic inside the token stays in the span
        assert len(d.entities) == len(g.entities)
        for p, e in zip(d.entities, g.entities):
            assert (p.end, p.label) == (e.end, e.label) and p.start <= e.start and p.text.endswith(e.text)
    assert sum(p.start < e.start for d, g in zip(docs, gold) for p, e in zip(d.entities, g.entities)) > 0


def test_an_invalid_predictions_file_is_refused_like_a_submission(tmp_path):
    recs = _records(BASELINES / "entities-crf" / "lodo.jsonl")
    recs[0]["entities"][0]["label"] = "PERSON"
    f = tmp_path / "bad.jsonl"
    f.write_bytes(jsonl_bytes(recs))
    with pytest.raises(TahalufError, match="submission refused") as e:
        read_predictions(f)
    assert [x.id for x in e.value.findings] == ["unknown-label"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(TahalufError, match="no predictions here"):
        prediction_files(tmp_path / "empty")


def test_push_of_a_predictions_folder_needs_a_model_version():
    env = {**os.environ, "TAHALUF_LS_TOKEN": "t" * 40, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "tahaluf", "studio", "push", "--url", "http://127.0.0.1:9",
                        "--source", str(BASELINES / "entities-crf")], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=300, check=False)
    assert r.returncode == 1 and "push them as pre-annotations with --predictions MODEL_VERSION" in r.stderr
