"""The scorer: gold scores 1, nothing scores 0, every bad submission is refused
with its own message, the metrics are right on hand-made cases, signatures and
intervals say how a score was made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tahaluf import __version__
from tahaluf.core.metrics import Bootstrap
from tahaluf.core.schema import SCHEMA
from tahaluf.core.signatures import documents_hash, registry_hash
from tahaluf.corpus import SPLITS, load_speakers, source_documents
from tahaluf.scoring.evaluate import evaluate
from tahaluf.scoring.quotes import QuoteItem, score_quotes
from tahaluf.scoring.stance import gold_stance, score_stance
from tahaluf.scoring.submission import SubmissionRefused, gold_submission
from tahaluf.scoring.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ref():
    docs, reference = source_documents()
    return docs, reference


def _write(tmp_path, records, name="run.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                 encoding="utf-8")
    return p


def _scores(obj, path=""):
    """Every precision/recall/F1/accuracy number in a result (not counts, not intervals)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("ci95", "per_doc", "bootstrap", "confusion"):
                continue
            if k in ("precision", "recall", "f1", "accuracy", "macro_f1", "f_avg") and v is not None:
                yield f"{path}.{k}", v
            else:
                yield from _scores(v, f"{path}.{k}")


def _eval(ref, recs, task, **kw):
    docs, reference = ref
    return evaluate(recs, task=task, docs=docs, reference=reference, bootstrap=Bootstrap(resamples=50), **kw)


# -- 1.0 and 0 -------------------------------------------------------------------

@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("split", ["all", "test", "train", "validation"])
def test_gold_scores_one_everywhere(ref, task, split, tmp_path):
    docs, _ = ref
    scope = docs if split == "all" else [d for d in docs if d.doc_id in SPLITS[split]]
    path = _write(tmp_path, gold_submission(scope, task))
    res = _eval(ref, path, task, split=split)
    found = dict(_scores(res))
    assert len(found) > 5
    # SemEval's F_avg always averages F1(FAVOR) and F1(AGAINST): a target whose reference has
    # no AGAINST item (T1) gets 0.5 even for a perfect system, by the official definition
    absent = {f".per_target.{t}.f_avg": 1.0 - 0.5 * sum(
              not any(v == c for d in scope for k, v in gold_stance(d).items() if k[1] == t)
              for c in ("FAVOR", "AGAINST")) for t in SCHEMA.target_names} if task == "stance" else {}
    assert all(v == absent.get(k, 1.0) for k, v in found.items()), {k: v for k, v in found.items() if v != 1.0}
    per_doc = res["per_doc"] if task != "stance" else res["per_target"]["stance_t1"]["per_doc"]
    for doc_id, row in per_doc.items():
        assert all(v == 1.0 for k, v in row.items() if k.endswith(("f1", "accuracy"))), (doc_id, row)


@pytest.mark.parametrize("shape", ["rows", "flat", "ids"])
def test_gold_as_bio_scores_one_in_token_space(ref, shape):
    docs, _ = ref
    recs = gold_submission(docs, "entities", bio=True)
    from tahaluf.core.tagging import TagSet, doc_tokens
    for r, d in zip(recs, docs):
        if shape == "flat":  # every token of the article, boilerplate included
            dt = doc_tokens(d)
            flat = ["O"] * len(dt)
            kept_rows = [rr for rr, k in zip(dt.rows, dt.kept) if k]
            for (a, b), tags in zip(kept_rows, r["ner_tags"]):
                flat[a:b] = tags
            r["ner_tags"] = flat
            r.pop("tokens")
        elif shape == "ids":
            r["ner_tags"] = [[TagSet().index[t] for t in s] for s in r["ner_tags"]]
    res = _eval(ref, recs, "entities")
    assert res["space"] == "token" and "space:token" in res["signature"]
    assert all(v == 1.0 for v in dict(_scores(res)).values())
    assert res["n_gold"] == sum(len(d.entities) for d in docs)


