"""What both quotation baselines know of the language and of the registry.

Cue lexicon
    :data:`CUE_WORDS` are speech verbs and their participles as written; a
    token is a cue candidate when its normalised, clitic-stripped form
    (:func:`tahaluf.core.text.normalise` of :func:`tahaluf.core.text.strip_clitics`,
    the ``stem`` of :class:`tahaluf.baselines.features.DocView`) is one of
    theirs (:func:`cue_set`). :data:`AMBIGUOUS_CUES` are cue words that are also
    common non-speech words (the rule system takes them as cues only before a
    complementiser or a quotation mark). A *complementiser* is أن/إن/بأن with an
    optional pronoun suffix (أنه, أنها ...), matched on normalised forms.

Quotation marks
    ``“…”`` and ``«…»`` pair an opening with a closing mark; the ASCII ``"``
    pairs in order (:data:`OPEN_MARKS`, :data:`CLOSE_MARKS`, :data:`ASCII_MARK`).

Registry mentions (:func:`mentions`)
    The speaker registry is the task's knowledge base: its spellings, tokenised
    and normalised like the article's stems (:func:`spelling_keys`), are looked
    up left to right, the longest spelling first, and give the token ranges
    where a registry speaker is mentioned.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from tahaluf.baselines.features import view
from tahaluf.core.model import Document, Speaker
from tahaluf.core.text import normalise, strip_clitics, tokenize

#: cue words, as written; matched on normalised, clitic-stripped forms
CUE_WORDS = (
    "قال", "يقول", "قالت", "تقول", "أضاف", "يضيف", "أضافت", "تابع", "يتابع", "أشار", "يشير", "أشارت",
    "أوضح", "يوضح", "أوضحت", "بين", "يبين", "بيّن", "لفت", "يلفت", "أكد", "يؤكد", "أكدت", "ذكر", "يذكر",
    "أعلن", "يعلن", "أعلنت", "نبه", "نبّه", "استدرك", "أسهب", "ختم", "مضى", "أجاب", "اعتبر", "يعتبر", "رأى",
    "يرى", "صرح", "أفاد", "كشف", "وصف", "وصفه", "واصفا", "مبينا", "مشيرا", "لافتا", "مضيفا", "مؤكدا", "موضحا",
    "معتبرا", "قائلا", "منوها", "محذرا", "حذر", "يقر", "أقر", "نوه", "شدد", "يشدد", "مشددا", "تساءل", "أردف",
)
#: cue words that are also common non-speech words: a cue only before a complementiser or a mark
AMBIGUOUS_CUES = ("بين", "ذكر", "مضى", "ختم", "كشف", "رأى", "يرى")
#: words that extend a cue span
CUE_TAILS = ("إلى", "الى", "قائلا", "بالقول")
#: prepositions: words after a cue that do not start a source
PREPOSITIONS = ("في", "عن", "من", "على", "إلى", "الى", "خلال", "عبر", "مع", "لموقع", "له", "لها", "لـ")
OPEN_MARKS, CLOSE_MARKS = "“«", "”»"
ASCII_MARK = '"'
MARKS = OPEN_MARKS + CLOSE_MARKS + ASCII_MARK
_COMPLEMENTISER = re.compile(r"^ب?ان(?:ه|ها|هم|هما|نا|ني)?$")


def stem_form(s: str) -> str:
    """The normalised, clitic-stripped form of a word (a token's ``stem``, but for
    quotation marks, which keep their form here)."""
    return normalise(strip_clitics(s))


@functools.cache
def cue_set() -> frozenset[str]:
    """The stems of :data:`CUE_WORDS`."""
    return frozenset(stem_form(w) for w in CUE_WORDS)


@functools.cache
def ambiguous_cue_set() -> frozenset[str]:
    """The stems of :data:`AMBIGUOUS_CUES`."""
    return frozenset(stem_form(w) for w in AMBIGUOUS_CUES)


def is_complementiser(norm: str) -> bool:
    return bool(_COMPLEMENTISER.match(norm))


def spelling_keys(speakers: Mapping[str, Speaker]) -> list[tuple[tuple[str, ...], str, str]]:
    """(normalised token sequence, speaker id, kind) for every spelling, longest first."""
    out = []
    for sid in sorted(speakers):
        s = speakers[sid]
        for sp in s.spellings:
            out.append((tuple(stem_form(t.text) for t in tokenize(sp)), sid, s.kind))
    return sorted(out, key=lambda x: (-len(x[0]), x[1]))


def mentions(doc: Document, keys) -> list[tuple[int, int, str]]:
    """Token ranges ``[a, b)`` where a registry spelling occurs, left to right, longest first."""
    v = view(doc)
    out = []
    i = 0
    n = len(v)
    while i < n:
        for key, sid, _ in keys:
            if v.stem[i:i + len(key)] == key:
                out.append((i, i + len(key), sid))
                i += len(key)
                break
        else:
            i += 1
    return out

