"""Quotation baselines: a rule system, and a CRF tagger with a learned speaker ranker.

Both predict quotation spans with a quote type, a cue, a source and a
speaker id from the speaker registry (``annotation/speakers.json``, the task's
knowledge base: speakers are linked to it, as entities are linked to a KB;
its spellings are used to find mentions of speakers). Neither uses reference
entities.

``rule`` (no training)
    1. *Marked quotations*, paragraph by paragraph: ``“…”`` and ``«…»`` pair
       open with close; ASCII ``"`` pair in order. An unclosed quotation runs
       to the end of its paragraph; a stray closing mark is ignored (the
       guidelines' rule for unbalanced marks). Content of one word is a name in
       marks (``"داعش"``), not a quotation.
    2. *Headline and interview lines* ``NAME: content``: a line whose first
       colon follows at most five words; the words are the source.
    3. *Indirect quotations*: a cue word (:data:`CUE_LEXICON`) followed within
       ten tokens of its sentence by a complementiser (أن/إن/بأن/أنه ...): the
       content runs from after the complementiser to the end of the sentence.
       A marked quotation inside it makes one *mixed* quotation.
    4. *Cue*: the nearest cue word before the quotation in its sentence (or
       after it, ``"..."، يقول ماروتو``), without its و/ف proclitic, with a
       following إلى / قائلا / بالقول. *Source*: the words between the cue and
       the quotation or complementiser (up to a comma), else the words before
       the cue in its clause. *Speaker*: the registry speaker whose spelling
       occurs in the source (persons before institutions, then the longest
       spelling); without one, the previous quotation's speaker (pro-drop
       ``وأضاف``); else the speaker mentioned last before the quotation.

``crf`` (learned)
    A linear-chain CRF over each paragraph's tokens with tags
    ``O, B/I-QUOTE, B/I-CUE, B/I-SOURCE`` (reference spans projected on tokens
    by overlap). Features: the entity features plus quotation-mark state
    (inside/outside by the pairing above), cue-lexicon and complementiser
    flags, the position relative to a leading ``NAME:``. Each predicted
    quotation takes the nearest predicted cue and source of its paragraph.
    The speaker is chosen by a logistic-regression ranker over candidate
    registry speakers (those mentioned in the article, plus the previous
    quotation's speaker), with features: mention inside the source span,
    token distance to the nearest mention before and after the quotation,
    mention in the same sentence or paragraph, previous quotation's speaker,
    mention inside the quotation, number of mentions, institution or person,
    ``NAME:`` line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from tahaluf.baselines.features import proclitic_offset, span_start_forms, token_features, view
from tahaluf.core.model import Document
from tahaluf.core.tagging import decode_lenient, project

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


def _n(s: str) -> str:
    from tahaluf.core.text import normalise, strip_clitics
    return normalise(strip_clitics(s))


_CUES_N: frozenset[str] | None = None


def cue_set() -> frozenset[str]:
    global _CUES_N
    if _CUES_N is None:
        _CUES_N = frozenset(_n(w) for w in CUE_WORDS)
    return _CUES_N


def is_complementiser(norm: str) -> bool:
    return bool(_COMPLEMENTISER.match(norm))


# -- registry mentions -------------------------------------------------------------

def spelling_keys(speakers) -> list[tuple[tuple[str, ...], str, str]]:
    """(normalised token sequence, speaker id, kind) for every spelling, longest first."""
    from tahaluf.core.text import tokenize
    out = []
    for sid in sorted(speakers):
        s = speakers[sid]
        for sp in s.spellings:
            out.append((tuple(_n(t.text) for t in tokenize(sp)), sid, s.kind))
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


def _tok_range(v, start: int, end: int) -> tuple[int, int]:
    import bisect
    a = bisect.bisect_right(v.ends, start)
    b = bisect.bisect_left(v.starts, end)
    return a, max(a, b)


# -- the rule system ---------------------------------------------------------------

def marked_spans(text: str) -> list[tuple[int, int]]:
    """Content spans of quotation marks, paragraph by paragraph (unbalanced rule)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        open_at = None
        for k, ch in enumerate(line):
            if ch in OPEN_MARKS:
                if open_at is None:
                    open_at = (k, ch)
            elif ch in CLOSE_MARKS:
                if open_at is not None and open_at[1] in OPEN_MARKS:
                    out.append((start + open_at[0] + 1, start + k))
                    open_at = None
            elif ch == ASCII_MARK:
                if open_at is None:
                    open_at = (k, ch)
                elif open_at[1] == ASCII_MARK:
                    out.append((start + open_at[0] + 1, start + k))
                    open_at = None
        if open_at is not None:  # unclosed: to the end of the paragraph, without its final period
            out.append((start + open_at[0] + 1, start + len(line.rstrip().rstrip("."))))
    res = []
    for s, e in out:
        s2, e2 = _trim(text, s, e)
        if e2 > s2 and len(text[s2:e2].split()) >= 2:
            res.append((s2, e2))
    return res


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    seg = text[s:e]
    return s + len(seg) - len(seg.lstrip()), e - (len(seg) - len(seg.rstrip()))


