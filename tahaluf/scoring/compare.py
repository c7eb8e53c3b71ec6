"""Paired comparison of two systems over the same articles: bootstrap interval and exact permutation test.

Both tests resample or permute *articles* (the independent unit), on the
headline metric of the task (:data:`tahaluf.scoring.tasks.TASKS`; for stance,
one target's macro F1), computed from summed per-article counts exactly as the
scorer computes it (:func:`headline_counts`; a test checks the value equals
the scorer's).

Paired bootstrap (sacrebleu's ``paired_bs``)
    The same :class:`~tahaluf.core.metrics.Bootstrap` draws of articles for
    both systems; the difference ``metric(A) - metric(B)`` of each draw gives
    a percentile interval. ``n_distinct`` counts the different values the
    draws produced (with ``n`` articles at most ``C(2n-1, n)``; five give at
    most 126).

Exact paired permutation (approximate randomisation made exact)
    Under the null hypothesis that A and B are exchangeable, swapping the two
    systems' predictions on any subset of articles is as likely as the
    observed assignment. All ``2^n`` assignments are enumerated (``n <=``
    :data:`EXACT_MAX`; above it :data:`SAMPLES` seeded random assignments,
    reported as sampled); the two-sided p-value is the share of assignments
    whose ``|metric(A') - metric(B')|`` is at least the observed one. The
    identity and the full swap always tie with the observation, so the
    smallest p-value ``n`` articles allow is ``2 / 2^n = 1 / 2^(n-1)``
    (``p_floor``): 1/16 = 0.0625 with five articles.

Which one marks a difference
    The leaderboard marks a difference only by the permutation test, at
    :data:`ALPHA`: it is exact for the articles at hand and assumes nothing
    about the metric's distribution, whereas the percentile bootstrap of a
    difference over five articles is known to be too narrow (it can exclude
    zero when a single article carries the difference). With five articles
    no p-value reaches 0.05, so the leaderboard marks no difference, and says
    so: the corpus cannot separate systems, only describe them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from tahaluf.core.errors import TahalufError
from tahaluf.core.metrics import DEFAULT_BOOTSTRAP, DIGITS, MIN_DISTINCT, MIN_DOCS, Bootstrap, macro_prf, prf
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.scoring import entities as ent
from tahaluf.scoring import quotes as quo
from tahaluf.scoring import stance as sta
from tahaluf.scoring.submission import Submission

#: enumerate every assignment up to this many articles
EXACT_MAX = 20
#: assignments drawn above EXACT_MAX (seeded)
SAMPLES = 100_000
SEED = 12345
#: the level at which the leaderboard marks a difference
ALPHA = 0.05


def headline_counts(sub: Submission, *, target: str | None = None, schema: Schema = SCHEMA,
                    speakers=None) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray], str]:
    """Per-article counts of the task's headline metric, the metric over summed counts, and its name."""
    docs = list(sub.docs)
    if sub.task == "entities":
        labels = list(schema.entity_labels)
        per = np.stack([ent.doc_counts(ent.gold_entity_spans(d, schema, sub.space), sub.entities.get(d.doc_id, []),
                                       len(labels), modes=False).strict for d in docs])
        return per, lambda s: prf(s[..., 0].sum(-1), s[..., 1].sum(-1), s[..., 2].sum(-1))[2], "strict micro F1"
    if sub.task == "quotes":
        per = np.stack([quo.doc_counts(quo.gold_quote_items(d, speakers), sub.quotes.get(d.doc_id, []), len(d.text))
                        for d in docs])
        c = quo.C
        return (per, lambda s: prf(s[..., c["spk_correct"]], s[..., c["n_pred"]], s[..., c["n_gold"]])[2],
                "quotation (overlap) + speaker F1")
    target = target or schema.target_names[0]
    if target not in schema.target_names:
        raise TahalufError(f"unknown stance target {target!r}; known: {', '.join(schema.target_names)}")
    labels = list(schema.stance_labels)
    per = np.stack([sta.doc_confusion({k: v for k, v in sta.gold_stance(d).items() if k[1] == target},
                                      sub.stance.get(d.doc_id, {}), labels) for d in docs])
    n = len(labels)

    def macro(m):
        diag = np.diagonal(m[..., :, :n], axis1=-2, axis2=-1)
        return macro_prf(diag, m[..., :, :n].sum(axis=-2), m.sum(axis=-1))[2]
    return per, macro, f"{target} macro F1"


