"""Validation of the corpus and its annotations, with stable finding ids.

Checks return lists of :class:`~tahaluf.core.errors.Finding` (ids in
:data:`tahaluf.core.errors.FINDING_IDS`); nothing here raises on bad data, so a run
lists every problem at once. ``tahaluf validate`` prints them and exits 1 if
there is any.

What is checked, per annotated document:

* spans: offsets in range and text equal to ``text[start:end]`` (from the
  model), no white space at the edges, no overlap with boilerplate ranges;
* entities: known label, flat (no overlap), the proclitic rule of the
  guidelines (1.1): a span never starts with ``لل`` or with a one-letter
  proclitic before ``ال``, starts at a word start or right after proclitic
  letters only, and ends at a word end; cues follow the same rule;
* quotations: unique ids, no overlap, known quote type, speaker present and
  in the registry, every required stance target labelled with a known label;
* documents: the document-level stance of every required target.

Plus, for the corpus: seed texts unchanged (sha256), every document annotated
once, no unknown document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from tahaluf import seeds
from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.fileio import names
from tahaluf.core.model import Document, Span, Speaker
from tahaluf.core.schema import PROCLITICS, SCHEMA, Schema
from tahaluf.core.speakers import read_registry
from tahaluf.formats.labelstudio import read_tasks, tasks_to_documents

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_PROCLITIC_PREFIX = re.compile("[وف]?[بلك]?")
_BAD_START = re.compile(f"^(?:لل|[{PROCLITICS}]ال)")


def _is_letter(ch: str) -> bool:
    # Arabic letters, marks (harakat, tatweel) and Latin letters count as word-internal
    return bool(_LETTER.match(ch)) or "\u064b" <= ch <= "\u065f" or ch in "\u0640\u0670"


def boundary_findings(span: Span, text: str, location: str) -> list[Finding]:
    """The proclitic and word-boundary rules of guidelines 1.1."""
    out: list[Finding] = []
    if _BAD_START.match(span.text):
        out.append(Finding("proclitic-in-span",
                           "span starts with a proclitic before ال or with fused لل (guidelines 1.1: "
                           "proclitics stay outside; in لل the span starts at the second lam)",
                           location, got=span.text, expected=span.text[1:]))
    i = span.start
    while i > 0 and _is_letter(text[i - 1]):
        i -= 1
    prefix = text[i:span.start]
    if prefix and not _PROCLITIC_PREFIX.fullmatch(prefix.replace("\u0640", "")):
        out.append(Finding("span-word-boundary", "span starts inside a word", location,
                           got=f"{prefix}|{span.text}", expected="a word start, or after proclitics و ف ب ل ك"))
    if span.end < len(text) and _is_letter(text[span.end]) and _is_letter(text[span.end - 1]):
        j = span.end
        while j < len(text) and _is_letter(text[j]):
            j += 1
        out.append(Finding("span-word-boundary", "span ends inside a word", location,
                           got=f"{span.text}|{text[span.end:j]}", expected="a word end"))
    return out


def document_findings(doc: Document, *, schema: Schema = SCHEMA,
                      speakers: Mapping[str, Speaker] | None = None, location: str = "") -> list[Finding]:
    """Every layer-level finding of one annotated document."""
    loc = location or f"doc={doc.doc_id}"
    text = doc.text
    out: list[Finding] = list(doc.span_findings(loc))
    boiler = seeds.boilerplate_ranges(doc)

    def span_checks(span: Span, where: str) -> None:
        if span.text != span.text.strip():
            out.append(Finding("span-whitespace", "span has white space at an edge", where, got=span.text,
                               expected=span.text.strip()))
        for a, b in boiler:
            if span.start < b and a < span.end:
                out.append(Finding("span-in-boilerplate", f"span overlaps boilerplate [{a}, {b})", where,
                                   got=[span.start, span.end]))

    prev: Span | None = None
    for i, e in enumerate(doc.entities):
        where = f"{loc} entity={e.label} chars={e.start}-{e.end}"
        if e.label not in schema.entity_labels:
            out.append(Finding("unknown-label", "unknown entity label", where, got=e.label,
                               expected=list(schema.entity_labels)))
        span_checks(e, where)
        out += boundary_findings(e, text, where)
        if prev is not None and prev.overlaps(e):
            out.append(Finding("entity-overlap", "entities overlap (the layer is flat)", where,
                               got=[f"{prev.label} {prev.text!r} [{prev.start},{prev.end})",
                                    f"{e.label} {e.text!r} [{e.start},{e.end})"]))
        if prev is None or e.end > prev.end:
            prev = e

    seen: set[str] = set()
    prev_q = None
    for q in doc.quotes:
        where = f"{loc} region={q.quote_id} chars={q.span.start}-{q.span.end}"  # a QUOTE's region id
        if q.quote_id in seen:
            out.append(Finding("duplicate-id", "two quotations share an id", where, got=q.quote_id))
        seen.add(q.quote_id)
        for role, s in q.spans():
            span_checks(s, f"{where} {role}")
        if q.cue is not None:
            out += boundary_findings(q.cue, text, f"{where} cue")
        if prev_q is not None and prev_q.span.overlaps(q.span):
            out.append(Finding("quote-overlap", "quotations overlap (they never nest)", where,
                               got=[prev_q.quote_id, q.quote_id]))
        if prev_q is None or q.span.end > prev_q.span.end:
            prev_q = q
        if not q.quote_type:
            out.append(Finding("missing-attribute", "quotation has no quote_type", where,
                               expected=list(schema.quote_types)))
        elif q.quote_type not in schema.quote_types:
            out.append(Finding("unknown-label", "unknown quote_type", where, got=q.quote_type,
                               expected=list(schema.quote_types)))
        if not q.speaker_id:
            out.append(Finding("quote-without-speaker", "quotation has no speaker_id", where))
        elif speakers is not None and q.speaker_id not in speakers:
            out.append(Finding("unknown-speaker", "speaker_id is not in annotation/speakers.json", where,
                               got=q.speaker_id, expected=did_you_mean(q.speaker_id, speakers)))
        out += _stance_findings(q.stance, schema, where)
    out += _stance_findings(doc.doc_stance, schema, f"{loc} document")
    return out


def _stance_findings(stance: Mapping[str, str], schema: Schema, where: str) -> list[Finding]:
    out = []
    for t, v in stance.items():
        if t not in schema.target_names:
            out.append(Finding("unknown-label", "unknown stance target", where, got=t,
                               expected=list(schema.target_names)))
        elif v not in schema.stance_labels:
            out.append(Finding("unknown-label", f"unknown {t} value", where, got=v,
                               expected=list(schema.stance_labels)))
    for t in schema.required_targets:
        if t not in stance:
            out.append(Finding("missing-attribute", f"no {t}", where, expected=list(schema.stance_labels)))
    return out


# -- files --------------------------------------------------------------------

def load_speakers(path: str | Path | None = None) -> tuple[dict[str, Speaker], list[Finding]]:
    """The registry (default ``annotation/speakers.json``) and its findings."""
    return read_registry(Path(path) if path else paths.speakers_file())


def validate_export(path: str | Path, bases: Mapping[str, Document], *, schema: Schema = SCHEMA,
                    speakers: Mapping[str, Speaker] | None = None,
                    single_annotator: bool = True) -> tuple[list[Document], list[Finding]]:
    """Read a Label Studio export and run every check on its documents."""
    tasks, found = read_tasks(path)
    if found:
        return [], found
    try:
        docs, found = tasks_to_documents(tasks, bases, schema=schema, location=str(path),
                                         single_annotator=single_annotator)
    except TahalufError as e:  # pragma: no cover - converter builds spans from offsets
        return [], list(e.findings) or [Finding("malformed-file", str(e), str(path))]
    # Label Studio's task id of each document, so that a finding says where to look in Label Studio
    tids = {t["data"].get("doc_id"): t["id"] for t in tasks if isinstance(t, Mapping)
            and isinstance(t.get("data"), Mapping) and isinstance(t.get("id"), int)}
    seen: dict[str, int] = {}
    for d in docs:
        seen[d.doc_id] = seen.get(d.doc_id, 0) + 1
        at = f"{path} task={tids[d.doc_id]} doc={d.doc_id}" if d.doc_id in tids else f"{path} doc={d.doc_id}"
        found += document_findings(d, schema=schema, speakers=speakers, location=at)
    for doc_id, n in seen.items():
        if n > 1:
            found.append(Finding("duplicate-id", "the file annotates one article more than once", f"{path} doc={doc_id}",
                                 got=n, expected=1))
    return docs, _dedupe(found)


def _dedupe(found: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in found:
        key = (f.id, f.location, repr(f.got))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def validate_corpus(*, seeds_dir: Path | None = None, gold_dir: Path | None = None,
                    speakers_path: Path | None = None, schema: Schema = SCHEMA,
                    files: list[Path] | None = None) -> tuple[list[Finding], list[str]]:
    """Validate the seeds and the gold (or the given export files).

    Returns the findings and human-readable notes on what was checked.
    """
    notes: list[str] = []
    found = seeds.seed_findings(seeds_dir)
    bases = seeds.Articles(seeds_dir)  # each article read when a file asks for it, none held
    notes.append(f"seeds: {len(bases)} articles, sha256 checked")
    speakers, f = load_speakers(speakers_path)
    found += f
    if files is None:
        gd = gold_dir or paths.gold_dir()
        gold = names(gd, ".json")  # names, not a Path per file of a large corpus
        if not gold:
            notes.append(f"gold: not built yet ({gd} has no annotation files); only the seeds were checked")
            return found, notes
        per_doc: dict[str, int] = {}
        for p in (gd / n for n in gold):
            docs, f = validate_export(p, bases, schema=schema, speakers=speakers)
            found += f
            for d in docs:
                per_doc[d.doc_id] = per_doc.get(d.doc_id, 0) + 1
        pending = []
        for doc_id in bases:
            if doc_id not in per_doc and bases[doc_id].metadata.get("annotation") == seeds.PENDING:
                pending.append(doc_id)  # added by `tahaluf add-article`, not annotated yet
            elif per_doc.get(doc_id, 0) != 1:
                found.append(Finding("missing-document" if doc_id not in per_doc else "duplicate-id",
                                     f"article {doc_id} must have exactly one gold annotation",
                                     str(gd / f"{doc_id}.json"), got=per_doc.get(doc_id, 0), expected=1))
        if pending:
            notes.append(f"pending annotation (added with `tahaluf add-article`; push, annotate, pull): "
                         f"{', '.join(pending)}")
        notes.append(f"gold: {len(gold)} files, {sum(per_doc.values())} annotated documents, "
                     f"{len(speakers)} speakers in the registry")
    else:
        for p in files:
            _, f = validate_export(p, bases, schema=schema, speakers=speakers)
            found += f
        notes.append(f"checked {len(files)} file(s)")
    return found, notes
