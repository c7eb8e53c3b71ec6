"""The scorer agrees with seqeval (strict, IOB2) and nervaluate on generated data.

Like seqeval's own test against the CoNLL Perl script: thousands of random
reference/prediction pairs with a fixed seed, including ill-formed BIO (stray
``I-`` tags, ``B-X I-Y``), boundary shifts, type swaps, splits, merges, misses
and spurious entities.
"""

from __future__ import annotations

import numpy as np
import pytest
from nervaluate import Evaluator
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from tahaluf.core.schema import SCHEMA
from tahaluf.core.tagging import TagSet, decode, sentence_starts
from tahaluf.scoring.entities import MODES, score_spans, strict_bio

SEED = 20240607
N_CASES = 2500
LABELS = list(SCHEMA.entity_labels)
TAGS = TagSet().names


def _entities(rng, n):
    """A flat random entity list over ``n`` tokens: (start, end, type)."""
    out, i = [], 0
    while i < n:
        if rng.random() < 0.3:
            length = int(rng.integers(1, 5))
            end = min(n, i + length)
            out.append((i, end, int(rng.integers(0, 4))))  # few types: more type clashes
            i = end + int(rng.integers(0, 2))
        else:
            i += 1
    return out


def _tags(ents, n):
    tags = ["O"] * n
    for s, e, t in ents:
        tags[s] = f"B-{LABELS[t]}"
        for k in range(s + 1, e):
            tags[k] = f"I-{LABELS[t]}"
    return tags


def _perturb(rng, ents, n):
    out = []
    for s, e, t in ents:
        r = rng.random()
        if r < 0.15:
            continue  # missed
        if r < 0.3:
            t = int(rng.integers(0, 4))  # type
        elif r < 0.45:
            s = min(n - 1, max(0, s + int(rng.integers(-1, 2))))
            e = min(n, max(s + 1, e + int(rng.integers(-1, 2))))
        elif r < 0.5 and e - s > 1:
            m = int(rng.integers(s + 1, e))
            out.append((s, m, t))
            s = m
        out.append((s, e, t))
    for _ in range(int(rng.integers(0, 3))):  # spurious
        s = int(rng.integers(0, n))
        out.append((s, min(n, s + int(rng.integers(1, 4))), int(rng.integers(0, 4))))
    # flatten: later entities overwrite earlier tokens, like a tagger would
    out.sort()
    return out


def _noise(rng, tags, p):
    return [TAGS[int(rng.integers(0, 9))] if rng.random() < p else t for t in tags]


def _case(rng):
    """One document: a list of sentences of gold and predicted tags."""
    gold, pred = [], []
    for _ in range(int(rng.integers(1, 5))):
        n = int(rng.integers(1, 40))
        g = _entities(rng, n)
        gold.append(_tags(g, n))
        pred.append(_noise(rng, _tags(_perturb(rng, g, n), n), 0.05))
    return gold, pred


@pytest.fixture(scope="module")
def cases():
    rng = np.random.default_rng(SEED)
    return [_case(rng) for _ in range(N_CASES)]


def _seqeval(gold, pred):
    kw = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # seqeval: mean of no classes
        rep = classification_report(gold, pred, output_dict=True, **kw)
    macro = (rep["macro avg"]["precision"], rep["macro avg"]["recall"], rep["macro avg"]["f1-score"])
    if np.isnan(macro).all():
        macro = (0.0, 0.0, 0.0)  # no entity on either side: seqeval says nan, tahaluf 0 (documented)
    return {
        "micro": (precision_score(gold, pred, **kw), recall_score(gold, pred, **kw), f1_score(gold, pred, **kw)),
        "macro": macro,
        "per_type": {k: (v["precision"], v["recall"], v["f1-score"], v["support"]) for k, v in rep.items()
                     if k in LABELS},
    }


def _mine(res):
    return {
        "micro": (res["micro"]["precision"], res["micro"]["recall"], res["micro"]["f1"]),
        "macro": (res["macro"]["precision"], res["macro"]["recall"], res["macro"]["f1"]),
        "per_type": {k: (v["precision"], v["recall"], v["f1"], v["support"]) for k, v in res["per_type"].items()},
    }


def test_generated_cases_are_not_trivial(cases):
    """The generator makes every kind of error, so agreement means something."""
    gold = [s for g, _ in cases for s in g]
    pred = [s for _, p in cases for s in p]
    res = strict_bio(gold, pred)
    assert 0.3 < res["micro"]["f1"] < 0.9
    stray = sum(1 for s in pred for a, b in zip(["O"] + s, s) if b.startswith("I-") and a[2:] != b[2:])
    assert stray > 100


def test_strict_equals_seqeval_per_case(cases):
    for k, (gold, pred) in enumerate(cases):
        want = _seqeval(gold, pred)
        got = _mine(strict_bio(gold, pred))
        assert got["per_type"].keys() == want["per_type"].keys(), k
        for key in ("micro", "macro"):
            assert got[key] == pytest.approx(want[key], abs=1e-12), (k, key)
        for t in want["per_type"]:
            assert got["per_type"][t] == pytest.approx(want["per_type"][t], abs=1e-12), (k, t)


def test_strict_equals_seqeval_pooled(cases):
    gold = [s for g, _ in cases for s in g]
    pred = [s for _, p in cases for s in p]
    want = _seqeval(gold, pred)
    got = _mine(strict_bio(gold, pred))
    assert got["micro"] == pytest.approx(want["micro"], abs=1e-12)
    assert got["macro"] == pytest.approx(want["macro"], abs=1e-12)
    assert got["per_type"].keys() == want["per_type"].keys()
    for t in want["per_type"]:
        assert got["per_type"][t] == pytest.approx(want["per_type"][t], abs=1e-12), t


