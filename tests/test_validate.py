"""Every finding id has a fixture that opens with why it is invalid, and yields that id."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import FIXTURES

from tahaluf.core.errors import FINDING_IDS, Finding
from tahaluf.seeds import load_corpus
from tahaluf.validate import load_speakers, validate_export

SEEDS = FIXTURES / "seeds"


def _check(name):
    bases = {d.doc_id: d for d in load_corpus(SEEDS)}
    speakers, _ = load_speakers(SEEDS / "speakers.json")
    return validate_export(FIXTURES / f"{name}.json", bases, speakers=speakers)[1]


def test_every_id_has_a_fixture():
    missing = [i for i in FINDING_IDS if not (FIXTURES / f"{i}.json").exists()]
    assert missing == []


def test_valid_fixture_has_no_finding():
    assert _check("valid") == []


@pytest.mark.parametrize("fid", sorted(FINDING_IDS))
def test_fixture_reports_its_id(fid):
    first = (FIXTURES / f"{fid}.json").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith(f"# INVALID ({fid}): ")
    found = _check(fid)
    assert fid in {f.id for f in found}, [str(f) for f in found]
    assert all(f.location for f in found)


def test_cli_lists_findings_and_exits_nonzero():
    r = subprocess.run([sys.executable, "-m", "tahaluf", "validate", "--seeds", str(SEEDS),
                        "--speakers", str(SEEDS / "speakers.json"), str(FIXTURES / "unknown-speaker.json")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "[unknown-speaker]" in r.stdout and "wayne_marroto" in r.stdout and "Did you mean 'wayne_marotto'?" in r.stdout


def test_cli_valid_corpus_exits_zero():
    r = subprocess.run([sys.executable, "-m", "tahaluf", "validate"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_finding_format_is_ud_like():
    f = Finding("span-text-mismatch", "entity 3 text differs.", "x.json doc=d", got="a", expected="b")
    assert str(f) == "[x.json doc=d]: [span-text-mismatch] entity 3 text differs. Got 'a'. Expected 'b'."
    with pytest.raises(ValueError):
        Finding("no-such-id", "x")
