"""Speaker ids of annotated documents mapped through the registry.

Each annotation pass wrote speaker ids as its annotator chose them. Before
documents are compared (:mod:`tahaluf.analysis.agreement`,
:mod:`tahaluf.analysis.disagreements`) or counted (:mod:`tahaluf.analysis.stats`),
every quotation's id is mapped through the registry ``annotation/speakers.json``
with its one alias policy, :func:`tahaluf.core.speakers.alias_table`: a registry
id maps to itself, an id listed in a record's ``aliases`` maps to that record's
id (pass B's ``noroza`` -> ``nawroza``), and a conflicting alias is refused. An
id in neither place is kept as written and listed in
:attr:`SpeakerMapping.unknown`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tahaluf.core.model import Document, Speaker
from tahaluf.core.speakers import alias_table


@dataclass(frozen=True)
class SpeakerMapping:
    """What :func:`map_speakers` did to one set of documents."""

    #: quotations whose speaker id was changed (alias -> registry id)
    mapped_quotes: int
    #: alias -> registry id, for the aliases met in these documents
    aliases: Mapping[str, str]
    #: ids in neither the registry nor any alias list (kept as written)
    unknown: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"mapped_quotes": self.mapped_quotes, "aliases": dict(sorted(self.aliases.items())),
                "unknown": list(self.unknown)}


def map_speakers(docs: Sequence[Document], speakers: Mapping[str, Speaker]) -> tuple[list[Document], SpeakerMapping]:
    """Copies of ``docs`` with every quotation's speaker id mapped to the registry id."""
    table = alias_table(speakers)
    n = 0
    used: dict[str, str] = {}
    unknown: set[str] = set()
    out = []
    for d in docs:
        qs = []
        for q in d.quotes:
            sid = q.speaker_id
            if sid is not None and sid in table and table[sid] != sid:
                n += 1
                used[sid] = table[sid]
                q = dataclasses.replace(q, speaker_id=table[sid])
            elif sid is not None and sid not in table:
                unknown.add(sid)
            qs.append(q)
        out.append(d.with_layers(quotes=tuple(qs)))
    return out, SpeakerMapping(n, used, tuple(sorted(unknown)))
