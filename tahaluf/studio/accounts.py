"""Annotator accounts: Label Studio users who can log in, and their web sessions.

Label Studio 1.23.2 has three ways to make a user, and only two give a
password that works:

* ``POST /api/users/`` (the SDK's ``users.create``, what :func:`ensure_users
  <tahaluf.studio.users.ensure_users>` uses for stand-in annotators) has no
  password field: the user exists, owns a token, and can never log in.
* the sign-up form, ``/user/signup/?token=<organization token>`` (a Django
  form with a CSRF token), makes the user with the password, in the
  organization; the administrator reads the token from ``GET /api/invite``.
  ``serve`` starts Label Studio with ``DISABLE_SIGNUP_WITHOUT_LINK=true``, so
  only someone holding that token can sign up.
* ``label-studio reset_password --username EMAIL`` (run in Label Studio's
  virtualenv, against its data directory) sets the password of an existing
  user; it reads the password from standard input when there is no terminal.

:func:`add_user` signs the user up through the form (the first way that
works over HTTP), or, for a user who exists but whose password does not log
in, resets it with ``reset_password`` when asked to and the data directory
is local; then it checks the account for real: it logs in through
``/user/login/`` like a browser (:func:`login`), asks ``whoami`` with that
session, fetches the user's own API token with it and checks that Label
Studio accepts the token. Nothing secret is printed or logged; the token can
be written to a file (mode 600) for the annotator's scripts.

:class:`WebSession` is that browser-like session (a cookie jar, the CSRF
token, no redirects followed): the live tests use it to label as an
annotator and to hand the session cookie to Chromium.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tahaluf.core.errors import TahalufError
from tahaluf.studio.install import (
    LS_VERSION,
    Log,
    clean_env,
    default_data_dir,
    default_venv,
    executable,
    installed_version,
    quiet,
)
from tahaluf.studio.server import api_call, check_url, http_get
from tahaluf.studio.users import EMAIL, list_users

#: Label Studio's AUTH_PASSWORD_MIN_LENGTH
MIN_PASSWORD = 8


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is the answer (login and sign-up succeed with one)
        return None


@dataclass
class WebSession:
    """A browser-like session with a Label Studio server (cookies, CSRF, no redirects)."""

    url: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        self._open = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect).open

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, bytes]:
        """``(status, headers, body)`` of a GET, or of a form POST (with the CSRF token) when ``data``."""
        headers = {"Referer": self.url + path}
        body = None
        if data is not None:
            csrf = self.cookie("csrftoken") or ""
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **data}).encode()
            headers["X-CSRFToken"] = csrf
        req = urllib.request.Request(self.url + path, data=body, headers=headers)
        try:
            with self._open(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()
        except OSError as e:
            raise TahalufError(f"no Label Studio answers at {self.url} ({e})") from None

    def submit(self, path: str, fields: dict) -> tuple[int, dict, bytes]:
        """GET the form at ``path`` (for its CSRF cookie), then POST ``fields`` to it."""
        self.request(path)
        return self.request(path, fields)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def json(self, path: str) -> dict:
        status, _, body = self.request(path)
        if status != 200:
            raise TahalufError(f"Label Studio answered HTTP {status} to GET {path} with this session")
        return json.loads(body)

    def whoami(self) -> dict:
        return self.json("/api/current-user/whoami")

    def token(self) -> str:
        """The user's own API token (``/api/current-user/token``)."""
        return self.json("/api/current-user/token")["token"]


