"""Submissions: the format, and reading and validating system output before it is scored.

Format: JSON Lines, one record (a JSON object on one line) per article of the
evaluated split, in any order::

    {"doc_id": "000_fccf310b8a8da4fc",
     "entities": [{"start": 120, "end": 127, "label": "GPE"}],
     "quotes":   [{"start": 300, "end": 410, "quote_type": "direct", "speaker_id": "wayne_marotto",
                   "cue": {"start": 280, "end": 283}, "source": null}],
     "stance":   [{"quote_id": "q01", "target": "stance_t1", "label": "FAVOR"}]}

Only the field of the task being scored is required (``[]`` when a system
predicts nothing for an article); the others may be present and are ignored.

* ``entities``: character spans over the raw text (Python ``str`` offsets,
  end exclusive): ``start``, ``end``, ``label``; optional ``text``, checked
  against the article. Spans are flat: no duplicates, no overlaps.
* or, instead of ``entities``, BIO tags over tahaluf tokens
  (:func:`tahaluf.core.text.tokenize` within :func:`tahaluf.core.text.sentences`,
  the tokens of the dataset's ``entities`` config): ``ner_tags`` is either a
  list per sentence (``[["O", "B-ORG", ...], ...]``) or one flat list for
  the article's tokens; tags are strings (``B-PER``) or their ``ClassLabel``
  ids (``O`` = 0, ``B-PER`` = 1, ``I-PER`` = 2, ... in schema order).
  An optional ``tokens`` field of the same shape is checked against the
  tokens. A BIO submission is scored in token space (see
  :mod:`tahaluf.scoring.entities`); all its records must be BIO.
* ``quotes``: ``start``, ``end`` (the quotation, marks excluded); optional
  ``quote_type`` (``direct``/``indirect``/``mixed`` or null), ``speaker_id``
  (a ``speaker_id`` or one of the ``aliases`` of the dataset's ``speakers``
  config, the registry ``annotation/speakers.json``; or null), ``cue`` and ``source``
  (``{"start", "end"}`` or null), ``quote_id`` and ``text``. Quotations never
  overlap.
* ``stance``: one item per reference quotation and stance target:
  ``quote_id`` (the reference quotation's id), ``target`` (``stance_t1``),
  ``label`` (``FAVOR``/``AGAINST``/``NONE``).
* ``meta``: free, ignored.

Refusals
    Nothing is dropped or repaired. Every problem found is reported at once
    with its location (``file:line doc=... field``), what was got and what was
    expected, under a stable finding id of :data:`tahaluf.core.errors.FINDING_IDS`:

    ===========================================  ========================
    problem                                      finding id
    ===========================================  ========================
    a line that is not JSON or not an object     ``malformed-file``
    a missing, mistyped or unknown field         ``malformed-file``
    an article that is unknown or not in split   ``unknown-document``
    an article of the split with no record       ``missing-document``
    two records for one article; duplicate span  ``duplicate-id``
    offsets outside the text                     ``span-out-of-range``
    a ``text`` that is not ``text[start:end]``   ``span-text-mismatch``
    unknown label, tag, quote type or target     ``unknown-label``
    unknown speaker id                           ``unknown-speaker``
    a stance item for no reference quotation     ``dangling-relation``
    a reference stance item with no prediction   ``missing-attribute``
    overlapping entities / quotations            ``entity-overlap`` / ``quote-overlap``
    ===========================================  ========================

    :func:`load_submission` raises :class:`SubmissionRefused` (a
    :class:`~tahaluf.core.errors.TahalufError`); ``tahaluf evaluate`` exits 3.

Modules: :mod:`~tahaluf.scoring.submission.reader` (records to a
:class:`Submission`), :mod:`~tahaluf.scoring.submission.checks` (one check
per task's field), :mod:`~tahaluf.scoring.submission.reference` (the
reference written as a submission).
"""

from tahaluf.scoring.submission.reader import (
    MAX_FINDINGS,
    Submission,
    SubmissionRefused,
    docs_in_split,
    load_submission,
)
from tahaluf.scoring.submission.reference import gold_submission

__all__ = [
    "MAX_FINDINGS",
    "Submission",
    "SubmissionRefused",
    "docs_in_split",
    "gold_submission",
    "load_submission",
]