def test_empty_submission_scores_zero(ref):
    docs, _ = ref
    for task, field in (("entities", "entities"), ("quotes", "quotes")):
        res = _eval(ref, [{"doc_id": d.doc_id, field: []} for d in docs], task)
        found = dict(_scores(res))
        assert found and all(v == 0.0 for v in found.values()), task
    res = _eval(ref, [{"doc_id": d.doc_id, "stance": []} for d in docs], "stance", missing="wrong")
    for t, r in res["per_target"].items():
        assert r["macro_f1"] == r["f_avg"] == r["accuracy"] == 0.0, t
        assert f"target:{t}|missing:wrong" in r["signature"]
    assert res["n_missing"] == res["n_items"] > 0


def test_empty_stance_is_refused_listing_missing_items(ref):
    docs, _ = ref
    with pytest.raises(SubmissionRefused, match=r"reference stance item\(s\) have no prediction") as e:
        _eval(ref, [{"doc_id": d.doc_id, "stance": []} for d in docs], "stance")
    f = e.value.findings[0]
    assert f.id == "missing-attribute"
    q = docs[0].quotes[0].quote_id
    assert f"{q}/stance_t1" in f.got


# -- refusals: one message per kind --------------------------------------------------

def _one(ref, tmp_path, lines, task="entities", split="all", **kw):
    path = _write(tmp_path, lines)
    with pytest.raises(SubmissionRefused) as e:
        _eval(ref, path, task, split=split, **kw)
    return e.value, path


def _gold(ref, task, split="all"):
    docs, _ = ref
    scope = docs if split == "all" else [d for d in docs if d.doc_id in SPLITS[split]]
    return gold_submission(scope, task)


@pytest.mark.parametrize("case,task,edit,fid,message", [
    ("bad-json", "entities", lambda r: r[:1] + ['{"doc_id": "x", '] + r[1:], "malformed-file", "not valid JSON"),
    ("not-object", "entities", lambda r: r[:1] + ["[1, 2]"] + r[1:], "malformed-file", "not a JSON object"),
    ("no-doc-id", "entities", lambda r: r[:1] + [{"entities": []}] + r[1:], "malformed-file", "string doc_id"),
    ("unknown-field", "entities", lambda r: [{**r[0], "entites": []}] + r[1:], "malformed-file",
     "unknown field 'entites'"),
    ("no-task-field", "quotes", lambda r: [{"doc_id": r[0]["doc_id"]}] + r[1:], "malformed-file",
     "lacks field 'quotes'"),
    ("unknown-doc", "entities", lambda r: r + [{"doc_id": "000_fccf310b8a8da4fd", "entities": []}],
     "unknown-document", "no such article"),
    ("missing-doc", "entities", lambda r: r[1:], "missing-document", "no record for article"),
    ("duplicate-doc", "entities", lambda r: r + [r[0]], "duplicate-id", "second record for the article"),
])
def test_record_level_refusals(ref, tmp_path, case, task, edit, fid, message):
    lines = edit(_gold(ref, task))
    err, path = _one(ref, tmp_path, lines, task)
    assert fid in [f.id for f in err.findings], err
    f = next(f for f in err.findings if f.id == fid)
    assert message in f.message, f
    assert f.location.startswith(str(path)), f.location
    if case in ("bad-json", "not-object", "no-doc-id"):
        assert f.location == f"{path}:2"


def test_unknown_document_says_did_you_mean(ref, tmp_path):
    err, _ = _one(ref, tmp_path, _gold(ref, "entities") + [{"doc_id": "000_fccf310b8a8da4fd", "entities": []}])
    assert "Did you mean '000_fccf310b8a8da4fc'?" in str(err) and "Available:" in str(err)


def test_article_outside_the_split_is_refused(ref, tmp_path):
    docs, _ = ref
    err, _ = _one(ref, tmp_path, gold_submission(docs, "entities"), split="test")
    msgs = [f.message for f in err.findings]
    assert any("is in split 'train', not in 'test'" in m for m in msgs)
    assert len(err.findings) == 3  # two train articles and one validation article


def _first_doc_edit(ref, task, fn):
    recs = _gold(ref, task)
    fn(recs[0])
    return recs


