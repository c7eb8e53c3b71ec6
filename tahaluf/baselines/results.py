"""The results file ``baselines/<system>/results.json``, documented key by key.

Like lm-evaluation-harness's ``result_schema``: :data:`RESULT_SCHEMA` maps
every key path to what it holds; ``tests/test_baselines.py`` checks that every
key of a written results file is documented here and that every documented
key is present. ``*`` stands for any run name, document id, mode or type.
"""

from __future__ import annotations

RESULT_SCHEMA_VERSION = 1

RESULT_SCHEMA: dict[str, str] = {
    "schema_version": "version of this schema (1)",
    "system": "the system's name, also its folder under baselines/",
    "task": "entities, quotes or stance",
    "description": "what the system does, in one line",
    "class": "the Python class that implements it",
    "config": "its hyperparameters, exactly as passed to the class (fixed, not tuned)",
    "seed": "random seed of the system (0: no baseline draws random numbers)",
    "reference": "what the predictions were scored against: gold, or pass_a before adjudication",
    "data": "tahaluf.core.signatures.documents_hash of the reference documents (the scores' data signature)",
    "documents": "the reference documents, in corpus order",
    "tahaluf_version": "package version that produced the file (package metadata)",
    "git_commit": "`git rev-parse HEAD` of the working tree when these results were first produced, or unknown; "
                  "a rerun that gives the same results keeps it, so committing does not make the files stale "
                  "(the leaderboard leaves it out)",
    "bootstrap": "the bootstrap of every interval: resamples, seed, level, unit (document)",
    "bootstrap.resamples": "number of bootstrap samples",
    "bootstrap.seed": "numpy seed of the bootstrap",
    "bootstrap.level": "confidence level of the intervals (0.95)",
    "bootstrap.unit": "what is resampled: whole documents",
    "runs": "one entry per protocol run: lodo, test, validation",
    "runs.*.protocol": "lodo (leave one document out) or fixed (the document-disjoint split)",
    "runs.*.trained_on": "the training articles (lodo: the other articles of each fold)",
    "runs.*.folds": "lodo only: document id -> fold number (tahaluf.corpus.fold_of)",
    "runs.*.split": "fixed only: the split predicted and scored",
    "runs.*.predictions": "the submission file of the run, in this folder",
    "runs.*.n_docs": "number of articles predicted",
    "runs.*.score": "the scorer's result for the run (tahaluf.scoring.evaluate; keys in tahaluf.scoring and "
                    "the module of the task), with its signature(s) and per-article breakdown",
}


def key_paths(results: dict) -> set[str]:
    """The key paths of a results file down to ``runs.*.<key>`` (scores are the scorer's)."""
    out = set()
    for k, v in results.items():
        out.add(k)
        if k == "bootstrap":
            out |= {f"bootstrap.{kk}" for kk in v}
        if k == "runs":
            for run in v.values():
                out |= {f"runs.*.{kk}" for kk in run}
    return out