def _form_errors(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    found = re.findall(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>\s*([^<]*\S)\s*<', text)
    return [html.unescape(x) for x in found if x.strip()][:5]


def login(url: str, email: str, password: str, *, allow_remote: bool = False) -> WebSession:
    """A session logged in through ``/user/login/`` as a browser does; TahalufError if refused."""
    check_url(url, allow_remote=allow_remote)
    s = WebSession(url)
    status, _, body = s.submit("/user/login/", {"email": email, "password": password})
    if status != 302 or not s.cookie("sessionid"):
        why = "; ".join(_form_errors(body)) or f"HTTP {status}"
        raise TahalufError(f"Label Studio refused the login of {email} at {s.url}/user/login/ ({why})")
    return s


def signup(url: str, invite_token: str, email: str, password: str, *, allow_remote: bool = False) -> None:
    """Make the user through the sign-up form with the organization's invite token."""
    check_url(url, allow_remote=allow_remote)
    s = WebSession(url)
    path = "/user/signup/?" + urllib.parse.urlencode({"token": invite_token})
    status, _, body = s.submit(path, {"email": email, "password": password})
    if status != 302:
        why = "; ".join(_form_errors(body)) or f"HTTP {status}"
        raise TahalufError(f"Label Studio refused to sign up {email} ({why})")


def invite_token(url: str, admin_token: str) -> str:
    """The organization's invite token (``GET /api/invite``, as the administrator)."""
    status, body = http_get(f"{url.rstrip('/')}/api/invite", admin_token, timeout=30)
    if status != 200:
        raise TahalufError(f"Label Studio refused to give the invite link (HTTP {status}); is the token the "
                           f"administrator's?")
    return json.loads(body)["token"]


def reset_password(venv: Path, data_dir: Path, email: str, password: str) -> None:
    """``label-studio reset_password --username EMAIL`` in Label Studio's virtualenv, the
    password on standard input (never on the command line)."""
    if installed_version(venv) != LS_VERSION:
        raise TahalufError(f"Label Studio {LS_VERSION} is not installed in {venv} (`tahaluf studio install`)")
    if not (Path(data_dir) / "label_studio.sqlite3").exists():
        raise TahalufError(f"{data_dir} holds no Label Studio database: pass the --data-dir `serve` uses")
    env = clean_env({"LABEL_STUDIO_BASE_DATA_DIR": str(Path(data_dir).resolve()),
                     "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false"})
    r = subprocess.run([str(executable(venv)), "reset_password", "--username", email], input=password + "\n",
                       capture_output=True, text=True, env=env, timeout=300, start_new_session=True, check=False)
    if r.returncode != 0 or not re.search(r"successfully changed|same as current", r.stdout):
        tail = "\n".join((r.stdout + r.stderr).replace(password, "***").splitlines()[-5:])
        raise TahalufError(f"`label-studio reset_password` did not set the password of {email}:\n{tail}")


@dataclass
class Account:
    user_id: int
    email: str
    name: str
    created: bool
    password_reset: bool
    renamed: bool


def add_user(ls, url: str, admin_token: str, email: str, password: str, *, name: str | None = None,
             reset: bool = False, venv: Path | None = None, data_dir: Path | None = None,
             token_file: Path | None = None, allow_remote: bool = False, log: Log = quiet) -> Account:
    """Make ``email`` a Label Studio user who can log in with ``password`` (idempotent; see the
    module docstring). ``reset`` allows resetting the password of an existing user."""
    email = email.strip().lower()  # as Label Studio stores it
    if not EMAIL.fullmatch(email):
        raise TahalufError(f"not an e-mail address: {email!r} (a Label Studio user is an e-mail address; pull "
                           f"records the annotator as this address)")
    if len(password) < MIN_PASSWORD:
        raise TahalufError(f"the password is shorter than {MIN_PASSWORD} characters (Label Studio refuses it)")
    users = {u["email"]: u for u in list_users(ls).values()}
    created = reset_done = False
    if email not in users:
        signup(url, invite_token(url, admin_token), email, password, allow_remote=allow_remote)
        created = True
        log(f"signed up {email} through {url}/user/signup/")
    try:
        session = login(url, email, password, allow_remote=allow_remote)
    except TahalufError:
        if created or not reset:
            raise TahalufError(f"the Label Studio user {email} exists but this password does not log in (a wrong "
                               f"password, or a user made through the API, which has none). Add --reset-password (with the "
                               f"--data-dir `serve` uses) to set it.") from None
        reset_password(venv or default_venv(), data_dir or default_data_dir(), email, password)
        reset_done = True
        session = login(url, email, password, allow_remote=allow_remote)
    who = session.whoami()
    if who.get("email") != email:
        raise TahalufError(f"logged in as {email} but Label Studio says the session is {who.get('email')!r}")
    token = session.token()
    status, _ = http_get(f"{url.rstrip('/')}/api/current-user/whoami", token, timeout=30)
    if status != 200:
        raise TahalufError(f"Label Studio refuses the API token of {email} (HTTP {status})")
    renamed = False
    if name is not None and (who.get("first_name") or "") != name:
        with api_call(f"set the name of {email}"):
            ls.users.update(id=who["id"], first_name=name)
        renamed = True
    if token_file is not None:
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(token + "\n")
    return Account(who["id"], email, name if name is not None else who.get("first_name") or "", created,
                   reset_done, renamed)
