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

import hashlib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.ids import child, id_finding
from tahaluf.core.jsonio import read_json
from tahaluf.core.model import Document


def read_text(path: str | Path) -> str:
    """Decode a UTF-8 file exactly (no newline translation, no BOM stripping)."""
    return Path(path).read_bytes().decode("utf-8")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        raise TahalufError(f"{p}: cannot read the seeds metadata: {e}") from e
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


def doc_ids(seeds_dir: Path | None = None) -> list[str]:
    return list(load_metadata(seeds_dir))


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
    return {d: i for i, d in enumerate(_parse_metadata(path, size, mtime_ns))}


def seed_findings(seeds_dir: Path | None = None) -> list[Finding]:
    """Every stored text has the sha256 its metadata records; no stray files."""
    sd = seeds_dir or paths.seeds_dir()
    meta = load_metadata(sd)
    out: list[Finding] = []
    for doc_id, rec in meta.items():
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
    for p in sorted(sd.glob("*.txt")):
        if p.stem not in meta:
            out.append(Finding("unknown-document", "an article file has no metadata record",
                               p.name, got=p.stem, expected=sorted(meta)))
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


def load_corpus(seeds_dir: Path | None = None) -> list[Document]:
    return [load_document(d, seeds_dir) for d in doc_ids(seeds_dir)]


def boilerplate_ranges(doc: Document) -> list[tuple[int, int]]:
    return [(b["start"], b["end"]) for b in doc.metadata.get("boilerplate", [])]
