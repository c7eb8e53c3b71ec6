"""The five articles, the corpus of record, and their metadata.

``seeds/<doc_id>.txt`` are the articles byte for byte as received (UTF-8; the
doc id is the file stem). ``seeds/metadata.json`` holds one hand-written record
per article: headline, outlet, byline or translator, publication date with its
basis (``stated`` / ``implied``), language variety, boilerplate ranges,
data-quality notes, and the sha256 of the file. :func:`seed_findings` reports
``seed-text-changed`` when a stored text no longer has that hash.

Texts are read as bytes and decoded, so no newline translation can shift an
offset.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.fileio import names
from tahaluf.core.ids import child, id_finding
from tahaluf.core.jsonio import loads, read_json
from tahaluf.core.model import Document


def read_text(path: str | Path) -> str:
    """Decode a UTF-8 file exactly (no newline translation, no BOM stripping)."""
    return Path(path).read_bytes().decode("utf-8")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: the ``annotation`` value of a metadata record added by ``tahaluf add-article`` and not annotated
#: yet; a pull of its annotation into the gold removes it (:mod:`tahaluf.studio.gold`)
PENDING = "pending"


def metadata_path(seeds_dir: Path | None = None) -> Path:
    return (seeds_dir or paths.seeds_dir()) / "metadata.json"


def load_metadata(seeds_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """doc_id -> metadata record, in corpus order.

    Parsed once per version of the file (cached on path, size and mtime), so
    per-document look-ups stay linear in the corpus size. Callers get a shallow
    copy and must not modify the records.
    """
    p = metadata_path(seeds_dir).resolve()
    try:
        st = p.stat()
    except OSError as e:
        hint = ""
        if not p.parent.is_dir():
            hint = (f"; no corpus at {p.parent.parent}: the scorer reads the reference from a clone of the "
                    f"Tahaluf repository: run from inside one (pip install -e .) or set TAHALUF_ROOT to its folder; the scoring commands "
                    f"also read a built dataset folder: --data DIR or TAHALUF_DATA")
        raise TahalufError(f"{p}: cannot read the seeds metadata: {e}{hint}") from e
    return dict(_parse_metadata(str(p), st.st_size, st.st_mtime_ns))


@lru_cache(maxsize=8)
def _parse_metadata(path: str, size: int, mtime_ns: int) -> dict[str, dict[str, Any]]:
    try:
        data = read_json(path)
    except TahalufError as e:
        raise TahalufError(f"{path}: cannot read the seeds metadata", e.findings) from None
    return metadata_records(data, path)


def metadata_records(data: Any, path: str) -> dict[str, dict[str, Any]]:
    """doc_id -> record of a parsed ``metadata.json``, after checking its types and ids.

    Raises :class:`TahalufError` with a finding per problem (``wrong-type``,
    ``unsafe-id``, ``duplicate-id``); the fields used downstream
    (``doc_id``, ``sha256``, ``boilerplate``) are checked here, once.
    """
    found: list[Finding] = []
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, list):
        raise TahalufError(f"{path}: cannot read the seeds metadata", [Finding(
            "wrong-type", "metadata is not an object with a list of documents", path,
            got=type(docs if isinstance(data, dict) else data).__name__, expected='{"documents": [...]}')])
    out: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(docs):
        loc = f"{path} document={i}"
        if not isinstance(r, dict):
            found.append(Finding("wrong-type", "metadata record is not an object", loc, got=type(r).__name__,
                                 expected="object"))
            continue
        bad = id_finding("doc_id", r.get("doc_id"), loc)
        if bad is not None:
            found.append(bad)
            continue
        if r["doc_id"] in out:
            found.append(Finding("duplicate-id", "two metadata records share a doc_id", loc, got=r["doc_id"]))
            continue
        if not isinstance(r.get("sha256", ""), str):
            found.append(Finding("wrong-type", "sha256 is not a string", loc, got=type(r["sha256"]).__name__,
                                 expected="string"))
        bp = r.get("boilerplate", [])
        if not isinstance(bp, list) or not all(
                isinstance(b, dict) and type(b.get("start")) is int and type(b.get("end")) is int for b in bp):
            found.append(Finding("wrong-type", "boilerplate is not a list of {start, end} integer ranges", loc,
                                 got=str(bp)[:60], expected='[{"start": int, "end": int, "what": str}]'))
        out[r["doc_id"]] = r
    if found:
        raise TahalufError(f"{path}: cannot read the seeds metadata", found)
    return out


class MetadataIndex(Mapping):
    """doc_id -> metadata record of ``seeds/metadata.json``, in corpus order,
    each record parsed from the file when it is asked for: the index keeps
    only every record's byte range, so a corpus of any size costs a few bytes
    per article here, where :func:`load_metadata` holds every record."""

    def __init__(self, path: str, ranges: dict[str, tuple[int, int]]) -> None:
        self.path, self._ranges = path, ranges

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        start, end = self._ranges[doc_id]
        with open(self.path, "rb") as fh:
            fh.seek(start)
            raw = fh.read(end - start).decode("utf-8")
        try:  # the one strict parser and the record checks of load_metadata
            rec = loads(raw, f"{self.path} doc={doc_id}")
        except TahalufError as e:
            raise TahalufError(f"{self.path}: cannot read the seeds metadata", e.findings) from None
        return metadata_records({"documents": [rec]}, self.path)[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._ranges

    def __iter__(self) -> Iterator[str]:
        return iter(self._ranges)

    def __len__(self) -> int:
        return len(self._ranges)


def metadata_index(seeds_dir: Path | None = None) -> MetadataIndex:
    """The :class:`MetadataIndex` of ``seeds/metadata.json`` (made once per version of the file)."""
    p = metadata_path(seeds_dir).resolve()
    try:
        st = p.stat()
    except OSError as e:
        raise TahalufError(f"{p}: cannot read the seeds metadata: {e}") from e
    return _index_metadata(str(p), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _index_metadata(path: str, size: int, mtime_ns: int) -> MetadataIndex:
    try:
        ranges = _record_ranges(path)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise TahalufError(f"{path}: cannot read the seeds metadata: {e}") from e
    bad = [f for doc_id in ranges if (f := id_finding("doc_id", doc_id, path)) is not None]
    if bad:
        raise TahalufError(f"{path}: cannot read the seeds metadata", bad)
    return MetadataIndex(path, ranges)


def _record_ranges(path: str, block: int = 1 << 20) -> dict[str, tuple[int, int]]:
    """doc_id -> byte range of every record of the ``documents`` list (:func:`_scan`)."""
    return {rec["doc_id"].encode("latin-1").decode("utf-8"): (a, b) for rec, a, b, _ in _scan(path, block)}


class _EndOfFile(ValueError):
    pass


def _scan(path: str, block: int = 1 << 20, strict: bool = False) -> Iterator[tuple[Any, int, int, str]]:
    """``(record, start, end, text)`` of every record of the ``documents`` list, read a block at a time.

    The bytes are decoded as Latin-1, one character per byte, so positions in
    the text are byte offsets; JSON's syntax is ASCII, and a record's own
    text is decoded as UTF-8 when it is read (:meth:`MetadataIndex.__getitem__`).
    ``record`` is that Latin-1 parse and ``text`` its Latin-1 text. ``strict``
    also raises :class:`ValueError` for what the whole parse of :func:`load_metadata`
    refuses around the records: bytes that are not UTF-8, a missing or extra comma,
    a key that is not a string or comes twice, a value besides ``documents`` that
    :func:`~tahaluf.core.jsonio.loads` refuses, no ``documents`` list, text after the
    object (the records themselves are for the caller to check: :func:`_checked_records`)."""
    dec = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        st = {"buf": "", "base": 0, "pos": 0, "eof": False}

        def more() -> None:
            b = fh.read(block)
            st["eof"] = not b
            if strict:
                utf8.decode(b, final=not b)  # UnicodeDecodeError (a ValueError) if not UTF-8
            st["buf"] = st["buf"][st["pos"]:] + b.decode("latin-1")
            st["base"] += st["pos"]
            st["pos"] = 0

        def peek() -> str:
            while True:
                buf, pos = st["buf"], st["pos"]
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                st["pos"] = pos
                if pos < len(buf):
                    return buf[pos]
                if st["eof"]:
                    raise _EndOfFile("unexpected end of file")
                more()

        def value() -> tuple[Any, int, int]:
            peek()
            while True:
                try:
                    v, end = dec.raw_decode(st["buf"], st["pos"])
                    if end < len(st["buf"]) or st["eof"]:  # a number cut by the block's end would parse
                        start = st["base"] + st["pos"]
                        st["pos"] = end
                        return v, start, st["base"] + end
                except json.JSONDecodeError:
                    if st["eof"]:
                        raise
                more()

        def text(start: int, end: int, wrap: int = 0) -> Any:
            """The value at bytes ``[start, end)`` strictly parsed as UTF-8 JSON, nested in ``wrap``
            arrays (its depth in the file; bytes still in the buffer)."""
            raw = st["buf"][start - st["base"]:end - st["base"]]
            return loads("[" * wrap + raw.encode("latin-1").decode("utf-8") + "]" * wrap, path)

        def expect(ch: str) -> None:
            if peek() != ch:
                raise ValueError(f"expected {ch!r} at byte {st['base'] + st['pos']}")
            st["pos"] += 1

        def comma(close: str) -> None:
            if peek() == ",":
                st["pos"] += 1
                if strict and peek() == close:
                    raise ValueError(f"a comma before {close!r} at byte {st['base'] + st['pos']}")
            elif strict and peek() != close:
                raise ValueError(f"expected ',' or {close!r} at byte {st['base'] + st['pos']}")

        keys: set[str] = set()
        expect("{")
        while peek() != "}":
            k, a, b = value()
            if strict:
                k = text(a, b) if isinstance(k, str) else None
                if k is None or k in keys:
                    raise ValueError(f"a key that is not a string or comes twice at byte {a}")
                keys.add(k)
            expect(":")
            if k != "documents":
                _, a, b = value()
                if strict:
                    text(a, b, 1)
            else:
                expect("[")
                while peek() != "]":
                    rec, a, b = value()
                    yield rec, a, b, st["buf"][a - st["base"]:b - st["base"]]
                    comma("]")
                st["pos"] += 1
            comma("}")
        st["pos"] += 1
        if strict:
            if "documents" not in keys:
                raise ValueError("no documents list")
            try:
                peek()
            except _EndOfFile:  # white space to the end of the file, as the whole parse allows
                return
            raise ValueError(f"text after the object at byte {st['base'] + st['pos']}")


class _Unchecked(Exception):
    """The streamed check of ``metadata.json`` cannot vouch for the file: the whole parse decides."""


def _checked_records(path: Path, ids: set[str], block: int = 1 << 20) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(doc_id, record)`` of ``metadata.json``, one record parsed at a time, each doc id added to
    ``ids``; raises :class:`_Unchecked` (at the latest after the last record) unless the whole
    parse of :func:`load_metadata` would accept the file and give these records."""
    try:
        for _, _, _, raw in _scan(str(p := path.resolve()), block, strict=True):
            rec = loads("[[" + raw.encode("latin-1").decode("utf-8") + "]]", str(p))[0][0]  # its depth in the file
            doc_id = next(iter(metadata_records({"documents": [rec]}, str(p))))
            if doc_id in ids:
                raise ValueError(f"doc_id {doc_id} twice")
            ids.add(doc_id)
            yield doc_id, rec
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, TahalufError) as e:
        raise _Unchecked(str(e)) from None