@pytest.mark.parametrize("task,fn,fid,message,field", [
    ("entities", lambda r: r["entities"].append({"start": 10**6, "end": 10**6 + 3, "label": "PER"}),
     "span-out-of-range", "outside the text", "entities["),
    ("entities", lambda r: r["entities"].append({"start": 5, "end": 5, "label": "PER"}),
     "span-out-of-range", "outside the text or empty", "entities["),
    ("entities", lambda r: r["entities"][0].update(start="3"), "malformed-file", "must be integers", "entities[0]"),
    ("entities", lambda r: r["entities"][0].update(label="PERS"), "unknown-label", "unknown entity label",
     "entities[0].label"),
    ("entities", lambda r: r["entities"][0].update(text="xyz"), "span-text-mismatch", "text is not", "entities[0]"),
    ("entities", lambda r: r["entities"].append(dict(r["entities"][0])), "duplicate-id", "the same span twice",
     "entities["),
    ("entities", lambda r: r["entities"].append(
        {**r["entities"][0], "label": "GPE" if r["entities"][0]["label"] != "GPE" else "ORG"}),
     "entity-overlap", "one span with two labels", "entities["),
    ("entities", lambda r: r["entities"].append({"start": r["entities"][0]["start"] + 1,
                                                 "end": r["entities"][0]["end"] + 1, "label": "ORG"}),
     "entity-overlap", "entities overlap", "entities["),
    ("entities", lambda r: r.update(entities="none"), "malformed-file", "entities must be a list", "entities"),
    ("entities", lambda r: r.update(ner_tags=[]), "malformed-file", "both entities and ner_tags", "doc="),
    ("quotes", lambda r: r["quotes"][0].update(quote_type="indirekt"), "unknown-label", "unknown quote_type",
     "quotes[0].quote_type"),
    ("quotes", lambda r: r["quotes"][0].update(speaker_id="wayne_marrotto"), "unknown-speaker",
     "not in the speaker registry", "quotes[0].speaker_id"),
    ("quotes", lambda r: r["quotes"][0].update(cue={"start": -1, "end": 2}), "span-out-of-range", "cue",
     "quotes[0].cue"),
    ("quotes", lambda r: r["quotes"].append({"start": r["quotes"][0]["start"] + 1, "end": r["quotes"][0]["end"]}),
     "quote-overlap", "quotations overlap", "quotes["),
    ("quotes", lambda r: r["quotes"][0].update(speaker="x"), "malformed-file", "unknown field 'speaker'",
     "quotes[0]"),
    ("stance", lambda r: r["stance"][0].update(target="stance_t9"), "unknown-label", "unknown stance target",
     "stance[0].target"),
    ("stance", lambda r: r["stance"][0].update(label="PRO"), "unknown-label", "unknown stance label",
     "stance[0].label"),
    ("stance", lambda r: r["stance"][0].update(quote_id="q99"), "dangling-relation", "names no reference quotation",
     "stance[0].quote_id"),
    ("stance", lambda r: r["stance"].append(dict(r["stance"][0])), "duplicate-id", "second prediction", "stance["),
    ("stance", lambda r: r["stance"].pop(), "missing-attribute", "have no prediction", "stance"),
])
def test_item_level_refusals(ref, tmp_path, task, fn, fid, message, field):
    err, path = _one(ref, tmp_path, _first_doc_edit(ref, task, fn), task)
    assert [f.id for f in err.findings].count(fid) >= 1, err
    f = next(f for f in err.findings if f.id == fid)
    assert message in f.message, f
    assert f.location.startswith(f"{path}:1 doc=") and field in f.location, f.location


def test_unknown_names_say_did_you_mean(ref, tmp_path):
    err, _ = _one(ref, tmp_path, _first_doc_edit(ref, "entities", lambda r: r["entities"][0].update(label="PERS")))
    assert "Did you mean 'PER'?" in str(err)
    err, _ = _one(ref, tmp_path, _first_doc_edit(ref, "quotes", lambda r: r["quotes"][0].update(
        speaker_id="wayne_marrotto")), "quotes")
    assert "Did you mean 'wayne_marotto'?" in str(err)
    err, _ = _one(ref, tmp_path, _first_doc_edit(ref, "stance", lambda r: r["stance"][0].update(label="FAVOUR")),
                  "stance")
    assert "Did you mean 'FAVOR'?" in str(err)


