"""Baseline systems, declared as data, and the protocol that runs them.

Each :class:`System` names a task, a class (``module:Class`` in this package,
a :class:`tahaluf.baselines.base.Baseline`: ``fit(docs, registry)`` and
``predict(doc) -> submission record``) and its configuration, the keyword
arguments of the class (an unknown one is refused before anything runs);
adding a baseline is one entry in :data:`SYSTEMS`. The runner reads the
reference documents and the speaker registry once and passes them in; the
models read nothing from disk.

Protocols (:func:`run_system`)
    ``lodo``        leave one document out: for each of the five articles, fit
                    on the other four and predict it. The five predictions form
                    one submission scored over all articles (the per-article
                    breakdown is the per-fold score). The primary protocol.
    ``test``        the fixed split (:data:`tahaluf.corpus.SPLITS`): fit on ``train``,
                    predict ``test``.
    ``validation``  the same model, predicting ``validation``.

Nothing is tuned: the configuration is fixed in :data:`SYSTEMS`, so the
validation article is only reported. Every model is deterministic (L-BFGS /
liblinear-free solvers, no random initialisation, BLAS limited to one thread),
so two runs write byte-identical files.

Output, per system, in ``baselines/<system>/`` (written whole, atomically):
``lodo.jsonl``, ``test.jsonl``, ``validation.jsonl`` (submission format, one
record per article, corpus order) and ``results.json``
(:data:`tahaluf.baselines.results.RESULT_SCHEMA` documents every key).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tahaluf.baselines.base import Baseline
from tahaluf.baselines.results import RESULT_SCHEMA_VERSION
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.fileio import atomic_dir
from tahaluf.core.ids import require
from tahaluf.core.jsonio import dumps, jsonl_bytes, read_json
from tahaluf.core.metrics import DEFAULT_BOOTSTRAP
from tahaluf.core.model import Document, Speaker
from tahaluf.core.paths import root
from tahaluf.core.signatures import documents_hash
from tahaluf.core.version import __version__
from tahaluf.corpus import SPLITS, fold_of, load_speakers, source_documents, split_of
from tahaluf.scoring.evaluate import evaluate


@dataclass(frozen=True)
class System:
    name: str
    task: str
    #: ``module:Class`` within :mod:`tahaluf.baselines`
    cls: str
    description: str
    config: dict[str, Any] = field(default_factory=dict)


SYSTEMS: tuple[System, ...] = (
    System("entities-majority", "entities", "entities:Majority",
           "every token gets the most frequent training tag (O): predicts no entity"),
    System("entities-gazetteer", "entities", "entities:Gazetteer",
           "training entities as normalised clitic-stripped token sequences; greedy longest match",
           {"max_len": 8}),
    System("entities-logreg", "entities", "entities:LogReg",
           "logistic regression on one-hot token features (DictVectorizer), token by token",
           {"C": 1.0, "max_iter": 100, "tol": 1e-3}),
    System("entities-crf", "entities", "entities:CRF",
           "linear-chain CRF (sklearn-crfsuite, L-BFGS) on the same token features",
           {"c1": 0.05, "c2": 0.05, "max_iterations": 100}),
    System("quotes-rule", "quotes", "quotes:Rule",
           "quotation marks (unbalanced rule), NAME: lines, cue lexicon + complementiser; source by position; "
           "speaker by registry spelling in the source, else the previous speaker"),
    System("quotes-crf", "quotes", "quotes:CRFTagger",
           "CRF tagging QUOTE/CUE/SOURCE over paragraph tokens; logistic-regression speaker ranker over "
           "registry speakers mentioned in the article",
           {"c1": 0.05, "c2": 0.05, "max_iterations": 100, "ranker_C": 1.0}),
    System("stance-majority", "stance", "stance:Majority",
           "the most frequent training label of the target"),
    System("stance-tfidf-lr", "stance", "stance:TfidfLR",
           "TF-IDF character 2-5-grams (char_wb) over the normalised quotation; class-weighted logistic regression",
           {"ngram_min": 2, "ngram_max": 5, "C": 1.0}),
)

#: The seed recorded in results. No baseline draws random numbers (the
#: solvers are deterministic); bootstrap intervals have their own seed.
SEED = 0
#: protocol -> (split whose articles are predicted, split trained on)
FIXED_RUNS: dict[str, tuple[str, str]] = {"test": ("test", "train"), "validation": ("validation", "train")}


def system(name: str) -> System:
    for s in SYSTEMS:
        if s.name == name:
            return s
    raise TahalufError(f"unknown baseline {name!r}. {did_you_mean(name, [s.name for s in SYSTEMS])}")


def make(s: System) -> Baseline:
    """A fresh, unfitted instance of the system's class with its configuration."""
    module, cls = s.cls.split(":")
    try:
        return getattr(importlib.import_module(f"{__name__}.{module}"), cls)(**s.config)
    except TahalufError as e:
        raise TahalufError(f"baseline {s.name!r}: {e}") from None


def git_commit() -> str:
    try:
        r = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=root(), capture_output=True, text=True,
                           timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown"


