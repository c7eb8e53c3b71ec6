"""The annotation schema, declared as data.

Everything that names a label, a quote type or a stance target is read from a
:class:`Schema`: the validator, the Label Studio config generator, the
converters, the dataset builder and the scorer. Adding an entity type or a
stance target is one edit to :data:`SCHEMA` (plus a line in
``annotation/guidelines.md``'s change log); code that must try an extension
before it is committed (tests, an annotator's experiment) passes
``SCHEMA.extended(...)`` explicitly.

This is schema version 2 of ``../shared/annotation-spec.md`` (targets T2 and
T3 added; rules settled, see ``annotation/guidelines.md``'s change log).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

#: Region labels of the quotation layer (layer 2).
QUOTE_LABEL = "QUOTE"
CUE_LABEL = "CUE"
SOURCE_LABEL = "SOURCE"
QUOTE_REGION_LABELS: tuple[str, ...] = (QUOTE_LABEL, CUE_LABEL, SOURCE_LABEL)

#: Relation labels: SOURCE -> QUOTE is ``said``, CUE -> QUOTE is ``cue_of``.
RELATION_SAID = "said"
RELATION_CUE_OF = "cue_of"
RELATION_LABELS: tuple[str, ...] = (RELATION_SAID, RELATION_CUE_OF)

#: A stance target's name: ``stance_t1``, ``stance_t2`` ...
STANCE_TARGET_RE = re.compile(r"stance_t[1-9][0-9]*")

#: One-letter proclitics that stay outside entity and cue spans.
PROCLITICS = "وفبلك"


@dataclass(frozen=True)
class StanceTarget:
    """A stance target: its name (``stance_t1``) and what it is."""

    name: str
    description: str
    #: the target's wording in Arabic, as the schema states it
    description_ar: str = ""
    #: Required targets are labelled on every quotation and document; optional
    #: ones may be missing while they are being added.
    required: bool = True


@dataclass(frozen=True)
class Schema:
    """Labels and targets of the three annotation layers."""

    version: int = 2
    #: Entity types (layer 1), in the order used for tag ids.
    entity_labels: tuple[str, ...] = (
        "PER", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE", "MONEY",
    )
    quote_types: tuple[str, ...] = ("direct", "indirect", "mixed")
    #: Stance labels (layer 3), SemEval-2016 Task 6 convention.
    stance_labels: tuple[str, ...] = ("FAVOR", "AGAINST", "NONE")
    stance_targets: tuple[StanceTarget, ...] = field(default_factory=lambda: (
        StanceTarget(
            "stance_t1",
            "the continued presence of the international coalition's and US "
            "military forces in Iraq",
            "استمرار وجود قوات التحالف الدولي والقوات الأميركية في العراق",
        ),
        StanceTarget(
            "stance_t2",
            "ISIS still poses a serious threat in Iraq",
            "لا يزال تنظيم داعش يشكّل تهديداً خطيراً في العراق",
        ),
        StanceTarget(
            "stance_t3",
            "Iraq's security forces, the Peshmerga included, can now fight ISIS and keep Iraq "
            "secure by themselves, without depending on the coalition's support",
            "أصبحت القوات الأمنية العراقية، ومنها البيشمركة، قادرة على مواجهة داعش وحفظ الأمن "
            "بنفسها دون الاعتماد على دعم التحالف",
        ),
    ))

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.stance_targets)

    @property
    def required_targets(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.stance_targets if t.required)

    def extended(self, *, entity_labels: tuple[str, ...] = (),
                 stance_targets: tuple[StanceTarget, ...] = ()) -> "Schema":
        """A copy with more entity labels and/or stance targets."""
        for t in stance_targets:
            if not STANCE_TARGET_RE.fullmatch(t.name):
                raise ValueError(f"stance target {t.name!r} must match {STANCE_TARGET_RE.pattern}")
        return dataclasses.replace(
            self,
            entity_labels=self.entity_labels + tuple(entity_labels),
            stance_targets=self.stance_targets + tuple(stance_targets),
        )


#: The schema of the committed gold.
SCHEMA = Schema()