def test_bio_refusals(ref, tmp_path):
    docs, _ = ref
    recs = gold_submission(docs, "entities", bio=True)
    bad = json.loads(json.dumps(recs))
    bad[0]["ner_tags"][0] = bad[0]["ner_tags"][0][:-1]
    err, _ = _one(ref, tmp_path, bad)
    assert "wrong number of items in sentence 0" in str(err)
    bad = json.loads(json.dumps(recs))
    bad[0]["ner_tags"] = bad[0]["ner_tags"][1:]
    err, _ = _one(ref, tmp_path, bad)
    assert "wrong number of sentences" in str(err)
    bad = json.loads(json.dumps(recs))
    bad[0]["ner_tags"][0][0] = "B-PERSON"
    err, _ = _one(ref, tmp_path, bad)
    assert err.findings[0].id == "unknown-label" and "unknown BIO tag" in str(err)
    bad = json.loads(json.dumps(recs))
    bad[0]["tokens"][0][0] = "x"
    err, _ = _one(ref, tmp_path, bad)
    assert err.findings[0].id == "span-text-mismatch" and "token 0 differs" in str(err)
    mixed = json.loads(json.dumps(recs))
    mixed[1] = gold_submission([docs[1]], "entities")[0]
    err, _ = _one(ref, tmp_path, mixed)
    assert "records mix character spans and BIO tags" in str(err)


def test_non_utf8_file_is_refused(ref, tmp_path):
    p = tmp_path / "latin1.jsonl"
    p.write_bytes('{"doc_id": "é"}\n'.encode("latin-1"))
    with pytest.raises(SubmissionRefused, match="not UTF-8"):
        _eval(ref, p, "entities")


def test_every_problem_is_listed_at_once(ref, tmp_path):
    recs = _gold(ref, "entities")
    recs[0]["entities"][0]["label"] = "X"
    recs[1]["entities"][0]["end"] = 10**7
    err, _ = _one(ref, tmp_path, recs + ["{bad"])
    assert {f.id for f in err.findings} == {"unknown-label", "span-out-of-range", "malformed-file"}


# -- command line -----------------------------------------------------------------------

def _cli(*args, cwd=None, stdin=None):
    return subprocess.run([sys.executable, "-m", "tahaluf", "evaluate", *args], check=False, capture_output=True,
                          text=True,
                          cwd=cwd, input=stdin, timeout=300)


def test_cli_exit_codes(ref, tmp_path):
    docs, _ = ref
    good = _write(tmp_path, gold_submission(docs, "stance"), "good.jsonl")
    r = _cli(str(good), "--task", "stance", "--resamples", "20")
    assert r.returncode == 0, r.stderr
    assert "macro_f1  1.000" in r.stdout and f"v:{__version__}" in r.stdout
    bad = _write(tmp_path, gold_submission(docs, "stance")[1:], "bad.jsonl")
    r = _cli(str(bad), "--task", "stance")
    assert r.returncode == 3 and "[missing-document]" in r.stderr and "bad.jsonl" in r.stderr
    r = _cli(str(good), "--task", "stances")
    assert r.returncode == 2
    r = _cli(str(good))
    assert r.returncode == 2
    r = _cli(str(tmp_path / "nope.jsonl"), "--task", "stance")
    assert r.returncode == 1 and "no such file" in r.stderr


def test_cli_json_and_stdin(ref, tmp_path):
    docs, reference = ref
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in gold_submission(docs, "entities"))
    r = _cli("-", "--task", "entities", "--json", "--resamples", "0", stdin=text)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["strict"]["micro"]["f1"] == 1.0 and res["submission"] == "<stdin>"
    assert res["signature"] == (f"tahaluf|task:entities|mode:strict|space:char|split:all|ref:{reference}|"
                                f"data:{documents_hash(docs)}|v:{__version__}")


def test_cli_modes_table():
    r = _cli("--modes-table")
    assert r.returncode == 0 and r.stdout.startswith("| case |")


# -- the metrics on hand-made cases ------------------------------------------------------

