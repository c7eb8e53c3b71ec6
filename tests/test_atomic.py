"""All-or-nothing writes (tahaluf.core.fileio), safe names, write failures as one line, the loopback URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tahaluf.core import fileio
from tahaluf.core.errors import TahalufError
from tahaluf.core.ids import child, id_finding, is_safe, require


def _tree(d):
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_atomic_dir_swaps_whole(tmp_path):
    t = tmp_path / "out"
    t.mkdir()
    (t / "old.txt").write_text("old")
    with fileio.atomic_dir(t) as stage:
        (stage / "new.txt").write_text("new")
    assert _tree(t) == {"new.txt": b"new"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_copy_keeps_the_rest(tmp_path):
    t = tmp_path / "out"
    (t / "a").mkdir(parents=True)
    (t / "a" / "x").write_text("1")
    (t / "b.txt").write_text("2")
    with fileio.atomic_dir(t, copy=True) as stage:
        (stage / "a" / "x").write_text("3")
    assert _tree(t) == {"a/x": b"3", "b.txt": b"2"}


def test_atomic_dir_failure_keeps_the_old(tmp_path):
    t = tmp_path / "out"
    t.mkdir()
    (t / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), fileio.atomic_dir(t) as stage:
        (stage / "new.txt").write_text("new")
        raise RuntimeError
    assert _tree(t) == {"old.txt": b"old"} and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_kill_between_the_two_renames_is_undone(tmp_path):
    # the fallback swap (no renameat2): target moved to .out.old, killed before staging moved in
    t = tmp_path / "out"
    old = tmp_path / ".out.old"
    old.mkdir()
    (old / "old.txt").write_text("old")
    (tmp_path / ".out.build.abc").mkdir()
    fileio.recover_dir(t)
    assert _tree(t) == {"old.txt": b"old"} and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_files_all_or_nothing(tmp_path, monkeypatch):
    (tmp_path / "a.md").write_text("old a")
    (tmp_path / "b.md").write_text("old b")
    fileio.write_files(tmp_path, {"a.md": "new a", "sub/b.md": "new sb"})
    assert _tree(tmp_path) == {"a.md": b"new a", "b.md": b"old b", "sub/b.md": b"new sb"}
    with pytest.raises(ValueError):
        fileio.write_files(tmp_path, {"../escape.md": "x"})
    assert not (tmp_path.parent / "escape.md").exists()


def test_an_interrupted_journal_rolls_forward(tmp_path):
    (tmp_path / "a.md").write_text("old a")
    (tmp_path / "b.md").write_text("old b")
    # killed after the commit point, after renaming a.md but before b.md
    (tmp_path / ".b.md.tahaluf-tmp.tmp").write_text("new b")
    (tmp_path / "a.md").write_text("new a")
    renames = [[".a.md.tahaluf-tmp.tmp", "a.md"], [".b.md.tahaluf-tmp.tmp", "b.md"]]
    (tmp_path / fileio.JOURNAL).write_text(json.dumps({"committed": True, "renames": renames}))
    fileio.recover_files(tmp_path)
    assert _tree(tmp_path) == {"a.md": b"new a", "b.md": b"new b"}


def test_an_uncommitted_journal_rolls_back(tmp_path):
    (tmp_path / "a.md").write_text("old a")
    (tmp_path / ".a.md.tahaluf-tmp.tmp").write_text("new a, half writ")
    renames = [[".a.md.tahaluf-tmp.tmp", "a.md"]]
    (tmp_path / fileio.JOURNAL).write_text(json.dumps({"committed": False, "renames": renames}))
    fileio.recover_files(tmp_path)
    assert _tree(tmp_path) == {"a.md": b"old a"}


@pytest.mark.parametrize("kind,good,bad", [
    ("doc_id", "000_fccf310b8a8da4fc", "../../../escaped"),
    ("doc_id", "tiny", "a/b"),
    ("quote_id", "q01", "q 1"),
    ("speaker_id", "wayne_marotto", "Wayne/../x"),
    ("system", "entities-crf", "../baselines"),
    ("target", "stance_t1", "stance t1"),
])
def test_id_patterns(kind, good, bad):
    assert is_safe(kind, good) and not is_safe(kind, bad)
    assert id_finding(kind, bad, "here").id == "unsafe-id"
    assert id_finding(kind, 3, "here").id == "wrong-type"
    with pytest.raises(TahalufError, match="unsafe-id"):
        require(kind, bad)


def test_declared_names_are_safe():
    from tahaluf.baselines import SYSTEMS
    from tahaluf.core.schema import SCHEMA
    from tahaluf.corpus import source_documents
    assert all(is_safe("system", s.name) for s in SYSTEMS)
    assert all(is_safe("target", t) for t in SCHEMA.target_names)
    docs, _ = source_documents()
    assert all(is_safe("doc_id", d.doc_id) and all(is_safe("quote_id", q.quote_id) for q in d.quotes)
               for d in docs)


def test_child_stays_inside(tmp_path):
    assert child(tmp_path, "a.html") == tmp_path.resolve() / "a.html"
    for name in ("../a.html", "/etc/passwd", "..", "x/../../y"):
        with pytest.raises(TahalufError, match="outside"):
            child(tmp_path, name)


def test_site_refuses_a_doc_id_that_leaves_the_folder(tmp_path):
    from tahaluf.core.model import Document
    from tahaluf.viewer import write_site
    with pytest.raises(TahalufError):
        write_site([Document("../../../escaped", "نص")], tmp_path / "site", {})
    assert not (tmp_path / "escaped.html").exists() and not any(tmp_path.parent.glob("escaped*"))


def test_traversal_doc_id_in_metadata_is_refused(tmp_path):
    meta = {"documents": [{"doc_id": "../../../escaped", "sha256": "x"}]}
    (tmp_path / "metadata.json").write_text(json.dumps(meta))
    r = subprocess.run([sys.executable, "-m", "tahaluf", "validate", "--seeds", str(tmp_path)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "[unsafe-id]" in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_target_is_one_line(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        r = subprocess.run([sys.executable, "-m", "tahaluf", "show", "--all", "--out", str(out / "site")],
                           capture_output=True, text=True, check=False)
    finally:
        out.chmod(0o755)
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_write_failure_is_one_line(tmp_path):
    # a file where the output folder should be: every user, root included, gets an OSError
    (tmp_path / "file").write_text("x")
    r = subprocess.run([sys.executable, "-m", "tahaluf", "export-conll", "--out", str(tmp_path / "file" / "x.conll")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080",
                                 "http://127.8.9.1"])
def test_loopback_urls_pass(url, monkeypatch):
    from tahaluf.studio.server import check_url
    monkeypatch.delenv("TAHALUF_LS_ALLOW_REMOTE", raising=False)
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["http://example.com", "https://10.0.0.1:8080", "http://127.0.0.1.evil.com",
                                 "http://localhost.evil.com", "file:///etc/passwd", "http://[::2]"])
def test_remote_urls_refused_unless_allowed(url, monkeypatch):
    from tahaluf.studio import server
    monkeypatch.delenv("TAHALUF_LS_ALLOW_REMOTE", raising=False)
    sent = []
    monkeypatch.setattr(server, "http_get", lambda *a, **k: sent.append(a) or (200, b""))
    with pytest.raises(TahalufError):
        server.client(url, "SECRET")
    assert sent == []  # nothing was sent anywhere
    if url.startswith("http"):
        assert server.check_url(url, allow_remote=True) == url
        monkeypatch.setenv("TAHALUF_LS_ALLOW_REMOTE", "1")
        assert server.check_url(url) == url


def test_cli_refuses_a_remote_url(monkeypatch):
    env = {**os.environ, "TAHALUF_LS_URL": "http://example.com", "TAHALUF_LS_TOKEN": "SECRET"}
    env.pop("TAHALUF_LS_ALLOW_REMOTE", None)
    r = subprocess.run([sys.executable, "-m", "tahaluf", "studio", "pull", "--out", "/nonexistent"],
                       capture_output=True, text=True, env=env, check=False)
    assert r.returncode == 1 and "loopback" in r.stderr and "Traceback" not in r.stderr, r.stderr
