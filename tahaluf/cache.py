"""The reference cache: validated documents kept on disk, keyed by the files they come from.

Loading the reference (:func:`tahaluf.corpus.source_documents`) reads every
annotation file, converts and validates it, and the score's signature needs
the documents hash (:func:`tahaluf.core.signatures.documents_hash`) of the
result; on a large corpus that is most of what scoring costs. The first load
(:func:`store`) streams the documents into the cache as they are converted,
hashing them on the way, and keeps none of them; it writes them with their hash to
``.cache/reference/<key>.pickle`` under the repository root (``.cache/`` is
not tracked); later loads of the same files read that instead.

Key
    sha256 over every input file's path and sha256 (the annotation files of
    the source, ``seeds/*.txt``, ``seeds/metadata.json``,
    ``annotation/speakers.json``), the schema and the package version, so any
    change to an input, the schema or the code's version misses the cache.
    The file records its key and the documents hash and is refused if they do
    not match. ``TAHALUF_CACHE=off`` turns the cache off.

:func:`load` returns a :class:`tahaluf.core.signatures.Documents`: the list
with its hash attached, which ``documents_hash`` does not recompute.
:func:`open_documents` returns the same documents as a :class:`StoredDocuments`
sequence that holds none of them: each is read from the file when it is asked
for (by position or by id), so a scorer that visits the documents one at a
time does not hold the reference (what ``tahaluf evaluate`` does).

File
    a small pickled header (format, key, source, documents hash, the doc ids
    and the byte offset of each document), then one pickle per document.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import struct
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from tahaluf.core import paths
from tahaluf.core.fileio import names, open_atomic
from tahaluf.core.model import Document
from tahaluf.core.signatures import Documents, DocumentsHasher
from tahaluf.core.version import __version__

FORMAT = "tahaluf reference cache v2"
_LEN = struct.Struct("<Q")


def enabled() -> bool:
    return os.environ.get("TAHALUF_CACHE", "").lower() not in ("off", "0", "no")


def _file_sha(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _inputs(folder: Path) -> Iterator[Path]:
    """The files the key covers, in its order: ``folder/*.json`` and ``seeds/*.txt`` each sorted by
    name (as ``sorted(folder.glob(...))`` orders them), then the metadata and the registry; the
    names are listed, not a ``Path`` per file of a large corpus."""
    for d, suffix in ((folder, ".json"), (paths.seeds_dir(), ".txt")):
        yield from (d / n for n in names(d, suffix))
    yield paths.seeds_dir() / "metadata.json"
    yield paths.speakers_file()


def key(folder: Path, schema) -> str:
    """The cache key of the reference read from annotation folder ``folder``."""
    root = paths.root()
    h = hashlib.sha256(f"{FORMAT}\n{__version__}\n{schema!r}\n".encode())
    for p in _inputs(Path(folder)):
        if p.is_file():
            rel = p.resolve().relative_to(root) if p.resolve().is_relative_to(root) else p.resolve()
            h.update(f"{rel}\t{_file_sha(p)}\n".encode())
    return h.hexdigest()


def _path(k: str) -> Path:
    return paths.root() / ".cache" / "reference" / f"{k}.pickle"


class StoredDocuments(Sequence):
    """The documents of a cache file, read one at a time (see the module docstring)."""

    def __init__(self, path: Path, header: dict, body: int) -> None:
        self._path = path
        self.ids: list[str] = list(header["ids"])
        self._offsets = np.asarray(header["offsets"], dtype=np.int64)  # 8 bytes an article, not a list of ints
        self._body = body
        self._hash: str = header["documents_hash"]
        self._pos = {d: i for i, d in enumerate(self.ids)}

    @property
    def positions(self) -> Mapping[str, int]:
        """doc id -> its position (read-only use: the index itself, not a copy)."""
        return self._pos

    def known_hash(self) -> str:
        return self._hash

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        with open(self._path, "rb") as fh:
            fh.seek(self._body + int(self._offsets[i]))
            return pickle.load(fh)  # noqa: S301 - our own cache file, keyed by content

    def __iter__(self) -> Iterator[Document]:
        with open(self._path, "rb") as fh:
            fh.seek(self._body)
            for _ in self.ids:
                yield pickle.load(fh)  # noqa: S301

    def by_id(self, doc_id: str) -> Document:
        """The document ``doc_id`` (``KeyError`` if there is none)."""
        return self[self._pos[doc_id]]


def _header(k: str) -> tuple[Path, dict, int] | None:
    p = _path(k)
    if not enabled() or not p.is_file():
        return None
    try:
        with open(p, "rb") as fh:
            (n,) = _LEN.unpack(fh.read(_LEN.size))
            header = pickle.loads(fh.read(n))  # noqa: S301 - our own cache file, keyed by content
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, struct.error):
        return None
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != k:
        return None
    return p, header, _LEN.size + n


def open_documents(k: str) -> tuple[StoredDocuments, str] | None:
    """The cached ``(documents, source name)`` under key ``k`` as a :class:`StoredDocuments`, or ``None``."""
    got = _header(k)
    if got is None:
        return None
    p, header, body = got
    return StoredDocuments(p, header, body), header["source"]


def load(k: str) -> tuple[Documents, str] | None:
    """The cached ``(documents, source name)`` under key ``k``, or ``None``."""
    got = open_documents(k)
    if got is None:
        return None
    stored, source = got
    try:
        docs = list(stored)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    return Documents(docs, stored.known_hash()), source


def store(k: str, docs: Iterable[Document], source: str) -> str:
    """Keep ``docs`` under key ``k`` and return their documents hash, consuming them as they
    come: each document is pickled to a spool file and hashed
    (:class:`tahaluf.core.signatures.DocumentsHasher`), and only its id and offset are
    kept; at the end the header and the spooled documents are written to the cache file
    atomically (:func:`tahaluf.core.fileio.open_atomic`). If the documents raise (an
    invalid reference), or writing fails (``OSError``), it raises and no cache file is
    left. The cache must be on (:func:`enabled`)."""
    path = _path(k)
    path.parent.mkdir(parents=True, exist_ok=True)
    hasher, ids, offsets = DocumentsHasher(), [], []
    with tempfile.TemporaryFile(dir=path.parent) as spool:  # unnamed on Linux: nothing is left if killed
        for d in docs:
            ids.append(d.doc_id)
            offsets.append(spool.tell())
            pickle.dump(d, spool, protocol=pickle.HIGHEST_PROTOCOL)
            hasher.add(d)
        digest = hasher.hexdigest()
        header = pickle.dumps({"format": FORMAT, "key": k, "source": source, "documents_hash": digest,
                               "ids": ids, "offsets": offsets}, protocol=pickle.HIGHEST_PROTOCOL)
        spool.seek(0)
        with open_atomic(path) as fh:
            fh.write(_LEN.pack(len(header)) + header)
            shutil.copyfileobj(spool, fh, 1 << 20)
    return digest
