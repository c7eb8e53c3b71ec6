"""``tahaluf build``: rows to files, atomically; the data files hash; ``--check``.

Determinism and atomicity
    :func:`build` makes the rows (:func:`tahaluf.dataset.rows.build_rows`),
    writes each config's split as JSON Lines
    (:func:`tahaluf.core.jsonio.jsonl_bytes`: UTF-8, Arabic as is, keys in
    the declared order), then renders the card from those files
    (:func:`tahaluf.dataset.card.render_card`). Two builds give
    byte-identical files. The folder is assembled in a staging folder and
    swapped in whole (:func:`tahaluf.core.fileio.atomic_dir`), so a failed
    build leaves the previous ``dataset/`` as it was.

Data files hash
    :func:`data_files_hash` is the sha256 over the data files (their sha256 and path,
    in path order, as ``sha256sum`` prints them;
    :func:`tahaluf.core.signatures.data_files_hash`); the card, its citation and
    ``croissant.json`` record it. It identifies a build; a score's signature
    carries the documents hash instead (:func:`tahaluf.core.signatures.documents_hash`).

Check
    :func:`compare` lists how a fresh build differs from the committed
    folder (file added, missing, or changed from which line);
    ``tahaluf build --check`` fails if the list is not empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tahaluf import corpus
from tahaluf.core import paths, signatures
from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import atomic_dir
from tahaluf.core.jsonio import jsonl_bytes
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.dataset.card import LICENSE_FILE, licence_text, render_card
from tahaluf.dataset.configs import CONFIGS, DATA_DIR, DATA_PATTERN, SPLIT_NAMES, data_file
from tahaluf.dataset.croissant import CROISSANT_FILE, croissant, croissant_bytes
from tahaluf.dataset.rows import Built, EntityStats, Placement, build_rows


def data_files_hash(dataset_dir: str | Path | None = None, *, full: bool = False) -> str:
    """:func:`tahaluf.core.signatures.data_files_hash` of a built dataset (default
    ``dataset/``): sha256 over ``sha256sum``'s lines for ``data/*/*.jsonl`` in
    path order. The first 12 hex digits unless ``full``."""
    folder = Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()
    h = signatures.data_files_hash(folder, DATA_PATTERN, full=full)
    if h is None:
        raise TahalufError(f"{folder}: no built dataset here (no {DATA_DIR}/*/*.jsonl); run `tahaluf build`")
    return h


def write_dataset(folder: Path, built: Built, docs: list[Document], schema: Schema = SCHEMA) -> None:
    """Write the data files, the card and ``croissant.json`` into ``folder`` (a staging folder)."""
    sizes = {}
    for c in CONFIGS:
        for s in SPLIT_NAMES:
            p = folder / data_file(c, s)
            p.parent.mkdir(parents=True, exist_ok=True)
            b = jsonl_bytes(built.rows[c][s])
            p.write_bytes(b)
            sizes[data_file(c, s)] = len(b)
    sums = signatures.file_sums(folder, DATA_PATTERN)
    card = render_card(built, docs, schema, sums, sizes)
    (folder / "README.md").write_bytes(card.encode("utf-8"))
    (folder / LICENSE_FILE).write_bytes(licence_text().encode("utf-8"))
    rows_per = {(c, s): len(built.rows[c][s]) for c in CONFIGS for s in SPLIT_NAMES}
    doc = croissant(sums, rows_per, schema, signatures.sums_hash(sums)[:12], signatures.documents_hash(docs))
    (folder / CROISSANT_FILE).write_bytes(croissant_bytes(doc))


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` wrote: the folder, the source, the data files hash, rows per config and split,
    and what the BIO conversion had to do."""

    path: Path
    source: str
    data_hash: str
    counts: dict[str, dict[str, int]]
    entity_stats: EntityStats


def build(out_dir: str | Path | None = None, *, docs: list[Document] | None = None, source: str | None = None,
          speakers: Mapping[str, Speaker] | None = None, placements: Mapping[str, Placement] | None = None,
          schema: Schema = SCHEMA) -> BuildResult:
    """Build the dataset into ``out_dir`` (default ``dataset/``), atomically.

    ``docs`` defaults to :func:`tahaluf.corpus.source_documents` (gold if it
    exists, else pass A); tests pass modified documents.
    """
    out = Path(out_dir) if out_dir is not None else paths.dataset_dir()
    if docs is None:
        docs, source = corpus.source_documents()
    speakers = corpus.load_speakers() if speakers is None else speakers
    built = build_rows(list(docs), speakers, source=source or "custom", placements=placements, schema=schema)
    with atomic_dir(out) as staging:
        staging.chmod(0o755)  # mkdtemp makes it private; the dataset folder is not
        write_dataset(staging, built, list(docs), schema)
    counts = {c: {s: len(built.rows[c][s]) for s in SPLIT_NAMES} for c in CONFIGS}
    return BuildResult(out, built.source, data_files_hash(out), counts, built.entity_stats)


def compare(built_dir: Path, committed_dir: Path) -> list[str]:
    """Differences between two dataset folders (file added, missing or changed)."""
    def files(d: Path) -> dict[str, bytes]:
        return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()} \
            if d.is_dir() else {}
    a, b = files(built_dir), files(committed_dir)
    out = [f"{p}: missing from {committed_dir}" for p in a if p not in b]
    out += [f"{p}: in {committed_dir} but not built" for p in b if p not in a]
    for p in a:
        if p in b and a[p] != b[p]:
            la, lb = a[p].decode("utf-8").splitlines(), b[p].decode("utf-8").splitlines()
            n = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            out.append(f"{p}: differs from line {n + 1} (built {len(la)} lines, committed {len(lb)})")
    return out