_COLON_LINE = re.compile(r"^(\s*(?:#+\s*)?)([^:\n\"“”«»]{2,60}?)\s*:\s*(\S.*?)\s*$")


def colon_lines(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``NAME: content`` lines: (source span, content span)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        m = _COLON_LINE.match(line)
        if not m or len(m.group(2).split()) > 5 or len(m.group(3).split()) < 3:
            continue
        content_end = start + m.start(3) + len(m.group(3).rstrip("."))
        out.append(((start + m.start(2), start + m.end(2)), (start + m.start(3), content_end)))
    return out


class Rule:
    task = "quotes"

    def __init__(self, **config):
        self.config = config

    def fit(self, docs: Sequence[Document]) -> Rule:
        from tahaluf.corpus import load_speakers
        self.speakers = load_speakers()
        self.keys = spelling_keys(self.speakers)
        return self

    # token helpers
    def _is_cue(self, v, i: int) -> bool:
        if v.stem[i] not in cue_set():
            return False
        if _n(v.form[i]) in {_n(w) for w in AMBIGUOUS_CUES} or v.stem[i] in {_n(w) for w in AMBIGUOUS_CUES}:
            nxt = v.norm[i + 1] if i + 1 < len(v) else ""
            nxt2 = v.norm[i + 2] if i + 2 < len(v) else ""
            return is_complementiser(nxt) or (nxt in ("الي", "الى") and is_complementiser(nxt2)) or \
                (nxt and nxt[0] in MARKS)
        return True

    def _cue_span(self, doc, v, i: int) -> tuple[tuple[int, int], int]:
        from tahaluf.core.text import strip_clitics
        form = v.form[i]
        stripped = strip_clitics(form)
        off = len(form) - len(stripped) if form.endswith(stripped) and not form.startswith("لل") else 0
        end_tok = i
        if i + 1 < len(v) and v.form[i + 1] in CUE_TAILS and v.starts[i + 1] - v.ends[i] <= 1:
            end_tok = i + 1
        return (v.starts[i] + off, v.ends[end_tok]), end_tok

    def predict(self, doc: Document) -> dict:
        v = view(doc)
        text = doc.text
        sent_of = v.sentence_of()
        quotes: list[dict] = []
        marked = marked_spans(text)
        for s, e in marked:
            quotes.append({"start": s, "end": e, "quote_type": "direct", "_cue": None, "_src": None})
        for (ss, se), (cs, ce) in colon_lines(text):
            if any(s < ce and cs < e for s, e in marked):
                continue
            quotes.append({"start": cs, "end": ce, "quote_type": "direct", "_cue": None, "_src": (ss, se),
                           "_colon": True})
        # indirect
        for i in range(len(v)):
            if not self._is_cue(v, i):
                continue
            sent = v.sentences[sent_of[i]]
            if any(q["start"] <= v.starts[i] < q["end"] for q in quotes):
                continue  # a cue word inside a quotation
            for j in range(i + 1, min(sent[1], i + 11)):
                if v.form[j] in MARKS:
                    break
                if is_complementiser(v.norm[j]):
                    a = j + 1
                    if a >= sent[1] or v.form[a] in MARKS:
                        break
                    # to the end of the paragraph, or to a comma before another cue word
                    para_end = next(hi for lo, hi in v.paragraphs if lo <= a < hi)
                    b = next((k for k in range(a + 1, para_end - 1)
                              if v.form[k] in ("،", ",") and self._is_cue(v, k + 1)), para_end)
                    while b > a and v.form[b - 1] in ".":
                        b -= 1
                    if b <= a:
                        break
                    s, e = v.starts[a], v.ends[b - 1]
                    inner = [q for q in quotes if q["start"] < e and s < q["end"]]
                    if any(q.get("_colon") or q["quote_type"] != "direct" for q in inner):
                        break
                    for q in inner:
                        quotes.remove(q)
                    e = max([e] + [q["end"] for q in inner])
                    qt = "mixed" if inner or any(ch in MARKS for ch in text[s:e]) else "indirect"
                    quotes.append({"start": s, "end": e, "quote_type": qt, "_cue": i, "_src": None,
                                   "_comp": j})
                    break
        quotes.sort(key=lambda q: (q["start"], q["end"]))
        # drop overlaps (keep the first)
        kept = []
        for q in quotes:
            if kept and q["start"] < kept[-1]["end"]:
                continue
            kept.append(q)
        ments = mentions(doc, self.keys)
        out = []
        prev_speaker = None
        for q in kept:
            a, b = _tok_range(v, q["start"], q["end"])
            cue_tok = q["_cue"]
            if cue_tok is None and not q.get("_colon"):
                cue_tok = self._find_cue(v, a, b, sent_of)
            cue = src = None
            if cue_tok is not None:
                cue, cue_end = self._cue_span(doc, v, cue_tok)
                src = self._find_source(v, cue_tok, cue_end, a, q.get("_comp"), sent_of)
            if q["_src"] is not None:
                src = q["_src"]
            speaker = self._speaker(doc, v, src, a, ments, prev_speaker)
            prev_speaker = speaker or prev_speaker
            out.append({"start": q["start"], "end": q["end"], "quote_type": q["quote_type"],
                        "speaker_id": speaker,
                        "cue": None if cue is None else {"start": cue[0], "end": cue[1]},
                        "source": None if src is None else {"start": src[0], "end": src[1]}})
        return {"doc_id": doc.doc_id, "quotes": out}

    def _find_cue(self, v, a: int, b: int, sent_of) -> int | None:
        # backwards from the token before the opening mark, within the paragraph, up to 12 tokens
        k = a - 1
        while k >= 0 and v.form[k] in MARKS:
            k -= 1
        steps = 0
        while k >= 0 and steps < 12:
            if v.form[k] in ".!?؟…" or v.form[k] in MARKS or "\n" in v.text[v.ends[k]:v.starts[k + 1]]:
                break
            if self._is_cue(v, k):
                return k
            k -= 1
            steps += 1
        k = b
        while k < len(v) and v.form[k] in MARKS:
            k += 1
        for j in range(k, min(len(v), k + 6)):
            if v.form[j] in ".!?؟…" or "\n" in v.text[v.ends[j - 1]:v.starts[j]]:
                break
            if self._is_cue(v, j):
                return j
        return None

    def _find_source(self, v, cue_tok: int, cue_end: int, quote_tok: int, comp: int | None,
                     sent_of) -> tuple[int, int] | None:
        sent = v.sentences[sent_of[cue_tok]]
        stop = comp if comp is not None else (quote_tok if quote_tok > cue_tok else sent[1])
        run = []
        for k in range(cue_end + 1, min(stop, sent[1], cue_end + 9)):
            f = v.form[k]
            if f in MARKS or f in ("،", ",", ":", ".") or is_complementiser(v.norm[k]):
                break
            if not run and (f in PREPOSITIONS or v.norm[k] in ("الي",) or
                            (f.startswith("ل") and not f.startswith("ال"))):
                run = []
                break
            run.append(k)
        if run:
            return v.starts[run[0]], v.ends[run[-1]]
        # before the cue, back to the clause start
        run = []
        k = cue_tok - 1
        while k >= sent[0] and len(run) < 8:
            f = v.form[k]
            if f in MARKS or f in ("،", ",", ":", ".") or "\n" in v.text[v.ends[k]:v.starts[k + 1]]:
                break
            run.insert(0, k)
            k -= 1
        while run and v.norm[run[0]] in ("لكن", "و", "ثم", "كما", "فيما", "بينما", "وقد", "قد"):
            run.pop(0)
        if run:
            return v.starts[run[0]], v.ends[run[-1]]
        return None

    def _speaker(self, doc, v, src, quote_tok: int, ments, prev) -> str | None:
        if src is not None:
            a, b = _tok_range(v, src[0], src[1])
            hits = [(sid, bb - aa) for aa, bb, sid in ments if aa < b and a < bb]
            if hits:
                return min(hits, key=lambda h: (self.speakers[h[0]].kind != "person", -h[1], h[0]))[0]
        if prev is not None:
            return prev
        before = [(aa, sid) for aa, bb, sid in ments if bb <= quote_tok]
        return max(before)[1] if before else None


# -- the learned system ---------------------------------------------------------------

QTAGS = ("O", "B-QUOTE", "I-QUOTE", "B-CUE", "I-CUE", "B-SOURCE", "I-SOURCE")
QINDEX = {t: i for i, t in enumerate(QTAGS)}


def _mark_state(v, lo: int, hi: int) -> list[str]:
    """Per token of a paragraph: 'open'/'close'/'in'/'out' by the pairing rule."""
    out = []
    inside = None
    for i in range(lo, hi):
        f = v.form[i]
        if f in OPEN_MARKS or (f == ASCII_MARK and inside is None):
            out.append("open")
            inside = inside or f
        elif (f in CLOSE_MARKS and inside in tuple(OPEN_MARKS)) or (f == ASCII_MARK and inside == ASCII_MARK):
            out.append("close")
            inside = None
        else:
            out.append("in" if inside else "out")
    return out


def quote_features(v, lo: int, hi: int, cues: frozenset[str]) -> list[dict]:
    marks = _mark_state(v, lo, hi)
    colon = next((i for i in range(lo, min(hi, lo + 7)) if v.form[i] == ":"), None)
    feats = []
    last_comp = -100
    for i in range(lo, hi):
        f = token_features(v, i, lo, hi)
        f["mark"] = marks[i - lo]
        f["mark-1"] = marks[i - lo - 1] if i > lo else "<s>"
        f["mark+1"] = marks[i - lo + 1] if i + 1 < hi else "</s>"
        f["cue"] = str(v.stem[i] in cues or v.stem[i] in cue_set())
        f["cue-1"] = str(i > lo and (v.stem[i - 1] in cues or v.stem[i - 1] in cue_set()))
        comp = is_complementiser(v.norm[i])
        f["comp"] = str(comp)
        f["comp-1"] = str(i > lo and is_complementiser(v.norm[i - 1]))
        if comp:
            last_comp = i
        f["since_comp"] = str(min(i - last_comp, 6))
        f["colon"] = "none" if colon is None else ("before" if i < colon else ("at" if i == colon else "after"))
        f["pos"] = str(min(i - lo, 4))
        feats.append(f)
    return feats


def _qspans(doc: Document) -> list[tuple[int, int, int]]:
    out = set()
    for q in doc.quotes:
        out.add((q.span.start, q.span.end, 0))
        if q.cue:
            out.add((q.cue.start, q.cue.end, 1))
        if q.source:
            out.add((q.source.start, q.source.end, 2))
    return sorted(out)


class CRFTagger:
    task = "quotes"

    def __init__(self, c1: float = 0.05, c2: float = 0.05, max_iterations: int = 100, ranker_C: float = 1.0,
                 **config):
        self.params = {"c1": c1, "c2": c2, "max_iterations": max_iterations}
        self.ranker_C = ranker_C

    def fit(self, docs: Sequence[Document]) -> CRFTagger:
        import sklearn_crfsuite
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        from tahaluf.corpus import load_speakers
        self.speakers = load_speakers()
        self.keys = spelling_keys(self.speakers)
        self.cues = frozenset(_n(q.cue.text.split()[0]) for d in docs for q in d.quotes if q.cue)
        self.known_cue = span_start_forms(docs, lambda d: [(q.cue.start, q.cue.end) for q in d.quotes if q.cue])
        self.known_src = span_start_forms(docs, lambda d: [(q.source.start, q.source.end)
                                                           for q in d.quotes if q.source])
        X, y = [], []
        for d in docs:
            v = view(d)
            tags = project(np.array(v.starts), np.array(v.ends), _qspans(d))
            for lo, hi in v.paragraphs:
                X.append(quote_features(v, lo, hi, self.cues))
                y.append([QTAGS[t] for t in tags[lo:hi]])
        self.crf = sklearn_crfsuite.CRF(algorithm="lbfgs", all_possible_transitions=True, **self.params)
        self.crf.fit(X, y)
        # speaker ranker on the reference quotations
        from tahaluf.core.speakers import alias_table
        aliases = alias_table(self.speakers)
        F, t = [], []
        for d in docs:
            ments = mentions(d, self.keys)
            prev = [None, None]
            for q in d.quotes:
                gold = aliases.get(q.speaker_id, q.speaker_id)
                src = (q.source.start, q.source.end) if q.source else None
                for cand, feats in self._candidates(d, (q.span.start, q.span.end), src, ments, prev):
                    F.append(feats)
                    t.append(int(cand == gold))
                prev = [gold, prev[0]]
        self.vec = DictVectorizer()
        self.ranker = LogisticRegression(C=self.ranker_C, class_weight="balanced", max_iter=1000)
        if len(set(t)) > 1:
            self.ranker.fit(self.vec.fit_transform(F), t)
        else:
            self.ranker = None
        return self

    def _candidates(self, doc, span, src, ments, prev):
        v = view(doc)
        a, b = _tok_range(v, span[0], span[1])
        sent_of = v.sentence_of()
        para = next(((lo, hi) for lo, hi in v.paragraphs if lo <= a < hi), (a, b))
        sa, sb = _tok_range(v, src[0], src[1]) if src else (-1, -1)
        cands = sorted({sid for _, _, sid in ments} | ({prev[0]} if prev[0] else set()))
        counts = Counter(sid for _, _, sid in ments)
        colon = next((i for i in range(para[0], min(para[1], para[0] + 7)) if v.form[i] == ":"), None)
        last_before = max(((bb, sid) for aa, bb, sid in ments if bb <= a), default=(None, None))[1]
        first_after = min(((aa, sid) for aa, bb, sid in ments if aa >= b and para[0] <= aa < para[1]),
                          default=(None, None))[1]
        for c in cands:
            ms = [(aa, bb) for aa, bb, sid in ments if sid == c]
            before = [a - bb for aa, bb in ms if bb <= a]
            after = [aa - b for aa, bb in ms if aa >= b]
            f = {
                "src_match": float(any(aa < sb and sa < bb for aa, bb in ms)),
                "src_none": float(src is None),
                "d_before": math.log1p(min(before)) if before else 8.0,
                "d_after": math.log1p(min(after)) if after else 8.0,
                "has_before": float(bool(before)),
                "same_sentence": float(any(sent_of[aa] in (sent_of[a], sent_of[min(b, len(v)) - 1]) for aa, _ in ms)),
                "same_para": float(any(para[0] <= aa < para[1] for aa, _ in ms)),
                "inside": float(any(a <= aa and bb <= b for aa, bb in ms)),
                "prev": float(c == prev[0]),
                "prev2": float(c == prev[1]),
                "freq": math.log1p(counts[c]),
                "institution": float(self.speakers[c].kind != "person") if c in self.speakers else 0.0,
                "colon_line": float(colon is not None and any(para[0] <= aa < colon for aa, _ in ms)),
            }
            f["src_match_person"] = f["src_match"] * (1 - f["institution"])
            f["closest_before"] = float(c == last_before)
            f["first_after_in_para"] = float(c == first_after)
            yield c, f

    def predict(self, doc: Document) -> dict:
        v = view(doc)
        tags = np.zeros(len(v), dtype=np.int64)
        for lo, hi in v.paragraphs:
            pred = self.crf.predict_single(quote_features(v, lo, hi, self.cues))
            tags[lo:hi] = [QINDEX[p] for p in pred]
        starts = np.array([lo for lo, _ in v.paragraphs], dtype=np.int64)
        s, e, t = decode_lenient(tags, starts)
        para_of = {}
        for k, (lo, hi) in enumerate(v.paragraphs):
            for i in range(lo, hi):
                para_of[i] = k
        qs, cues, srcs = [], [], []
        for a, b, k in zip(s.tolist(), e.tolist(), t.tolist()):
            if k == 0:
                qs.append((a, b))
            elif k == 1:
                cues.append((a, b))
            else:
                srcs.append((a, b))
        ments = mentions(doc, self.keys)
        out = []
        prev = [None, None]

        def nearest(items, a, b):
            best = None
            for x, y in items:
                if para_of[x] != para_of[a]:
                    continue
                d = a - y if y <= a else x - b
                if d < 0 or d > 15:
                    continue
                if best is None or d < best[0]:
                    best = (d, x, y)
            return None if best is None else (best[1], best[2])

        for a, b in qs:
            start, end = v.starts[a], v.ends[b - 1]
            cue = nearest(cues, a, b)
            src = nearest(srcs, a, b)
            cue_c = None if cue is None else (v.starts[cue[0]] + proclitic_offset(v.form[cue[0]], self.known_cue),
                                              v.ends[cue[1] - 1])
            src_c = None if src is None else (v.starts[src[0]] + proclitic_offset(v.form[src[0]], self.known_src),
                                              v.ends[src[1] - 1])
            cue_c = cue_c if cue_c and cue_c[0] < cue_c[1] else None
            src_c = src_c if src_c and src_c[0] < src_c[1] else None
            speaker = None
            if self.ranker is not None:
                cands = list(self._candidates(doc, (start, end), src_c, ments, prev))
                if cands:
                    probs = self.ranker.predict_proba(self.vec.transform([f for _, f in cands]))[:, 1]
                    speaker = cands[int(np.argmax(probs))][0]
            prev = [speaker or prev[0], prev[0]]
            before = doc.text[:start].rstrip()
            inner = doc.text[start:end]
            qt = "direct" if before[-1:] in MARKS or (before.endswith(":") and a > 0) else \
                ("mixed" if any(ch in MARKS for ch in inner) else "indirect")
            out.append({"start": start, "end": end, "quote_type": qt, "speaker_id": speaker,
                        "cue": None if cue_c is None else {"start": cue_c[0], "end": cue_c[1]},
                        "source": None if src_c is None else {"start": src_c[0], "end": src_c[1]}})
        return {"doc_id": doc.doc_id, "quotes": out}