def doc_ids(seeds_dir: Path | None = None) -> list[str]:
    return list(metadata_index(seeds_dir))


def doc_position(doc_id: str, seeds_dir: Path | None = None) -> int:
    """The article's position in the corpus (constant time after the first call)."""
    p = metadata_path(seeds_dir).resolve()
    st = p.stat()
    pos = _positions(str(p), st.st_size, st.st_mtime_ns)
    if doc_id not in pos:
        raise TahalufError(f"unknown document {doc_id!r}. Available: {', '.join(list(pos)[:10])}")
    return pos[doc_id]


@lru_cache(maxsize=8)
def _positions(path: str, size: int, mtime_ns: int) -> dict[str, int]:
    return {d: i for i, d in enumerate(_index_metadata(path, size, mtime_ns))}


def seed_findings(seeds_dir: Path | None = None) -> list[Finding]:
    """Every stored text has the sha256 its metadata records; no stray files.

    The metadata is read one record at a time (:func:`_checked_records`), so a
    corpus of any size costs its doc ids here; a file that the stream cannot vouch
    for is parsed whole by :func:`load_metadata`, whose findings it raises."""
    sd = seeds_dir or paths.seeds_dir()
    ids: set[str] = set()
    try:
        out = _text_findings(sd, _checked_records(metadata_path(sd), ids))
    except _Unchecked:
        meta = load_metadata(sd)
        ids = set(meta)
        out = _text_findings(sd, meta.items())
    known = None  # the sorted ids, made once for all the findings that list them
    for name in names(sd, ".txt"):
        stem = Path(name).stem
        if stem not in ids:
            known = sorted(ids) if known is None else known
            out.append(Finding("unknown-document", "an article file has no metadata record",
                               name, got=stem, expected=known))
    return out


