"""The schema as data: ``annotation/schema.json`` and the commands that extend it.

Each command runs in a subprocess over a copy of the repository's data
(``$TAHALUF_ROOT``), so the schema is loaded from the copy as a user's
``tahaluf`` would load it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import dumps, read_json
from tahaluf.core.schema import SCHEMA, schema_from_json, schema_to_json
from tahaluf.corpus import SPLITS
from tahaluf.formats.labelstudio import labeling_config

REPO = paths.root()


def test_the_schema_file_is_what_the_package_uses_and_round_trips():
    data = read_json(paths.schema_file())
    assert schema_from_json(data) == SCHEMA
    assert dumps(schema_to_json(SCHEMA)) == paths.schema_file().read_text(encoding="utf-8")
    assert SPLITS == SCHEMA.split_map and set(SPLITS) == {"train", "validation", "test"}
    for t in SCHEMA.stance_targets:
        assert t.description and t.description_ar and set(dict(t.definitions)) == set(SCHEMA.stance_labels)


@pytest.mark.parametrize("edit, fid", [
    (lambda d: d["targets"].append(dict(d["targets"][0])), "duplicate-id"),
    (lambda d: d["targets"][1]["definitions"].pop("NONE"), "malformed-file"),
    (lambda d: d["targets"][0].update(description_ar=""), "malformed-file"),
    (lambda d: d["splits"]["test"].append(d["splits"]["train"][0]), "duplicate-id"),
    (lambda d: d["entity_types"].append({"name": "weapon"}), "malformed-file"),
])
def test_an_invalid_schema_file_is_refused_with_a_finding(edit, fid):
    data = json.loads(paths.schema_file().read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(TahalufError, match="the schema is invalid") as e:
        schema_from_json(data)
    assert [f.id for f in e.value.findings] == [fid]


@pytest.fixture
def repo(tmp_path):
    """A copy of the data the commands write (seeds/, annotation/); the rest linked."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("seeds", "annotation"):
        shutil.copytree(REPO / name, root / name)
    for name in ("baselines", "dataset"):
        (root / name).symlink_to(REPO / name)
    return root


def tahaluf(root: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TAHALUF_ROOT": str(root), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tahaluf", *argv], capture_output=True, text=True, check=False,
                          env=env, cwd=root, timeout=600)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for d in ("seeds", "annotation")
            for p in sorted((root / d).rglob("*")) if p.is_file()}


T4 = ["--description", "Iran's influence in Iraq is harmful", "--description-ar", "نفوذ إيران في العراق ضار",
      "--favor", "says Iran's influence harms Iraq", "--against", "says it helps Iraq", "--none", "no claim"]


def test_add_target_edits_the_schema_and_the_config_only(repo):
    before = snapshot(repo)
    r = tahaluf(repo, "schema", "add-target", *T4, "--dry-run")
    assert r.returncode == 0 and "target stance_t4 (optional)" in r.stdout and "would write" in r.stdout
    assert snapshot(repo) == before
    r = tahaluf(repo, "schema", "add-target", *T4)
    assert r.returncode == 0, r.stderr
    after = snapshot(repo)
    assert {k for k in after if after[k] != before.get(k)} == {"annotation/schema.json",
                                                               "annotation/labeling_config.xml"}
    new = schema_from_json(json.loads(after["annotation/schema.json"]))
    t = new.target("stance_t4")
    assert not t.required and t.description_ar == "نفوذ إيران في العراق ضار"
    assert new.stance_targets[:3] == SCHEMA.stance_targets  # append-only
    assert after["annotation/labeling_config.xml"].decode() == labeling_config(new)
    assert 'name="stance_t4"' in after["annotation/labeling_config.xml"].decode()
    r = tahaluf(repo, "validate")
    assert r.returncode == 0, r.stdout + r.stderr
    r = tahaluf(repo, "schema", "add-target", "--name", "stance_t4", *T4)
    assert r.returncode == 1 and "already in annotation/schema.json" in r.stderr
    assert snapshot(repo) == after


def test_adding_a_target_leaves_every_t1_figure_unchanged(repo):
    assert tahaluf(repo, "schema", "add-target", *T4).returncode == 0
    for f in ("lodo.jsonl", "test.jsonl"):
        sub = str(REPO / "baselines" / "stance-tfidf-lr" / f)
        proto = ["--protocol", "lodo"] if f == "lodo.jsonl" else ["--split", "test"]
        old = tahaluf(REPO, "evaluate", sub, "--task", "stance", *proto, "--json")
        new = tahaluf(repo, "evaluate", sub, "--task", "stance", *proto, "--json")
        assert old.returncode == new.returncode == 0, new.stderr
        o, n = json.loads(old.stdout), json.loads(new.stdout)
        assert o["per_target"]["stance_t1"] == n["per_target"]["stance_t1"]


