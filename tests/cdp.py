"""Headless Chromium driven over the Chrome DevTools Protocol on a pipe (tests only).

``chromium --remote-debugging-pipe`` reads protocol messages (JSON, each
ended by a NUL byte) on file descriptor 3 and writes its answers and events
on descriptor 4: no port, no websocket library, nothing downloaded. Only the
Debian ``chromium`` package is needed (``tahaluf.viewer.find_chromium``).

:class:`Browser` starts Chromium in a process session of its own with a
throw-away profile, attaches to one page, and offers what the live tests
need: set cookies, open a URL, wait until the page's DOM holds some
strings, read the DOM, take a PNG screenshot. :meth:`Browser.close` ends
that session, and only that.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from typing import Any, Self

from tahaluf.viewer.chromium import CHROMIUM_FLAGS, find_chromium


class CDPError(RuntimeError):
    pass


def _high(fd: int) -> int:
    """``fd`` moved to a number >= 10 (close-on-exec), so that it cannot be 3 or 4 itself."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class Browser:
    def __init__(self, width: int = 1400, height: int = 1600, timeout: float = 60.0):
        exe = find_chromium()
        if not exe:
            raise CDPError("chromium not found: apt-get install chromium (or set TAHALUF_CHROMIUM)")
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="tahaluf-cdp-")
        to_child_r, self._to_child = map(_high, os.pipe())
        self._from_child, from_child_w = map(_high, os.pipe())

        def on_3_and_4() -> None:  # in the child, before exec: our pipe ends on 3 and 4 (dup2 makes them inheritable)
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        argv = [exe, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}",
                f"--window-size={width},{height}", "about:blank"]
        # close_fds=False: only inheritable descriptors survive exec, and os.pipe()'s are not (PEP 446)
        self.proc = subprocess.Popen(argv, preexec_fn=on_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,  # noqa: PLW1509 - two dup2 calls, no lock taken
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.session: str | None = None
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next((t for t in targets if t["type"] == "page"), None)
            target = page["targetId"] if page else self.send("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.send("Page.enable", session=True)
            self.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                      deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.close()
            raise

    def send(self, method: str, session: bool = False, **params: Any) -> dict:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                got = json.loads(raw)
                if got.get("id") == self._next:
                    if "error" in got:
                        raise CDPError(f"{method}: {got['error']}")
                    return got.get("result", {})
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise CDPError(f"no answer from chromium to {method} (exit {self.proc.poll()})")
            ready, _, _ = select.select([self._from_child], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise CDPError(f"chromium closed the pipe during {method}")
                self._buf += chunk

    def set_cookies(self, url: str, cookies: dict[str, str]) -> None:
        self.send("Storage.setCookies", cookies=[{"name": k, "value": v, "url": url} for k, v in cookies.items()])

    def open(self, url: str) -> None:
        self.send("Page.navigate", session=True, url=url)

    def evaluate(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return r.get("result", {}).get("value")

    def wait_for(self, needles: list[str], timeout: float = 120.0) -> str:
        """The page's DOM (serialised) once it holds every needle; CDPError saying what is missing otherwise.
        A page that renders itself (Label Studio) may redraw: the DOM returned is one that holds them all."""
        t0 = time.monotonic()
        dom = ""
        while time.monotonic() - t0 < timeout:
            dom = self.dom()
            if all(n in dom for n in needles):
                return dom
            time.sleep(1.0)
        missing = [n for n in needles if n not in dom]
        text = self.evaluate("document.body ? document.body.innerText : ''") or ""
        raise CDPError(f"after {timeout:.0f} s the page lacks {missing}; its text begins {text[:500]!r}")

    def dom(self) -> str:
        return self.evaluate("document.documentElement.outerHTML") or ""

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", session=True, format="png")["data"])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("Browser.close")
            except (CDPError, OSError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:  # Chromium's helper processes are in its session
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