def _text_findings(sd: Path, records: Iterable[tuple[str, dict[str, Any]]]) -> list[Finding]:
    out: list[Finding] = []
    for doc_id, rec in records:
        p = child(sd, f"{doc_id}.txt")
        loc = f"{p.name}"
        if not p.exists():
            out.append(Finding("missing-document", "the article file is missing", loc,
                               expected=str(p)))
            continue
        got = sha256_text(read_text(p))
        if got != rec.get("sha256"):
            out.append(Finding("seed-text-changed",
                               "the stored article text changed since its metadata was recorded",
                               loc, got=got, expected=rec.get("sha256")))
    return out


@cache
def _load_document_cached(seeds_dir: str, doc_id: str, mtime: float) -> Document:
    sd = Path(seeds_dir)
    meta = load_metadata(sd)
    if doc_id not in meta:
        raise TahalufError(f"unknown document {doc_id!r}. Available: {', '.join(meta)}")
    return Document(doc_id=doc_id, text=read_text(child(sd, f"{doc_id}.txt")), metadata=meta[doc_id])


def load_document(doc_id: str, seeds_dir: Path | None = None) -> Document:
    """The article as a :class:`Document` with metadata and no annotation."""
    sd = (seeds_dir or paths.seeds_dir()).resolve()
    p = child(sd, f"{doc_id}.txt")
    mtime = p.stat().st_mtime if p.exists() else 0.0
    return _load_document_cached(str(sd), doc_id, mtime)


class Articles(Mapping):
    """doc_id -> the article as a :class:`Document` (text and metadata), read
    from its file on each access and not kept: what a stream over a large
    corpus passes where a ``{doc_id: document}`` dict of :func:`load_corpus`
    would hold every text at once."""

    def __init__(self, seeds_dir: Path | None = None) -> None:
        self._dir = (seeds_dir or paths.seeds_dir()).resolve()
        self._meta = metadata_index(self._dir)

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._meta:
            raise KeyError(doc_id)
        return Document(doc_id=doc_id, text=read_text(self._dir / f"{doc_id}.txt"), metadata=self._meta[doc_id])

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._meta

    def __iter__(self) -> Iterator[str]:
        return iter(self._meta)

    def __len__(self) -> int:
        return len(self._meta)


def load_corpus(seeds_dir: Path | None = None) -> list[Document]:
    return [load_document(d, seeds_dir) for d in doc_ids(seeds_dir)]


def boilerplate_ranges(doc: Document) -> list[tuple[int, int]]:
    return [(b["start"], b["end"]) for b in doc.metadata.get("boilerplate", [])]
