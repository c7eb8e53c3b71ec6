"""The Tahaluf scorer: entities, quotations and stance, with signatures and intervals.

==============  ==========================================================================
module          what it does
==============  ==========================================================================
``tasks``       :data:`TASKS`, the one declaration of the scored tasks; the split choices
``evaluate``    :func:`~tahaluf.scoring.evaluate.evaluate`: validate, score, sign
``submission``  the submission format, its reader and its checks
``entities``    strict and nervaluate scores of entity spans; seqeval-compatible BIO
``modes``       nervaluate's four schemas: the greedy pairing, and vectorised over documents
``quotes``      quotation spans, cues, sources, speakers, end to end
``stance``      stance over the reference quotations: macro F1, F_avg, accuracy
``report``      plain-text reports; the README's match-mode table
==============  ==========================================================================

Python API::

    from tahaluf.scoring.evaluate import evaluate
    result = evaluate("run.jsonl", task="entities", split="test")
    result["strict"]["micro"]["f1"], result["signature"]

Lower-level functions score span lists directly:
:func:`~tahaluf.scoring.entities.score_spans`,
:func:`~tahaluf.scoring.entities.strict_bio` (seqeval-compatible, vectorised),
:func:`~tahaluf.scoring.quotes.score_quotes`,
:func:`~tahaluf.scoring.stance.score_stance`.

This package's ``__init__`` re-exports only the task registry, so that the
command line reads the tasks without loading the scorer.
"""

from tahaluf.scoring.tasks import ALL, SPLIT_CHOICES, TASKS, Headline, Task, get, task

__all__ = ["ALL", "SPLIT_CHOICES", "TASKS", "Headline", "Task", "get", "task"]
