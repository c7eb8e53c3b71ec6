"""The text layer: tokens and sentences with offsets, and named normalisers.

Tokens
    camel-tools' ``simple_word_tokenize`` splits on white space and separates
    every Unicode punctuation or symbol character. It returns strings; we align
    each one back to the raw text (it must be found at the cursor after white
    space only), so every :class:`Token` has ``text[start:end] == token.text``.
    Proclitics are not split (``للتحالف`` is one token).

Sentences
    Rule: a sentence ends (1) at a line break, and (2) after a token ``.``,
    ``!``, ``?``, ``؟`` or ``…`` that is followed by white space or the end of
    the text, together with any closing quotation marks or brackets directly
    after it. A period between digits (``4.13``) never ends a sentence (it is
    not followed by white space). Sentences hold whole tokens; their offsets
    run from the first token's start to the last token's end.

Normalisers
    Named functions for modelling (:data:`NORMALISERS`): ``dediac``,
    ``alef``, ``yeh`` (alef maksura and Farsi yeh to Arabic yeh),
    ``teh_marbuta``, ``tatweel``. They return new strings and never touch the
    stored text or any offset. ``normalise(s)`` applies them all in a fixed
    order.

Morphology and NER
    camel-tools' analysers need data packages that are downloaded with
    ``camel_data`` from the CAMeL Lab data server. They are optional here:
    :func:`morphology_analyser` checks for the data before importing anything
    that would try to download it, and raises :class:`CamelDataMissing` with
    the command to run when it is absent.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable

from tahaluf.core.errors import TahalufError


@cache
def _camel(module: str, name: str) -> Callable[[str], Any]:
    import importlib
    return getattr(importlib.import_module(f"camel_tools.{module}"), name)


def _lazy(module: str, name: str) -> Callable[[str], Any]:
    """``camel_tools.<module>.<name>``, imported when first called: importing camel-tools builds its
    Unicode character sets (about 40 MiB and 0.3 s), which a command that never tokenises or
    normalises (scoring, most of validation) should not pay for."""
    def call(s: str) -> Any:
        return _camel(module, name)(s)
    call.__name__ = call.__qualname__ = name
    return call


simple_word_tokenize = _lazy("tokenizers.word", "simple_word_tokenize")
dediac_ar = _lazy("utils.dediac", "dediac_ar")
normalize_alef_ar = _lazy("utils.normalize", "normalize_alef_ar")
normalize_alef_maksura_ar = _lazy("utils.normalize", "normalize_alef_maksura_ar")
normalize_teh_marbuta_ar = _lazy("utils.normalize", "normalize_teh_marbuta_ar")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    tokens: tuple[Token, ...]


def tokenize(text: str) -> list[Token]:
    """camel-tools word tokens with their character offsets in ``text``."""
    out: list[Token] = []
    pos = 0
    for tok in simple_word_tokenize(text):
        i = pos
        while i < len(text) and text[i].isspace():
            i += 1
        if not text.startswith(tok, i):
            raise TahalufError(
                f"cannot align camel-tools token {tok!r} at offset {i}: text has {text[i:i + len(tok)]!r}")
        out.append(Token(i, i + len(tok), tok))
        pos = i + len(tok)
    if text[pos:].strip():
        raise TahalufError(f"camel-tools dropped text after offset {pos}: {text[pos:pos + 20]!r}")
    return out


_TERMINATORS = {".", "!", "?", "؟", "…"}
_CLOSERS = {'"', "”", "’", "'", ")", "]", "»"}


def sentences(text: str, tokens: list[Token] | None = None) -> list[Sentence]:
    """Split into sentences by the rule in the module docstring."""
    toks = tokenize(text) if tokens is None else tokens
    out: list[Sentence] = []
    cur: list[Token] = []

    def close() -> None:
        if cur:
            out.append(Sentence(cur[0].start, cur[-1].end, tuple(cur)))
            cur.clear()

    i = 0
    while i < len(toks):
        t = toks[i]
        if cur and "\n" in text[cur[-1].end:t.start]:
            close()
        cur.append(t)
        if t.text in _TERMINATORS:
            j = i  # absorb closing marks written directly after the terminator
            while j + 1 < len(toks) and toks[j + 1].text in _CLOSERS and toks[j + 1].start == toks[j].end:
                j += 1
            end = toks[j].end
            if end == len(text) or text[end].isspace():
                cur.extend(toks[i + 1:j + 1])
                i = j
                close()
        i += 1
    close()
    return out


# -- normalisers ------------------------------------------------------------

def remove_tatweel(s: str) -> str:
    return s.replace("\u0640", "")


def unify_yeh(s: str) -> str:
    """Alef maksura (ى) and Farsi yeh (ی) to Arabic yeh (ي)."""
    return normalize_alef_maksura_ar(s).replace("\u06cc", "\u064a")


#: name -> function; applied by :func:`normalise` in this order.
NORMALISERS: dict[str, Callable[[str], str]] = {
    "tatweel": remove_tatweel,
    "dediac": dediac_ar,
    "alef": normalize_alef_ar,
    "yeh": unify_yeh,
    "teh_marbuta": normalize_teh_marbuta_ar,
}


def normalise(s: str, names: tuple[str, ...] | None = None) -> str:
    """A normalised copy of ``s`` (all normalisers, or the named ones)."""
    for name in names or tuple(NORMALISERS):
        try:
            s = NORMALISERS[name](s)
        except KeyError:
            raise TahalufError(f"unknown normaliser {name!r}. Available: {', '.join(NORMALISERS)}") from None
    return s


_PROCLITIC_RE = re.compile(r"^(?:[وف]?[بلك]?)(?=ال)|^[وف](?=[^\W\d_]{3,})")


def strip_clitics(s: str) -> str:
    """A crude, deterministic clitic-stripped form for features: drops a leading
    و/ف and a following ب/ل/ك before ال, and a lone leading و/ف before a word of
    at least three letters; maps fused لل to ال."""
    if s.startswith("لل") and len(s) > 3:
        s = "ال" + s[2:]
    return _PROCLITIC_RE.sub("", s)


# -- optional camel-tools data ------------------------------------------------

class CamelDataMissing(TahalufError):
    """camel-tools data (morphology DB, NER model) is not installed."""


def camel_data_dir() -> Path:
    env = os.environ.get("CAMELTOOLS_DATA")
    return Path(env).expanduser() if env else Path.home() / ".camel_tools"


def _require_camel_data(package: str) -> None:
    d = camel_data_dir()
    if not (d / "catalogue.json").exists() or not (d / "data").exists():
        raise CamelDataMissing(
            f"camel-tools data is not installed in {d} (looked for catalogue.json and data/). "
            f"This optional feature needs it: run `camel_data -i {package}` on a machine that "
            f"can reach the CAMeL Lab data server, or copy an installed data folder here and set "
            f"CAMELTOOLS_DATA to it. Tokens, sentences and normalisers work without it."
        )


def morphology_analyser(db: str = "calima-msa-r13"):
    """A camel-tools morphological analyser (optional; needs ``camel_data``)."""
    _require_camel_data("morphology-db-msa-r13")
    from camel_tools.morphology.analyzer import Analyzer
    from camel_tools.morphology.database import MorphologyDB
    return Analyzer(MorphologyDB.builtin_db(db))


def ner_recognizer():
    """camel-tools' pretrained NER (optional; needs ``camel_data``)."""
    _require_camel_data("ner-arabert")
    from camel_tools.ner import NERecognizer
    return NERecognizer.pretrained()
