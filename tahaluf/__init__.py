"""Tahaluf: an annotated Arabic benchmark for named entities, quotation
attribution and stance towards the coalition presence in Iraq.

The version comes from the installed package metadata only.
"""

from __future__ import annotations

from tahaluf.core.version import __version__

__all__ = ["__version__", "load", "data_files_hash"]


def __getattr__(name: str):
    # lazy, so that importing tahaluf does not import `datasets`
    if name in ("load", "data_files_hash"):
        from tahaluf import dataset
        return getattr(dataset, name)
    raise AttributeError(f"module 'tahaluf' has no attribute {name!r}")
