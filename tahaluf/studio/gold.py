"""What a pull into the gold writes besides the gold files, in the same all-or-nothing write.

* **New speakers** (:attr:`tahaluf.studio.sync.Pulled.new_speakers`, entered
  on the page as :mod:`tahaluf.formats.labelstudio_speakers` describes) are
  appended to ``annotation/speakers.json``; the records already there stay
  byte for byte, and the grown registry is checked by the registry's own rules
  (:func:`tahaluf.core.speakers.check_registry`) before anything is written.
* ``annotation/labeling_config.xml`` is regenerated from the grown registry,
  so the speaker list has the new speakers; the next ``tahaluf studio push``
  updates the project's config in place.
* **Pending articles** (``"annotation": "pending"`` in ``seeds/metadata.json``,
  set by ``tahaluf add-article``) whose annotation is pulled are un-marked:
  the key is removed, and the article is part of the gold like any other
  (``tahaluf validate`` now requires its gold file).

:func:`tahaluf.studio.sync.write_outputs` writes these with the gold files;
the CLI calls it only when the pull has no finding, so a refused pull writes
none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from tahaluf import seeds
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import dumps, read_json
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.speakers import check_registry
from tahaluf.formats.labelconfig import labeling_config


def registry_with(new: Mapping[str, Speaker]) -> tuple[list, dict[str, Speaker]]:
    """The registry's JSON with ``new`` appended, and the grown registry (refused if invalid)."""
    path = paths.speakers_file()
    data = read_json(path) if path.exists() else []
    grown = [*data, *(s.to_dict() for s in new.values())]
    speakers, found = check_registry(grown, f"{path} (with the new speakers)")
    if found:
        raise TahalufError("the new speakers would make the speaker registry invalid; nothing written", found)
    return grown, speakers


def pending_pulled(docs: Iterable[Document]) -> tuple[dict | None, list[str]]:
    """``seeds/metadata.json`` with the pulled pending articles un-marked (``None``
    if none is pending), and their ids."""
    pulled = {d.doc_id for d in docs}
    meta = read_json(seeds.metadata_path())
    done = [r["doc_id"] for r in meta["documents"] if r.get("annotation") == seeds.PENDING and r["doc_id"] in pulled]
    if not done:
        return None, []
    records = [{k: v for k, v in r.items() if k != "annotation"} if r["doc_id"] in done else r
               for r in meta["documents"]]
    return {**meta, "documents": records}, done


def gold_extras(docs: Iterable[Document], new_speakers: Mapping[str, Speaker], *,
                schema: Schema = SCHEMA) -> tuple[dict[Path, str], list[str]]:
    """The files besides the gold that a pull of ``docs`` into the gold
    changes (see the module docstring), and the un-marked pending articles."""
    out: dict[Path, str] = {}
    if new_speakers:
        grown, speakers = registry_with(new_speakers)
        out[paths.speakers_file()] = dumps(grown)
        out[paths.annotation_dir() / "labeling_config.xml"] = labeling_config(schema, speakers)
    meta, done = pending_pulled(docs)
    if meta is not None:
        out[seeds.metadata_path()] = dumps(meta)
    return out, done
