"""The kill test in CI: a few SIGKILLs of `tahaluf build` and `tahaluf baselines` leave the old tree or the new one.

``python benchmarks/kill.py`` runs the full test (30 kills per command); here
3 kills each, seeded, with one quick baseline so the run stays short.
"""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT


def _kill():
    spec = importlib.util.spec_from_file_location("tahaluf_bench_kill", ROOT / "benchmarks" / "kill.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("command,extra", [("build", []), ("baselines", ["--system", "stance-majority"])])
def test_kills_leave_old_or_new(command, extra):
    r = _kill().kill_test(command, 3, 14, extra, log=lambda *_: None)
    assert r["bad"] == 0, r["failures"]
    assert r["old"] + r["new"] == 3


def test_the_check_sees_a_partial_tree(tmp_path):
    kill = _kill()
    (tmp_path / "dataset").mkdir()
    (tmp_path / ".dataset.build.x").mkdir()
    (tmp_path / "dataset" / ".README.md.tahaluf-tmp.tmp").write_text("x")
    assert sorted(kill.leftovers(tmp_path, "dataset")) == [".dataset.build.x", "dataset/.README.md.tahaluf-tmp.tmp"]
