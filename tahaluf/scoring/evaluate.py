"""The scorer's entry point: validate a submission, score it, say how.

Python API::

    from tahaluf.scoring.evaluate import evaluate
    result = evaluate("run.jsonl", task="entities", split="test")
    result["strict"]["micro"]["f1"], result["signature"]

:func:`evaluate` reads and validates a submission
(:func:`tahaluf.scoring.submission.read_submission`, which refuses bad input
with :class:`~tahaluf.scoring.submission.SubmissionRefused`) and scores it
against the reference documents (the adjudicated gold, or pass A while there
is none: :func:`tahaluf.corpus.source_documents`) with the module that the
task's :data:`~tahaluf.scoring.tasks.TASKS` entry names, while it reads:
each article's counts are added to that module's ``Tally`` as its record is
checked, and the article and its prediction are dropped, so neither the
reference (read lazily from the reference cache:
``source_documents(lazy=True)``) nor the submission is held whole.
:func:`score_submission` scores a :class:`~tahaluf.scoring.submission.Submission`
already read (for paired comparisons) with the same ``Tally``.

Every result is a dict with ``task``, ``submission``, ``reference``,
``data``, ``version``, ``split`` or ``protocol``, ``bootstrap``,
``signature`` (of the headline metric), ``signatures`` (one per match mode),
the task's metrics (see the module of each task) and ``per_doc``, the
per-article breakdown (for leave-one-document-out predictions, one entry per
fold).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tahaluf.core.metrics import DEFAULT_BOOTSTRAP, Bootstrap, rnd
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import documents_hash, signature
from tahaluf.core.version import __version__
from tahaluf.corpus import load_speakers, source_documents
from tahaluf.scoring.submission import Submission, load_submission
from tahaluf.scoring.submission.reader import read_submission, scope_ids
from tahaluf.scoring.tasks import get
from tahaluf.scoring.tasks import task as task_named


def evaluate(source: str | Path | Iterable[Mapping] | None = None, *, task: str, split: str = "all",
             docs: Sequence[Document] | None = None, reference: str | None = None, protocol: str | None = None,
             bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, missing: str = "refuse", schema: Schema = SCHEMA,
             speakers=None, name: str | None = None, text: str | None = None, data_hash: str | None = None) -> dict:
    """Validate and score a submission. See the module docstring."""
    if docs is None:
        docs, reference = source_documents(lazy=True)
    if speakers is None and task == "quotes":
        speakers = load_speakers()
    scorer = importlib.import_module(task_named(task).module)
    tally = scorer.Tally(len(scope_ids(docs, split)), schema=schema, speakers=speakers, missing=missing)
    read = read_submission(source if source is not None else [], task=task, split=split, docs=docs,
                           sink=tally.add, schema=schema, speakers=speakers, missing=missing, name=name, text=text)
    return _result(read.task, read.name, read.split, read.doc_ids, read.space, tally.result, all_docs=docs,
                   reference=reference or "unknown", protocol=protocol, bootstrap=bootstrap, data_hash=data_hash)


def evaluate_submission_file(source: str | Path, *, task: str, split: str, docs: Sequence[Document],
                             reference: str, protocol: str | None = None,
                             bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, speakers=None,
                             name: str | None = None, missing: str = "refuse",
                             schema: Schema = SCHEMA, data_hash: str | None = None) -> tuple[Submission, dict]:
    """:func:`evaluate` of a file that also returns the validated submission (for paired comparisons)."""
    if speakers is None and task == "quotes":
        speakers = load_speakers()
    sub = load_submission(source, task=task, split=split, docs=docs, schema=schema, speakers=speakers,
                          missing=missing, name=name)
    return sub, score_submission(sub, all_docs=docs, reference=reference, protocol=protocol, bootstrap=bootstrap,
                                 schema=schema, speakers=speakers, missing=missing, data_hash=data_hash)


def score_submission(sub: Submission, *, all_docs: Sequence[Document], reference: str, protocol: str | None = None,
                     bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, schema: Schema = SCHEMA,
                     speakers=None, missing: str = "refuse", data_hash: str | None = None) -> dict:
    """Score a validated :class:`~tahaluf.scoring.submission.Submission`; ``data_hash`` is the reference's
    documents hash when the documents were read back from a built dataset
    (:mod:`tahaluf.scoring.source`), else it is computed."""
    scorer = importlib.import_module(task_named(sub.task).module)
    tally = scorer.Tally(len(sub.docs), schema=schema, speakers=speakers, missing=missing)
    for j, d in enumerate(sub.docs):
        tally.add(j, d, sub.prediction(d.doc_id), sub.space)
    return _result(sub.task, sub.name, sub.split, [d.doc_id for d in sub.docs], sub.space, tally.result,
                   all_docs=all_docs, reference=reference, protocol=protocol, bootstrap=bootstrap,
                   data_hash=data_hash)


def _result(task: str, name: str, split: str, doc_ids: Sequence[str], space: str, scored, *,
            all_docs: Sequence[Document], reference: str, protocol: str | None, bootstrap: Bootstrap | None,
            data_hash: str | None) -> dict:
    """The result's head, signatures and folds around the task's part (``scored(sign, ...)``)."""
    data = data_hash or documents_hash(all_docs)
    common = {"split": None if protocol else split, "protocol": protocol, "ref": reference, "data": data}
    head = {"task": task, "submission": name, "reference": reference, "data": data,
            "version": __version__}
    head.update({"protocol": protocol} if protocol else {"split": split})
    head["bootstrap"] = bootstrap.to_dict() if bootstrap else None

    def sign(mode: str, **fields) -> str:
        return signature(task, mode, **common, **fields)

    head["intervals"] = bootstrap.check(len(doc_ids)) if bootstrap else None
    res = {**head, **scored(sign, bootstrap=bootstrap, doc_ids=doc_ids, space=space)}
    if protocol == "lodo":
        key = FOLD_METRIC[task]
        for block in (res["per_target"].values() if task == "stance" else (res,)):
            block["folds"] = fold_summary(block["per_doc"], key, get(block, task_named(task).headline.path[
                2 if task == "stance" else 0:]))
    return res


#: the per-article (per-fold) value of each task's headline metric in ``per_doc``
FOLD_METRIC: dict[str, str] = {"entities": "strict_f1", "quotes": "end_to_end_overlap_f1", "stance": "macro_f1"}


def fold_summary(per_doc: Mapping[str, Mapping], key: str, pooled: float) -> dict:
    """The headline over leave-one-document-out folds: the mean over folds with its spread
    (sample standard deviation, min, max), beside the pooled score (counts summed over the
    held-out articles, the primary figure)."""
    vals = [float(v[key]) for v in per_doc.values()]
    n = len(vals)
    mean = sum(vals) / n if n else 0.0
    sd = (sum((v - mean) ** 2 for v in vals) / (n - 1)) ** 0.5 if n > 1 else 0.0
    return rnd({"metric": key, "n_folds": n, "pooled": pooled, "mean": mean, "sd": sd,
                "min": min(vals, default=0.0), "max": max(vals, default=0.0), "primary": "pooled"})