def predictions(s: System, docs: Sequence[Document], registry: Mapping[str, Speaker],
                progress=None) -> dict[str, list[dict]]:
    """Run the protocols: ``{"lodo": [...], "test": [...], "validation": [...]}`` records in corpus order."""
    out: dict[str, list[dict]] = {"lodo": []}
    for d in docs:
        model = make(s).fit([x for x in docs if x.doc_id != d.doc_id], registry)
        out["lodo"].append(model.predict(d))
        if progress:
            progress(1)
    by_split: dict[str, Baseline] = {}
    for run, (pred_split, train_split) in FIXED_RUNS.items():
        if train_split not in by_split:
            by_split[train_split] = make(s).fit([d for d in docs if split_of(d.doc_id) == train_split], registry)
        out[run] = [by_split[train_split].predict(d) for d in docs if split_of(d.doc_id) == pred_split]
    if progress:
        progress(1)
    return out


def run_system(s: System, docs: Sequence[Document], reference: str, registry: Mapping[str, Speaker], out_dir: Path,
               *, bootstrap=None, progress=None, commit: str | None = None) -> dict:
    """Predict with every protocol, score, and write ``out_dir/<system>/`` atomically; return the results."""
    boot = bootstrap or DEFAULT_BOOTSTRAP
    preds = predictions(s, docs, registry, progress)
    runs = {}
    for run, recs in preds.items():
        if run == "lodo":
            score = evaluate(recs, task=s.task, split="all", docs=docs, reference=reference, protocol="lodo",
                             bootstrap=boot, name=f"{s.name}/lodo.jsonl")
            info = {"protocol": "lodo", "trained_on": "the other articles",
                    "folds": {d.doc_id: fold_of(d.doc_id) for d in docs}}
        else:
            pred_split, train_split = FIXED_RUNS[run]
            score = evaluate(recs, task=s.task, split=pred_split, docs=docs, reference=reference,
                             bootstrap=boot, name=f"{s.name}/{run}.jsonl")
            info = {"protocol": "fixed", "split": pred_split, "trained_on": list(SPLITS[train_split])}
        runs[run] = {**info, "predictions": f"{run}.jsonl", "n_docs": len(recs), "score": score}
    results = {
        "schema_version": RESULT_SCHEMA_VERSION,
        "system": s.name,
        "task": s.task,
        "description": s.description,
        "class": f"tahaluf.baselines.{s.cls}",
        "config": dict(s.config),
        "seed": SEED,
        "reference": reference,
        "data": documents_hash(list(docs)),
        "documents": [d.doc_id for d in docs],
        "tahaluf_version": __version__,
        "git_commit": commit if commit is not None else git_commit(),
        "bootstrap": boot.to_dict(),
        "runs": runs,
    }
    old_file = Path(out_dir) / s.name / "results.json"
    if old_file.exists():  # same results: keep the commit that first produced them (no churn per commit)
        try:
            old = read_json(old_file)
        except TahalufError:
            old = {}
        if not isinstance(old, dict):
            old = {}
        if {k: v for k, v in old.items() if k != "git_commit"} == \
                {k: v for k, v in results.items() if k != "git_commit"}:
            results["git_commit"] = old.get("git_commit", results["git_commit"])
    with atomic_dir(Path(out_dir) / require("system", s.name)) as stage:
        stage.chmod(0o755)  # mkdtemp makes it private
        for run, recs in preds.items():
            (stage / f"{run}.jsonl").write_bytes(jsonl_bytes(recs))
        (stage / "results.json").write_text(dumps(results), encoding="utf-8")
    return results


def run_all(names: Sequence[str] | None, out_dir: Path, *, show_progress: bool | None = None,
            bootstrap=None, finish: Callable[[Path], None] | None = None) -> list[dict]:
    """Run the named systems (default: all) on the reference documents.

    All or nothing: the systems are written into a copy of ``out_dir``, then
    ``finish(copy)`` runs (the command regenerates the leaderboard there), and
    the copy replaces ``out_dir`` in one swap (:func:`tahaluf.core.fileio.atomic_dir`).
    A kill at any moment leaves every system old or every system new.
    """
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    chosen = [system(n) for n in names] if names else list(SYSTEMS)
    for s in chosen:
        make(s)  # refuse an unknown hyperparameter before anything runs
    docs, reference = source_documents()
    registry = load_speakers()
    commit = git_commit()
    total = len(chosen) * (len(docs) + 1)
    disable = (not sys.stderr.isatty()) if show_progress is None else not show_progress
    out = []
    with threadpool_limits(1), tqdm(total=total, file=sys.stderr, disable=disable, unit="fit") as bar, \
            atomic_dir(out_dir, copy=True) as stage:
        stage.chmod(0o755)  # mkdtemp makes it private
        for s in chosen:
            bar.set_description(s.name)
            out.append(run_system(s, docs, reference, registry, stage, bootstrap=bootstrap,
                                  progress=bar.update, commit=commit))
        if finish is not None:
            finish(stage)
    return out