def test_modes_table_shows_nervaluate_semantics():
    from tahaluf.scoring.report import modes_table
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[4:8]]
            for line in modes_table().splitlines()[2:]}
    assert rows["same span, same type"] == ["correct"] * 4
    assert rows["same span, other type"] == ["incorrect", "correct", "correct", "incorrect"]
    assert rows["overlap, same type"] == ["incorrect", "incorrect", "partial", "correct"]
    assert rows["overlap, other type"] == ["incorrect", "incorrect", "partial", "incorrect"]
    assert rows["missed"] == ["missed"] * 4 and rows["spurious"] == ["spurious"] * 4


def test_entity_strict_macro_and_per_type():
    from tahaluf.scoring.entities import score_spans
    labels = ["PER", "ORG", "GPE"]
    gold = [[(0, 5, 0), (10, 15, 1), (20, 25, 1)]]
    pred = [[(0, 5, 0), (10, 15, 0), (30, 35, 1)]]
    r = score_spans(gold, pred, labels, bootstrap=None)
    m = r["strict"]["micro"]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 2, 2) and m["f1"] == pytest.approx(1 / 3, abs=1e-6)
    # PER: P 1/2 R 1 F 2/3; ORG: P 0 R 0 F 0; GPE absent on both sides: not averaged
    assert r["strict"]["per_type"]["GPE"]["f1"] is None
    assert r["strict"]["macro"]["f1"] == pytest.approx((2 / 3 + 0) / 2, abs=1e-6)
    assert r["modes"]["exact"]["correct"] == 2 and r["modes"]["ent_type"]["correct"] == 1


def test_quote_overlap_is_one_to_one_and_speakers_are_scored_on_matches():
    gold = [[QuoteItem(0, 10, "a", (20, 23), None, "direct"), QuoteItem(12, 30, "b", None, (40, 45), "indirect")]]
    # one long prediction overlapping both references, one exact with the wrong speaker, one spurious
    pred = [[QuoteItem(0, 28, "b", (20, 23), None, "direct"), QuoteItem(50, 60, "b")]]
    r = score_quotes(gold, pred, [100], bootstrap=None)
    assert r["quote"]["overlap"]["tp"] == 1  # one prediction matches one reference only
    assert r["quote"]["exact"]["tp"] == 0
    # the pairing prefers the larger overlap: [0,28) with [12,30) (16 chars) over [0,10) (10 chars)
    assert r["speaker"]["correct"] == 1 and r["speaker"]["n_matched"] == 1
    assert r["end_to_end"]["overlap"]["f1"] == pytest.approx(2 * 0.5 * 0.5 / 1.0)
    assert r["cue"]["exact"]["tp"] == 1 and r["source"]["exact"]["tp"] == 0
    # proportional: overlapping characters / predicted characters
    assert r["quote"]["proportional"]["precision"] == pytest.approx((10 + 16) / (28 + 10), abs=1e-6)


def _one_target(r):
    assert r["targets"] == ["t"]
    return r["per_target"]["t"]


def test_stance_macro_skips_absent_classes():
    gold = [{("q1", "t"): "FAVOR", ("q2", "t"): "NONE", ("q3", "t"): "NONE"}]
    pred = [{("q1", "t"): "FAVOR", ("q2", "t"): "FAVOR", ("q3", "t"): "NONE"}]
    r = _one_target(score_stance(gold, pred, bootstrap=None))
    f_favor = 2 * 0.5 * 1 / 1.5
    f_none = 2 * 1 * 0.5 / 1.5
    assert r["per_class"]["AGAINST"]["f1"] is None
    assert r["macro_f1"] == pytest.approx((f_favor + f_none) / 2, abs=1e-6)
    assert r["accuracy"] == pytest.approx(2 / 3, abs=1e-6)
    assert r["confusion"]["matrix"] == [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0]]


#: SemEval-2016 Task 6 eval.pl: (F1(FAVOR) + F1(AGAINST)) / 2 with an absent class at 0; the values
#: are what eval.pl prints for these gold/guess files (hand-checked against its code: per class
#: P = tp/guessed, R = tp/gold, each 0 when its denominator is 0, F = 2PR/(P+R) or 0)
EVAL_PL_CASES = [
    ("FFNNN", "FNNFN", 0.25),        # the case: F1(FAVOR) 0.5, AGAINST absent -> 0
    ("FFAAN", "FFAAN", 1.0),         # perfect with both classes
    ("FFNNN", "FFNNN", 0.5),         # perfect, but no AGAINST in the reference
    ("FANNN", "AFNNN", 0.0),         # both swapped
    ("FFAAN", "FANAN", (2 / 3 + 1 / 2) / 2),  # F1(FAVOR) P 1 R .5 -> 2/3; F1(AGAINST) P .5 R .5 -> .5
    ("NNNNN", "AAFFN", 0.0),         # guesses only where the reference has neither
]


