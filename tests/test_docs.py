"""``tahaluf docs``: generated blocks are regenerated, and a stale or broken one is caught.

``tahaluf docs --check`` on the committed documents runs in ``test_cli.py``
(it is the subcommand's example); these tests show that the check can fail.
"""

from __future__ import annotations

import shutil

import pytest

from tahaluf.commands import docs
from tahaluf.core.errors import FINDING_IDS, TahalufError


def test_a_stale_block_is_regenerated_and_named():
    text = "intro\n<!-- BEGIN labels: table labels -->\nPER ORG (copied by hand)\n<!-- END labels -->\nend\n"
    new, changed = docs.regenerate(text, "T.md")
    assert changed == ["labels"]
    assert new.startswith("intro\n<!-- BEGIN labels: table labels -->\n| layer |") and new.endswith(
        "<!-- END labels -->\nend\n")
    assert "`PER`" in new and "`stance_t1`" in new
    assert docs.regenerate(new, "T.md") == (new, [])


@pytest.mark.parametrize("text, match", [
    ("<!-- BEGIN x: table lables -->\n<!-- END x -->\n", "Did you mean 'labels'"),
    ("<!-- BEGIN x: tabel labels -->\n<!-- END x -->\n", "unknown source"),
    ("<!-- BEGIN x: table labels -->\nno end\n", "no matching"),
    ("<!-- BEGIN x: table labels -->\n<!-- END y -->\n", "no matching"),
])
def test_a_broken_block_is_an_error(text, match):
    with pytest.raises(TahalufError, match=match):
        docs.regenerate(text, "T.md")


def test_every_table_is_used_and_every_document_exists():
    texts = [p.read_text(encoding="utf-8") for p in docs.documents()]
    for name in docs.TABLES:
        assert any(f": table {name} -->" in t for t in texts), name


def test_finding_ids_table_needs_a_fixture_per_id(tmp_path, monkeypatch, fixtures):
    shutil.copytree(fixtures, tmp_path / "tests" / "fixtures")
    monkeypatch.setenv("TAHALUF_ROOT", str(tmp_path))
    table = docs.finding_ids_table()
    assert all(f"| `{fid}` |" in table for fid in FINDING_IDS)
    assert "entity e5 includes the space before" in table  # the fixture's own reason
    (tmp_path / "tests" / "fixtures" / "quote-overlap.json").unlink()
    with pytest.raises(TahalufError, match="'quote-overlap' has no fixture"):
        docs.finding_ids_table()


def test_levels_follow_imports_and_mark_cycles():
    graph = {
        "tahaluf.core.x": ("", set()),
        "tahaluf.a": ("", {"tahaluf.core.x", "tahaluf.b"}),
        "tahaluf.b": ("", {"tahaluf.a"}),
        "tahaluf.c": ("", {"tahaluf.core.x"}),
        "tahaluf.d": ("", {"tahaluf.c", "tahaluf.a"}),
        "tahaluf.cli": ("", {"tahaluf.d"}),
    }
    assert docs.levels(graph) == {"tahaluf.core.x": "core", "tahaluf.a": "1 (cycle)", "tahaluf.b": "1 (cycle)",
                                  "tahaluf.c": "1", "tahaluf.d": "2", "tahaluf.cli": "commands"}


def test_import_graph_sees_function_level_imports_and_parent_packages(tmp_path):
    pkg = tmp_path / "tahaluf"
    files = {
        "__init__.py": '"""The root."""\n',
        "core/__init__.py": "",
        "core/x.py": '"""X. More."""\n',
        "feat/__init__.py": "from tahaluf.core import x\n",
        "feat/sub.py": "from tahaluf.feat import other\n",
        "feat/other.py": "",
        "user.py": '"""Uses sub.\n\nDetails."""\nfrom tahaluf.feat.sub import thing\n\n\n'
                   'def later():\n    import tahaluf.lazy\n',
        "lazy.py": "",
    }
    for name, body in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(body)
    g = docs.import_graph(pkg)
    assert g["tahaluf.user"] == ("Uses sub", {"tahaluf.feat.sub", "tahaluf.feat", "tahaluf.lazy"})
    assert g["tahaluf.feat.sub"][1] == {"tahaluf.feat.other"}  # its own package's __init__ is not counted
    assert g["tahaluf.feat"][1] == {"tahaluf.core", "tahaluf.core.x"} and g["tahaluf.core.x"][0] == "X"
    assert docs.levels(g)["tahaluf.user"] == "3"  # user -> feat -> ... ; feat.sub -> feat.other
