"""Tahaluf: an annotated Arabic benchmark for named entities, quotation
attribution and stance (the coalition against ISIS in Iraq, 2020-2021).

The package root holds only the version (from the installed package metadata).
The layers below it are described in ``docs/architecture.md``: ``tahaluf.core``
(the primitives), the features built on them (``tahaluf.corpus``,
``tahaluf.dataset``, ``tahaluf.scoring`` ...), and the command line
(``tahaluf.cli``). Load the dataset with ``tahaluf.dataset.load``.
"""

from __future__ import annotations

from tahaluf.core.version import __version__

__all__ = ["__version__"]
