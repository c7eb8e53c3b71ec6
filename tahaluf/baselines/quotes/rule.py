"""The rule quotation baseline (``quotes-rule``): no training.

It reads the article's text and the speaker registry with the lexicon of
:mod:`tahaluf.baselines.quotes.lexicon`, never the reference annotations.
Quotations that overlap an earlier one (by start offset) are dropped.

1. *Marked quotations*, paragraph by paragraph: ``“…”`` and ``«…»`` pair
   open with close; ASCII ``"`` pair in order. An unclosed quotation runs
   to the end of its paragraph; a stray closing mark is ignored (the
   guidelines' rule for unbalanced marks). Content of one word is a name in
   marks (``"داعش"``), not a quotation.
2. *Headline and interview lines* ``NAME: content``: a line whose first
   colon follows at most five words; the words are the source.
3. *Indirect quotations*: a cue word
   (:data:`~tahaluf.baselines.quotes.lexicon.CUE_WORDS`) followed within ten
   tokens of its sentence by a complementiser (أن/إن/بأن/أنه ...): the
   content runs from after the complementiser to the end of the paragraph
   (without a final period), or to a comma that is followed by another cue
   word. A marked quotation inside it makes one *mixed* quotation.
4. *Cue*: the nearest cue word before the quotation in its sentence (or
   after it, ``"..."، يقول ماروتو``), without its و/ف proclitic, with a
   following إلى / قائلا / بالقول. *Source*: the words between the cue and
   the quotation or complementiser (up to a comma), else the words before
   the cue in its clause. *Speaker*: the registry speaker whose spelling
   occurs in the source (persons before institutions, then the longest
   spelling); without one, the previous quotation's speaker (pro-drop
   ``وأضاف``); else the speaker mentioned last before the quotation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from tahaluf.baselines.base import Baseline
from tahaluf.baselines.features import view
from tahaluf.baselines.quotes.lexicon import (
    ASCII_MARK,
    CLOSE_MARKS,
    CUE_TAILS,
    MARKS,
    OPEN_MARKS,
    PREPOSITIONS,
    ambiguous_cue_set,
    cue_set,
    is_complementiser,
    mentions,
    spelling_keys,
    stem_form,
)
from tahaluf.core.model import Document, Speaker
from tahaluf.core.text import strip_clitics


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


class Rule(Baseline):
    task = "quotes"

    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> Rule:
        """Nothing is learned: keep the registry and its spellings."""
        self.speakers = registry
        self.keys = spelling_keys(registry)
        return self

    # token helpers
    def _is_cue(self, v, i: int) -> bool:
        if v.stem[i] not in cue_set():
            return False
        if stem_form(v.form[i]) in ambiguous_cue_set() or v.stem[i] in ambiguous_cue_set():
            nxt = v.norm[i + 1] if i + 1 < len(v) else ""
            nxt2 = v.norm[i + 2] if i + 2 < len(v) else ""
            return is_complementiser(nxt) or (nxt in ("الي", "الى") and is_complementiser(nxt2)) or \
                (nxt and nxt[0] in MARKS)
        return True

    def _cue_span(self, doc, v, i: int) -> tuple[tuple[int, int], int]:
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
            a, b = v.token_range(q["start"], q["end"])
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
            a, b = v.token_range(src[0], src[1])
            hits = [(sid, bb - aa) for aa, bb, sid in ments if aa < b and a < bb]
            if hits:
                return min(hits, key=lambda h: (self.speakers[h[0]].kind != "person", -h[1], h[0]))[0]
        if prev is not None:
            return prev
        before = [(aa, sid) for aa, bb, sid in ments if bb <= quote_tok]
        return max(before)[1] if before else None

