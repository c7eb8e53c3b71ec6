"""Reading a submission: records to a validated :class:`Submission`, or a refusal.

:func:`load_submission` reads the JSON Lines (or takes the records), checks
each record against the articles of the split (:func:`docs_in_split`, from
the corpus's :data:`tahaluf.corpus.SPLITS`) and hands the task's field to its
check (:mod:`tahaluf.scoring.submission.checks`); then every article of the
split must have had a record. It collects every finding and raises
:class:`SubmissionRefused` with all of them (at most :data:`MAX_FINDINGS`
listed) or returns what is scored. The format and the finding ids are in
:mod:`tahaluf.scoring.submission`.

Streaming
    :func:`read_submission` is the reader itself: it reads a file one line at
    a time, fetches each record's article from the reference when the record
    is read (the reference may be :class:`tahaluf.cache.StoredDocuments`,
    which holds no document) and hands what is scored to a *sink*
    ``sink(position, doc, prediction, space)`` (the article's position in the
    split), keeping nothing itself; :func:`load_submission` is it with a sink
    that collects the predictions into a :class:`Submission`. The findings
    and their order are the same either way (the reading's findings first,
    then the records' in line order). A row-shaped submission is grouped
    into articles first, so it is held whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tahaluf.core.errors import Finding, TahalufError, did_you_mean
from tahaluf.core.jsonio import parse_lines, short
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
    lines: Mapping[str, int] = field(default_factory=dict)

    def prediction(self, doc_id: str):
        """The task's prediction for article ``doc_id`` (none predicted: an empty one)."""
        return getattr(self, self.task).get(doc_id, {} if self.task == "stance" else [])


def docs_in_split(docs: Sequence[Document], split: str) -> list[Document]:
    """The documents of ``docs`` in ``split`` (of :data:`tahaluf.corpus.SPLITS`), or all of them."""
    keep = set(split_ids([d.doc_id for d in docs], split))
    return [d for d in docs if d.doc_id in keep]


def _lookup(docs: Sequence[Document]) -> tuple[list[str], Callable[[str], Document], Mapping[str, int]]:
    """The doc ids of ``docs`` in order, a function from doc id to document (a
    :class:`tahaluf.cache.StoredDocuments` reads it then; a list is indexed) and each doc id's
    position (the stored documents' own index, not a copy)."""
    ids, by_id = getattr(docs, "ids", None), getattr(docs, "by_id", None)
    if ids is not None and by_id is not None:
        pos = getattr(docs, "positions", None)
        return ids, by_id, pos if pos is not None else {d: i for i, d in enumerate(ids)}
    table = {d.doc_id: d for d in docs}
    ids = list(table)
    return ids, table.__getitem__, {d: i for i, d in enumerate(ids)}


def scope_ids(docs: Sequence[Document], split: str) -> list[str]:
    """The doc ids of the documents of ``docs`` in ``split``."""
    return split_ids(_lookup(docs)[0], split)


def split_ids(ids: Sequence[str], split: str) -> list[str]:
    """The doc ids of ``ids`` in ``split`` (of :data:`tahaluf.corpus.SPLITS`), or all of them."""
    if split == ALL:
        return list(ids)
    if split not in SPLITS:
        raise TahalufError(f"unknown split {split!r}. {did_you_mean(split, SPLIT_CHOICES)}")
    keep = set(SPLITS[split])
    return [d for d in ids if d in keep]


def _file_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 file read one line at a time, numbered as
    ``path.read_text().split("\\n")`` numbers them (``\\r\\n`` and ``\\r`` end a line too)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise TahalufError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TahalufError(f"{path}: is a folder, not a JSON Lines file") from None
    except OSError as e:
        raise TahalufError(f"{path}: cannot read: {e.strerror or e}") from None
    with fh:
        at, n = 0, 0
        try:
            for raw in fh:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise SubmissionRefused(f"{path}: refused", [Finding(
                        "malformed-file", f"file is not UTF-8 ({e.reason} at byte {at + e.start})", str(path),
                        expected="UTF-8 JSON Lines")]) from None
                at += len(raw)
                parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                for part in parts[:-1] if text.endswith(("\n", "\r")) else parts:
                    n += 1
                    yield n, part
        except IsADirectoryError:
            raise TahalufError(f"{path}: is a folder, not a JSON Lines file") from None
        except OSError as e:
            raise TahalufError(f"{path}: cannot read: {e.strerror or e}") from None


