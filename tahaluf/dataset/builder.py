"""``tahaluf build``: rows to files, atomically; the data hash; ``--check``.

Streaming, determinism and atomicity
    :func:`build` reads the annotated documents one at a time
    (:func:`tahaluf.corpus.iter_source_documents`), makes each one's rows
    (:class:`tahaluf.dataset.rows.RowMaker`) and appends them to its config's
    split as JSON Lines (:func:`tahaluf.core.jsonio.jsonl_bytes`: UTF-8, Arabic
    as is, keys in the declared order), while the card's statistics, the
    files' sha256 and the Arrow sizes are added up
    (:class:`tahaluf.dataset.card.CardStats`); no list of a corpus's rows or
    documents is held, so memory does not grow with the corpus. Then the card
    is rendered (:func:`tahaluf.dataset.card.render_card`). Two builds give
    byte-identical files. The folder is assembled in a staging folder and
    swapped in whole (:func:`tahaluf.core.fileio.atomic_dir`), so a failed
    build leaves the previous ``dataset/`` as it was.

Data hash
    :func:`data_files_hash` is the sha256 over the data files (their sha256 and path,
    in path order, as ``sha256sum`` prints them;
    :func:`tahaluf.core.signatures.data_files_hash`); the card records it, and a
    score's signature carries its first 12 hex digits.

Check
    :func:`compare` lists how a fresh build differs from the committed
    folder (file added, missing, or changed from which line);
    ``tahaluf build --check`` fails if the list is not empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tahaluf import corpus
from tahaluf.core import paths, signatures
from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import atomic_dir
from tahaluf.core.jsonio import jsonl_bytes
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.dataset.card import LICENSE_FILE, CardStats, licence_text, render_card
from tahaluf.dataset.configs import CONFIGS, DATA_DIR, DATA_FILES, DATA_PATTERN, REGISTRY_SPLIT, data_file, splits_of
from tahaluf.dataset.croissant import CROISSANT_FILE, croissant, croissant_bytes
from tahaluf.dataset.rows import EntityStats, Placement, RowMaker, placement_of, speaker_rows


def data_files_hash(dataset_dir: str | Path | None = None, *, full: bool = False) -> str:
    """:func:`tahaluf.core.signatures.data_files_hash` of a built dataset (default
    ``dataset/``): sha256 over ``sha256sum``'s lines for ``data/*/*.jsonl`` in
    path order. The first 12 hex digits unless ``full``."""
    folder = Path(dataset_dir) if dataset_dir is not None else paths.dataset_dir()
    h = signatures.data_files_hash(folder, DATA_PATTERN, full=full)
    if h is None:
        raise TahalufError(f"{folder}: no built dataset here (no {DATA_DIR}/*/*.jsonl); run `tahaluf build`")
    return h


def write_dataset(folder: Path, docs: Iterable[Document], speakers: Mapping[str, Speaker], *, source: str,
                  placements: Mapping[str, Placement] | None = None, schema: Schema = SCHEMA) -> CardStats:
    """Write the data files, the card, its LICENSE and ``croissant.json`` into ``folder`` (a staging folder),
    one document at a time: each document's rows are written to the end of
    their config's split file (so every file is in corpus order) and added to
    the card's statistics (:class:`tahaluf.dataset.card.CardStats`), then
    dropped; then the ``speakers`` registry, whole, in its one split. The files
    are hashed as they are written."""
    paths_ = {(c, s): data_file(c, s) for c, s in DATA_FILES}
    hashes = {k: hashlib.sha256() for k in paths_}
    sizes = dict.fromkeys(paths_.values(), 0)
    stats = CardStats(speakers, source, schema)
    maker = RowMaker(speakers, schema)
    with ExitStack() as stack:
        out = {}
        for k, rel in paths_.items():
            p = folder / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            out[k] = stack.enter_context(open(p, "wb", buffering=1 << 20))  # noqa: SIM115
        for d in docs:
            place = placement_of(d.doc_id, placements)
            rows, est = maker.rows(d, place)
            written = {}
            for c, rs in rows.items():
                k = (c, place.split)
                b = jsonl_bytes(rs)
                out[k].write(b)
                hashes[k].update(b)
                sizes[paths_[k]] += len(b)
                written[c] = len(b)
            stats.add(d, place, rows, est, written)
        k = ("speakers", REGISTRY_SPLIT)  # the registry: not split by article, written whole
        b = jsonl_bytes(reg := speaker_rows(speakers))
        out[k].write(b)
        hashes[k].update(b)
        sizes[paths_[k]] += len(b)
        stats.add_registry(k[0], reg, len(b))
    stats.finish()
    sums = sorted(((hashes[k].hexdigest(), rel, sizes[rel]) for k, rel in paths_.items()),
                  key=lambda x: PurePosixPath(x[1]))  # the order of signatures.file_sums
    card = render_card(stats, schema, sums, sizes)
    (folder / "README.md").write_bytes(card.encode("utf-8"))
    (folder / LICENSE_FILE).write_bytes(licence_text().encode("utf-8"))
    rows_per = {k: stats.rows[k] for k in DATA_FILES}
    doc = croissant(sums, rows_per, schema, signatures.sums_hash(sums)[:12], stats.hasher.hexdigest())
    (folder / CROISSANT_FILE).write_bytes(croissant_bytes(doc))
    return stats


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` wrote: the folder, the source, the data hash, rows per config and split,
    and what the BIO conversion had to do."""

    path: Path
    source: str
    data_hash: str
    counts: dict[str, dict[str, int]]
    entity_stats: EntityStats


def build(out_dir: str | Path | None = None, *, docs: Iterable[Document] | None = None, source: str | None = None,
          speakers: Mapping[str, Speaker] | None = None, placements: Mapping[str, Placement] | None = None,
          schema: Schema = SCHEMA) -> BuildResult:
    """Build the dataset into ``out_dir`` (default ``dataset/``), atomically.

    ``docs`` defaults to the stream :func:`tahaluf.corpus.iter_source_documents`
    (gold if it exists, else pass A); tests pass modified documents.
    """
    out = Path(out_dir) if out_dir is not None else paths.dataset_dir()
    if docs is None:
        docs, source = corpus.iter_source_documents(schema=schema)
    speakers = corpus.load_speakers() if speakers is None else speakers
    with atomic_dir(out) as staging:
        staging.chmod(0o755)  # mkdtemp makes it private; the dataset folder is not
        stats = write_dataset(staging, docs, speakers, source=source or "custom", placements=placements,
                              schema=schema)
    counts = {c: {s: stats.rows[c, s] for s in splits_of(c)} for c in CONFIGS}
    return BuildResult(out, stats.source, data_files_hash(out), counts, stats.entity_stats)


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
