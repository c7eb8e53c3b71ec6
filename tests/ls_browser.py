"""A headless Chromium on a Label Studio page, for the live tests (standard library only).

:func:`open_page` logs in through Label Studio's login form (a session
cookie), starts Debian's ``chromium`` headless with a DevTools port in its own
process session, opens ``path`` with the cookie set, and gives a
:class:`Page`: :meth:`Page.js` evaluates an expression and returns its value,
:meth:`Page.screenshot` writes a PNG. The DevTools protocol is spoken over a
minimal WebSocket client (text frames, client-masked), enough for
request/response calls. Everything is stopped, by the process group it
started, when the ``with`` block ends.
"""

from __future__ import annotations

import base64
import contextlib
import http.cookiejar
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tahaluf.viewer import find_chromium


class _WebSocket:
    def __init__(self, url: str, timeout: float = 60):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._read()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise OSError(f"DevTools refused the WebSocket: {head[:200]!r}")

    def _read(self) -> bytes:
        data = self.sock.recv(1 << 20)
        if not data:
            raise OSError("DevTools closed the connection")
        return data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._read()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, obj) -> None:
        data = json.dumps(obj).encode("utf-8")
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 1 << 16 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def receive(self):
        message = b""
        while True:
            b1, b2 = self._take(2)
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._take(8))[0]
            message += self._take(n)
            if b1 & 0x80:
                return json.loads(message)


class Page:
    def __init__(self, ws: _WebSocket):
        self.ws, self.n = ws, 0

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send({"id": self.n, "method": method, "params": params})
        while True:
            m = self.ws.receive()
            if m.get("id") == self.n:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result") or {}

    def js(self, expression: str):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 90):
        """The value of ``expression`` once it is truthy (polled every half second)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            v = self.js(expression)
            if v:
                return v
            time.sleep(0.5)
        raise TimeoutError(f"the page never satisfied {expression!r} in {timeout:.0f} s")

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", format="png")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(base64.b64decode(shot["data"]))


def login_cookies(base: str, email: str, password: str) -> dict[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/user/login/", timeout=30).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"email": email, "password": password, "csrfmiddlewaretoken": csrf}).encode()
    opener.open(urllib.request.Request(f"{base}/user/login/", data=form,
                                       headers={"Referer": f"{base}/user/login/"}), timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise AssertionError(f"could not log in to {base} as {email}")
    return cookies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def open_page(base: str, path: str, email: str, password: str, *, width: int = 1400, height: int = 1800):
    exe = find_chromium()
    if not exe:
        raise AssertionError("chromium not found: apt-get install -y chromium fonts-noto-core")
    cookies = login_cookies(base, email, password)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="tahaluf-ls-chromium-") as profile:
        proc = subprocess.Popen([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 "--disable-background-networking", f"--remote-debugging-port={port}",
                                 f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            t0 = time.monotonic()
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5) as r:
                        tabs = json.load(r)
                    break
                except OSError:
                    if time.monotonic() - t0 > 60 or proc.poll() is not None:
                        raise AssertionError("headless chromium did not open its DevTools port") from None
                    time.sleep(0.3)
            tab = next(t for t in tabs if t.get("type") == "page")
            page = Page(_WebSocket(tab["webSocketDebuggerUrl"]))
            page.call("Network.enable")
            for k, v in cookies.items():
                page.call("Network.setCookie", name=k, value=v, url=base)
            page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
            page.call("Page.navigate", url=base + path)
            yield page
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
