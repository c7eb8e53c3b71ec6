"""The committed artefacts are there.

Tests that compare a committed output with a fresh one (the dataset, the
baselines, the gold's round trip, the benchmark table) must not pass by
finding nothing to compare. This file lists what the repository commits,
derived from the registries that declare it (seeds metadata, the dataset
card's data files, the baseline systems), and fails on anything missing.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tahaluf.baselines import SYSTEMS
from tahaluf.core import paths
from tahaluf.corpus import SPLITS


def _doc_ids() -> list[str]:
    meta = json.loads((paths.seeds_dir() / "metadata.json").read_bytes().decode("utf-8"))
    return [r["doc_id"] for r in meta["documents"]]


def _missing(paths_: list) -> list[str]:
    root = paths.root()
    return [str(p.relative_to(root)) for p in paths_ if not p.is_file()]


def test_every_article_has_its_seed_gold_and_both_passes():
    ann = paths.annotation_dir()
    want = []
    for d in _doc_ids():
        want += [paths.seeds_dir() / f"{d}.txt", paths.gold_dir() / f"{d}.json",
                 ann / "passes" / "pass_a" / f"{d}.json", ann / "passes" / "pass_b" / f"{d}.json"]
    want += [ann / name for name in ("guidelines.md", "speakers.json", "schema.json", "labeling_config.xml",
                                     "adjudication_log.json")]
    want += [ann / "passes" / f"{p}.notes.json" for p in ("pass_a", "pass_b")]
    assert _missing(want) == []
    assert sum(len(ids) for ids in SPLITS.values()) == len(_doc_ids())


def test_dataset_card_and_every_data_file_it_declares():
    card = paths.dataset_dir() / "README.md"
    assert card.is_file(), "dataset/ is not committed (run `tahaluf build`)"
    front = yaml.safe_load(card.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))
    files = [paths.dataset_dir() / f["path"] for c in front["configs"] for f in c["data_files"]]
    from tahaluf.dataset.configs import DATA_FILES
    assert {(c["config_name"], f["split"]) for c in front["configs"] for f in c["data_files"]} == set(DATA_FILES)
    assert _missing(files) == []


@pytest.mark.parametrize("system", [s.name for s in SYSTEMS])
def test_every_baseline_has_its_predictions_and_results(system):
    d = paths.baselines_dir() / system
    assert _missing([d / n for n in ("lodo.jsonl", "test.jsonl", "validation.jsonl", "results.json")]) == []


def test_leaderboard_and_plots():
    b = paths.baselines_dir()
    want = [b / "LEADERBOARD.md", b / "leaderboard.json"]
    want += [b / "plots" / f"{task}.png" for task in sorted({s.task for s in SYSTEMS})]
    assert _missing(want) == []


def test_benchmark_results_and_the_viewer_screenshot():
    root = paths.root()
    assert _missing([root / "benchmarks" / "results.json", root / "benchmarks" / "RESULTS.md",
                     root / "docs" / "screenshot-000.png"]) == []
