"""A system's predictions as documents, to push to Label Studio as pre-annotations.

``tahaluf studio push --source baselines/entities-crf --predictions crf``
reads predictions in the submission format the scorer reads
(:mod:`tahaluf.scoring.submission`: JSON Lines, one record per article) and
pushes them as Label Studio predictions with ``model_version`` ``crf``.

Which file
    A ``.jsonl`` file as given. A folder: its ``lodo.jsonl`` if there is one
    (a baseline's leave-one-document-out run: every article, each predicted
    by a model that did not see it), else every ``*.jsonl`` in it, an article
    in two files refused.

Which layers
    Every task field the records carry (``entities`` or ``ner_tags``,
    ``quotes``, ``stance``) is read and validated by
    :func:`tahaluf.scoring.submission.load_submission`, exactly as for
    scoring (split: the split whose articles the file covers, else all).
    Entities in token space (BIO) go back to character spans through the
    article's tokens, whole tokens (a proclitic inside a token stays in the
    span: the annotator trims it). A stance prediction is about a reference quotation:
    it sits on that quotation's span, on the predicted quotation of the same
    span when the file predicts quotations, else on a QUOTE region of the
    reference span with only the stance (no type, speaker, cue or source).
    What the file does not predict stays empty: no regions, no document
    stance. Quotations are numbered ``q01``... in text order.
"""

from __future__ import annotations

from pathlib import Path

from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import parse_jsonl
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import CUE_LABEL, QUOTE_LABEL, SCHEMA, SOURCE_LABEL, Schema
from tahaluf.core.tagging import doc_tokens
from tahaluf.corpus import SPLITS, source_documents
from tahaluf.scoring.submission import load_submission
from tahaluf.scoring.tasks import ALL


def is_predictions(path: Path) -> bool:
    """A JSON Lines file, or a folder holding one (and no Label Studio export)."""
    p = Path(path)
    if p.is_file():
        return p.suffix == ".jsonl"
    return p.is_dir() and any(p.glob("*.jsonl"))


def prediction_files(path: Path) -> list[Path]:
    """The files read for ``path`` (see the module docstring)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if (p / "lodo.jsonl").is_file():
        return [p / "lodo.jsonl"]
    files = sorted(p.glob("*.jsonl"))
    if not files:
        raise TahalufError(f"{p}: no predictions here (no *.jsonl in the submission format)")
    return files


def _split_of(ids: set[str]) -> str:
    return next((s for s, members in SPLITS.items() if set(members) == ids), ALL)


def _task_fields(records) -> list[str]:
    fields = set()
    for _, r in records:
        if isinstance(r, dict):
            fields |= {"entities" if k == "ner_tags" else k for k in r if k in ("entities", "ner_tags", "quotes",
                                                                              "stance")}
    return [t for t in ("entities", "quotes", "stance") if t in fields]


def read_predictions(path: Path, *, schema: Schema = SCHEMA) -> tuple[list[Document], str]:
    """The predicted documents of ``path`` and a note of what was read."""
    refs, _ = source_documents(schema=schema)
    by_id = {d.doc_id: d for d in refs}
    out: dict[str, Document] = {}
    notes = []
    for f in prediction_files(path):
        text = f.read_text(encoding="utf-8")
        records, _ = parse_jsonl(text, str(f))  # load_submission reports what is malformed
        ids = {r.get("doc_id") for _, r in records if isinstance(r, dict) and isinstance(r.get("doc_id"), str)}
        split, fields = _split_of(ids), _task_fields(records)
        if not fields:
            raise TahalufError(f"{f}: no entities, ner_tags, quotes or stance field in any record: nothing predicted")
        subs = {t: load_submission(f, task=t, split=split, docs=refs, schema=schema, text=text) for t in fields}
        for doc_id in sorted(ids & set(by_id)):
            if doc_id in out:
                raise TahalufError(f"{f}: article {doc_id} is also in another predictions file of {path}; "
                                   f"push one file (`--source {f}`)")
            out[doc_id] = _document(by_id[doc_id], subs, schema)
        notes.append(f"{f} ({', '.join(fields)}; split {split})")
    order = list(by_id)
    return sorted(out.values(), key=lambda d: order.index(d.doc_id)), "; ".join(notes)


def _document(ref: Document, subs: dict, schema: Schema) -> Document:
    text = ref.text
    entities: tuple[Span, ...] = ()
    if "entities" in subs:
        sub = subs["entities"]
        spans = sub.entities.get(ref.doc_id, [])
        if sub.space == "token":
            dt = doc_tokens(ref)
            spans = [(int(dt.starts[s]), int(dt.ends[e - 1]), t) for s, e, t in spans]
        entities = tuple(Span.of(text, s, e, schema.entity_labels[t]) for s, e, t in sorted(spans))
    stance = subs["stance"].stance.get(ref.doc_id, {}) if "stance" in subs else {}
    ref_span = {q.quote_id: (q.span.start, q.span.end) for q in ref.quotes}
    per_span: dict[tuple[int, int], dict[str, str]] = {}
    for (qid, target), label in stance.items():
        if label is not None and qid in ref_span:
            per_span.setdefault(ref_span[qid], {})[target] = label
    items = []
    if "quotes" in subs:
        for q in subs["quotes"].quotes.get(ref.doc_id, []):
            cue = Span.of(text, *q.cue, CUE_LABEL) if q.cue else None
            src = Span.of(text, *q.source, SOURCE_LABEL) if q.source else None
            items.append((Span.of(text, q.start, q.end, QUOTE_LABEL), q.quote_type or "", q.speaker, cue, src,
                          per_span.get((q.start, q.end), {})))
    else:
        items = [(Span.of(text, s, e, QUOTE_LABEL), "", None, None, None, labels)
                 for (s, e), labels in per_span.items()]
    items.sort(key=lambda x: (x[0].start, x[0].end))
    quotes = tuple(Quote(f"q{i:02d}", span, qt, spk, cue, src, st)
                   for i, (span, qt, spk, cue, src, st) in enumerate(items, 1))
    return Document(ref.doc_id, text, ref.metadata, entities, quotes, {}, None)
