"""``dataset/croissant.json``: valid Croissant 1.1 (mlcroissant), records equal to the HF rows.

Regenerate with ``tahaluf build``. Both tests read the committed folder, with
the network cut off (offline environment variables, and a socket guard).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import mlcroissant as mlc  # the dev extra (pyproject.toml)
import pytest

from tahaluf import dataset as td
from tahaluf.core import paths
from tahaluf.dataset import about
from tahaluf.dataset.configs import CONFIGS, DATA_FILES, data_file, features, splits_of

mlc = pytest.importorskip("mlcroissant", reason="dev extra: pip install -e '.[dev]'")

CROISSANT = paths.dataset_dir() / "croissant.json"
RAI_REQUIRED = ("dataCollection", "dataAnnotationProtocol", "annotatorDemographics", "dataBiases",
                "dataLimitations", "dataUseCases", "personalSensitiveInformation", "dataReleaseMaintenancePlan")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise OSError("network access in an offline test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_croissant_validates_with_mlcroissant_cli():
    cli = Path(sys.executable).parent / "mlcroissant"  # the console script installed with the package
    r = subprocess.run([str(cli), "validate", "--jsonld", str(CROISSANT)], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert "error(s)" not in r.stderr and "Done." in r.stderr, r.stderr[-3000:]


def test_croissant_declares_every_config_split_file_and_the_rai_fields(no_network):
    doc = json.loads(CROISSANT.read_text(encoding="utf-8"))
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    files = {f["contentUrl"]: f for f in doc["distribution"]}
    import hashlib
    for c, s in DATA_FILES:
        p = data_file(c, s)
        assert files[p]["sha256"] == hashlib.sha256((paths.dataset_dir() / p).read_bytes()).hexdigest()
    assert [r["name"] for r in doc["recordSet"]] == [f"{c}_{s}" for c, s in DATA_FILES]
    assert "speakers_registry" in [r["name"] for r in doc["recordSet"]]
    for k in RAI_REQUIRED:
        assert doc[f"rai:{k}"], k
    assert "No human annotator" in doc["rai:annotatorDemographics"]
    assert doc["usageInfo"] == about.texts_status()
    assert td.data_files_hash() in doc["identifier"]
    ds = mlc.Dataset(jsonld=str(CROISSANT))  # raises on any validation error
    assert ds.metadata.name == "Tahaluf"


# -- records == load_dataset rows ----------------------------------------------

def _flat_hf(value, feat, path: str, out: dict) -> None:
    """Leaves of an HF row by path; a list of records becomes one list per leaf (columnar), an
    absent record its leaves as None, an empty list ``[]`` at the list's own path."""
    from datasets import ClassLabel, List, Sequence

    if isinstance(feat, dict):
        for k, f in feat.items():
            _flat_hf(None if value is None else value[k], f, f"{path}/{k}", out)
    elif isinstance(feat, (List, Sequence)) and isinstance(feat.feature, dict):
        if value is not None and len(value) == 0:
            out[path] = []
            return
        cols: dict = {}
        for item in value:
            one: dict = {}
            _flat_hf(item, feat.feature, path, one)
            for k, v in one.items():
                cols.setdefault(k, []).append(v)
        out.update(cols)
    elif isinstance(feat, (List, Sequence)):
        out[path] = [feat.feature.int2str(v) if isinstance(feat.feature, ClassLabel) else v for v in value]
    else:
        out[path] = feat.int2str(value) if isinstance(feat, ClassLabel) and value is not None else value


def _plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, (list, tuple)) or type(v).__name__ == "ndarray":
        return [_plain(x) for x in v]
    if type(v).__module__ == "numpy":
        return v.item()
    return v


def _flat_croissant(value, path: str, prefix: str, out: dict) -> None:
    """The same leaves of an mlcroissant record (keys are field ids ``<record set>/<a>/<b>``)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flat_croissant(v, k, prefix, out)
    elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        cols: dict = {}
        for item in value:
            for k, v in item.items():
                one: dict = {}
                _flat_croissant(v, k, prefix, one)
                for kk, vv in one.items():
                    cols.setdefault(kk, []).append(vv)
        out.update(cols)
    else:
        out[path[len(prefix):]] = _plain(value)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_croissant_records_equal_load_dataset_rows(config, tmp_path, no_network):
    from datasets import load_dataset

    ds = mlc.Dataset(jsonld=str(CROISSANT))
    feats = features(config)
    hf = load_dataset(str(paths.dataset_dir()), config, cache_dir=str(tmp_path / "hf"))
    for s in splits_of(config):
        rs = f"{config}_{s}"
        records = list(ds.records(record_set=rs))
        assert len(records) == len(hf[s]) > 0, rs
        for i, (rec, row) in enumerate(zip(records, hf[s])):
            got: dict = {}
            _flat_croissant(rec, "", rs, got)
            want: dict = {}
            _flat_hf(row, feats, "", want)
            assert got == want, f"{rs} row {i}: " + ", ".join(
                k for k in sorted(set(got) | set(want)) if got.get(k, "∅") != want.get(k, "∅"))[:500]


def test_croissant_row_comparison_can_fail():
    """The comparison sees a changed leaf inside a list of records (so the test above can fail)."""
    feats = features("documents")
    from datasets import load_dataset
    row = load_dataset(str(paths.dataset_dir()), "documents", split="validation")[0]
    a: dict = {}
    _flat_hf(row, feats, "", a)
    row["quotes"][1]["cue"]["start"] += 1
    b: dict = {}
    _flat_hf(row, feats, "", b)
    assert a != b