@pytest.mark.parametrize("gold,guess,expected", EVAL_PL_CASES)
def test_f_avg_is_semeval_eval_pl(gold, guess, expected):
    code = {"F": "FAVOR", "A": "AGAINST", "N": "NONE"}
    g = [{(f"q{i}", "t"): code[c] for i, c in enumerate(gold)}]
    p = [{(f"q{i}", "t"): code[c] for i, c in enumerate(guess)}]
    assert _one_target(score_stance(g, p, bootstrap=None))["f_avg"] == pytest.approx(expected, abs=1e-6)


def test_stance_targets_are_scored_apart():
    """Adding items of another target changes nothing in the first target's figures."""
    g1 = [{("q1", "stance_t1"): "FAVOR", ("q2", "stance_t1"): "NONE"}]
    p1 = [{("q1", "stance_t1"): "FAVOR", ("q2", "stance_t1"): "FAVOR"}]
    alone = score_stance(g1, p1, bootstrap=None)["per_target"]["stance_t1"]
    g2 = [{**g1[0], ("q1", "stance_t2"): "AGAINST", ("q2", "stance_t2"): "AGAINST"}]
    p2 = [{**p1[0], ("q1", "stance_t2"): "NONE", ("q2", "stance_t2"): "FAVOR"}]
    both = score_stance(g2, p2, bootstrap=None)
    assert both["targets"] == ["stance_t1", "stance_t2"] and both["per_target"]["stance_t1"] == alone


# -- intervals and signatures --------------------------------------------------------------

def test_bootstrap_is_seeded_and_resamples_documents(ref):
    docs, _ = ref
    recs = gold_submission(docs, "entities")
    for r in recs:  # drop every other entity: an imperfect, document-dependent score
        r["entities"] = r["entities"][::2]
    a = _eval(ref, recs, "entities")
    b = _eval(ref, recs, "entities")
    assert a == b
    lo, hi = a["strict"]["micro"]["ci95"]["f1"]
    assert lo <= a["strict"]["micro"]["f1"] <= hi and lo < hi
    c = evaluate(recs, task="entities", docs=docs, reference="x", bootstrap=Bootstrap(resamples=50, seed=1))
    assert c["strict"]["micro"]["ci95"]["f1"] != a["strict"]["micro"]["ci95"]["f1"]
    one = evaluate(recs[:1], task="entities", docs=docs[:1], reference="x")
    lo, hi = one["strict"]["micro"]["ci95"]["f1"]
    assert lo == hi == one["strict"]["micro"]["f1"]  # one document: no variation to resample


def test_bootstrap_weights_resample_whole_documents():
    w = Bootstrap(resamples=200, seed=3).weights(5)
    assert w.shape == (200, 5) and (w.sum(axis=1) == 5).all()
    assert (w == 0).any() and (w >= 2).any()


def test_signature_carries_how_the_score_was_made(ref):
    docs, reference = ref
    res = evaluate(gold_submission([d for d in docs if d.doc_id in SPLITS["test"]], "quotes"), task="quotes",
                   split="test", docs=docs, reference=reference, bootstrap=None)
    sig = res["signatures"]["exact"]
    reg = registry_hash(load_speakers())
    assert sig == (f"tahaluf|task:quotes|mode:exact|speakers:{reg}|split:test|ref:{reference}|"
                   f"data:{documents_hash(docs)}|v:{__version__}")
    lodo = evaluate(gold_submission(docs, "stance"), task="stance", docs=docs, reference=reference, protocol="lodo",
                    bootstrap=None)
    assert "|protocol:lodo|" in lodo["signature"] and "split:" not in lodo["signature"]


