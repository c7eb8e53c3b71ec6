"""The card is Hub-ready, the licence and citation files agree with it, offline.

The Hub's controlled vocabularies are vendored in ``tests/data/hub_vocabulary.json``
(its ``_sources`` names the file and commit each list was taken from), the
Citation File Format 1.2.0 schema in ``tests/data/citation-file-format-1.2.0.schema.json``
(from the cffconvert 2.0.0 wheel, ``cffconvert/schemas/1.2.0/schema.json``).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from huggingface_hub import DatasetCard, DatasetCardData

from tahaluf.core import paths
from tahaluf.core.version import __version__
from tahaluf.dataset import about, data_files_hash

DATA = Path(__file__).resolve().parent / "data"
VOCAB = json.loads((DATA / "hub_vocabulary.json").read_text(encoding="utf-8"))
CARD = paths.dataset_dir() / "README.md"


@pytest.fixture(scope="module")
def card() -> DatasetCard:
    return DatasetCard.load(CARD)  # a local path: no network


def test_card_parses_with_huggingface_hub_and_its_controlled_fields_are_hub_values(card):
    data = card.data
    assert isinstance(data, DatasetCardData)
    assert data.license in VOCAB["licenses"]
    assert data.license == "other" and data.license_name and re.fullmatch(r"[a-z0-9.-]+", data.license_name)
    link = data.license_link
    assert link.startswith("https://") or (paths.dataset_dir() / link).is_file(), link
    for t in data.task_categories:
        assert t in VOCAB["task_categories"], t
    allowed_ids = {i for t in data.task_categories for i in VOCAB["task_categories"][t]}
    for i in data.task_ids:
        assert i in allowed_ids, i
    assert data.size_categories and all(s in VOCAB["size_categories"] for s in data.size_categories)
    n_max = max(sum(s["num_examples"] for s in c["splits"]) for c in data.dataset_info)
    assert data.size_categories == ["n<1K"] and n_max < 1000
    assert "quotation-attribution" in data.tags  # no Hub task for it: said with a tag
    assert data.pretty_name == about.NAME and data.language == ["ar"]


def test_vocabulary_check_can_fail():
    assert "quotation-attribution" not in VOCAB["task_categories"]
    assert "cc-by-4.0-texts" not in VOCAB["licenses"]


def test_card_links_stay_inside_the_folder_or_are_absolute(card):
    targets = re.findall(r"\]\(([^)\s]+)\)", card.text)
    assert targets
    for t in targets:
        if t.startswith(("https://", "http://", "#")):
            continue
        assert ".." not in t and (paths.dataset_dir() / t.split("#")[0]).is_file(), t


def test_card_citation_names_the_author_as_it_is_and_the_data_files_hash(card):
    bib = re.search(r"```bibtex\n(.*?)```", card.text, re.S).group(1)
    assert "author = {{The Tahaluf project}}" in bib and "AI model agents" in bib
    assert f"data files hash {data_files_hash()}" in bib and f"Version {__version__}" in bib


def test_licence_files_agree_with_pyproject_and_the_card(card):
    root = paths.root()
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"]["text"].startswith("Code: MIT; annotations: CC BY 4.0")
    assert (root / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    ann = (root / "LICENSE-ANNOTATIONS").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in ann
    folder_licence = (paths.dataset_dir() / card.data.license_link).read_text(encoding="utf-8")
    assert ann in folder_licence and about.texts_status() in folder_licence


def test_texts_status_is_stated_once_and_quoted_by_card_datasheet_and_croissant(card):
    status = about.texts_status()
    assert "take-down" in status.lower() and "not been confirmed" in status
    flat = " ".join(re.sub(r"(?m)^> ?", "", card.text).split())  # the card quotes it as a block quote
    assert " ".join(status.split()) in flat
    datasheet = " ".join((paths.root() / "DATASHEET.md").read_text(encoding="utf-8").split())
    assert " ".join(status.split()) in datasheet
    croissant = json.loads((paths.dataset_dir() / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["usageInfo"] == status


def test_citation_cff_is_valid_and_agrees_with_pyproject_and_the_card():
    root = paths.root()
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads((DATA / "citation-file-format-1.2.0.schema.json").read_text(encoding="utf-8"))
    cff_json = json.loads(json.dumps(cff, default=str))  # dates as ISO strings, as cffconvert reads them
    jsonschema.validate(cff_json, schema)
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(cff["version"]) == project["version"] == __version__
    assert cff["title"] == about.TITLE
    assert cff["authors"] == [{"name": about.AUTHOR}]
    assert cff["license"] == "CC-BY-4.0"


def test_cff_schema_check_can_fail():
    schema = json.loads((DATA / "citation-file-format-1.2.0.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"cff-version": "1.2.0", "title": "x", "message": "m"}, schema)  # no authors
