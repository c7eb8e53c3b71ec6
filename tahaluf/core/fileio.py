"""Atomic writes: a kill at any moment leaves the old state or the complete new one.

Three primitives, each stated once:

:func:`write_atomic`
    One file: written to a temporary sibling, flushed to disk, and renamed over
    the target (``os.replace`` is atomic on POSIX). :func:`open_atomic` is the
    same for a file written as a stream (the reference cache).
:func:`atomic_dir`
    A whole folder (``dataset/``, ``baselines/``): built in a staging folder
    beside the target (empty, or a copy of the target with ``copy=True``) and
    swapped in when complete. On Linux the swap is one ``renameat2`` call with
    ``RENAME_EXCHANGE``: there is no moment at which the target is missing or
    mixed. Elsewhere it is two renames (target -> ``.<name>.old``, staging ->
    target); a kill between them is undone by :func:`recover_dir` (the old
    folder is put back), which :func:`atomic_dir` and the command line run first.
:func:`write_files`
    Several files in one folder tree (``docs``, the leaderboard, a site, the
    pulled gold): every file is written to a temporary sibling first; then a
    journal listing the renames is written atomically (the commit point); then
    the renames run and the journal is removed. :func:`recover_files` rolls a
    journal that a kill interrupted forward (the temporaries are complete), and
    removes temporaries that were never committed.

Leftovers of an interrupted run (staging folders, temporaries) are hidden
(dot-named) and removed by the next run's recovery. Writers take an
exclusive ``flock`` on the folder they write in (the target's parent for
:func:`atomic_dir`), so two runs take turns, and recovery leaves alone a
folder that a live writer holds; the body of one write must not start
another write into the same folder (it would wait for itself).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

JOURNAL = ".tahaluf-journal.json"
_TMP_TAG = ".tahaluf-tmp."


def names(folder: str | os.PathLike, suffix: str) -> list[str]:
    """The names in ``folder`` that end with ``suffix``, sorted (what ``sorted(folder.glob("*" + suffix))``
    lists, as names: a large corpus costs a string per file, not a ``Path``); none if there is no folder."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.endswith(suffix))
    except (FileNotFoundError, NotADirectoryError):
        return []


@contextmanager
def _lock(folder: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive ``flock`` on the folder itself for the body (no lock file; the kernel
    releases it if the process dies). Writers into one folder take turns.

    Yields ``False`` without waiting if ``wait`` is false and another process
    holds it: a writer is at work, so there is nothing to recover.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _temp(path: Path, tag: str) -> Iterator[tuple[BinaryIO, Path]]:
    """A hidden temporary sibling of ``path`` open for writing, flushed to disk when the body
    ends, removed if the body raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{tag}", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "wb") as fh:
            yield fh, Path(tmp)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_temp(path: Path, data: str | bytes, tag: str) -> Path:
    with _temp(path, tag) as (fh, tmp):
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return tmp


@contextmanager
def open_atomic(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """One file written as a stream, atomically: the body writes to the binary file it is
    given (a temporary sibling), which is renamed over ``path`` when the body ends; if the
    body raises, ``path`` is left as it was and the temporary is removed."""
    path = Path(path)
    with _temp(path, ".") as (fh, tmp):
        yield fh
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write one file atomically (see the module docstring)."""
    with open_atomic(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


# -- folders -------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the system or file system cannot
        return False
    raise OSError(err, os.strerror(err), str(b))


def _old(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def recover_dir(target: str | os.PathLike) -> None:
    """Finish what an interrupted :func:`atomic_dir` left: the old folder back if the
    target is missing, and no staging or old folder left behind. Does nothing while
    another process is writing ``target``."""
    target = Path(target)
    if not target.parent.is_dir() or not (_old(target).exists()
                                          or any(target.parent.glob(f".{target.name}.build.*"))):
        return  # nothing to do: take no lock (a read-only checkout stays untouched)
    with _lock(target.parent, wait=False) as mine:
        if mine:
            _recover_dir(target)


def _recover_dir(target: Path) -> None:
    old = _old(target)
    if old.is_dir():
        if not target.exists():
            os.replace(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    if target.parent.is_dir():
        for p in target.parent.glob(f".{target.name}.build.*"):
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def atomic_dir(target: str | os.PathLike, *, copy: bool = False) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``target`` whole.

    The staging folder is empty, or with ``copy=True`` a copy of ``target``
    (to change some files and keep the rest). If the body raises, the staging
    folder is removed and ``target`` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent):
        _recover_dir(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.build.", dir=target.parent))
        try:
            if copy and target.is_dir():
                shutil.copytree(target, staging, dirs_exist_ok=True, symlinks=True)
            yield staging
            _fsync_dir(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if target.exists() and _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # it now holds the old folder
            return
        old = _old(target)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)


# -- several files ---------------------------------------------------------------------

def _temp_name(rel: str) -> str:
    p = Path(rel)
    return (p.parent / f".{p.name}{_TMP_TAG}tmp").as_posix()


def recover_files(folder: str | os.PathLike) -> None:
    """Finish an interrupted :func:`write_files` in ``folder``: roll a committed journal
    forward, or remove the temporaries of one that was not committed."""
    folder = Path(folder)
    journal = folder / JOURNAL
    if not journal.is_file():
        return
    with _lock(folder, wait=False) as mine:
        if mine:
            _recover_files(folder, journal)


def _recover_files(folder: Path, journal: Path) -> None:
    try:
        state = json.loads(journal.read_text(encoding="utf-8"))
        committed, renames = state["committed"], state["renames"]
    except (ValueError, KeyError, TypeError):  # a journal is written atomically, so this is not ours
        return
    for tmp, dst in renames:
        t = folder / tmp
        if committed and t.exists():
            os.replace(t, folder / dst)
        else:
            t.unlink(missing_ok=True)
    _fsync_dir(folder)
    journal.unlink()


def write_files(folder: str | os.PathLike, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``files`` (path relative to ``folder`` -> content) all or nothing; the paths written.

    A relative path may not leave ``folder`` (``..``, absolute): refused with
    ``ValueError`` before anything is written.
    """
    folder = Path(folder)
    base = folder.resolve()
    for rel in files:
        if Path(rel).is_absolute() or base not in (base / rel).resolve().parents:
            raise ValueError(f"{rel!r} is outside {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    journal = folder / JOURNAL
    with _lock(folder):
        if journal.is_file():
            _recover_files(folder, journal)
        renames = [(_temp_name(rel), Path(rel).as_posix()) for rel in files]
        write_atomic(journal, json.dumps({"committed": False, "renames": renames}))
        try:
            for (tmp, _), data in zip(renames, files.values()):
                t = folder / tmp
                t.parent.mkdir(parents=True, exist_ok=True)
                with open(t, "wb") as fh:
                    fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                    fh.flush()
                    os.fsync(fh.fileno())
            write_atomic(journal, json.dumps({"committed": True, "renames": renames}))  # the commit point
        except BaseException:
            _recover_files(folder, journal)  # not committed: the temporaries go, the old files stay
            raise
        _recover_files(folder, journal)  # the renames, exactly as a later run would do them
    return [folder / rel for rel in files]
