"""Reading a submission: records to a validated :class:`Submission`, or a refusal.

:func:`load_submission` reads the JSON Lines (or takes the records), checks
each record against the articles of the split (:func:`docs_in_split`, from
the corpus's :data:`tahaluf.corpus.SPLITS`) and hands the task's field to its
check (:mod:`tahaluf.scoring.submission.checks`); then every article of the
split must have had a record. It collects every finding and raises
:class:`SubmissionRefused` with all of them (at most :data:`MAX_FINDINGS`
listed) or returns what is scored. The format and the finding ids are in
:mod:`tahaluf.scoring.submission`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.jsonio import parse_jsonl, short
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.corpus import SPLITS, load_speakers, source_documents, split_of
from tahaluf.scoring.submission.checks import Checker, check_bio, check_entities, check_quotes, check_stance
from tahaluf.scoring.submission.rows import is_row_shaped, rows_to_records
from tahaluf.scoring.tasks import ALL, SPLIT_CHOICES, TASKS
from tahaluf.scoring.tasks import task as task_named

#: the fields of a record: the article, one per task, the BIO alternative to ``entities``, free metadata
BIO_KEYS = ("ner_tags", "tokens")
RECORD_KEYS = ("doc_id", *TASKS, *BIO_KEYS, "meta")
#: at most this many findings are listed
MAX_FINDINGS = 200


class SubmissionRefused(TahalufError):
    """A submission that cannot be scored; carries every finding."""


@dataclass
class Submission:
    """A validated submission for one task, reduced to what is scored.

    ``entities`` maps a document to ``(start, end, type_index)`` spans, in
    characters (``space == "char"``) or in token positions (``"token"``);
    ``quotes`` to :class:`~tahaluf.scoring.quotes.QuoteItem` lists; ``stance``
    to ``{(quote_id, target): label}`` (``None`` for an item counted missing).
    """

    name: str
    task: str
    split: str
    docs: tuple[Document, ...]
    space: str = "char"
    entities: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    quotes: dict[str, list] = field(default_factory=dict)
    stance: dict[str, dict[tuple[str, str], str | None]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def docs_in_split(docs: Sequence[Document], split: str) -> list[Document]:
    """The documents of ``docs`` in ``split`` (of :data:`tahaluf.corpus.SPLITS`), or all of them."""
    if split == ALL:
        return list(docs)
    if split not in SPLITS:
        raise TahalufError(f"unknown split {split!r}. {did_you_mean(split, SPLIT_CHOICES)}")
    ids = set(SPLITS[split])
    return [d for d in docs if d.doc_id in ids]


def load_submission(source: str | Path | Iterable[Mapping], *, task: str, split: str = ALL,
                    docs: Sequence[Document] | None = None, schema: Schema = SCHEMA,
                    speakers: Mapping[str, Speaker] | None = None, missing: str = "refuse",
                    name: str | None = None, text: str | None = None) -> Submission:
    """Read and validate a submission for ``task`` on ``split``; raise :class:`SubmissionRefused`.

    ``source`` is a path to a JSON Lines file, or the records themselves
    (dicts, for the Python API); ``text`` gives the file's content directly
    (stdin). ``docs`` defaults to :func:`tahaluf.corpus.source_documents`.
    """
    task_named(task)
    if missing not in ("refuse", "wrong"):
        raise TahalufError(f"missing must be 'refuse' or 'wrong', got {missing!r}")
    if docs is None:
        docs, _ = source_documents()
    if speakers is None and task == "quotes":
        speakers = load_speakers()
    scope = docs_in_split(docs, split)
    all_by_id = {d.doc_id: d for d in docs}
    by_id = {d.doc_id: d for d in scope}

    if text is not None or isinstance(source, (str, Path)):
        if text is None:
            path = Path(source)
            name = name or str(source)
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise TahalufError(f"{path}: no such file") from None
            except IsADirectoryError:
                raise TahalufError(f"{path}: is a folder, not a JSON Lines file") from None
            except OSError as e:
                raise TahalufError(f"{path}: cannot read: {e.strerror or e}") from None
            except UnicodeDecodeError as e:
                raise SubmissionRefused(f"{path}: refused", [Finding(
                    "malformed-file", f"file is not UTF-8 ({e.reason} at byte {e.start})", str(path),
                    expected="UTF-8 JSON Lines")]) from None
        name = name or "<stdin>"
        records, found = parse_jsonl(text, name)
    else:
        name = name or "<records>"
        records, found = list(enumerate(source, 1)), []
    chk = Checker(name)
    chk.found += found
    if is_row_shaped(records):  # the shape of the dataset config's rows
        records, row_found = rows_to_records(records, task, scope, name)
        chk.found += row_found
    sub = Submission(name=name, task=task, split=split, docs=tuple(scope))
    seen: dict[str, int] = {}
    bio_lines: list[int] = []
    char_lines: list[int] = []
    for line, rec in records:
        loc = f"{name}:{line}"
        if not isinstance(rec, dict):
            chk.add("malformed-file", "record is not a JSON object", loc, got=short(rec),
                    expected='{"doc_id": ..., "' + task + '": [...]}')
            continue
        unknown = [k for k in rec if k not in RECORD_KEYS]
        for k in unknown:
            chk.add("malformed-file", f"unknown field {k!r}", loc, got=k, expected=did_you_mean(k, RECORD_KEYS))
        doc_id = rec.get("doc_id")
        if not isinstance(doc_id, str):
            chk.add("malformed-file", "record lacks a string doc_id", loc, got=short(doc_id),
                    expected="the article's doc_id")
            continue
        loc = f"{loc} doc={doc_id}"
        if doc_id not in by_id:
            if doc_id in all_by_id:
                chk.add("unknown-document", f"article is in split {split_of(doc_id)!r}, not in {split!r}", loc,
                        got=doc_id, expected=f"only the articles of {split!r}: {', '.join(by_id)} "
                                             f"(or score with --split all)")
            else:
                chk.add("unknown-document", "no such article", loc, got=doc_id,
                        expected=did_you_mean(doc_id, list(by_id)))
            continue
        if doc_id in seen:
            chk.add("duplicate-id", f"second record for the article (the first is on line {seen[doc_id]})", loc,
                    got=doc_id, expected="one record per article")
            continue
        seen[doc_id] = line
        sub.lines[doc_id] = line
        doc = by_id[doc_id]
        if task == "entities":
            if "entities" in rec and "ner_tags" in rec:
                chk.add("malformed-file", "record has both entities and ner_tags", loc,
                        expected="character spans in entities, or BIO tags in ner_tags, not both")
            elif "ner_tags" in rec:
                bio_lines.append(line)
                spans = check_bio(chk, rec, doc, schema, loc)
                if spans is not None:
                    sub.entities[doc_id] = spans
            elif "entities" in rec:
                char_lines.append(line)
                sub.entities[doc_id] = check_entities(chk, rec["entities"], doc, schema, f"{loc} entities")
            else:
                chk.add("malformed-file", "record lacks field 'entities' (or 'ner_tags')", loc,
                        expected="a list of entity spans ([] for none)")
        elif task == "quotes":
            if "quotes" not in rec:
                chk.add("malformed-file", "record lacks field 'quotes'", loc,
                        expected="a list of quotations ([] for none)")
            else:
                sub.quotes[doc_id] = check_quotes(chk, rec["quotes"], doc, schema, speakers, f"{loc} quotes")
        else:
            if "stance" not in rec:
                chk.add("malformed-file", "record lacks field 'stance'", loc,
                        expected="a list of {quote_id, target, label} items, one per reference quotation and target")
            else:
                sub.stance[doc_id] = check_stance(chk, rec["stance"], doc, schema, f"{loc} stance", missing)
    if bio_lines and char_lines:
        chk.add("malformed-file", "records mix character spans and BIO tags", f"{name}:{bio_lines[0]}",
                got=f"ner_tags on line {bio_lines[0]}, entities on line {char_lines[0]}",
                expected="one representation for the whole submission")
    sub.space = "token" if bio_lines else "char"
    for d in scope:
        if d.doc_id not in seen:
            chk.add("missing-document", f"no record for article {d.doc_id} of split {split!r}", name,
                    got=d.doc_id, expected=f"one record per article: {', '.join(by_id)}")
    if chk.found:
        n = len(chk.found)
        shown = chk.found[:MAX_FINDINGS]
        more = f" (first {MAX_FINDINGS} shown)" if n > MAX_FINDINGS else ""
        raise SubmissionRefused(f"{name}: submission refused for task {task!r}, split {split!r}: "
                                f"{n} problem(s){more}", shown)
    return sub
