"""Row-shaped submissions (the dataset configs' rows) and `tahaluf convert`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tahaluf.corpus import source_documents
from tahaluf.scoring.evaluate import evaluate
from tahaluf.scoring.submission import SubmissionRefused, docs_in_split, gold_submission
from tahaluf.scoring.submission.rows import records_to_rows, rows_to_records

ROOT = Path(__file__).resolve().parent.parent
DOCS, REF = source_documents()
TEST = docs_in_split(DOCS, "test")
#: the predicted fields of each config's rows
FIELDS = {"entities": ("ner_tags",), "quotes": ("start", "end", "quote_type", "speaker_id", "cue", "source"),
          "stance": ("label",)}


def _config_rows(task: str) -> list[dict]:
    """What a perfect system trained on load_dataset(..., task) would write: id + predicted fields."""
    rows = [json.loads(line) for line in (ROOT / "dataset" / "data" / task / "test.jsonl").open(encoding="utf-8")]
    return [{"id": r["id"], **{k: r[k] for k in FIELDS[task]}} for r in rows]


@pytest.mark.parametrize("task", list(FIELDS))
def test_config_rows_of_the_reference_score_one(task):
    res = evaluate(_config_rows(task), task=task, split="test", docs=DOCS, reference=REF, bootstrap=None)
    head = {"entities": res.get("strict", {}).get("micro", {}).get("f1"),
            "quotes": res.get("end_to_end", {}).get("overlap", {}).get("f1"),
            "stance": res.get("per_target", {}).get("stance_t1", {}).get("macro_f1")}[task]
    assert head == 1.0
    if task == "entities":
        assert res["space"] == "token" and "space:token" in res["signature"]


@pytest.mark.parametrize("task,bio", [("entities", True), ("quotes", False), ("stance", False)])
def test_articles_rows_articles_round_trip(task, bio):
    recs = gold_submission(TEST, task, bio=bio)
    rows = records_to_rows(recs, task, TEST)
    back, found = rows_to_records(list(enumerate(rows, 1)), task, TEST, "<rows>")
    assert not found
    back = [r for _, r in back]
    if task == "quotes":  # the row id carries a quote_id
        recs = [{**r, "quotes": [{"quote_id": f"p{k:02d}", **q} for k, q in enumerate(r["quotes"], 1)]}
                for r in recs]
    assert back == recs
    # a converter that loses the last row is caught
    broken, found = rows_to_records(list(enumerate(rows[:-1], 1)), task, TEST, "<rows>")
    assert found or [r for _, r in broken] != recs


def _refused(rows, task="entities") -> list:
    with pytest.raises(SubmissionRefused) as e:
        evaluate(rows, task=task, split="test", docs=DOCS, reference=REF, bootstrap=None)
    return [(f.id, f.message) for f in e.value.findings]


def test_bad_rows_are_refused_with_their_ids():
    rows = _config_rows("entities")
    got = _refused(rows[1:])
    assert ("malformed-file", f"article {TEST[0].doc_id}: the entities rows are incomplete") in got
    got = _refused(rows + [rows[0]])
    assert any(fid == "duplicate-id" for fid, _ in got)
    got = _refused([{**rows[0], "ner_tag": []}] + rows[1:])
    assert ("malformed-file", "unknown field 'ner_tag' in a entities row") in got
    got = _refused([{"id": "nope-s000", "ner_tags": []}] + rows)
    assert any(fid == "unknown-document" for fid, _ in got)
    stance = _config_rows("stance")
    got = _refused(stance[1:], "stance")
    assert any(fid == "missing-attribute" for fid, _ in got)


def test_an_article_without_quotation_rows_predicts_none():
    rows = [r for r in _config_rows("quotes") if not r["id"].startswith(TEST[0].doc_id)]
    res = evaluate(rows, task="quotes", split="test", docs=DOCS, reference=REF, bootstrap=None)
    assert res["per_doc"][TEST[0].doc_id]["n_pred"] == 0 and res["per_doc"][TEST[1].doc_id]["quote_exact_f1"] == 1


def test_convert_command(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "tahaluf", "convert", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=300)
    src = ROOT / "baselines" / "quotes-rule" / "test.jsonl"
    r = run(str(src), "--task", "quotes", "--split", "test", "--to", "rows", "--out", "rows.jsonl")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert all(set(x) <= {"id", *FIELDS["quotes"], "text"} for x in rows)
    a = evaluate(src, task="quotes", split="test", docs=DOCS, reference=REF, bootstrap=None)
    b = evaluate(tmp_path / "rows.jsonl", task="quotes", split="test", docs=DOCS, reference=REF, bootstrap=None)
    assert {k: v for k, v in a.items() if k not in ("submission",)} == \
        {k: v for k, v in b.items() if k not in ("submission",)}
    r = run("rows.jsonl", "--task", "quotes", "--split", "test", "--to", "articles", "--out", "art.jsonl")
    assert r.returncode == 0, r.stderr
    (tmp_path / "bad.jsonl").write_text('{"id": "x-s000", "ner_tags": []}\n')
    r = run("bad.jsonl", "--task", "entities", "--split", "test", "--to", "articles", "--out", "o.jsonl")
    assert r.returncode == 3 and not (tmp_path / "o.jsonl").exists()
