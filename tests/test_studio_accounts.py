"""Annotator accounts, the agreement report's wording and push --update, without a server.

The accounts themselves (sign-up with the invite token, a real login, the
user's own token, ``--reset-password``) are checked against a real Label
Studio in tests/test_studio_scenario.py; here: what is refused before
anything is sent, and how ``tahaluf agreement`` names what it compares.
"""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import ROOT

from tahaluf.cli import main
from tahaluf.core.errors import TahalufError
from tahaluf.studio import accounts


@pytest.mark.parametrize("email, password, msg", [
    ("not-an-address", "long-enough-1", "not an e-mail address"),
    ("ann@example", "long-enough-1", "not an e-mail address"),
    ("ann@example.org", "short", "shorter than 8 characters"),
])
def test_add_user_refuses_before_sending_anything(email, password, msg):
    with pytest.raises(TahalufError, match=msg):  # ls=None: it would fail loudly if it were used
        accounts.add_user(None, "http://127.0.0.1:1", "token", email, password)


def test_login_refuses_to_send_a_password_off_this_machine():
    with pytest.raises(TahalufError, match="not a loopback address"):
        accounts.login("http://example.org", "ann@example.org", "long-enough-1")


def test_add_user_asks_for_a_password_it_can_read(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TAHALUF_LS_TOKEN", "t" * 40)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal
    assert main(["studio", "add-user", "ann@example.org"]) == 1
    assert "pass --password-file FILE" in capsys.readouterr().err
    empty = tmp_path / "pw"
    empty.write_text("\n", encoding="utf-8")
    assert main(["studio", "add-user", "ann@example.org", "--password-file", str(empty)]) == 1
    assert "is empty" in capsys.readouterr().err
    assert main(["studio", "add-user", "ann@example.org", "--password-file", str(tmp_path / "none")]) == 1
    assert "cannot read the password file" in capsys.readouterr().err


def _agreement(*argv: str, capsys) -> str:
    assert main(["agreement", *argv]) == 0
    return capsys.readouterr().out


def test_agreement_is_worded_for_what_it_compares(tmp_path, capsys):
    out = _agreement(capsys=capsys)
    assert out.splitlines()[0] == "Agreement of pass B against pass A (5 documents, before adjudication)"
    out = _agreement("--a", str(ROOT / "annotation" / "gold"), "--b", str(ROOT / "annotation/passes/pass_a"),
                     capsys=capsys)
    assert out.splitlines()[0] == "Agreement of the pass pass_a (B) against the gold (A) (5 documents)"
    one = tmp_path / "one"  # an annotator's folder with one article (pass B's annotator)
    one.mkdir()
    first = min((ROOT / "annotation" / "passes" / "pass_b").glob("*.json"))
    shutil.copy(first, one / first.name)
    name = json.loads(first.read_text(encoding="utf-8"))[0]["annotations"][0]["completed_by"]["email"]
    assert main(["agreement", "--a", str(ROOT / "annotation" / "gold"), "--b", str(one)]) == 1
    assert "cover different documents" in capsys.readouterr().err
    out = _agreement("--a", str(ROOT / "annotation" / "gold"), "--b", str(one), "--shared", capsys=capsys)
    assert out.splitlines()[0] == (f"Agreement of an annotator with the adjudicated gold: annotator {name} (B) "
                                   f"against the gold (A) (1 document; only the articles both annotate)")
    two = tmp_path / "two"
    two.mkdir()
    shutil.copy(ROOT / "annotation" / "passes" / "pass_a" / first.name, two / first.name)
    out = _agreement("--a", str(two), "--b", str(one), "--json", capsys=capsys)
    rep = json.loads(out)
    assert rep["who"]["a"]["kind"] == rep["who"]["b"]["kind"] == "annotator" and rep["documents"] == 1
    assert rep["who"]["b"]["names"] == [name]
    out = _agreement("--a", str(two), "--b", str(one), capsys=capsys)
    assert out.startswith(f"Agreement between two annotators: annotator {name} (B) against annotator ")


def test_push_update_and_replace_are_refused_together():
    from tahaluf.studio import push
    with pytest.raises(TahalufError, match="--update keeps every task and --replace deletes some"):
        push(None, [[]], update=True, replace=True)  # refused before the server (None) is used