def _decoded(doc):
    """Strict entities of a document's sentences, in document token positions and per sentence."""
    lengths = [len(s) for s in doc]
    ids = TagSet().encode([t for s in doc for t in s])
    s, e, t = decode(ids, sentence_starts(lengths))
    flat = list(zip(s.tolist(), e.tolist(), t.tolist()))
    per_sent, off = [], 0
    for n in lengths:
        per_sent.append([{"label": LABELS[tt], "start": ss - off, "end": ee - off - 1}  # nervaluate: inclusive
                         for ss, ee, tt in flat if off <= ss < off + n])
        off += n
    return flat, per_sent


def test_span_scorer_strict_equals_seqeval(cases):
    """The document-level span scorer (the one submissions go through) agrees too."""
    gold_docs, pred_docs, gold_all, pred_all = [], [], [], []
    for gold, pred in cases:
        gold_docs.append(_decoded(gold)[0])
        pred_docs.append(_decoded(pred)[0])
        gold_all += gold
        pred_all += pred
    res = score_spans(gold_docs, pred_docs, LABELS, modes=False, bootstrap=None)
    want = _seqeval(gold_all, pred_all)
    m = res["strict"]["micro"]
    assert (m["precision"], m["recall"], m["f1"]) == pytest.approx(want["micro"], abs=1e-6)
    ma = res["strict"]["macro"]
    assert (ma["precision"], ma["recall"], ma["f1"]) == pytest.approx(want["macro"], abs=1e-6)


def _nerv_counts(block):
    return [block.correct, block.incorrect, block.partial, block.missed, block.spurious]


def test_modes_equal_nervaluate(cases):
    """All four nervaluate schemas, overall and per type, case by case and pooled."""
    keys = ("correct", "incorrect", "partial", "missed", "spurious")
    pooled_mine = {m: np.zeros(5, int) for m in MODES}
    pooled_nerv = {m: np.zeros(5, int) for m in MODES}
    checked_types = 0
    for k, (gold, pred) in enumerate(cases):
        g_flat, g_sent = _decoded(gold)
        p_flat, p_sent = _decoded(pred)
        res = score_spans([g_flat], [p_flat], LABELS, bootstrap=None)
        ev = Evaluator(g_sent, p_sent, tags=LABELS, loader="dict").evaluate()
        for m in MODES:
            mine = [res["modes"][m][x] for x in keys]
            assert mine == _nerv_counts(ev["overall"][m]), (k, m)
            assert res["modes"][m]["f1"] == pytest.approx(ev["overall"][m].f1, abs=1e-6), (k, m)
            pooled_mine[m] += mine
            pooled_nerv[m] += _nerv_counts(ev["overall"][m])
            assert set(res["modes"][m]["per_type"]) == set(ev["entities"]), (k, m)
            for t, blocks in ev["entities"].items():
                assert [res["modes"][m]["per_type"][t][x] for x in keys] == _nerv_counts(blocks[m]), (k, m, t)
                checked_types += 1
    for m in MODES:
        assert (pooled_mine[m] == pooled_nerv[m]).all()
        assert pooled_mine[m][1] + pooled_mine[m][2] > 0  # the case mix exercises incorrect/partial
    assert checked_types > N_CASES


def test_valid_bio_through_nervaluate_list_loader(cases):
    """On well-formed IOB2 nervaluate's own BIO loader finds the same entities."""
    n = 0
    for gold, pred in cases[:500]:
        if any(b.startswith("I-") and a[2:] != b[2:] for s in pred for a, b in zip(["O"] + s, s)):
            continue
        g_flat, _ = _decoded(gold)
        p_flat, _ = _decoded(pred)
        res = score_spans([g_flat], [p_flat], LABELS, bootstrap=None)
        ev = Evaluator(gold, pred, tags=LABELS, loader="list").evaluate()
        for m in MODES:
            assert [res["modes"][m][x] for x in ("correct", "incorrect", "partial", "missed", "spurious")] \
                == _nerv_counts(ev["overall"][m])
        n += 1
    assert n > 50


def test_strict_bio_equals_seqeval_on_a_large_corpus():
    """One 200k-token corpus in one call (the vectorised path over many sentences). How fast
    it is belongs to benchmarks/bench_scoring.py, not to the unit suite."""
    rng = np.random.default_rng(7)
    gold, pred = [], []
    while sum(map(len, gold)) < 200_000:
        n = int(rng.integers(5, 40))
        g = _entities(rng, n)
        gold.append(_tags(g, n))
        pred.append(_tags(_perturb(rng, g, n), n))
    mine = strict_bio(gold, pred)
    assert mine["micro"]["f1"] == f1_score(gold, pred, mode="strict", scheme=IOB2)
    assert mine["micro"]["precision"] == precision_score(gold, pred, mode="strict", scheme=IOB2)
    assert mine["micro"]["recall"] == recall_score(gold, pred, mode="strict", scheme=IOB2)


def test_nervaluate_pin_is_the_version_these_tests_pin():
    """The parity above holds for nervaluate 1.2.x (ent_type matches differently before 1.2):
    the installed version is in the range pyproject.toml requires, and that range starts at 1.2."""
    import re
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    deps = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    pin = next(d for d in deps["dependencies"] if d.startswith("nervaluate"))
    assert pin == "nervaluate>=1.2,<2", pin
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", version("nervaluate")).groups())
    assert (1, 2) <= (major, minor) < (2, 0)