def test_add_entity_type_appends_and_refuses_a_repeat(repo):
    r = tahaluf(repo, "schema", "add-entity-type", "WEAPON", "--description", "a named weapon system")
    assert r.returncode == 0, r.stderr
    new = schema_from_json(read_json(repo / "annotation" / "schema.json"))
    assert new.entity_labels == SCHEMA.entity_labels + ("WEAPON",)
    assert '<Label value="WEAPON"' in (repo / "annotation" / "labeling_config.xml").read_text(encoding="utf-8")
    before = snapshot(repo)
    for argv, msg in ((["PER"], "already in"), (["weapon"], "upper-case ASCII")):
        r = tahaluf(repo, "schema", "add-entity-type", *argv, "--description", "x")
        assert r.returncode == 1 and msg in r.stderr
    assert snapshot(repo) == before
    assert tahaluf(repo, "validate").returncode == 0


ARTICLE = "عنوان الخبر التجريبي\nقال المتحدث إن التحالف باق في العراق.\n"


def test_add_article_adds_text_metadata_and_split_all_or_nothing(repo, tmp_path):
    art = tmp_path / "article.txt"
    art.write_bytes(ARTICLE.encode("utf-8"))
    before = snapshot(repo)
    r = tahaluf(repo, "add-article", str(art), "--split", "tset")
    assert r.returncode == 1 and "Did you mean 'test'" in r.stderr
    r = tahaluf(repo, "add-article", str(art), "--split", "train", "--headline", "not in the text")
    assert r.returncode == 1 and "is not in the text" in r.stderr
    assert snapshot(repo) == before
    r = tahaluf(repo, "add-article", str(art), "--split", "train", "--date", "2021-03-04", "--outlet", "X")
    assert r.returncode == 0, r.stderr
    after = snapshot(repo)
    changed = {k for k in after if after[k] != before.get(k)}
    doc_id = next(k for k in changed if k.startswith("seeds/") and k.endswith(".txt"))[len("seeds/"):-4]
    assert doc_id.startswith("005_")
    assert changed == {f"seeds/{doc_id}.txt", "seeds/metadata.json", "annotation/schema.json"}
    assert after[f"seeds/{doc_id}.txt"] == ARTICLE.encode("utf-8")
    rec = read_json(repo / "seeds" / "metadata.json")["documents"][-1]
    assert rec["doc_id"] == doc_id and rec["annotation"] == "pending" and rec["date"]["value"] == "2021-03-04"
    assert rec["headline"]["text"] == "عنوان الخبر التجريبي" and rec["outlet"] == "X"
    assert doc_id in read_json(repo / "annotation" / "schema.json")["splits"]["train"]
    r = tahaluf(repo, "validate")
    assert r.returncode == 0 and "pending annotation" in r.stdout and doc_id in r.stdout, r.stdout
    r = tahaluf(repo, "add-article", str(art), "--split", "test")
    assert r.returncode == 1 and f"already in the corpus as {doc_id}" in r.stderr


def test_a_missing_gold_file_names_the_document(repo):
    gold = min((repo / "annotation" / "gold").glob("*.json"))
    gold.unlink()
    r = tahaluf(repo, "validate")
    assert r.returncode == 1
    assert f"[missing-document] {gold.relative_to(repo)}" in r.stdout or f"{gold.stem}" in r.stdout, r.stdout
    assert f"article {gold.stem} must have exactly one gold annotation" in r.stdout


def test_the_add_article_example_runs_and_writes_nothing(repo):
    import shlex

    from tahaluf.commands.add_article import EXAMPLE
    (repo / "article.txt").write_text("first line\nقال المتحدث إن التحالف باق.\n", encoding="utf-8")
    before = snapshot(repo)
    r = tahaluf(repo, *shlex.split(EXAMPLE)[1:])
    assert r.returncode == 0 and "would write" in r.stdout, r.stderr
    assert snapshot(repo) == before


def test_the_packaged_schema_is_the_committed_one():
    """Outside a clone the package reads its copy of annotation/schema.json; it must be the same file."""
    from tahaluf.core import paths
    assert paths.packaged_schema_file().read_bytes() == (paths.root() / "annotation" / "schema.json").read_bytes(), \
        "tahaluf/templates/schema.json is stale: copy annotation/schema.json over it"
