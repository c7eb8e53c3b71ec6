"""Inter-annotator agreement between two independent annotation passes.

Computed by code from the two passes *before* adjudication (``tahaluf
agreement``). Pass A is treated as the reference and pass B as the
"prediction"; F1 is symmetric, so swapping the passes swaps precision and
recall and leaves F1 unchanged. Every figure carries the counts it is made of
(``tp``/``fp``/``fn``, ``n``/``agree``) so that readers can recompute it.

Speaker ids
    Each pass wrote speaker ids as its annotator chose them. Before comparing,
    every id is mapped through the registry
    (:func:`tahaluf.analysis.speakers.map_speakers`, the alias policy of
    :func:`tahaluf.core.speakers.alias_table`). The result reports how many
    quotations were re-mapped and which ids are in neither place (those are
    compared as written).

Pairing (:func:`paired_documents`)
    The documents of the two passes are paired by id; both passes must cover
    the same documents with the same text, else the comparison is refused and
    the first difference named.

Span matching (:func:`match_spans`)
    The scorer's matcher, :func:`tahaluf.core.spans.match`: *strict* is its
    ``exact`` mode with the same label, *overlap* its ``overlap`` mode (at least
    one character in common, the same label, one to one, the most pairs and then
    the most shared characters). Unmatched spans of B are false positives,
    unmatched spans of A false negatives. ``F1 = 2tp / (2tp + fp + fn)``.

Entities
    Strict and overlap P/R/F1 overall and per type (per-type counts split the
    same matching by label). Token-level Cohen's kappa for comparison with
    Wojood (0.979): tokens are :func:`tahaluf.core.text.tokenize`'s; a token is
    tagged by :func:`tahaluf.core.tagging.tags_of`, the projection every
    consumer uses (overlap rule, ``first-wins`` where two entities touch one
    token). Kappa is given over all tokens (Wojood's convention) and over the
    tokens tagged by at least one pass (which removes the mass of agreeing
    ``O`` tokens that inflates token-level kappa).

Quotations
    * ``span_exact`` / ``span_overlap``: P/R/F1 of QUOTE spans, strict and
      overlap (all quotations carry the label ``QUOTE``).
    * ``cue_exact`` / ``source_exact``: P/R/F1 over the *distinct* cue
      (resp. source) spans of each document, matched by identical offsets (a
      cue shared by two halves of an interrupted quotation counts once).
    * ``on_matched``: for the quotation pairs matched by *overlap*: the fraction
      whose cue is identical (same offsets, or both absent), likewise source,
      ``quote_type``, mapped ``speaker_id``, exact quote span; Cohen's kappa is
      added for ``quote_type``.
    * ``attribution``: like PolNeAR's attribution-level agreement, a matched
      pair *agrees on the attribution* when the quote span is exactly the same
      AND the cue is identical AND the source is identical AND the mapped
      speaker is the same. Reported as (1) the fraction of overlap-matched
      pairs that agree in full, ``agree / n_matched``, and (2) an attribution
      F1 over all quotations, counting a fully agreeing pair as a true
      positive: ``2 * agree / (n_a + n_b)``.

Stance (per stance target of the schema)
    On the quotation pairs matched by overlap where both passes gave a label:
    raw agreement, Cohen's kappa (:func:`sklearn.metrics.cohen_kappa_score`) and
    Krippendorff's alpha (the ``krippendorff`` package, nominal level), with
    the number of items and the confusion counts. Document-level stance the
    same way over the documents. Kappa and alpha are ``None`` ("undefined")
    when both passes used one and the same label for every item (chance
    agreement is then 1 and both coefficients are 0/0).

Signature (:func:`signature`)
    The report's own sacrebleu-style signature, one ``key:value`` field after
    another from the field list of :func:`signature` (``task``, ``a``, ``b``,
    ``speakers``, ``match``, ``tok``, ``version``) joined by ``|``::

        task:agreement|a:413fac516615|b:60550456afe2|speakers:d9849f5f3e7e|match:...|tok:...|version:0.1.0

    ``a`` / ``b`` are the :func:`tahaluf.core.signatures.documents_hash` of
    the passes, ``speakers`` the sha256 (12 hex digits) of the registry file.
    It is not :func:`tahaluf.core.signatures.signature`, the format of a
    *score* against a reference: an agreement compares two references.

The list of every disagreement, for the adjudicator, is
:mod:`tahaluf.analysis.disagreements`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tahaluf.analysis.speakers import SpeakerMapping, map_speakers
from tahaluf.core import spans, tagging
from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.metrics import PRF, rnd
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import report_signature
from tahaluf.core.version import __version__

#: Wojood's reported token-level Cohen's kappa (Jarrar et al., 2022), for comparison.
WOJOOD_KAPPA = 0.979

MATCH_MODES = ("strict", "overlap")
#: the names of the two totals in a P/R/F1 block of agreement (pass A, pass B)
AB = ("n_a", "n_b")


# -- counting -------------------------------------------------------------------

@dataclass
class Agreement:
    """Raw agreement over ``n`` paired items."""

    n: int = 0
    agree: int = 0

    def add(self, same: bool) -> None:
        self.n += 1
        self.agree += bool(same)

    @property
    def rate(self) -> float | None:
        return _div(self.agree, self.n)

    def to_dict(self) -> dict:
        return {"n": self.n, "agree": self.agree, "rate": rnd(self.rate)}


def _div(a: int, b: int) -> float | None:
    """A rate over ``b`` items; ``None`` over none (P/R/F1 use :class:`PRF`'s policy)."""
    return a / b if b else None


# -- matching -------------------------------------------------------------------

def match_spans(a: Sequence[Span], b: Sequence[Span], mode: str = "strict", *,
                same_label: bool = True) -> list[tuple[int, int]]:
    """One-to-one pairs of indices of spans ``a`` and ``b`` (:func:`tahaluf.core.spans.match`):
    ``strict`` is its ``exact`` mode, ``overlap`` its ``overlap`` mode; with
    ``same_label`` only spans with the same label pair."""
    if mode not in MATCH_MODES:
        raise TahalufError(f"unknown match mode {mode!r}. {did_you_mean(mode, MATCH_MODES)}")
    labels = {"gold_labels": [x.label for x in a], "pred_labels": [y.label for y in b]} if same_label else {}
    return spans.match([(x.start, x.end) for x in a], [(y.start, y.end) for y in b],
                       "exact" if mode == "strict" else "overlap", **labels)


def span_prf(a: Sequence[Span], b: Sequence[Span], mode: str) -> tuple[PRF, dict[str, PRF]]:
    """Overall and per-label counts of ``b`` against ``a``."""
    pairs = match_spans(a, b, mode)
    per: dict[str, PRF] = {}
    for i, _ in pairs:
        per.setdefault(a[i].label, PRF()).tp += 1
    ma, mb = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, s in enumerate(a):
        if i not in ma:
            per.setdefault(s.label, PRF()).fn += 1
    for j, s in enumerate(b):
        if j not in mb:
            per.setdefault(s.label, PRF()).fp += 1
    total = PRF(len(pairs), len(b) - len(pairs), len(a) - len(pairs))
    return total, per


# -- kappa / alpha --------------------------------------------------------------

def cohen_kappa(la: Sequence[str], lb: Sequence[str]) -> float | None:
    """Cohen's kappa (sklearn), ``None`` when undefined (one label only, or no items)."""
    if not la or len(set(la) | set(lb)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score
    k = float(cohen_kappa_score(list(la), list(lb)))
    return None if math.isnan(k) else k


def krippendorff_alpha(la: Sequence[str], lb: Sequence[str]) -> float | None:
    """Krippendorff's alpha, nominal (``krippendorff`` package); ``None`` when undefined."""
    values = sorted(set(la) | set(lb))
    if not la or len(values) < 2:
        return None
    import krippendorff
    import numpy as np
    code = {v: k for k, v in enumerate(values)}
    data = np.array([[code[x] for x in la], [code[x] for x in lb]], dtype=float)
    alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(alpha) else alpha


def label_agreement(la: Sequence[str], lb: Sequence[str]) -> dict:
    """Raw agreement, kappa, alpha and the confusion counts of two label lists."""
    agree = sum(x == y for x, y in zip(la, lb))
    conf = Counter(f"{x}|{y}" for x, y in zip(la, lb))
    return {"n": len(la), "agree": agree, "rate": rnd(_div(agree, len(la))),
            "cohen_kappa": rnd(cohen_kappa(la, lb)), "krippendorff_alpha": rnd(krippendorff_alpha(la, lb)),
            "labels_a": dict(sorted(Counter(la).items())), "labels_b": dict(sorted(Counter(lb).items())),
            "confusion_a|b": dict(sorted(conf.items()))}


# -- entities -------------------------------------------------------------------

def bio_tags(doc: Document, tokens: tagging.DocTokens | None = None) -> list[str]:
    """BIO tag of each token of ``doc`` (:func:`tahaluf.core.tagging.tags_of`); the
    tokens are ``doc``'s own (:func:`tahaluf.core.tagging.doc_tokens`) unless given."""
    dt = tagging.doc_tokens(doc) if tokens is None else tokens
    return tagging.tags_of(dt.starts, dt.ends, doc.entities)[0]


def entity_agreement(pairs: Sequence[tuple[Document, Document]]) -> dict:
    out: dict = {}
    per_doc: dict[str, dict] = {}
    for mode in MATCH_MODES:
        total, per = PRF(), {}
        for da, db in pairs:
            t, p = span_prf(da.entities, db.entities, mode)
            total += t
            for lab, c in p.items():
                per.setdefault(lab, PRF()).__iadd__(c)
            per_doc.setdefault(da.doc_id, {})[mode] = t.to_dict(*AB)
        out[mode] = {"overall": total.to_dict(*AB),
                     "per_type": {k: per[k].to_dict(*AB) for k in sorted(per, key=_label_order)}}
    ta: list[str] = []
    tb: list[str] = []
    for da, db in pairs:
        toks = tagging.doc_tokens(da)  # the texts are the same (paired_documents)
        ta += bio_tags(da, toks)
        tb += bio_tags(db, toks)
    tagged = [(x, y) for x, y in zip(ta, tb) if x != "O" or y != "O"]
    out["token_kappa"] = {
        "scheme": "BIO over tahaluf.core.text.tokenize tokens; a token is tagged if it overlaps an entity",
        "all_tokens": label_agreement(ta, tb) | {"wojood_kappa": WOJOOD_KAPPA},
        "tagged_tokens": label_agreement([x for x, _ in tagged], [y for _, y in tagged]),
    }
    for d in ("all_tokens", "tagged_tokens"):  # confusion over 19 BIO labels is too long to be useful here
        out["token_kappa"][d].pop("confusion_a|b")
    out["per_document"] = per_doc
    return out


def _label_order(label: str) -> tuple[int, str]:
    labs = SCHEMA.entity_labels
    return (labs.index(label) if label in labs else len(labs), label)


# -- quotations -----------------------------------------------------------------

def same_span(x: Span | None, y: Span | None) -> bool:
    """The same offsets, or both absent."""
    if x is None or y is None:
        return x is None and y is None
    return (x.start, x.end) == (y.start, y.end)


def _distinct(items: Iterable[Span | None], label: str) -> list[Span]:
    """The distinct spans (by offsets) among ``items``, relabelled ``label``, in offset order."""
    seen = {}
    for s in items:
        if s is not None:
            seen.setdefault((s.start, s.end), Span(s.start, s.end, label, s.text))
    return [seen[k] for k in sorted(seen)]


def match_quotes(da: Document, db: Document) -> list[tuple[int, int]]:
    """Indices of the quotations of ``da`` and ``db`` matched by overlap (one to one)."""
    return match_spans([q.span for q in da.quotes], [q.span for q in db.quotes], "overlap")


def quote_pairs(da: Document, db: Document) -> list[tuple[Quote, Quote]]:
    """The quotation pairs of :func:`match_quotes`."""
    return [(da.quotes[i], db.quotes[j]) for i, j in match_quotes(da, db)]


def attribution_agrees(qa: Quote, qb: Quote) -> bool:
    """Span exact, cue identical, source identical and same (mapped) speaker."""
    return (same_span(qa.span, qb.span) and same_span(qa.cue, qb.cue)
            and same_span(qa.source, qb.source) and qa.speaker_id == qb.speaker_id)


def quotation_agreement(pairs: Sequence[tuple[Document, Document]]) -> dict:
    span = {m: PRF() for m in MATCH_MODES}
    cue, source = PRF(), PRF()
    on = {k: Agreement() for k in ("span_exact", "cue", "source", "quote_type", "speaker_id")}
    qt_a: list[str] = []
    qt_b: list[str] = []
    attr = Agreement()
    n_a = n_b = 0
    per_doc = {}
    for da, db in pairs:
        qa = [q.span for q in da.quotes]
        qb = [q.span for q in db.quotes]
        n_a += len(qa)
        n_b += len(qb)
        for m in MATCH_MODES:
            span[m] += span_prf(qa, qb, m)[0]
        cue += span_prf(_distinct((q.cue for q in da.quotes), "CUE"),
                        _distinct((q.cue for q in db.quotes), "CUE"), "strict")[0]
        source += span_prf(_distinct((q.source for q in da.quotes), "SOURCE"),
                           _distinct((q.source for q in db.quotes), "SOURCE"), "strict")[0]
        doc_attr = Agreement()
        for x, y in quote_pairs(da, db):
            on["span_exact"].add(same_span(x.span, y.span))
            on["cue"].add(same_span(x.cue, y.cue))
            on["source"].add(same_span(x.source, y.source))
            on["quote_type"].add(x.quote_type == y.quote_type)
            on["speaker_id"].add(x.speaker_id == y.speaker_id)
            qt_a.append(x.quote_type)
            qt_b.append(y.quote_type)
            ok = attribution_agrees(x, y)
            attr.add(ok)
            doc_attr.add(ok)
        per_doc[da.doc_id] = {"span_overlap": span_prf(qa, qb, "overlap")[0].to_dict(*AB),
                              "attribution": doc_attr.to_dict()}
    on_matched = {k: v.to_dict() for k, v in on.items()}
    on_matched["quote_type"]["cohen_kappa"] = rnd(cohen_kappa(qt_a, qt_b))
    return {
        "n_a": n_a, "n_b": n_b,
        "span_exact": span["strict"].to_dict(*AB),
        "span_overlap": span["overlap"].to_dict(*AB),
        "cue_exact": cue.to_dict(*AB),
        "source_exact": source.to_dict(*AB),
        "on_matched": on_matched,
        "attribution": {
            "definition": "a quotation pair matched by overlap agrees when quote span (exact), cue, "
                          "source (identical offsets or both absent) and mapped speaker_id are all equal",
            "n_matched": attr.n, "agree": attr.agree, "rate_on_matched": rnd(attr.rate),
            "n_a": n_a, "n_b": n_b, "f1": rnd(_div(2 * attr.agree, n_a + n_b)),
        },
        "per_document": per_doc,
    }


# -- stance ---------------------------------------------------------------------

def stance_agreement(pairs: Sequence[tuple[Document, Document]], schema: Schema = SCHEMA) -> dict:
    out = {}
    for t in schema.target_names:
        la, lb = [], []
        missing = 0
        for da, db in pairs:
            for x, y in quote_pairs(da, db):
                if t in x.stance and t in y.stance:
                    la.append(x.stance[t])
                    lb.append(y.stance[t])
                else:
                    missing += 1
        da_l, db_l = [], []
        for da, db in pairs:
            if t in da.doc_stance and t in db.doc_stance:
                da_l.append(da.doc_stance[t])
                db_l.append(db.doc_stance[t])
        out[t] = {"quotes": label_agreement(la, lb) | {"matched_without_label": missing},
                  "documents": label_agreement(da_l, db_l)}
    return out


# -- everything -----------------------------------------------------------------

def pair_documents(a: Sequence[Document], b: Sequence[Document]) -> list[tuple[Document, Document]]:
    """Documents of the two passes paired by id; both passes must cover the same
    documents with the same text."""
    ia = {d.doc_id: d for d in a}
    ib = {d.doc_id: d for d in b}
    if set(ia) != set(ib):
        raise TahalufError(
            f"the passes cover different documents: only in A {sorted(set(ia) - set(ib))}, "
            f"only in B {sorted(set(ib) - set(ia))}")
    for k, da in ia.items():
        ta, tb = da.text, ib[k].text
        if ta != tb:
            pos = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
            raise TahalufError(f"document {k}: the two passes have different texts (first difference at offset {pos})")
    return [(ia[k], ib[k]) for k in [d.doc_id for d in a]]


def paired_documents(a: Sequence[Document], b: Sequence[Document], speakers: Mapping[str, Speaker]
                     ) -> tuple[list[tuple[Document, Document]], SpeakerMapping, SpeakerMapping]:
    """The documents of both passes, speaker ids mapped, paired by :func:`pair_documents`;
    and what the mapping did to each pass."""
    ma, sa = map_speakers(a, speakers)
    mb, sb = map_speakers(b, speakers)
    return pair_documents(ma, mb), sa, sb


def agreement(a: Sequence[Document], b: Sequence[Document], speakers: Mapping[str, Speaker], *,
              schema: Schema = SCHEMA) -> dict:
    """All agreement figures of pass ``b`` against pass ``a`` (speaker ids mapped first)."""
    pairs, sa, sb = paired_documents(a, b, speakers)
    return {
        "documents": len(pairs),
        "speakers": {"a": sa.to_dict(), "b": sb.to_dict()},
        "entities": entity_agreement(pairs),
        "quotations": quotation_agreement(pairs),
        "stance": stance_agreement(pairs, schema),
    }


# -- signature ------------------------------------------------------------------

#: how spans are paired (the ``match`` field of :func:`signature`). The overlap
#: pairing is :func:`tahaluf.core.spans.match`'s assignment (most pairs, then most shared
#: characters), the one the scorer uses.
MATCH_RULE = "strict+overlap(assignment,1:1)"
#: the tokens of the token-level kappa (the ``tok`` field of :func:`signature`)
TOKENIZATION = "camel-simple-word"


def signature(a_hash: str, b_hash: str, speakers_hash: str) -> dict:
    """The report's signature: each field of the list below, then ``string``, the
    fields as ``key:value`` joined by ``|`` (see the module docstring)."""
    fields = (("task", "agreement"), ("a", a_hash), ("b", b_hash), ("speakers", speakers_hash),
              ("match", MATCH_RULE), ("tok", TOKENIZATION), ("version", __version__))
    return report_signature(fields)
