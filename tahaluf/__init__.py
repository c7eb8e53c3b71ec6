"""Tahaluf: an annotated Arabic benchmark for named entities, quotation
attribution and stance towards the coalition presence in Iraq.

The version comes from the installed package metadata only.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tahaluf")
except PackageNotFoundError:  # pragma: no cover - running from a tree that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str):
    # lazy, so that importing tahaluf does not import `datasets`
    if name in ("load", "data_hash"):
        from tahaluf import dataset
        return getattr(dataset, name)
    raise AttributeError(f"module 'tahaluf' has no attribute {name!r}")
