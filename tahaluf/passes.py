"""Import annotation passes written in the annotators' working format.

The annotators of the two passes wrote one JSON file per document
(``{"doc_id", "annotator", "entities": [...], "quotes": [{..., "stance_t1"}],
"doc_stance_t1", "speakers", "notes"}``). This module turns such a file into a
:class:`~tahaluf.core.model.Document` (spans re-checked against the seed text) and
writes it as a Label Studio task, the storage format of every pass and of the
gold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from tahaluf.core.fileio import write_atomic
from tahaluf.core.jsonio import dumps
from tahaluf.core.model import Document, Quote, Span
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.formats.labelstudio import to_task
from tahaluf.seeds import load_document


def working_to_document(d: Mapping[str, Any], *, schema: Schema = SCHEMA) -> Document:
    base = load_document(d["doc_id"])

    def opt(x: Mapping | None, label: str) -> Span | None:
        return None if x is None else Span(x["start"], x["end"], label, x["text"])

    quotes = tuple(
        Quote(q["quote_id"], Span(q["start"], q["end"], "QUOTE", q["text"]), q["quote_type"],
              q.get("speaker_id"), opt(q.get("cue"), "CUE"), opt(q.get("source"), "SOURCE"),
              {t: q[t] for t in schema.target_names if t in q})
        for q in d["quotes"])
    return Document(base.doc_id, base.text, base.metadata,
                    tuple(Span(e["start"], e["end"], e["label"], e["text"]) for e in d["entities"]),
                    quotes, {t: d[f"doc_{t}"] for t in schema.target_names if f"doc_{t}" in d},
                    d.get("annotator"))


def import_working_file(src: Path, out_dir: Path) -> Path:
    d = json.loads(Path(src).read_bytes().decode("utf-8"))
    doc = working_to_document(d)
    out = Path(out_dir) / f"{doc.doc_id}.json"
    write_atomic(out, dumps([to_task(doc)]))
    return out
