"""The reference written as a submission: a check of the scorer and an example of the format.

:func:`gold_submission` writes the records that a perfect system would
submit (every task scores 1.0 on them); with ``bio=True`` the entities are
BIO tags over the dataset's rows (the kept rows of
:func:`tahaluf.core.tagging.doc_tokens`, tags by :func:`tahaluf.core.tagging.tags_of`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tahaluf.core.model import Document
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.core.tagging import doc_tokens, tags_of


def gold_submission(docs: Sequence[Document], task: str, *, bio: bool = False,
                    schema: Schema = SCHEMA) -> list[dict]:
    """One record per document of ``docs`` for ``task``, copied from the reference."""
    out = []
    for d in docs:
        rec: dict = {"doc_id": d.doc_id}
        if task == "entities" and bio:
            dt = doc_tokens(d)
            tags, _ = tags_of(dt.starts, dt.ends, d.entities, schema)
            rows = dt.kept_rows()
            rec["tokens"] = [list(dt.texts[a:b]) for a, b in rows]
            rec["ner_tags"] = [tags[a:b] for a, b in rows]
        elif task == "entities":
            rec["entities"] = [{"start": e.start, "end": e.end, "label": e.label} for e in d.entities]
        elif task == "quotes":
            rec["quotes"] = [{"start": q.span.start, "end": q.span.end, "quote_type": q.quote_type,
                              "speaker_id": q.speaker_id,
                              "cue": None if q.cue is None else {"start": q.cue.start, "end": q.cue.end},
                              "source": None if q.source is None else {"start": q.source.start,
                                                                       "end": q.source.end}}
                             for q in d.quotes]
        else:
            rec["stance"] = [{"quote_id": q.quote_id, "target": t, "label": v}
                             for q in d.quotes for t, v in q.stance.items()]
        out.append(rec)
    return out
