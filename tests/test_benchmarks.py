"""The benchmark scripts (benchmarks/) and the synthetic corpora they use
(``benchmarks/synthetic.py``, imported as ``synthetic`` like the scripts do).

The quick run (``python benchmarks/run.py --quick``) is a smoke test of the
whole benchmark at a tiny size; the other tests check the pieces that decide
the verdicts (parity checks, linearity analysis, culprit finder) on inputs
where the answer is known, including inputs where it must be "no".
"""

from __future__ import annotations

import cProfile
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import synthetic  # benchmarks/synthetic.py, on sys.path above


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"tahaluf_bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gold():
    from tahaluf import corpus
    docs, _ = corpus.source_documents()
    return docs, corpus.load_speakers()


# -- synthetic BIO ---------------------------------------------------------------------

def _valid_iob2(tags) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def test_bio_corpus_is_deterministic_valid_and_sized():
    bio_corpus, tags_to_spans = synthetic.bio_corpus, synthetic.tags_to_spans
    g1, p1 = bio_corpus(5000, seed=3)
    g2, p2 = bio_corpus(5000, seed=3)
    g3, _ = bio_corpus(5000, seed=4)
    assert (g1, p1) == (g2, p2)
    assert g1 != g3
    assert sum(map(len, g1)) == 5000 and [len(s) for s in g1] == [len(s) for s in p1]
    assert all(_valid_iob2(s) for s in g1 + p1)
    n_gold = sum(len(tags_to_spans(s)) for s in g1)
    assert 0.10 < n_gold / 5000 < 0.16  # the gold's density: 0.13 entities a token
    assert g1 != p1  # the system makes mistakes
    assert tags_to_spans(["B-PER", "I-PER", "B-PER", "I-ORG", "O", "B-GPE"]) == [
        (0, 2, "PER"), (2, 3, "PER"), (3, 4, "ORG"), (5, 6, "GPE")]


# -- synthetic articles -------------------------------------------------------------------

def test_synthetic_articles_are_valid_and_count_their_tokens(gold):
    from tahaluf.core import text
    from tahaluf.validate import document_findings
    docs, speakers = gold
    syn = synthetic.synthetic_documents(docs, 6, seed=11)
    assert [d.doc_id for d in syn] == [d.doc_id for d in synthetic.synthetic_documents(docs, 6, seed=11)]
    assert len({d.doc_id for d in syn}) == 6
    for d in syn:
        assert document_findings(d, speakers=speakers) == []
        assert len(text.tokenize(d.text)) == d.metadata["synthetic"]["n_tokens"]
        assert len({q.quote_id for q in d.quotes}) == len(d.quotes)
    assert sum(len(d.entities) for d in syn) > 0 and sum(len(d.quotes) for d in syn) > 0


def test_blocks_never_cut_an_annotation(gold):
    docs, _ = gold
    carried = 0
    for d in docs:
        bs = synthetic.blocks(d)
        assert sorted((e.start + b.start, e.end + b.start, e.label) for b in bs for e in b.entities) == \
            sorted((e.start, e.end, e.label) for e in d.entities)
        assert sorted(q.span.start + b.start for b in bs for q in b.quotes) == sorted(q.span.start for q in d.quotes)
        for b in bs:
            assert d.text[b.start:b.end] == b.text and b.text == b.text.strip()
            for e in b.entities:
                assert b.text[e.start:e.end] == e.text
            for q in b.quotes:
                assert all(b.text[s.start:s.end] == s.text for _, s in q.spans())
            carried += len(b.boilerplate)
    assert carried > 0  # boilerplate travels with its block


def test_write_repo_runs_the_real_validator(gold, tmp_path, monkeypatch):
    from tahaluf.validate import validate_corpus
    docs, speakers = gold
    syn = synthetic.synthetic_documents(docs, 5, seed=2)
    synthetic.write_repo(tmp_path, syn, speakers)
    monkeypatch.setenv("TAHALUF_ROOT", str(tmp_path))
    found, notes = validate_corpus()
    assert found == [] and "5 annotated documents" in notes[-1]
    # a changed article is caught: the repository is really the one read
    p = tmp_path / "seeds" / f"{syn[0].doc_id}.txt"
    p.write_bytes(p.read_bytes() + b" ")
    found, _ = validate_corpus()
    assert "seed-text-changed" in {f.id for f in found}


def test_system_records_are_accepted_by_the_scorer(gold):

    from tahaluf.scoring.evaluate import evaluate
    docs, speakers = gold
    recs = synthetic.system_records(docs, list(speakers), seed=5)
    for task in ("entities", "quotes", "stance"):
        res = evaluate(recs[task], task=task, split="all", docs=docs, reference="gold", bootstrap=None)
        assert res["task"] == task
    f1 = evaluate(recs["entities"], task="entities", split="all", docs=docs, reference="gold",
                  bootstrap=None)["strict"]["micro"]["f1"]
    assert 0.5 < f1 < 1.0


# -- verdicts that must be able to say no ---------------------------------------------------

