"""Token views of an article and the token features the learned baselines share.

:class:`DocView` holds an article's tokens and sentences, its paragraphs as
token ranges, and three forms of every token:
``form`` (as written), ``norm`` (:func:`tahaluf.core.text.normalise`: no tatweel,
no diacritics, unified alef/yeh/teh marbuta; every quotation mark is ``"``)
and ``stem`` (the normalised :func:`tahaluf.core.text.strip_clitics` form).
Tokens and sentences are the rows of :func:`tahaluf.core.tagging.doc_tokens`
for the article's text alone (its metadata, none of its annotations): a model
never sees the reference, so no sentence is merged because a reference entity
crosses it, and the rows are the sentences of :func:`tahaluf.core.text.sentences`.
A paragraph runs to the next line break between two tokens.

:func:`token_features` is a string-valued feature dict per token (form, the
two normalised forms, prefixes and suffixes of the stem, shape, length, the
clitic that was stripped, position in the sentence, the forms of two
neighbours on each side). ``DictVectorizer`` one-hot encodes it for logistic
regression and CRFsuite reads it as ``key:value`` features.

Proclitics and character spans (:func:`proclitic_offset`)
    Tokens keep their proclitics (``للتحالف`` is one token) but entity and cue
    spans leave them out (guidelines 1.1, checked by ``tahaluf validate``).
    When a predicted span starts at a token, its start moves past the
    proclitic by the validator's rule: a fused ``لل`` (optionally after و/ف)
    starts the span at the second lam; و/ف/ب/ك/ل (and sequences like وب)
    before ``ال`` are skipped. Beyond the rule, a one- or two-letter proclitic
    before any other word is skipped when the rest of the token is a form the
    system saw at the start of a training span and the whole token is not
    (``بداعش`` -> ``داعش`` once ``داعش`` was seen).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from tahaluf.core.model import Document
from tahaluf.core.tagging import doc_tokens
from tahaluf.core.text import normalise, strip_clitics

_VIEWS: dict[tuple[str, str], DocView] = {}

_FUSED_LL = re.compile(r"^([وف]?)ل(?=ل[^\W\d_]{2,})")
_BEFORE_AL = re.compile(r"^[وف]?[بكل]?(?=ال[^\W\d_])")
#: quotation marks of every style have one normalised form
_MARK_FORMS = {m: '"' for m in '“”«»″„‟'}
#: proclitic sequences tried before a known form, longest first
_PROCLITIC_SEQS = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")


@dataclass(frozen=True)
class DocView:
    doc_id: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    form: tuple[str, ...]
    norm: tuple[str, ...]
    stem: tuple[str, ...]
    #: token index ranges [a, b)
    sentences: tuple[tuple[int, int], ...]
    paragraphs: tuple[tuple[int, int], ...]

    def __len__(self) -> int:
        return len(self.form)

    def sentence_starts(self) -> np.ndarray:
        """The first token of every sentence (the ``starts`` of :func:`tahaluf.core.tagging.decode`)."""
        return np.array([a for a, _ in self.sentences], dtype=np.int64)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens ``[a, b)`` that overlap the characters ``[start, end)`` (the
        overlap rule of :func:`tahaluf.core.tagging.project`); empty (``a == b``) if none."""
        a = bisect.bisect_right(self.ends, start)
        b = bisect.bisect_left(self.starts, end)
        return a, max(a, b)

    def sentence_of(self) -> list[int]:
        out = [0] * len(self)
        for k, (a, b) in enumerate(self.sentences):
            for i in range(a, b):
                out[i] = k
        return out


def view(doc: Document) -> DocView:
    """The token view of ``doc``'s text (cached on id and text)."""
    key = (doc.doc_id, doc.text)
    if key in _VIEWS:
        return _VIEWS[key]
    toks = doc_tokens(Document(doc.doc_id, doc.text, doc.metadata))  # the text, not the reference
    starts, ends = tuple(toks.starts.tolist()), tuple(toks.ends.tolist())
    paras, a = [], 0
    for k in range(1, len(toks) + 1):
        if k == len(toks) or "\n" in doc.text[ends[k - 1]:starts[k]]:
            paras.append((a, k))
            a = k
    forms = toks.texts
    norm = tuple(_MARK_FORMS.get(f) or normalise(f) for f in forms)
    v = DocView(doc.doc_id, doc.text, starts, ends, forms,
                norm, tuple(_MARK_FORMS.get(f) or normalise(strip_clitics(f)) for f in forms),
                toks.rows, tuple(paras))
    _VIEWS[key] = v
    return v


def shape(s: str) -> str:
    if s.isdigit():
        return "digit"
    cats = set()
    for ch in s:
        if "\u0600" <= ch <= "\u06ff":
            cats.add("ar")
        elif ch.isalpha():
            cats.add("lat")
        elif ch.isdigit():
            cats.add("dig")
        else:
            cats.add(unicodedata.category(ch)[0])
    return "+".join(sorted(cats))


def token_features(v: DocView, i: int, lo: int, hi: int) -> dict[str, str]:
    """Features of token ``i`` in the sequence ``[lo, hi)``."""
    form, norm, stem = v.form[i], v.norm[i], v.stem[i]
    f = {
        "bias": "1",
        "w": form,
        "n": norm,
        "s": stem,
        "p2": stem[:2], "p3": stem[:3],
        "x2": stem[-2:], "x3": stem[-3:],
        "shape": shape(form),
        "len": str(min(len(stem), 8)),
        "clitic": norm[: len(norm) - len(stem)] if norm.endswith(stem) else "?",
        "al": str(stem.startswith("ال")),
        "first": str(i == lo),
    }
    for d in (-2, -1, 1, 2):
        j = i + d
        f[f"s{d:+d}"] = v.stem[j] if lo <= j < hi else ("<s>" if j < lo else "</s>")
    f["s-1|s"] = f["s-1"] + "|" + stem
    f["s|s+1"] = stem + "|" + f["s+1"]
    return f


def proclitic_offset(token: str, known: frozenset[str] = frozenset()) -> int:
    """How many characters of ``token`` to skip at a span start (module docstring)."""
    m = _FUSED_LL.match(token)
    if m:
        return len(m.group(1)) + 1
    m = _BEFORE_AL.match(token)
    if m and m.group(0):
        return len(m.group(0))
    if known and token not in known:
        for p in _PROCLITIC_SEQS:
            if token.startswith(p) and len(token) - len(p) >= 2 and token[len(p):] in known:
                return len(p)
    return 0


def span_start_forms(docs, spans_of) -> frozenset[str]:
    """The text of every training span from its start to the end of its first token."""
    out = set()
    for d in docs:
        v = view(d)
        for s, e in spans_of(d):
            k = bisect.bisect_right(v.starts, s) - 1
            if k >= 0 and v.starts[k] <= s < v.ends[k]:
                out.add(d.text[s:v.ends[k]])
    return frozenset(out)