def paired(a: Submission, b: Submission, *, target: str | None = None, schema: Schema = SCHEMA, speakers=None,
           bootstrap: Bootstrap = DEFAULT_BOOTSTRAP) -> dict:
    """Both tests of ``metric(a) - metric(b)`` over the articles the two submissions share (all of them)."""
    if a.task != b.task:
        raise TahalufError(f"cannot compare a {a.task} submission with a {b.task} one")
    if [d.doc_id for d in a.docs] != [d.doc_id for d in b.docs]:
        raise TahalufError("the two submissions cover different articles; compare runs of the same protocol/split")
    if a.task == "entities" and a.space != b.space:
        raise TahalufError(f"not comparable: entities scored as {a.space} spans vs {b.space} spans "
                           f"(BIO-token and character-span scores are different metrics)")
    pa, metric, name = headline_counts(a, target=target, schema=schema, speakers=speakers)
    pb, _, _ = headline_counts(b, target=target, schema=schema, speakers=speakers)
    n = pa.shape[0]
    va, vb = float(metric(pa.sum(0))), float(metric(pb.sum(0)))
    obs = va - vb
    sa, sb = bootstrap.sums(pa), bootstrap.sums(pb)  # the same resamples for both (paired)
    diffs = np.asarray(metric(sa), float) - np.asarray(metric(sb), float)
    alpha = (1 - bootstrap.level) / 2
    lo, hi = np.quantile(diffs, [alpha, 1 - alpha])
    exact = n <= EXACT_MAX
    if exact:
        swaps = np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)
    else:
        swaps = np.random.default_rng(SEED).integers(0, 2, size=(SAMPLES, n)).astype(float)
    extra = (1,) * (pa.ndim - 1)
    sw = swaps.reshape(swaps.shape + extra)
    a_sum = (pa[None] * (1 - sw) + pb[None] * sw).sum(1)
    b_sum = (pb[None] * (1 - sw) + pa[None] * sw).sum(1)
    stats = np.abs(np.asarray(metric(a_sum), float) - np.asarray(metric(b_sum), float))
    p = float(np.mean(stats >= abs(obs) - 1e-12))
    floor = 1 / 2 ** (n - 1) if n else 1.0
    r = lambda x: round(float(x), DIGITS)
    n_distinct = len(np.unique(np.round(diffs, DIGITS)))
    return {
        "metric": name, "n_docs": n, "a": r(va), "b": r(vb), "difference": r(obs),
        "bootstrap": {"ci95": [r(lo), r(hi)], "n_distinct": n_distinct,
                      "degenerate": bool(n < MIN_DOCS or n_distinct < MIN_DISTINCT),
                      "excludes_zero": bool(lo > 0 or hi < 0), **bootstrap.to_dict()},
        "permutation": {"p_value": r(p), "exact": exact, "n_assignments": int(2 ** n if exact else SAMPLES),
                        "p_floor": r(floor), "significant": bool(p <= ALPHA), "alpha": ALPHA},
        "decides": "permutation",
        "note": (f"{n} articles: the exact permutation test cannot give p below 1/2^{n - 1} = {floor:.4f} "
                 f"(two-sided)" + (f", so no difference can reach p <= {ALPHA}" if floor > ALPHA else "")),
    }


def render(res: dict, name_a: str, name_b: str) -> str:
    """The text report of :func:`paired`."""
    bs, pm = res["bootstrap"], res["permutation"]
    lines = [f"{res['metric']} over {res['n_docs']} articles",
             f"A {name_a}: {res['a']:.3f}",
             f"B {name_b}: {res['b']:.3f}",
             f"A - B: {res['difference']:+.3f}",
             f"paired bootstrap over articles: 95% CI [{bs['ci95'][0]:+.3f}, {bs['ci95'][1]:+.3f}] "
             f"({bs['resamples']} resamples, seed {bs['seed']}, {bs['n_distinct']} distinct outcomes)"
             + ("; excludes 0" if bs["excludes_zero"] else "; includes 0"),
             f"exact paired permutation over articles: p = {pm['p_value']:.4f} two-sided "
             f"({'all ' if pm['exact'] else ''}{pm['n_assignments']} assignments"
             f"{'' if pm['exact'] else ', sampled'}; floor {pm['p_floor']:.4f})",
             f"note: {res['note']}",
             *([f"warning: the bootstrap interval rests on {res['n_docs']} article(s) and {bs['n_distinct']} distinct "
                f"outcome(s) (fewer than {MIN_DOCS} or {MIN_DISTINCT}): it is not a meaningful interval"]
               if bs["degenerate"] else []),
             f"verdict (permutation test, alpha {pm['alpha']}): "
             + ("A and B differ" if pm["significant"] else "no significant difference")]
    if bs["excludes_zero"] and not pm["significant"]:
        lines.append("note: the bootstrap interval excludes 0 but the permutation test does not reject; "
                     "Tahaluf decides by the permutation test (see docs/scoring.md#comparing-systems)")
    return "\n".join(lines)
