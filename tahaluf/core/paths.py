"""Where the corpus lives.

The package is used from a clone of the repository (``pip install -e .``);
the repository root is the folder above the package, or ``$TAHALUF_ROOT``.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    env = os.environ.get("TAHALUF_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2]


def seeds_dir() -> Path:
    return root() / "seeds"


def annotation_dir() -> Path:
    return root() / "annotation"


def gold_dir() -> Path:
    return annotation_dir() / "gold"


def speakers_file() -> Path:
    return annotation_dir() / "speakers.json"


def dataset_dir() -> Path:
    return root() / "dataset"


def baselines_dir() -> Path:
    return root() / "baselines"


def schema_file() -> Path:
    return annotation_dir() / "schema.json"


def packaged_schema_file() -> Path:
    """The copy of ``annotation/schema.json`` shipped in the package, read where there is
    no clone (a plain ``pip install``); ``tahaluf schema`` keeps it identical and a test checks it."""
    return Path(__file__).resolve().parents[1] / "templates" / "schema.json"
