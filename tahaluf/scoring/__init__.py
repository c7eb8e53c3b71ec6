"""The Tahaluf scorer: entities, quotations and stance, with signatures and intervals.

Python API::

    from tahaluf.scoring import evaluate
    result = evaluate("run.jsonl", task="entities", split="test")
    result["strict"]["micro"]["f1"], result["signature"]

:func:`evaluate` reads and validates a submission (:mod:`tahaluf.submission`,
which refuses bad input with :class:`~tahaluf.submission.SubmissionRefused`)
and scores it against the reference documents (the adjudicated gold, or pass A
while there is none: :func:`tahaluf.corpus.source_documents`). Lower-level
functions score span lists directly: :func:`~tahaluf.scoring.entities.score_spans`,
:func:`~tahaluf.scoring.entities.strict_bio` (seqeval-compatible, vectorised),
:func:`~tahaluf.scoring.quotes.score_quotes`,
:func:`~tahaluf.scoring.stance.score_stance`.

Every result is a dict with ``task``, ``signature`` (of the headline metric),
``signatures`` (one per match mode), ``reference``, ``data``, ``version``,
``split`` or ``protocol``, ``bootstrap``, the task's metrics (see the module
of each task) and ``per_doc``, the per-article breakdown (for
leave-one-document-out predictions, one entry per fold).

Headline metrics (:data:`HEADLINE`): entities strict micro F1; quotes end-to-end
(quotation overlap + speaker) F1; stance macro F1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tahaluf.core.metrics import DEFAULT_BOOTSTRAP, Bootstrap
from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.signatures import documents_hash, signature
from tahaluf.core.version import __version__

#: task -> (path of the headline metric in a result, its name)
HEADLINE: dict[str, tuple[tuple[str, ...], str]] = {
    "entities": (("strict", "micro", "f1"), "strict micro F1"),
    "quotes": (("end_to_end", "overlap", "f1"), "quotation (overlap) + speaker F1"),
    "stance": (("macro_f1",), "macro F1"),
}


def get(result: Mapping, path: Sequence[str]):
    for k in path:
        result = result[k]
    return result


def evaluate(source: str | Path | Iterable[Mapping] | None = None, *, task: str, split: str = "all",
             docs: Sequence[Document] | None = None, reference: str | None = None, protocol: str | None = None,
             bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, missing: str = "refuse", schema: Schema = SCHEMA,
             speakers=None, name: str | None = None, text: str | None = None) -> dict:
    """Validate and score a submission. See the module docstring."""
    from tahaluf.corpus import load_speakers, source_documents
    from tahaluf.submission import load_submission
    if docs is None:
        docs, reference = source_documents()
    if speakers is None and task == "quotes":
        speakers = load_speakers()
    sub = load_submission(source if source is not None else [], task=task, split=split, docs=docs,
                          schema=schema, speakers=speakers, missing=missing, name=name, text=text)
    return score_submission(sub, all_docs=docs, reference=reference or "unknown", protocol=protocol,
                            bootstrap=bootstrap, schema=schema, speakers=speakers, missing=missing)


def score_submission(sub, *, all_docs: Sequence[Document], reference: str, protocol: str | None = None,
                     bootstrap: Bootstrap | None = DEFAULT_BOOTSTRAP, schema: Schema = SCHEMA,
                     speakers=None, missing: str = "refuse") -> dict:
    """Score a validated :class:`~tahaluf.submission.Submission`."""
    data = documents_hash(all_docs)
    docs = list(sub.docs)
    doc_ids = [d.doc_id for d in docs]
    common = {"split": None if protocol else sub.split, "protocol": protocol, "ref": reference, "data": data}
    head = {"task": sub.task, "submission": sub.name, "reference": reference, "data": data,
            "version": __version__}
    head.update({"protocol": protocol} if protocol else {"split": sub.split})
    head["bootstrap"] = bootstrap.to_dict() if bootstrap else None
    if sub.task == "entities":
        from tahaluf.scoring.entities import MODES, score_spans
        labels = list(schema.entity_labels)
        gold = [gold_entity_spans(d, schema, sub.space) for d in docs]
        pred = [sub.entities.get(d.doc_id, []) for d in docs]
        res = score_spans(gold, pred, labels, bootstrap=bootstrap, doc_ids=doc_ids)
        sigs = {m: signature("entities", m, space=sub.space, **common) for m in MODES}
        out = {**head, "space": sub.space, "signature": sigs["strict"], "signatures": sigs, **res}
        for m in MODES:
            out["modes"][m]["signature"] = sigs[m]
        return out
    if sub.task == "quotes":
        from tahaluf.scoring.quotes import score_quotes
        gold = [gold_quote_items(d, speakers) for d in docs]
        pred = [sub.quotes.get(d.doc_id, []) for d in docs]
        res = score_quotes(gold, pred, [len(d.text) for d in docs], bootstrap=bootstrap, doc_ids=doc_ids)
        sigs = {m: signature("quotes", m, **common) for m in ("exact", "overlap", "proportional")}
        return {**head, "signature": sigs["overlap"], "signatures": sigs, **res}
    from tahaluf.scoring.stance import score_stance
    from tahaluf.submission import gold_stance
    gold = [gold_stance(d) for d in docs]
    pred = [sub.stance.get(d.doc_id, {}) for d in docs]
    res = score_stance(gold, pred, schema=schema, bootstrap=bootstrap, doc_ids=doc_ids)
    extra = (("missing", missing),) if missing != "refuse" else ()
    sig = signature("stance", "quote-items", extra=extra, **common)
    return {**head, "missing": missing, "signature": sig, "signatures": {"quote-items": sig}, **res}


def gold_entity_spans(doc: Document, schema: Schema = SCHEMA, space: str = "char") -> list[tuple[int, int, int]]:
    """The reference entities of ``doc`` as ``(start, end, type)``: characters, or token
    positions (projected to BIO with the overlap rule and decoded strictly)."""
    labels = list(schema.entity_labels)
    spans = [(e.start, e.end, labels.index(e.label)) for e in doc.entities]
    if space == "char":
        return sorted(spans)
    from tahaluf.core.tagging import decode, doc_tokens, project
    dt = doc_tokens(doc)
    s, e, t = decode(project(dt.starts, dt.ends, spans), dt.row_starts)
    return list(zip(s.tolist(), e.tolist(), t.tolist()))


def gold_quote_items(doc: Document, speakers=None) -> list:
    from tahaluf.core.speakers import alias_table
    from tahaluf.scoring.quotes import QuoteItem
    aliases = alias_table(speakers or {})
    return [QuoteItem(q.span.start, q.span.end, aliases.get(q.speaker_id, q.speaker_id) if q.speaker_id else None,
                      (q.cue.start, q.cue.end) if q.cue else None,
                      (q.source.start, q.source.end) if q.source else None, q.quote_type)
            for q in doc.quotes]


def gold_submission(docs: Sequence[Document], task: str, *, bio: bool = False) -> list[dict]:
    """The reference written as a submission (scores 1.0): a check and an example of the format."""
    out = []
    for d in docs:
        rec: dict = {"doc_id": d.doc_id}
        if task == "entities" and bio:
            from tahaluf.core.tagging import doc_tokens, project, tag_names
            names = tag_names()
            labels = list(SCHEMA.entity_labels)
            dt = doc_tokens(d)
            tags = project(dt.starts, dt.ends, [(e.start, e.end, labels.index(e.label)) for e in d.entities])
            rec["tokens"] = [list(dt.texts[a:b]) for (a, b), k in zip(dt.rows, dt.kept) if k]
            rec["ner_tags"] = [[names[x] for x in tags[a:b]] for (a, b), k in zip(dt.rows, dt.kept) if k]
        elif task == "entities":
            rec["entities"] = [{"start": e.start, "end": e.end, "label": e.label} for e in d.entities]
        elif task == "quotes":
            rec["quotes"] = [{"start": q.span.start, "end": q.span.end, "quote_type": q.quote_type,
                              "speaker_id": q.speaker_id,
                              "cue": None if q.cue is None else {"start": q.cue.start, "end": q.cue.end},
                              "source": None if q.source is None else {"start": q.source.start,
                                                                       "end": q.source.end}}
                             for q in d.quotes]
        else:
            rec["stance"] = [{"quote_id": q.quote_id, "target": t, "label": v}
                             for q in d.quotes for t, v in q.stance.items()]
        out.append(rec)
    return out


__all__ = [
    "DEFAULT_BOOTSTRAP",
    "HEADLINE",
    "Bootstrap",
    "evaluate",
    "get",
    "gold_entity_spans",
    "gold_submission",
    "score_submission",
    "signature",
]
