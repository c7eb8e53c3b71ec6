"""The headless Chromium driver: the DOM as a browser parsed it, and screenshots.

:func:`find_chromium` finds Debian's ``chromium`` (or ``$TAHALUF_CHROMIUM``);
:func:`run_chromium` runs it headless with :data:`CHROMIUM_FLAGS` and a
throw-away profile, in its own process session so that the helper processes
Chromium leaves behind are killed with it (also on a timeout).
:func:`dump_dom` gives a local page's DOM after parsing (``--dump-dom``; read
it back with :func:`tahaluf.viewer.check.check_rendered`) and
:func:`screenshot` writes a PNG of its top ``width`` x ``height`` pixels.
Every failure is a :class:`~tahaluf.core.errors.TahalufError` that says what to
install or what Chromium printed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import write_atomic

#: Flags for every run: no sandbox (containers, root), no GPU, no network chatter.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def find_chromium() -> str | None:
    """``$TAHALUF_CHROMIUM``, else ``chromium`` on the PATH (Debian's package), else None."""
    env = os.environ.get("TAHALUF_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    return shutil.which("chromium")


def run_chromium(args: Sequence[str], *, timeout: float = 120) -> str:
    """Run headless Chromium with :data:`CHROMIUM_FLAGS` and a throw-away profile; its stdout."""
    exe = find_chromium()
    if not exe:
        raise TahalufError("chromium not found: install Debian's `chromium` (apt-get install chromium) "
                           "or set TAHALUF_CHROMIUM to a Chromium executable")
    with tempfile.TemporaryDirectory(prefix="tahaluf-chromium-") as profile:
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TahalufError(f"chromium did not finish in {timeout:.0f}s: {' '.join(cmd)}") from None
        finally:
            try:  # helper processes left in the session
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace")[-1500:]
        raise TahalufError(f"chromium exited with {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return out.decode("utf-8")


def dump_dom(page: str | os.PathLike, *, timeout: float = 120) -> str:
    """The DOM of a local HTML file after Chromium parsed it (``--dump-dom``)."""
    return run_chromium(["--dump-dom", Path(page).resolve().as_uri()], timeout=timeout)


def screenshot(page: str | os.PathLike, png: str | os.PathLike, *, width: int = 1200, height: int = 1400,
               timeout: float = 120) -> Path:
    """A PNG of the top ``width`` x ``height`` pixels of a local HTML file, written atomically."""
    png = Path(png)
    with tempfile.TemporaryDirectory(prefix="tahaluf-shot-") as tmp:
        shot = Path(tmp) / "shot.png"
        run_chromium([f"--screenshot={shot}", f"--window-size={width},{height}", Path(page).resolve().as_uri()],
                     timeout=timeout)
        if not shot.exists() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            raise TahalufError(f"chromium wrote no PNG for {page}")
        write_atomic(png, shot.read_bytes())
    return png