def test_a_quotation_score_names_the_registry_it_resolved_speaker_ids_with(ref):
    """An alias added to the registry can turn a wrong speaker id right: the
    signature's ``speakers:`` field changes with the registry, and the registry
    read from the dataset's ``speakers`` config hashes as annotation/speakers.json."""
    import dataclasses
    from tahaluf.scoring.source import from_dataset
    docs, reference = ref
    test = [d for d in docs if d.doc_id in SPLITS["test"]]
    recs = gold_submission(test, "quotes")
    speakers = load_speakers()
    sid = recs[0]["quotes"][0]["speaker_id"]
    plain = evaluate(recs, task="quotes", split="test", docs=docs, reference=reference, bootstrap=None,
                     speakers=speakers)
    recs[0]["quotes"][0]["speaker_id"] = "a_new_alias"
    with pytest.raises(SubmissionRefused, match="a_new_alias"):  # not an id of this registry
        evaluate(recs, task="quotes", split="test", docs=docs, reference=reference, bootstrap=None,
                 speakers=speakers)
    grown = {**speakers, sid: dataclasses.replace(speakers[sid], aliases=(*speakers[sid].aliases, "a_new_alias"))}
    with_alias = evaluate(recs, task="quotes", split="test", docs=docs, reference=reference, bootstrap=None,
                          speakers=grown)  # the alias resolves to the right speaker
    assert with_alias["speaker"]["correct"] == plain["speaker"]["correct"] == plain["speaker"]["n_matched"]
    assert plain["signature"] != with_alias["signature"]
    assert f"|speakers:{registry_hash(grown)}|" in with_alias["signature"]
    assert registry_hash(from_dataset(ROOT / "dataset").speakers) == registry_hash(speakers)


def test_per_article_breakdown(ref):
    docs, _ = ref
    recs = gold_submission(docs, "entities")
    recs[2]["entities"] = []
    res = _eval(ref, recs, "entities")
    assert list(res["per_doc"]) == [d.doc_id for d in docs]
    assert res["per_doc"][docs[2].doc_id]["strict_f1"] == 0.0
    assert res["per_doc"][docs[0].doc_id]["strict_f1"] == 1.0


# -- token space ---------------------------------------------------------------------------------

def test_token_rows_match_the_dataset_entities_config(ref):
    """The scorer's rows are the committed dataset's entities rows (one rule: core.tagging.doc_tokens)."""
    files = sorted((ROOT / "dataset" / "data" / "entities").glob("*.jsonl"))
    assert files, "dataset/data/entities/*.jsonl is committed and missing (run `tahaluf build`)"
    rows: dict[str, list] = {}
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            rows.setdefault(r["doc_id"], []).append((r["token_starts"], r["ner_tags"]))
    docs, _ = ref
    from tahaluf.core.tagging import doc_tokens
    recs = []
    for d in docs:
        rs = sorted(rows[d.doc_id])
        dt = doc_tokens(d)
        mine = [[int(x) for x in dt.starts[a:b]] for (a, b), k in zip(dt.rows, dt.kept) if k]
        assert mine == [r[0] for r in rs], d.doc_id
        recs.append({"doc_id": d.doc_id, "ner_tags": [r[1] for r in rs]})
    assert _eval(ref, recs, "entities")["strict"]["micro"]["f1"] == 1.0


def test_bio_projection_and_strict_decoding():
    from tahaluf.core.tagging import decode, project
    starts = np.array([0, 6, 12, 20])
    ends = np.array([5, 11, 19, 25])
    tags = project(starts, ends, [(1, 11, 0), (12, 19, 2)])  # the first span starts inside token 0
    assert tags.tolist() == [1, 2, 5, 0]
    s, e, t = decode(np.array([2, 2, 1, 2, 4, 3, 4, 0, 1]), np.array([0, 7]))
    # stray I-PER, then B-PER I-PER, I-ORG stray, B-ORG I-ORG, then B-PER at a new sentence
    assert list(zip(s.tolist(), e.tolist(), t.tolist())) == [(2, 4, 0), (5, 7, 1), (8, 9, 0)]


# -- one matcher, one task registry, imports that point down -----------------------------------

