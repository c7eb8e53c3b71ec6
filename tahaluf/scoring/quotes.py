"""Quotation scoring: quotation spans, cues, sources, speakers, end to end.

Quotation spans
    ``exact``: a predicted quotation matches a reference one with the same
    offsets. ``overlap`` (as Citron reports on PARC 3.0): any character
    overlap counts as a match, one to one; the pairing maximises the number
    of matched pairs, then the total overlap (:func:`tahaluf.core.spans.match`). ``proportional`` is the character-level
    score Citron's own evaluation script computes: precision = overlapping
    characters / predicted characters, recall = overlapping / reference.

Cues and sources
    The distinct cue (source) spans of a document's predicted quotations are
    scored against the reference's distinct cue (source) spans with the same
    three modes, independently of which quotation they belong to.

Speakers
    ``speaker.accuracy``: the share of overlap-matched pairs whose predicted
    ``speaker_id`` is the reference speaker (registry aliases are mapped to
    their canonical id on both sides; a missing speaker is wrong).
    ``end_to_end``: a predicted quotation is a true positive when it is matched
    (``exact`` or ``overlap``) *and* has the right speaker; precision over
    predicted quotations, recall over reference quotations.
    ``quote_type.accuracy``: the share of overlap-matched pairs with the right
    ``quote_type`` (pairs whose prediction has no type count as wrong).

Every pairing of spans, exact or overlap, is :func:`tahaluf.core.spans.match`'s.
Reference items (:func:`gold_quote_items`) carry the canonical speaker id
(:func:`tahaluf.core.speakers.alias_table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tahaluf.core import spans
from tahaluf.core.metrics import DEFAULT_BOOTSTRAP, Bootstrap, as_counts, per_doc_table, prf, rnd, safe_div
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import registry_hash
from tahaluf.core.speakers import alias_table


@dataclass(frozen=True)
class QuoteItem:
    """A quotation reduced to what is scored (offsets are exclusive at the end)."""

    start: int
    end: int
    speaker: str | None = None
    cue: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    quote_type: str | None = None


#: per-document count columns
COLUMNS: tuple[str, ...] = (
    "n_gold", "n_pred", "q_exact", "q_overlap", "q_chars_ovl", "q_chars_pred", "q_chars_gold",
    "cue_gold", "cue_pred", "cue_exact", "cue_overlap", "cue_chars_ovl", "cue_chars_pred", "cue_chars_gold",
    "src_gold", "src_pred", "src_exact", "src_overlap", "src_chars_ovl", "src_chars_pred", "src_chars_gold",
    "spk_correct", "spk_correct_exact", "type_correct",
)
C = {name: i for i, name in enumerate(COLUMNS)}


def _chars(spans: Sequence[tuple[int, int]], length: int) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for s, e in spans:
        mask[s:e] = True
    return mask


def _span_counts(gold: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]], length: int) -> tuple:
    gold = sorted(set(gold))
    pred = sorted(set(pred))
    exact = len(spans.match(gold, pred, "exact"))
    overlap = len(spans.match(gold, pred, "overlap"))
    gm, pm = _chars(gold, length), _chars(pred, length)
    return len(gold), len(pred), exact, overlap, int((gm & pm).sum()), int(pm.sum()), int(gm.sum())


def doc_counts(gold: Sequence[QuoteItem], pred: Sequence[QuoteItem], text_length: int) -> np.ndarray:
    gold = sorted(gold, key=lambda q: (q.start, q.end))
    pred = sorted(pred, key=lambda q: (q.start, q.end))
    row = np.zeros(len(COLUMNS), dtype=np.int64)
    gs = [(q.start, q.end) for q in gold]
    ps = [(q.start, q.end) for q in pred]
    length = max([text_length] + [e for _, e in gs + ps])
    (row[C["n_gold"]], row[C["n_pred"]], row[C["q_exact"]], row[C["q_overlap"]], row[C["q_chars_ovl"]],
     row[C["q_chars_pred"]], row[C["q_chars_gold"]]) = _span_counts(gs, ps, length)
    for key, attr in (("cue", "cue"), ("src", "source")):
        g = [getattr(q, attr) for q in gold if getattr(q, attr) is not None]
        p = [getattr(q, attr) for q in pred if getattr(q, attr) is not None]
        (row[C[f"{key}_gold"]], row[C[f"{key}_pred"]], row[C[f"{key}_exact"]], row[C[f"{key}_overlap"]],
         row[C[f"{key}_chars_ovl"]], row[C[f"{key}_chars_pred"]], row[C[f"{key}_chars_gold"]]) = \
            _span_counts(g, p, length)
    pairs = spans.match(gs, ps, "overlap")
    row[C["spk_correct"]] = sum(1 for gi, pi in pairs
                                if pred[pi].speaker is not None and pred[pi].speaker == gold[gi].speaker)
    row[C["type_correct"]] = sum(1 for gi, pi in pairs
                                 if pred[pi].quote_type is not None and pred[pi].quote_type == gold[gi].quote_type)
    row[C["spk_correct_exact"]] = sum(1 for gi, pi in spans.match(gs, ps, "exact")
                                      if pred[pi].speaker is not None and pred[pi].speaker == gold[gi].speaker)
    return row


def _col(s: np.ndarray, name: str) -> np.ndarray:
    return s[..., C[name]]


#: metric name -> (tp column, predicted column, reference column), all P/R/F1 from counts
PRF_METRICS: dict[str, tuple[str, str, str]] = {
    "quote.exact": ("q_exact", "n_pred", "n_gold"),
    "quote.overlap": ("q_overlap", "n_pred", "n_gold"),
    "quote.proportional": ("q_chars_ovl", "q_chars_pred", "q_chars_gold"),
    "cue.exact": ("cue_exact", "cue_pred", "cue_gold"),
    "cue.overlap": ("cue_overlap", "cue_pred", "cue_gold"),
    "cue.proportional": ("cue_chars_ovl", "cue_chars_pred", "cue_chars_gold"),
    "source.exact": ("src_exact", "src_pred", "src_gold"),
    "source.overlap": ("src_overlap", "src_pred", "src_gold"),
    "source.proportional": ("src_chars_ovl", "src_chars_pred", "src_chars_gold"),
    "end_to_end.exact": ("spk_correct_exact", "n_pred", "n_gold"),
    "end_to_end.overlap": ("spk_correct", "n_pred", "n_gold"),
}


def summarise(rows: np.ndarray, *, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
              doc_ids: Sequence[str] = ()) -> dict:
    rows = as_counts(rows).reshape(-1, len(COLUMNS))
    tot = rows.sum(axis=0)
    out: dict = {"n_docs": int(rows.shape[0]), "n_gold": int(tot[C["n_gold"]]), "n_pred": int(tot[C["n_pred"]])}
    for name, (tp, npred, ngold) in PRF_METRICS.items():
        group, mode = name.split(".")
        p, r, f = prf(tot[C[tp]], tot[C[npred]], tot[C[ngold]])
        block = {"precision": float(p), "recall": float(r), "f1": float(f)}
        if mode != "proportional":
            block.update({"tp": int(tot[C[tp]]), "n_pred": int(tot[C[npred]]), "n_gold": int(tot[C[ngold]])})
        block["ci95"] = {"f1": bootstrap.interval(
            rows, lambda s, a=tp, b=npred, c=ngold: prf(_col(s, a), _col(s, b), _col(s, c))[2])
            if bootstrap else None}
        out.setdefault(group, {})[mode] = block
    matched = int(tot[C["q_overlap"]])
    out["speaker"] = {
        "accuracy": float(safe_div(tot[C["spk_correct"]], matched)), "correct": int(tot[C["spk_correct"]]),
        "n_matched": matched,
        "ci95": {"accuracy": bootstrap.interval(rows, lambda s: safe_div(_col(s, "spk_correct"),
                                                                          _col(s, "q_overlap")))
                 if bootstrap else None},
    }
    out["quote_type"] = {"accuracy": float(safe_div(tot[C["type_correct"]], matched)),
                         "correct": int(tot[C["type_correct"]]), "n_matched": matched}
    col = rows.T
    out = rnd(out)
    out["per_doc"] = per_doc_table(doc_ids, {
        "n_gold": col[C["n_gold"]], "n_pred": col[C["n_pred"]],
        "quote_exact_f1": prf(col[C["q_exact"]], col[C["n_pred"]], col[C["n_gold"]])[2],
        "quote_overlap_f1": prf(col[C["q_overlap"]], col[C["n_pred"]], col[C["n_gold"]])[2],
        "speaker_accuracy": safe_div(col[C["spk_correct"]], col[C["q_overlap"]]),
        "end_to_end_overlap_f1": prf(col[C["spk_correct"]], col[C["n_pred"]], col[C["n_gold"]])[2],
    })
    return out


def score_quotes(gold_docs: Sequence[Sequence[QuoteItem]], pred_docs: Sequence[Sequence[QuoteItem]],
                 text_lengths: Sequence[int], *, bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP,
                 doc_ids: Sequence[str] = ()) -> dict:
    rows = np.stack([doc_counts(g, p, n) for g, p, n in zip(gold_docs, pred_docs, text_lengths)]) \
        if gold_docs else np.zeros((0, len(COLUMNS)), np.int64)
    return summarise(rows, bootstrap=bootstrap, doc_ids=doc_ids)


def gold_quote_items(doc: Document, speakers=None) -> list[QuoteItem]:
    """The reference quotations of ``doc``, speakers mapped to their canonical id."""
    aliases = alias_table(speakers or {})
    return [QuoteItem(q.span.start, q.span.end, aliases.get(q.speaker_id, q.speaker_id) if q.speaker_id else None,
                      (q.cue.start, q.cue.end) if q.cue else None,
                      (q.source.start, q.source.end) if q.source else None, q.quote_type)
            for q in doc.quotes]


#: the match modes that get a signature; ``overlap`` is the headline's
SIGNED_MODES: tuple[str, ...] = ("exact", "overlap", "proportional")


class Tally:
    """A submission's per-document count rows added one article at a time (the sink of
    :func:`tahaluf.scoring.submission.read_submission`), then the task's part of a result."""

    def __init__(self, n_docs: int, *, schema: Schema = SCHEMA, speakers=None, missing: str = "refuse") -> None:
        self.speakers = speakers
        self.rows = np.zeros((n_docs, len(COLUMNS)), dtype=np.int32)  # grows with the corpus: int32

    def add(self, j: int, doc: Document, pred: Sequence[QuoteItem], space: str = "char") -> None:
        self.rows[j] = doc_counts(gold_quote_items(doc, self.speakers), pred, len(doc.text))

    def result(self, sign, *, bootstrap: Bootstrap | None, doc_ids: Sequence[str], space: str = "char") -> dict:
        """The task's part of a result (:mod:`tahaluf.scoring.tasks`): the signatures and
        :func:`score_quotes` of the submission against the reference quotations."""
        res = summarise(self.rows, bootstrap=bootstrap, doc_ids=doc_ids)
        registry = (("speakers", registry_hash(self.speakers)),)  # ids are resolved through its aliases
        sigs = {m: sign(m, extra=registry) for m in SIGNED_MODES}
        return {"signature": sigs["overlap"], "signatures": sigs, **res}
