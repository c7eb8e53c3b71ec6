"""The reference cache: validated documents kept on disk, keyed by the files they come from.

Loading the reference (:func:`tahaluf.corpus.source_documents`) reads every
annotation file, converts and validates it, and the score's signature needs
the documents hash (:func:`tahaluf.core.signatures.documents_hash`) of the
result; on a large corpus that is most of what scoring costs. The first load
stores the documents and their hash in
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
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from tahaluf.core import paths
from tahaluf.core.fileio import write_atomic
from tahaluf.core.model import Document
from tahaluf.core.signatures import Documents
from tahaluf.core.version import __version__

FORMAT = "tahaluf reference cache v1"


def enabled() -> bool:
    return os.environ.get("TAHALUF_CACHE", "").lower() not in ("off", "0", "no")


def _file_sha(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def key(folder: Path, schema) -> str:
    """The cache key of the reference read from annotation folder ``folder``."""
    root = paths.root()
    files = sorted(Path(folder).glob("*.json")) + sorted(paths.seeds_dir().glob("*.txt"))
    files += [paths.seeds_dir() / "metadata.json", paths.speakers_file()]
    h = hashlib.sha256(f"{FORMAT}\n{__version__}\n{schema!r}\n".encode())
    for p in files:
        if p.is_file():
            rel = p.resolve().relative_to(root) if p.resolve().is_relative_to(root) else p.resolve()
            h.update(f"{rel}\t{_file_sha(p)}\n".encode())
    return h.hexdigest()


def _path(k: str) -> Path:
    return paths.root() / ".cache" / "reference" / f"{k}.pickle"


def load(k: str) -> tuple[Documents, str] | None:
    """The cached ``(documents, source name)`` under key ``k``, or ``None``."""
    p = _path(k)
    if not enabled() or not p.is_file():
        return None
    try:
        with open(p, "rb") as fh:
            data = pickle.load(fh)  # noqa: S301 - our own cache file, keyed by content
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != k:
        return None
    return Documents(data["documents"], data["documents_hash"]), data["source"]


def store(k: str, docs: list[Document], source: str, documents_hash: str) -> None:
    """Keep ``docs`` under key ``k`` (atomically; a failure to write only loses the cache)."""
    if not enabled():
        return
    data = {"format": FORMAT, "key": k, "source": source, "documents_hash": documents_hash,
            "documents": list(docs)}
    try:
        write_atomic(_path(k), pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