def test_parity_checks_detect_a_difference():
    bs = _load("bench_scoring")
    from nervaluate import Evaluator
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    from tahaluf.scoring.entities import score_spans, strict_bio
    bio_corpus = synthetic.bio_corpus
    labels = ["PER", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE", "MONEY"]
    g, p = bio_corpus(3000, seed=1)
    seq = classification_report(g, p, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    tah = strict_bio(g, p)
    assert bs.strict_parity(seq, tah, labels)["identical"]
    tah["per_type"]["PER"]["recall"] += 1e-15
    bad = bs.strict_parity(seq, tah, labels)
    assert not bad["identical"] and bad["mismatches"][0]["where"] == "PER"

    spans = bs.to_spans(bs.group(g, 10)), bs.to_spans(bs.group(p, 10))
    res = score_spans(*spans, labels, bootstrap=None)
    nerv = Evaluator(g, p, tags=labels, loader="list").evaluate()
    assert bs.modes_parity(nerv, res, labels)["identical"]
    res["modes"]["partial"]["partial"] += 1
    bad = bs.modes_parity(nerv, res, labels)
    assert not bad["identical"] and bad["mismatches"][0]["mode"] == "partial"


def _by_size(costs: dict[int, float]) -> dict[int, dict]:
    steps = ("validate", "build", "score")
    return {n: {"corpus": {"tokens": n * 1000},
                "steps": {s: {"wall": {"median": c}, "timeout_seconds": None} for s in steps}}
            for n, c in costs.items()}


def test_linearity_analysis():
    bp = _load("bench_pipeline")
    lin = bp.analyse(_by_size({5: 1.0, 50: 5.0, 500: 50.0, 5000: 520.0}), [5, 50, 500, 5000], 50)
    assert lin["all_linear"] and lin["steps"]["build"]["per_token_ratio"] == 1.04
    quad = bp.analyse(_by_size({5: 0.05, 50: 5.0, 500: 500.0, 5000: 50000.0}), [5, 50, 500, 5000], 50)
    assert not quad["all_linear"]
    assert quad["steps"]["validate"]["per_token_ratio"] == 100.0
    assert quad["steps"]["validate"]["growth_exponents"]["500->5000"] == 2.0
    timed_out = _by_size({5: 1.0, 50: 5.0, 5000: 500.0})
    timed_out[5000]["steps"]["score"] = {"wall": {"median": None}, "timeout_seconds": 60.0}
    a = bp.analyse(timed_out, [5, 50, 5000], 50)
    assert not a["steps"]["score"]["linear"] and a["steps"]["validate"]["linear"]


TOY = '''
def lookup(n):
    return sum(range(n))            # O(n) work per call: the culprit

def step(n):
    out = []
    for _ in range(n):                # n calls: O(n^2) in all
        out.append(lookup(n))
    return out

def tidy(n):
    return sorted(range(n))          # linear
'''


def test_culprit_finder_names_the_quadratic_function(tmp_path):
    bp = _load("bench_pipeline")
    pkg = tmp_path / "src" / "tahaluf"
    pkg.mkdir(parents=True)
    (pkg / "toy.py").write_text(TOY)
    spec = importlib.util.spec_from_file_location("tahaluf_toy_bench", pkg / "toy.py")
    toy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(toy)
    def work(n):
        return toy.step(n), toy.tidy(n * 50)

    for n, name in ((300, "small"), (3000, "large")):
        prof = cProfile.Profile()
        prof.runcall(work, n)
        prof.dump_stats(str(tmp_path / f"{name}.prof"))
    res = bp.culprits(tmp_path / "small.prof", tmp_path / "large.prof", scale=10.0)
    c = res["culprit"]
    assert c["function"].startswith("tahaluf/toy.py") and c["function"].endswith("(lookup)")
    assert (c["ncalls_small"], c["ncalls_large"]) == (300, 3000)
    assert any("(step)" in x for x in c["callers"])


# -- the whole benchmark, tiny ---------------------------------------------------------------

def test_quick_run_writes_results_and_table(tmp_path, monkeypatch, capsys):
    run = _load("run")
    monkeypatch.chdir(tmp_path)
    assert run.main(["--quick", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert res["schema"] == "tahaluf benchmarks v1"
    assert res["command"].startswith("python benchmarks/run.py --quick")
    m = res["machine"]
    assert m["cpu_model"] and m["cpus_usable"] >= 1 and m["ram_bytes"] > 0
    assert m["python"].count(".") == 2 and m["libraries"]["seqeval"] and m["libraries"]["nervaluate"]
    sc = res["scoring"]
    assert sc["corpus"]["tokens"] == 20_000
    assert sc["parity"]["strict_vs_seqeval"]["identical"]
    assert sc["parity"]["modes_vs_nervaluate"]["identical"]
    assert all(t["n"] == 2 and t["median"] > 0 for t in sc["timings"].values())
    pl = res["pipeline"]
    assert sorted(pl["sizes"]) == ["10", "5"]
    for e in pl["sizes"].values():
        for v in e["steps"].values():
            assert v["wall"]["median"] > 0 and v["per_token_seconds"] > 0
            assert v["rss_peak_bytes"] >= v["rss_after_imports_bytes"] > 0
    assert pl["sizes"]["10"]["steps"]["build"]["detail"]["counts"]["documents"]["train"] == 4
    assert set(res["summary"]["peak_memory_at_largest"]) == {"validate", "build", "score"}
    assert "| articles | tokens | validate | build | score (3 tasks) |" in md
    assert "seqeval `classification_report`" in md and "Peak memory at 10 articles" in md


def test_quick_run_writes_nothing_without_out(tmp_path, monkeypatch):
    run = _load("run")
    monkeypatch.setattr(run, "QUICK", {"tokens": 2000, "sizes": [5], "repeats": 1, "scoring_repeats": 1})
    monkeypatch.setattr(run.bench_pipeline, "STEPS", ("validate",))
    def listing():
        return sorted(p.name for p in BENCH.iterdir() if p.name != "__pycache__")
    before = listing()
    assert run.main(["--quick"]) == 0
    assert listing() == before