@dataclass
class Read:
    """What :func:`read_submission` read: the submission's name, the split's doc ids, the space."""

    name: str
    task: str
    split: str
    doc_ids: list[str]
    space: str = "char"
    #: doc id -> line of its record
    lines: Mapping[str, int] = field(default_factory=dict)


class RecordLines(Mapping):
    """doc id -> the line of its record, for the articles that had one: the split's doc ids and
    an array of lines (-1: no record), not a dict of every article."""

    def __init__(self, doc_ids: Sequence[str], lines: np.ndarray) -> None:
        self._ids, self._lines = doc_ids, lines
        self._pos = None

    def __getitem__(self, doc_id: str) -> int:
        if self._pos is None:
            self._pos = {d: j for j, d in enumerate(self._ids)}
        j = self._pos[doc_id]
        if self._lines[j] < 0:
            raise KeyError(doc_id)
        return int(self._lines[j])

    def __iter__(self) -> Iterator[str]:
        return (self._ids[j] for j in np.flatnonzero(self._lines >= 0))

    def __len__(self) -> int:
        return int(np.count_nonzero(self._lines >= 0))


def read_submission(source: str | Path | Iterable[Mapping], *, task: str, split: str, docs: Sequence[Document],
                    sink: Callable[[int, Document, Any, str], None], schema: Schema = SCHEMA,
                    speakers: Mapping[str, Speaker] | None = None, missing: str = "refuse",
                    name: str | None = None, text: str | None = None) -> Read:
    """Read and validate a submission, handing each article's prediction to ``sink`` (see the
    module docstring); raise :class:`SubmissionRefused` at the end if anything was found."""
    task_named(task)
    if missing not in ("refuse", "wrong"):
        raise TahalufError(f"missing must be 'refuse' or 'wrong', got {missing!r}")
    if speakers is None and task == "quotes":
        speakers = load_speakers()
    all_ids, doc_of, all_pos = _lookup(docs)
    scope = split_ids(all_ids, split)
    position = all_pos if split == ALL else {d: j for j, d in enumerate(scope)}  # doc id -> place in scope

    parse_found: list[Finding] = []
    if text is not None:
        name = name or "<stdin>"
        records: Iterable[tuple[int, Any]] = parse_lines(enumerate(text.split("\n"), 1), name, parse_found)
    elif isinstance(source, (str, Path)):
        name = name or str(source)
        records = parse_lines(_file_lines(Path(source)), name, parse_found)
    else:
        name = name or "<records>"
        records = enumerate(source, 1)
    records = iter(records)
    # peek at the first object record: row-shaped submissions are grouped into articles first
    first: list[tuple[int, Any]] = []
    for item in records:
        first.append(item)
        if isinstance(item[1], dict):
            break
    row_found: list[Finding] = []
    if is_row_shaped(first):  # the shape of the dataset config's rows
        got = first + list(records)
        records, row_found = rows_to_records(got, task, [doc_of(d) for d in scope], name)
    else:
        records = _chain(first, records)
    chk = Checker(name)
    listed = lru_cache(maxsize=1)(lambda: ", ".join(scope))  # the split's articles, joined once if asked
    line_of = np.full(len(scope), -1, dtype=np.int64)  # the line of each article's record (-1: none yet)
    bio_line: int | None = None  # the first record with BIO tags
    char_line: int | None = None  # the first record with character spans
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
        if doc_id not in position:
            if doc_id in all_pos:
                chk.add("unknown-document", f"article is in split {split_of(doc_id)!r}, not in {split!r}", loc,
                        got=doc_id, expected=f"only the articles of {split!r}: {listed()} "
                                             f"(or score with --split all)")
            else:
                chk.add("unknown-document", "no such article", loc, got=doc_id,
                        expected=did_you_mean(doc_id, scope))
            continue
        j = position[doc_id]
        if line_of[j] >= 0:
            chk.add("duplicate-id", f"second record for the article (the first is on line {line_of[j]})", loc,
                    got=doc_id, expected="one record per article")
            continue
        line_of[j] = line
        doc = doc_of(doc_id)
        if task == "entities":
            if "entities" in rec and "ner_tags" in rec:
                chk.add("malformed-file", "record has both entities and ner_tags", loc,
                        expected="character spans in entities, or BIO tags in ner_tags, not both")
            elif "ner_tags" in rec:
                bio_line = line if bio_line is None else bio_line
                spans = check_bio(chk, rec, doc, schema, loc)
                if spans is not None:
                    sink(j, doc, spans, "token")
            elif "entities" in rec:
                char_line = line if char_line is None else char_line
                sink(j, doc, check_entities(chk, rec["entities"], doc, schema, f"{loc} entities"), "char")
            else:
                chk.add("malformed-file", "record lacks field 'entities' (or 'ner_tags')", loc,
                        expected="a list of entity spans ([] for none)")
        elif task == "quotes":
            if "quotes" not in rec:
                chk.add("malformed-file", "record lacks field 'quotes'", loc,
                        expected="a list of quotations ([] for none)")
            else:
                sink(j, doc, check_quotes(chk, rec["quotes"], doc, schema, speakers, f"{loc} quotes"), "char")
        else:
            if "stance" not in rec:
                chk.add("malformed-file", "record lacks field 'stance'", loc,
                        expected="a list of {quote_id, target, label} items, one per reference quotation and target")
            else:
                sink(j, doc, check_stance(chk, rec["stance"], doc, schema, f"{loc} stance", missing), "char")
    if bio_line is not None and char_line is not None:
        chk.add("malformed-file", "records mix character spans and BIO tags", f"{name}:{bio_line}",
                got=f"ner_tags on line {bio_line}, entities on line {char_line}",
                expected="one representation for the whole submission")
    missed = np.flatnonzero(line_of < 0)
    every = f"one record per article: {listed()}" if len(missed) else ""  # one string for every finding
    for j in missed:
        d = scope[j]
        chk.add("missing-document", f"no record for article {d} of split {split!r}", name, got=d, expected=every)
    found = parse_found + row_found + chk.found
    if found:
        n = len(found)
        shown = found[:MAX_FINDINGS]
        more = f" (first {MAX_FINDINGS} shown)" if n > MAX_FINDINGS else ""
        raise SubmissionRefused(f"{name}: submission refused for task {task!r}, split {split!r}: "
                                f"{n} problem(s){more}", shown)
    return Read(name, task, split, scope, "token" if bio_line is not None else "char", RecordLines(scope, line_of))


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def load_submission(source: str | Path | Iterable[Mapping], *, task: str, split: str = ALL,
                    docs: Sequence[Document] | None = None, schema: Schema = SCHEMA,
                    speakers: Mapping[str, Speaker] | None = None, missing: str = "refuse",
                    name: str | None = None, text: str | None = None) -> Submission:
    """Read and validate a submission for ``task`` on ``split``; raise :class:`SubmissionRefused`.

    ``source`` is a path to a JSON Lines file, or the records themselves
    (dicts, for the Python API); ``text`` gives the file's content directly
    (stdin). ``docs`` defaults to :func:`tahaluf.corpus.source_documents`.
    The predictions are collected into the :class:`Submission`
    (:func:`read_submission` with a collecting sink).
    """
    if docs is None:
        docs, _ = source_documents()
    field_of = {"entities": "entities", "quotes": "quotes", "stance": "stance"}[task_named(task).name]
    got: dict[str, Any] = {}

    def collect(j: int, doc: Document, pred: Any, space: str) -> None:
        got[doc.doc_id] = pred

    read = read_submission(source, task=task, split=split, docs=docs, sink=collect, schema=schema,
                           speakers=speakers, missing=missing, name=name, text=text)
    _, doc_of, _ = _lookup(docs)
    sub = Submission(name=read.name, task=task, split=split, docs=tuple(doc_of(d) for d in read.doc_ids),
                     space=read.space, lines=read.lines)
    setattr(sub, field_of, got)
    return sub
