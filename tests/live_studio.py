"""What the live Label Studio tests share: a server started with `tahaluf studio serve` in a copy of the repository.

:func:`serve` installs Label Studio into its own virtualenv if it is missing
(``<repo>/.cache/label-studio-venv``, or ``$TAHALUF_LS_VENV``), copies the
seeds and annotations (and whatever else is asked) into a temporary
repository, starts ``tahaluf studio serve`` there on a free port with a fresh
data directory, yields a :class:`Live`, and stops the server at the end, also
when a test fails, checking that nothing was left running. If the server
cannot be installed or started the test fails with the reason; it is never
skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from tahaluf import studio


@dataclass
class Live:
    url: str
    env: dict
    root: Path
    data: Path
    output: list
    ls: object

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tahaluf", "studio", *args], capture_output=True,
                              text=True, env=self.env, cwd=cwd or self.root, timeout=300, check=False)

    def tahaluf(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Any ``tahaluf`` command, in the copy of the repository."""
        return subprocess.run([sys.executable, "-m", "tahaluf", *args], capture_output=True, text=True,
                              env=self.env, cwd=self.root, timeout=600, check=False, input=input)


def _copy_tree(tmp: Path, copy: tuple[str, ...] = ("seeds", "annotation")) -> Path:
    root = tmp / "repo"
    for name in copy:
        shutil.copytree(ROOT / name, root / name)
    return root


def _listening_address(port: int) -> str | None:
    """The local address a socket listens on for ``port``, from /proc/net/tcp (no traffic sent)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        addr, p = cols[1].split(":")
        if int(p, 16) == port and cols[3] == "0A":
            return ".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return None


def serve(tmp_path_factory, token: str, password: str, *, name: str = "live",
          copy: tuple[str, ...] = ("seeds", "annotation")) -> Iterator[Live]:
    """The body of a module-scoped fixture: ``yield from serve(tmp_path_factory, TOKEN, PASSWORD)``."""
    t0 = time.monotonic()
    try:
        venv = studio.install(log=lambda m: print(m, flush=True))
    except Exception as e:  # noqa: BLE001 - any failure is the reason the live test fails
        pytest.fail(f"could not install Label Studio {studio.LS_VERSION}: {e}", pytrace=False)
    print(f"Label Studio ready in {venv} after {time.monotonic() - t0:.0f} s")
    tmp = tmp_path_factory.mktemp(name)
    root = _copy_tree(tmp, copy)
    data = tmp / "ls-data"
    port = studio.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAHALUF_")}
    env.update(TAHALUF_LS_TOKEN=token, TAHALUF_LS_PASSWORD=password, TAHALUF_LS_URL=url, TAHALUF_ROOT=str(root),
               TAHALUF_LS_VENV=str(venv), TAHALUF_LS_DATA=str(data))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "tahaluf", "studio", "serve", "--port", str(port),
                             "--data-dir", str(data), "--venv", str(venv), "--timeout", "200"],
                            env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        t1 = time.monotonic()
        while not any("is up at" in ln for ln in output):
            if proc.poll() is not None or time.monotonic() - t1 > 230:
                reader.join(5)
                pytest.fail("`tahaluf studio serve` did not bring Label Studio up "
                            f"(exit {proc.poll()}):\n{''.join(output)[-4000:]}", pytrace=False)
            time.sleep(0.5)
        print(f"Label Studio up after {time.monotonic() - t1:.0f} s")
        yield Live(url, env, root, data, output, studio.client(url, token))
    finally:
        _stop(proc, data, url)


def _stop(proc: subprocess.Popen, data: Path, url: str) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # `serve` stops Label Studio, then exits
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    pidfile = data / "label-studio.pid"
    if pidfile.exists():  # serve did not clean up: end the server it started, by its id
        pid = int(pidfile.read_text())
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        raise AssertionError(f"`tahaluf studio serve` left Label Studio (pid {pid}) running; killed it")
    try:
        studio.http_get(f"{url}/health", timeout=2)
    except OSError:
        return
    raise AssertionError(f"Label Studio still answers at {url} after `serve` stopped")
