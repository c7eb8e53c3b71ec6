"""The baseline protocol: declared hyperparameters, ``fit(docs, registry)``, ``predict(doc)``.

Every baseline is a subclass of :class:`Baseline`:

``PARAMS``
    the hyperparameters the class accepts, with their defaults. The
    constructor takes exactly these as keyword arguments and refuses any other
    (a ``TahalufError`` naming it, with "Did you mean ...?"), so a typo in a
    configuration of :data:`tahaluf.baselines.SYSTEMS` fails the run instead of
    being recorded in ``results.json`` as if it had been used. The values in
    effect are :attr:`Baseline.params`.
``fit(docs, registry) -> self``
    trains on reference documents. ``registry`` is the speaker registry
    (``speaker id -> Speaker``, :func:`tahaluf.corpus.load_speakers`), loaded
    once by the runner and passed in: ``fit`` and ``predict`` read nothing from
    disk.
``predict(doc) -> record``
    one submission record (``{"doc_id": ..., "entities" | "quotes" | "stance":
    [...]}``, the format :mod:`tahaluf.scoring` reads) for one article. The
    article is a reference document; a model reads its text only, except the
    stance baselines, which classify the reference quotations (the stance task
    is defined on them).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tahaluf.core.errors import TahalufError, did_you_mean
from tahaluf.core.model import Document, Speaker


class Baseline(abc.ABC):
    """A baseline system (module docstring)."""

    #: the task the system predicts: ``entities``, ``quotes`` or ``stance``
    task: ClassVar[str]
    #: hyperparameter -> default: the only keyword arguments of the constructor
    PARAMS: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        for name in params:
            if name not in self.PARAMS:
                accepted = did_you_mean(name, self.PARAMS) if self.PARAMS else "It takes none."
                raise TahalufError(f"{type(self).__module__}.{type(self).__name__}: unknown hyperparameter "
                                   f"{name!r}. {accepted}")
        #: the hyperparameters in effect: the defaults, updated with those given
        self.params: dict[str, Any] = {**self.PARAMS, **params}

    @abc.abstractmethod
    def fit(self, docs: Sequence[Document], registry: Mapping[str, Speaker]) -> Baseline:
        """Train on ``docs``; return ``self``."""

    @abc.abstractmethod
    def predict(self, doc: Document) -> dict:
        """The submission record of ``doc``."""
