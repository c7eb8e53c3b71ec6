"""The Label Studio server: start, stop, health, credentials, and the client.

:class:`Server` starts Label Studio (installed by :mod:`tahaluf.studio.install`)
bound to 127.0.0.1 with a data directory of its own::

    label-studio start --no-browser --internal-host 127.0.0.1 --port P
                       --username U --enable-legacy-api-token
    env: LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false
         DISABLE_SIGNUP_WITHOUT_LINK=true LABEL_STUDIO_BASE_DATA_DIR=<data dir>
         LABEL_STUDIO_PASSWORD=<password> LABEL_STUDIO_USER_TOKEN=<token>

``--internal-host`` is the bind address (``--host`` only sets the URL Label
Studio writes into links). Password and token go through the environment,
which Label Studio reads as ``LABEL_STUDIO_<NAME>``, so that they never show
in ``ps``. Signing up needs the organization's invite link
(``DISABLE_SIGNUP_WITHOUT_LINK``): annotator accounts are made by the
administrator, with ``tahaluf studio add-user``
(:mod:`tahaluf.studio.accounts`). Without ``--enable-legacy-api-token`` the token is refused (401).
Label Studio sets the token only when it first creates the user of a data
directory; :meth:`Server.start` checks that the token is accepted and says so
when it is not. The server is healthy when ``GET /health`` answers
``{"status": "UP"}`` (about 20 s; a minute on a new data directory, which
Label Studio migrates first). The server runs in a process group of its own,
its pid in ``<data dir>/label-studio.pid``; :meth:`Server.stop` ends that
group, and only that.

Credentials: the API token is ``$TAHALUF_LS_TOKEN`` (:func:`token_from_env`),
never generated or printed here; the web UI password is
``$TAHALUF_LS_PASSWORD`` or one generated once and kept in
``<data dir>/admin-password`` (mode 600).

The client is label-studio-sdk 2.x (``label_studio_sdk.LabelStudio``, made by
:func:`client`) for every call: projects (list, create, update, import),
tasks (list, delete), users (list, create), annotations and the JSON export
(``download_sync``); :func:`api_call` turns the SDK's errors into
:class:`~tahaluf.core.errors.TahalufError` saying what was being done. Only
the health check is plain HTTP (urllib, :func:`http_get`), since it runs
before a client makes sense and needs no token.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tahaluf.core.errors import TahalufError
from tahaluf.studio.install import (
    ENV_ALLOW_REMOTE,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_URL,
    ENV_VENV,
    LS_VERSION,
    Log,
    clean_env,
    default_venv,
    executable,
    installed_version,
    log_tail,
    quiet,
)

DEFAULT_PORT = 8080
DEFAULT_USER = "admin@tahaluf.local"


# -- credentials and addresses ------------------------------------------------------

def token_from_env() -> str:
    tok = os.environ.get(ENV_TOKEN, "").strip()
    if not tok:
        raise TahalufError(
            f"${ENV_TOKEN} is not set. Label Studio's API token comes from the environment; make one with\n"
            f"  export {ENV_TOKEN}=$(python -c 'import secrets; print(secrets.token_hex(20))')\n"
            f"and use the same value for `tahaluf studio serve`, `push` and `pull`.")
    if len(tok) < 6:
        raise TahalufError(f"${ENV_TOKEN} is too short: Label Studio ignores tokens shorter than 6 characters")
    return tok


def url_from_env(port: int | None = None) -> str:
    return os.environ.get(ENV_URL, f"http://127.0.0.1:{port or DEFAULT_PORT}").rstrip("/")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_get(url: str, token: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    """``(status, body)`` of a plain GET (with the token, if given); raises OSError if nothing answers."""
    req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _stored_password(data_dir: Path) -> str:
    """``$TAHALUF_LS_PASSWORD``, or a password generated once and kept in
    ``<data dir>/admin-password`` (mode 600) for logging in to the web UI."""
    env = os.environ.get(ENV_PASSWORD)
    if env:
        return env
    p = Path(data_dir) / "admin-password"
    if p.exists():
        return p.read_text(encoding="utf-8").strip()
    pw = secrets.token_urlsafe(18)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(pw + "\n")
    return pw


# -- server -------------------------------------------------------------------------

@dataclass
class Server:
    """A Label Studio process on 127.0.0.1 with its own data directory.

    Use as a context manager, or call :meth:`start` and :meth:`stop`; stop
    ends the process group the server was started in, and only that.
    """

    data_dir: Path
    token: str
    port: int = DEFAULT_PORT
    venv: Path | None = None
    username: str = DEFAULT_USER
    password: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return Path(self.data_dir) / "server.log"

    @property
    def pid_path(self) -> Path:
        return Path(self.data_dir) / "label-studio.pid"

    def argv(self) -> list[str]:
        return [str(executable(self.venv or default_venv())), "start", "--no-browser",
                "--internal-host", "127.0.0.1", "--port", str(self.port),
                "--username", self.username, "--enable-legacy-api-token"]

    def start(self, timeout: float = 240.0, log: Log = quiet) -> Server:
        venv = self.venv or default_venv()
        if installed_version(venv) != LS_VERSION:
            raise TahalufError(f"Label Studio {LS_VERSION} is not installed in {venv}: run `tahaluf studio install`"
                               f" (or set ${ENV_VENV} to a virtualenv that has it)")
        if _port_in_use(self.port):
            raise TahalufError(f"port {self.port} on 127.0.0.1 is already in use; choose another with --port")
        data = Path(self.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        if self.password is None:
            self.password = _stored_password(data)
        env = clean_env({"LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false",
                         "DISABLE_SIGNUP_WITHOUT_LINK": "true",
                         "LABEL_STUDIO_BASE_DATA_DIR": str(data.resolve()),
                         "LABEL_STUDIO_PASSWORD": self.password, "LABEL_STUDIO_USER_TOKEN": self.token})
        with open(self.log_path, "ab") as out:
            out.write(f"\n$ {' '.join(self.argv())}\n".encode())
            out.flush()
            self.process = subprocess.Popen(self.argv(), env=env, cwd=data, stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid_path.write_text(f"{self.process.pid}\n", encoding="utf-8")
        log(f"Label Studio starting (pid {self.process.pid}, log {self.log_path})")
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        t0 = time.monotonic()
        while True:
            rc = self.process.poll() if self.process else None
            if rc is not None:
                raise TahalufError(f"Label Studio exited with code {rc} before it was healthy. "
                                   f"Last lines of {self.log_path}:\n{log_tail(self.log_path)}")
            try:
                status, body = http_get(f"{self.url}/health", timeout=2)
                if status == 200 and b"UP" in body:
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > timeout:
                raise TahalufError(f"Label Studio did not answer {self.url}/health within {timeout:.0f} s. "
                                   f"Last lines of {self.log_path}:\n{log_tail(self.log_path)}")
            time.sleep(1.0)
        status, _ = http_get(f"{self.url}/api/current-user/whoami", self.token)
        if status != 200:
            raise TahalufError(
                f"Label Studio is up but refuses the token (HTTP {status}). It sets the token only when it "
                f"first creates the user of a data directory: {self.data_dir} was made with another "
                f"${ENV_TOKEN}. Use that one, or another --data-dir.")

    def stop(self, timeout: float = 20.0) -> None:
        p = self.process
        if p is not None and p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout)
        if p is not None:
            with contextlib.suppress(OSError):
                self.pid_path.unlink()

    def __enter__(self) -> Self:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- client -------------------------------------------------------------------------

def check_url(url: str, *, allow_remote: bool = False) -> str:
    """``url`` if the token may go there: ``http(s)`` on a loopback address (``localhost``,
    ``127.0.0.0/8``, ``::1``), or anywhere with ``allow_remote`` (``--allow-remote`` or
    ``$TAHALUF_LS_ALLOW_REMOTE=1``); otherwise a :class:`TahalufError` before anything is sent."""
    import ipaddress
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError as e:
        raise TahalufError(f"not a URL: {url!r} ({e})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise TahalufError(f"the Label Studio URL must be http(s)://HOST[:PORT], got {url!r}")
    if allow_remote or os.environ.get(ENV_ALLOW_REMOTE) == "1":
        return url
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise TahalufError(f"refused to send the Label Studio token to {host!r}: not a loopback address. "
                           f"Pass --allow-remote (or set ${ENV_ALLOW_REMOTE}=1) if you trust that server.")
    return url


def client(url: str, token: str, *, allow_remote: bool = False):
    """A label-studio-sdk client; refuses a non-loopback ``url`` (:func:`check_url`), and
    refuses early, with a hint, if nothing answers at ``url``."""
    check_url(url, allow_remote=allow_remote)
    try:
        status, _ = http_get(f"{url.rstrip('/')}/health", timeout=5)
    except OSError as e:
        raise TahalufError(f"no Label Studio answers at {url} ({e}). Start one with `tahaluf studio serve` "
                           f"or set ${ENV_URL}.") from None
    if status != 200:
        raise TahalufError(f"{url}/health answered HTTP {status}; is this a Label Studio server?")
    from label_studio_sdk import LabelStudio  # the SDK is slow to import: only when a server answers
    return LabelStudio(base_url=url.rstrip("/"), api_key=token)


@contextlib.contextmanager
def api_call(what: str) -> Iterator[None]:
    """Turn SDK errors into TahalufError saying what was being done."""
    from label_studio_sdk.core.api_error import ApiError
    try:
        yield
    except ApiError as e:
        hint = f" (is the token right? it comes from ${ENV_TOKEN})" if e.status_code == 401 else ""
        raise TahalufError(f"Label Studio refused to {what}: HTTP {e.status_code}{hint}: "
                           f"{str(e.body)[:500]}") from None
