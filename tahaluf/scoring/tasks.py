"""The scored tasks, declared once, and the splits a submission may cover.

:data:`TASKS` is the only list of tasks: the submission reader accepts its
names, ``tahaluf evaluate --task`` offers them as choices, the leaderboard
orders its sections by it and takes their titles from it, and ``tahaluf
baselines`` prints each task's headline metric. Adding a task is one
:class:`Task` entry plus its scoring module.

A task's ``module`` is the module that scores it; it defines
``Tally(n_docs, *, schema, speakers, missing)`` with
``add(position, doc, prediction, space)`` (one article's counts, added as the
submission is read or from a validated
:class:`~tahaluf.scoring.submission.Submission`) and
``result(sign, *, bootstrap, doc_ids, space) -> dict`` (the task's metrics and
signatures from the counts; ``sign(mode, **fields)`` makes a signature), and
documents the metrics it reports.

Headline metrics: entities strict micro F1; quotes end-to-end (quotation
overlap + speaker) F1; stance macro F1 of target T1 (each target is scored and ranked
on its own).

A submission covers one split of the corpus's :data:`tahaluf.corpus.SPLITS`
or every article (:data:`ALL`); :data:`SPLIT_CHOICES` lists them.

This module imports only the core errors and the corpus's split declaration,
so that the command line can build its choices without loading the scorer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.corpus import SPLITS


class Headline(NamedTuple):
    """Where a task's headline metric is in a result, and what it is called."""

    path: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class Task:
    """A scored task (see the module docstring)."""

    #: the task's name, also the submission record's field (``entities`` may be ``ner_tags``)
    name: str
    #: section title on the leaderboard
    title: str
    headline: Headline
    description: str
    #: the module that scores it
    module: str


TASKS: dict[str, Task] = {t.name: t for t in (
    Task("entities", "Named entities", Headline(("strict", "micro", "f1"), "strict micro F1"),
         "named entities as character spans or BIO tags: strict span+type scores and nervaluate's four schemas",
         "tahaluf.scoring.entities"),
    Task("quotes", "Quotation attribution",
         Headline(("end_to_end", "overlap", "f1"), "quotation (overlap) + speaker F1"),
         "quotation spans, cues, sources and speakers, and quotation + speaker end to end",
         "tahaluf.scoring.quotes"),
    Task("stance", "Stance", Headline(("per_target", "stance_t1", "macro_f1"), "T1 macro F1"),
         "the stance of each reference quotation towards each stance target",
         "tahaluf.scoring.stance"),
)}


#: the pseudo-split of every article
ALL = "all"
SPLIT_CHOICES: tuple[str, ...] = (*SPLITS, ALL)


def task(name: str) -> Task:
    """The task called ``name``; refuses an unknown one."""
    if name not in TASKS:
        raise TahalufError(f"unknown task {name!r}. {did_you_mean(name, TASKS)}")
    return TASKS[name]


def get(result: Mapping, path: Sequence[str]):
    """The value at ``path`` (a sequence of keys) in a nested result."""
    for k in path:
        result = result[k]
    return result
