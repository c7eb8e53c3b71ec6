"""Scoring in bounded memory (issue 16): the reference read one document at a time from the
reference cache, the submission read one line at a time and counted as it is read, and
nervaluate's schemas vectorised over documents, all giving the results of the plain path."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tahaluf import cache, corpus
from tahaluf.core.jsonio import dumps
from tahaluf.core.metrics import Bootstrap
from tahaluf.core.signatures import documents_hash
from tahaluf.scoring.evaluate import evaluate, evaluate_submission_file
from tahaluf.scoring.modes import mode_counts, mode_counts_docs
from tahaluf.scoring.submission import SubmissionRefused, gold_submission
from tahaluf.scoring.submission.reader import _file_lines
from tahaluf.scoring.tasks import TASKS, get
from test_reference_cache import repo  # noqa: F401 - the fixture: the corpus inputs in a temporary root

ROOT = Path(__file__).resolve().parent.parent
BOOT = Bootstrap(resamples=40, seed=3)


def test_stored_documents_are_the_reference_read_one_at_a_time(repo):
    docs, source = corpus.source_documents()
    stored, source2 = corpus.source_documents(lazy=True)
    assert isinstance(stored, cache.StoredDocuments) and source2 == source
    assert stored.ids == [d.doc_id for d in docs] and len(stored) == len(docs)
    assert [d.to_dict() for d in stored] == [d.to_dict() for d in docs]
    assert stored.by_id(docs[-1].doc_id).to_dict() == docs[-1].to_dict() == stored[-1].to_dict()
    assert documents_hash(stored) == documents_hash(list(docs))


def test_lazy_without_a_cache_is_the_plain_list(repo, monkeypatch):
    monkeypatch.setenv("TAHALUF_CACHE", "off")
    docs, _ = corpus.source_documents(lazy=True)
    assert isinstance(docs, list)


def _perturbed(recs, task, rng):
    """The gold records with some predictions dropped or moved, so scores are not all 1."""
    out = json.loads(json.dumps(recs))
    for r in out:
        items = r.get(task) or []
        for x in list(items):
            if task == "stance":
                if rng.random() < .3:
                    x["label"] = "NONE"
            elif rng.random() < .3:
                items.remove(x)
            elif rng.random() < .3:
                x["end"] = max(x["start"] + 1, x["end"] - 2)
    rng.shuffle(out)  # records in any order
    return out


@pytest.mark.parametrize("task", ["entities", "quotes", "stance"])
@pytest.mark.parametrize("protocol", [None, "lodo"])
def test_streamed_score_equals_the_score_of_the_collected_submission(repo, tmp_path, task, protocol):
    docs, ref = corpus.source_documents()
    stored, _ = corpus.source_documents(lazy=True)
    recs = _perturbed(gold_submission(docs, task), task, random.Random(len(task)))
    p = tmp_path / "run.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in recs), encoding="utf-8")
    streamed = evaluate(p, task=task, docs=stored, reference=ref, bootstrap=BOOT, protocol=protocol)
    _, collected = evaluate_submission_file(p, task=task, split="all", docs=docs, reference=ref, bootstrap=BOOT,
                                            protocol=protocol)
    assert dumps(streamed) == dumps(collected)
    assert 0 < get(streamed, TASKS[task].headline.path) < 1


def test_streamed_refusal_lists_the_same_findings_in_the_same_order(repo, tmp_path):
    docs, ref = corpus.source_documents()
    stored, _ = corpus.source_documents(lazy=True)
    recs = gold_submission(docs, "entities")
    recs[3]["entities"][0]["label"] = "X"
    recs[1]["entities"][0]["end"] = 10 ** 7
    lines = [json.dumps(r, ensure_ascii=False) for r in recs[1:]] + ["{bad", json.dumps(recs[1])]
    p = tmp_path / "run.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = []
    for d in (stored, docs):
        with pytest.raises(SubmissionRefused) as e:
            evaluate(p, task="entities", docs=d, reference=ref, bootstrap=None)
        got.append([(f.id, f.location) for f in e.value.findings])
    assert got[0] == got[1] and got[0][0][0] == "malformed-file" and {"missing-document", "duplicate-id"} <= {
        i for i, _ in got[0]}


def test_submission_lines_map_each_article_to_its_record_line(repo, tmp_path):
    from tahaluf.scoring.submission import load_submission
    docs, _ = corpus.source_documents()
    recs = gold_submission(docs, "stance")
    p = tmp_path / "run.jsonl"
    p.write_text("\n" + "\n\n".join(json.dumps(r, ensure_ascii=False) for r in reversed(recs)) + "\n",
                 encoding="utf-8")
    sub = load_submission(p, task="stance", docs=docs)
    want = {r["doc_id"]: 2 + 2 * k for k, r in enumerate(reversed(recs))}
    assert dict(sub.lines) == want and len(sub.lines) == len(docs)
    assert list(sub.lines) == [d.doc_id for d in docs]  # in the order of the articles
    with pytest.raises(KeyError):
        sub.lines["no-such-article"]
    # without the last record: that article has no line, and the refusal says so
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(SubmissionRefused) as e:
        load_submission(p, task="stance", docs=docs)
    [f] = e.value.findings
    assert (f.id, f.got) == ("missing-document", recs[-1]["doc_id"]) and docs[0].doc_id in f.expected


def test_lines_are_numbered_as_the_whole_text_numbers_them(tmp_path):
    text = 'a\r\nb\rc\n\nd\u2028e\n\r\nf'
    p = tmp_path / "x.jsonl"
    p.write_bytes(text.encode("utf-8"))
    want = list(enumerate(p.read_text(encoding="utf-8").split("\n"), 1))
    assert list(_file_lines(p)) == want


def test_a_bad_byte_is_reported_at_its_offset_in_the_file(tmp_path):
    p = tmp_path / "x.jsonl"
    data = '{"doc_id": "a"}\n'.encode() + b'{"doc_id": "\xe9"}\n'
    p.write_bytes(data)
    with pytest.raises(SubmissionRefused) as e:
        list(_file_lines(p))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as want:
        assert f"at byte {want.start})" in e.value.findings[0].message


def _flat(rng, n_types, length, gap, longest):
    out, a = [], 0
    while True:
        a += rng.randint(0, gap)
        n = rng.randint(1, longest)
        if a + n > length:
            return out
        out.append((a, a + n, rng.randrange(n_types)))
        a += n


def test_vectorised_schemas_equal_nervaluates_greedy_pairing_document_by_document():
    rng = random.Random(20240601)
    differing = 0
    for _ in range(400):
        n_types = rng.randint(1, 4)
        gold_docs, pred_docs = [], []
        for _ in range(rng.randint(0, 8)):
            length = rng.randint(0, 60)
            g = _flat(rng, n_types, length, rng.randint(0, 4), rng.choice([1, 3, 6, 20]))
            if rng.random() < .5:  # independent predictions: long ones over many, short ones inside one
                p = _flat(rng, n_types, length, rng.randint(0, 4), rng.choice([1, 2, 6, 20]))
            else:  # near the reference: same, other type, other boundaries
                p = []
                for s, e, t in g:
                    r = rng.random()
                    if r < .6:
                        s2, e2 = (s, e) if r < .4 else (max(0, s - rng.randint(0, 2)), e + rng.randint(0, 2))
                        q = (s2, e2, t if rng.random() < .6 else rng.randrange(n_types))
                        if not p or q[0] >= p[-1][1]:
                            p.append(q)
            if p and rng.random() < .05:
                p.append(p[0])  # not flat: counted by the greedy loop
            if g and rng.random() < .05:
                g.append((g[0][0], g[0][1] + 3, 0))
            rng.shuffle(g)
            rng.shuffle(p)
            gold_docs.append(g)
            pred_docs.append(p)
        got = mode_counts_docs(gold_docs, pred_docs, n_types)
        want = (np.stack([mode_counts(g, p, n_types) for g, p in zip(gold_docs, pred_docs)]) if gold_docs
                else np.zeros((0, 4, 1 + n_types, 5), np.int64))
        assert got.shape == want.shape and (got == want).all()
        differing += int(bool(want[:, :, 0, 1:].any()))
    assert differing > 200  # the cases have incorrect, partial, missed and spurious entities


def test_strict_counts_of_offsets_too_large_for_one_integer_key():
    from tahaluf.scoring.entities import strict_counts_docs
    big = 2 ** 40  # (document, start, end, type) does not fit one int64: the row-wise path
    got = strict_counts_docs([[(big, big + 5, 1), (3, 4, 0)], []], [[(big, big + 5, 1), (3, 5, 0), (3, 5, 0)], []], 2)
    assert got.tolist() == [[[0, 1, 1], [1, 1, 1]], [[0, 0, 0], [0, 0, 0]]]