def test_vectorised_exact_matching_is_the_core_matcher():
    """exact_hits (whole corpora at once) pairs exactly what tahaluf.core.spans.match does."""
    from tahaluf.core.spans import match
    from tahaluf.scoring.entities import exact_hits
    rng = np.random.default_rng(3)
    for _ in range(200):
        def spans(n):
            s = rng.integers(0, 30, size=n)
            return sorted({(int(a), int(a + rng.integers(1, 5)), int(rng.integers(0, 3))) for a in s})
        g, p = spans(int(rng.integers(0, 12))), spans(int(rng.integers(0, 12)))
        pairs = match(g, p, "exact", gold_labels=[x[2] for x in g], pred_labels=[x[2] for x in p])
        assert np.flatnonzero(exact_hits(g, p)).tolist() == sorted(j for _, j in pairs)


def test_task_registry_is_what_every_consumer_reads():
    from tahaluf.cli import build_parser
    from tahaluf.core.errors import TahalufError
    from tahaluf.corpus import SPLITS
    from tahaluf.leaderboard import COLUMNS
    from tahaluf.scoring.submission.reader import RECORD_KEYS
    from tahaluf.scoring.tasks import SPLIT_CHOICES, task
    assert list(COLUMNS) == list(TASKS)
    assert set(TASKS) <= set(RECORD_KEYS)
    assert SPLIT_CHOICES == (*SPLITS, "all")
    sub = build_parser()._subparsers._group_actions[0].choices["evaluate"]
    choices = {a.dest: a.choices for a in sub._actions}
    assert tuple(choices["task"]) == tuple(TASKS) and tuple(choices["split"]) == SPLIT_CHOICES
    with pytest.raises(TahalufError, match="Did you mean 'quotes'"):
        task("quote")
    with pytest.raises(TahalufError, match="Did you mean 'stance'"):
        evaluate([], task="stanse", docs=[])


def test_leaderboard_sections_follow_the_registry():
    from tahaluf.leaderboard import build, collect
    board = build(collect(ROOT / "baselines"))
    from tahaluf.leaderboard import section_title, sections
    # the baselines score entities in character spans: the BIO-token section has no row and is left out
    assert list(board["tasks"]) == [key for key, _, _, sp in sections() if sp != "token"]
    assert {k: v["title"] for k, v in board["tasks"].items()} == \
        {k: section_title(t, tg, space=sp) for k, t, tg, sp in sections() if k in board["tasks"]}
    assert [k for k, t, _, _ in sections() if t == "stance"] == list(SCHEMA.target_names)
    assert [(k, sp) for k, t, _, sp in sections() if t == "entities"] == [("entities", "char"), ("entities_bio", "token")]


def _imports(path: Path) -> set[str]:
    import ast
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return {m for m in out if m.startswith("tahaluf")}


def test_scoring_imports_point_down_and_the_reader_needs_no_scorer():
    """Every import of tahaluf.scoring, module-level or in a function: no cycle; the submission
    reader reads core, the corpus, the task registry and the item types it builds."""
    pkg = ROOT / "tahaluf" / "scoring"
    mods = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
            for p in pkg.rglob("*.py")}
    graph = {m: {i for i in _imports(p) if i in mods} for m, p in mods.items()}
    allowed = {"tahaluf.scoring.tasks", "tahaluf.scoring.quotes", "tahaluf.scoring.stance",
               "tahaluf.scoring.averages"}
    for m, p in mods.items():
        outside = {i for i in _imports(p) if not i.startswith("tahaluf.scoring")}
        assert all(i.startswith(("tahaluf.core", "tahaluf.corpus")) for i in outside), (m, outside)
        if m.startswith("tahaluf.scoring.submission"):
            assert graph[m] <= allowed | {x for x in mods if x.startswith("tahaluf.scoring.submission")}, m
    for m in ("tahaluf.scoring.tasks", "tahaluf.scoring.quotes", "tahaluf.scoring.stance"):
        assert not any(i.startswith("tahaluf.scoring.submission") for i in graph[m]), m
    state: dict[str, int] = {}

    def visit(m, path):
        assert state.get(m) != 1, " -> ".join(path + [m])
        if state.get(m) == 2:
            return
        state[m] = 1
        for n in graph[m]:
            visit(n, path + [m])
        state[m] = 2

    for m in graph:
        visit(m, [])
