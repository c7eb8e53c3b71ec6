"""Label Studio: the server, and pushing the corpus to it and pulling it back.

Server
    Label Studio 1.23.2 pins its own Django, DRF and pydantic, so it runs from
    a virtualenv of its own: ``<repo>/.cache/label-studio-venv`` (gitignored),
    or the folder named by ``$TAHALUF_LS_VENV``. :func:`install` makes it with
    ``python -m venv`` and ``pip install label-studio==1.23.2`` (about a
    minute). :class:`Server` starts it bound to 127.0.0.1 with a data
    directory of its own::

        label-studio start --no-browser --internal-host 127.0.0.1 --port P
                           --username U --enable-legacy-api-token
        env: LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false
             LABEL_STUDIO_BASE_DATA_DIR=<data dir>
             LABEL_STUDIO_PASSWORD=<password> LABEL_STUDIO_USER_TOKEN=<token>

    ``--internal-host`` is the bind address (``--host`` only sets the URL
    Label Studio writes into links). Password and token go through the
    environment, which Label Studio reads as ``LABEL_STUDIO_<NAME>``, so that
    they never show in ``ps``. Without ``--enable-legacy-api-token`` the token
    is refused (401). Label Studio sets the token only when it first creates
    the user of a data directory; :meth:`Server.start` checks that the token
    is accepted and says so when it is not. The server is healthy when
    ``GET /health`` answers ``{"status": "UP"}`` (about 20 s; a minute on a
    new data directory, which Label Studio migrates first).

Annotators
    An annotation's author in Label Studio is a user (an e-mail address); in
    the canonical model it is ``Document.annotator``, any string (the passes
    use names such as ``pass-a/annotator-a1 (AI helper agent)``). A name that
    is a lower-case e-mail address is that user. Any other name gets a stand-in user
    ``<slug>-<hash>@tahaluf.invalid`` whose first name is the name; pulling
    maps such users back to the name, and any other user to its e-mail. So a
    push followed by a pull gives back the same annotator, and several
    annotators on one task stay apart.

Push (:func:`push`)
    Creates the project (by title) from :func:`tahaluf.formats.labelstudio.labeling_config`
    or updates the config of an existing one, and imports one task per article
    with each source's annotation of it (one annotation per source, so
    ``pass_a`` and ``pass_b`` together give two annotators per task), or with
    the annotation as a prediction with a ``model_version`` for
    pre-annotation. ``ground_truth`` is set as asked (the CLI sets it for the
    gold and not for a pass unless told). Before anything is sent every
    document must survive the converter's round trip
    (:func:`roundtrip_problems`) and every result must validate against the
    config with the SDK's ``LabelInterface``. A project that already has tasks
    for these articles is refused unless ``replace`` deletes them first.

Pull (:func:`pull`)
    Exports the project as JSON (all tasks), maps users to annotators, and
    converts and validates every annotation with
    :func:`tahaluf.formats.labelstudio.tasks_to_documents` and
    :func:`tahaluf.validate.document_findings`. :func:`plan_outputs` places
    each document: ``<out>/<doc_id>.json`` when every task has one annotation,
    ``<out>/<annotator>/<doc_id>.json`` when a task has several (for
    agreement). :func:`write_outputs` writes nothing if there is any finding;
    otherwise each file atomically, skipping files whose content is already
    the same document.

Diff (:func:`diff_documents`)
    Matches entities and quotations by offsets and labels, never by region
    id: entities by ``(start, end)`` (a different label is a change),
    quotations by ``(start, end)`` with their type, speaker, cue, source and
    every stance target compared; plus the document-level stance.

The client is label-studio-sdk 2.x (``label_studio_sdk.LabelStudio``) for
every call: projects (list, create, update, import), tasks (list, delete),
users (list, create), annotations and the JSON export (``download_sync``).
Only the health check is plain HTTP (urllib), since it runs before a client
makes sense and needs no token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tahaluf import seeds
from tahaluf.core import paths
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA, Schema

#: The Label Studio release the project runs and tests against.
LS_VERSION = "1.23.2"

ENV_TOKEN = "TAHALUF_LS_TOKEN"
ENV_URL = "TAHALUF_LS_URL"
ENV_USER = "TAHALUF_LS_USER"
ENV_PASSWORD = "TAHALUF_LS_PASSWORD"
ENV_VENV = "TAHALUF_LS_VENV"
ENV_DATA = "TAHALUF_LS_DATA"

DEFAULT_PORT = 8080
DEFAULT_USER = "admin@tahaluf.local"
DEFAULT_PROJECT = "Tahaluf"
#: Domain of the stand-in users made for annotator names that are not e-mail addresses.
PROXY_DOMAIN = "tahaluf.invalid"
_MARKER = ".tahaluf-label-studio"

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# -- install ----------------------------------------------------------------------

def default_venv() -> Path:
    env = os.environ.get(ENV_VENV)
    return Path(env).expanduser() if env else paths.root() / ".cache" / "label-studio-venv"


def default_data_dir() -> Path:
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser() if env else paths.root() / ".cache" / "label-studio-data"


def executable(venv: Path) -> Path:
    return Path(venv) / "bin" / "label-studio"


def installed_version(venv: Path) -> str | None:
    """The label-studio version installed in ``venv``, or None."""
    py = Path(venv) / "bin" / "python"
    if not py.exists() or not executable(venv).exists():
        return None
    r = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
                       capture_output=True, text=True, env=_clean_env(), check=False)
    return (r.stdout.strip() or None) if r.returncode == 0 else None


def install(venv: Path | None = None, *, python: str | None = None, log: Log = print) -> Path:
    """Make ``venv`` hold Label Studio :data:`LS_VERSION`; return it.

    Does nothing when it already does. The project's own location (the
    default) is rebuilt from scratch when an earlier install did not finish
    (no marker file); a folder named by ``$TAHALUF_LS_VENV`` with another
    version is refused, never deleted.
    """
    import fcntl

    venv = Path(venv) if venv is not None else default_venv()
    ours = venv.resolve() == (paths.root() / ".cache" / "label-studio-venv").resolve()
    if _ready(venv, ours):
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second installer waits, then finds it done
        if _ready(venv, ours):
            return venv
        if venv.exists():
            if not ours:
                raise TahalufError(
                    f"{venv} (from ${ENV_VENV}) does not hold label-studio {LS_VERSION} "
                    f"(found {installed_version(venv)!r}); unset {ENV_VENV} to use the project's own "
                    f"{paths.root() / '.cache' / 'label-studio-venv'}, or point it at an empty folder")
            log(f"removing the unfinished Label Studio install in {venv}")
            shutil.rmtree(venv)
        python = python or sys.executable
        log(f"installing label-studio=={LS_VERSION} into {venv} (about a minute)")
        t0 = time.perf_counter()
        venv_log = venv.parent / f"{venv.name}.install.log"
        with open(venv_log, "wb") as out:
            for argv in ([python, "-m", "venv", str(venv)],
                         [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-input",
                          "--disable-pip-version-check", f"label-studio=={LS_VERSION}"]):
                out.write(f"$ {' '.join(argv)}\n".encode())
                out.flush()
                rc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=_clean_env(), check=False).returncode
                if rc != 0:
                    raise TahalufError(f"installing Label Studio failed: `{' '.join(argv)}` exited {rc}. "
                                       f"Last lines of {venv_log}:\n{_tail(venv_log)}")
        got = installed_version(venv)
        if got != LS_VERSION:
            raise TahalufError(f"after the install {venv} holds label-studio {got!r}, not {LS_VERSION}; "
                               f"see {venv_log}")
        (venv / _MARKER).write_text(LS_VERSION + "\n", encoding="utf-8")
        log(f"installed label-studio {LS_VERSION} in {time.perf_counter() - t0:.0f} s")
    return venv


def _ready(venv: Path, ours: bool) -> bool:
    if ours and not (venv / _MARKER).exists():
        return False
    return installed_version(venv) == LS_VERSION


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for Label Studio's own Python: ours, less anything that would
    make it import our packages or leak our token."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", ENV_TOKEN, ENV_PASSWORD)
           and not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))}
    env.update(extra or {})
    return env


def _tail(path: Path, n: int = 25) -> str:
    try:
        lines = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + ln for ln in lines[-n:])


# -- server -----------------------------------------------------------------------

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


def _get(url: str, token: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


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

    def start(self, timeout: float = 240.0, log: Log = _quiet) -> Server:
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
        env = _clean_env({"LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false",
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
                                   f"Last lines of {self.log_path}:\n{_tail(self.log_path)}")
            try:
                status, body = _get(f"{self.url}/health", timeout=2)
                if status == 200 and b"UP" in body:
                    break
            except OSError:
                pass
            if time.monotonic() - t0 > timeout:
                raise TahalufError(f"Label Studio did not answer {self.url}/health within {timeout:.0f} s. "
                                   f"Last lines of {self.log_path}:\n{_tail(self.log_path)}")
            time.sleep(1.0)
        status, _ = _get(f"{self.url}/api/current-user/whoami", self.token)
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

    def __enter__(self) -> Server:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


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


# -- client -----------------------------------------------------------------------

def client(url: str, token: str):
    """A label-studio-sdk client; refuses early, with a hint, if nothing answers at ``url``."""
    try:
        status, _ = _get(f"{url.rstrip('/')}/health", timeout=5)
    except OSError as e:
        raise TahalufError(f"no Label Studio answers at {url} ({e}). Start one with `tahaluf studio serve` "
                           f"or set ${ENV_URL}.") from None
    if status != 200:
        raise TahalufError(f"{url}/health answered HTTP {status}; is this a Label Studio server?")
    from label_studio_sdk import LabelStudio
    return LabelStudio(base_url=url.rstrip("/"), api_key=token)


def _api(what: str):
    """Turn SDK errors into TahalufError saying what was being done."""
    from label_studio_sdk.core.api_error import ApiError

    @contextlib.contextmanager
    def ctx():
        try:
            yield
        except ApiError as e:
            hint = " (is the token right? it comes from $TAHALUF_LS_TOKEN)" if e.status_code == 401 else ""
            raise TahalufError(f"Label Studio refused to {what}: HTTP {e.status_code}{hint}: "
                               f"{str(e.body)[:500]}") from None
    return ctx()


def find_project(ls, project: str | int) -> Any | None:
    """The project with this title (or id), or None."""
    with _api("list projects"):
        found = [p for p in ls.projects.list()
                 if (p.id == project if isinstance(project, int) else p.title == project)]
    if len(found) > 1:
        raise TahalufError(f"{len(found)} projects are titled {project!r} (ids {[p.id for p in found]}); "
                           f"pass the id instead")
    return found[0] if found else None


# -- annotators <-> users ---------------------------------------------------------

#: names taken as e-mail addresses as they are (lower case: Label Studio may change the case of others)
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")


def annotator_email(name: str) -> str:
    """The Label Studio user of an annotator name (see the module docstring)."""
    if _EMAIL.fullmatch(name):
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"{slug(name)[:40]}-{digest}@{PROXY_DOMAIN}"


def annotator_name(user: Mapping[str, Any] | None, user_id: Any = None) -> str:
    """The annotator name of a Label Studio user (inverse of :func:`annotator_email`)."""
    if not user:
        return f"label-studio-user-{user_id}"
    email = user.get("email") or ""
    if email.endswith("@" + PROXY_DOMAIN) and user.get("first_name"):
        return user["first_name"]
    return email or f"label-studio-user-{user.get('id', user_id)}"


def slug(name: str) -> str:
    """A file-system-safe form of an annotator name: lower case, ``[a-z0-9._@-]``."""
    s = re.sub(r"[^a-z0-9._@-]+", "-", name.lower()).strip("-.")
    return s or "annotator"


def _users(ls) -> dict[int, dict]:
    with _api("list users"):
        return {u.id: {"id": u.id, "email": u.email, "first_name": u.first_name or ""} for u in ls.users.list()}


def ensure_users(ls, names: Iterable[str]) -> dict[str, str]:
    """Annotator name -> e-mail of an existing Label Studio user, creating missing ones."""
    users = {u["email"]: u for u in _users(ls).values()}
    out: dict[str, str] = {}
    for name in sorted(set(names)):
        if len(name) > 256:
            raise TahalufError(f"annotator name longer than 256 characters: {name[:60]!r}...")
        email = annotator_email(name)
        if email not in users:
            with _api(f"create the user {email}"):
                ls.users.create(username=email, email=email,
                                first_name=name if email.endswith("@" + PROXY_DOMAIN) else "")
            users[email] = {"email": email}
        out[name] = email
    return out


# -- checks before pushing ----------------------------------------------------------

def roundtrip_problems(doc: Document, *, schema: Schema = SCHEMA,
                       to_result: Callable[[Document], list[dict]] | None = None) -> list[str]:
    """Why ``doc`` would not come back identical from Label Studio (empty if it would).

    ``doc`` goes through ``to_result`` (default
    :func:`tahaluf.formats.labelstudio.to_result`) into a task, through JSON text
    (as a server stores it), and back through
    :func:`tahaluf.formats.labelstudio.tasks_to_documents`. Any finding, a missing
    or extra document, or a document that differs from ``doc`` is a problem.
    """
    from tahaluf.formats import labelstudio
    to_result = to_result or labelstudio.to_result
    task = {"data": {"text": doc.text, "doc_id": doc.doc_id},
            "annotations": [{"completed_by": {"email": doc.annotator} if doc.annotator else None,
                             "was_cancelled": False, "ground_truth": False, "result": to_result(doc)}]}
    task = json.loads(json.dumps(task, ensure_ascii=False))
    base = Document(doc.doc_id, doc.text, doc.metadata)
    try:
        back, found = labelstudio.tasks_to_documents([task], {doc.doc_id: base}, schema=schema,
                                                     location="round-trip")
    except TahalufError as e:
        return [f"conversion raised: {e}"]
    problems = [str(f) for f in found]
    if len(back) != 1:
        return problems + [f"{len(back)} documents came back, expected 1"]
    if back[0] != doc:
        problems += [f"differs: {c}" for c in diff_documents(doc, back[0])] or ["differs outside the layers"]
        if back[0].annotator != doc.annotator:
            problems.append(f"annotator {doc.annotator!r} came back as {back[0].annotator!r}")
        if [q.quote_id for q in back[0].quotes] != [q.quote_id for q in doc.quotes]:
            problems.append("quotation ids differ")
    return problems


def interface_problems(config: str, docs: Iterable[Document]) -> list[str]:
    """The config is valid for label-studio-sdk's ``LabelInterface`` and every
    document's result validates against it (offline, no server)."""
    from label_studio_sdk.label_interface import LabelInterface

    from tahaluf.formats.labelstudio import to_result
    try:
        li = LabelInterface(config)
        li.validate()
    except Exception as e:  # noqa: BLE001 - the SDK raises several exception types of its own
        return [f"labeling config: {e}"]
    out = []
    for d in docs:
        for err in li.validate_prediction({"result": to_result(d)}, return_errors=True) or []:
            out.append(f"doc={d.doc_id} annotator={d.annotator}: {err}")
    return out


# -- push -------------------------------------------------------------------------

@dataclass
class PushReport:
    project_id: int
    title: str
    created: bool
    tasks: int
    annotations: int
    predictions: int
    replaced: int
    users: dict[str, str]


def push(ls, sources: Sequence[Sequence[Document]], *, title: str = DEFAULT_PROJECT, schema: Schema = SCHEMA,
         model_version: str | None = None, ground_truth: bool = False, replace: bool = False,
         log: Log = _quiet) -> PushReport:
    """Push annotated documents; one task per article (see the module docstring).

    ``sources`` is one list of documents per annotation source; each source
    holds at most one annotation per article. With ``model_version`` the
    (single) source goes in as predictions instead of annotations.
    """
    from tahaluf.formats.labelstudio import labeling_config, to_task
    if model_version is not None and len(sources) != 1:
        raise TahalufError("predictions come from one source at a time")
    order = seeds.doc_ids()
    per_doc: dict[str, list[Document]] = {}
    for si, src in enumerate(sources):
        seen: set[str] = set()
        for d in src:
            if d.doc_id in seen:
                raise TahalufError(f"source {si + 1} has two annotations of {d.doc_id}; push them as two sources")
            seen.add(d.doc_id)
            per_doc.setdefault(d.doc_id, []).append(d)
    docs = [d for doc_id in sorted(per_doc, key=lambda i: order.index(i) if i in order else len(order))
            for d in per_doc[doc_id]]
    if not docs:
        raise TahalufError("nothing to push: the sources hold no documents")
    problems = [f"doc={d.doc_id} annotator={d.annotator}: {p}" for d in docs for p in roundtrip_problems(d, schema=schema)]
    config = labeling_config(schema)
    problems += interface_problems(config, docs)
    if problems:
        raise TahalufError("refusing to push: these documents would not come back from Label Studio as they are:\n"
                           + "\n".join(f"  {p}" for p in problems[:50]))

    project = find_project(ls, title)
    created = project is None
    clash: list[tuple[int, Any]] = []
    if not created:
        existing = [(t.id, (t.data or {}).get("doc_id")) for t in _tasks(ls, project.id)]
        clash = [(tid, did) for tid, did in existing if did in per_doc]
        if clash and not replace:
            raise TahalufError(f"project {title!r} already has tasks for {len(clash)} of these articles "
                               f"({', '.join(sorted({str(d) for _, d in clash}))}). Pull them first if they hold "
                               f"work, then push with --replace to delete those tasks and import afresh.")
    if created:
        with _api(f"create the project {title!r}"):
            project = ls.projects.create(title=title, label_config=config,
                                         description=f"Tahaluf schema v{schema.version}: entities, quotations, stance")
        log(f"created project {title!r} (id {project.id})")
    for tid, _ in clash:
        with _api(f"delete task {tid}"):
            ls.tasks.delete(id=str(tid))
    if not created:  # after deleting: Label Studio refuses a config that drops labels still in use
        with _api(f"update the labeling config of project {project.id}"):
            ls.projects.update(id=project.id, label_config=config)
        log(f"updated the labeling config of project {title!r} (id {project.id})")

    users: dict[str, str] = {}
    tasks = []
    if model_version is None:
        users = ensure_users(ls, {d.annotator for d in docs if d.annotator})
    for doc_id in sorted(per_doc, key=lambda i: order.index(i) if i in order else len(order)):
        task: dict[str, Any] = {"data": {"text": per_doc[doc_id][0].text, "doc_id": doc_id}}
        for d in per_doc[doc_id]:
            one = to_task(d, as_prediction=model_version, ground_truth=ground_truth)
            if model_version is not None:
                task.setdefault("predictions", []).extend(one["predictions"])
            else:
                for a in one["annotations"]:
                    a["completed_by"] = {"email": users[d.annotator]} if d.annotator else None
                task.setdefault("annotations", []).extend(one["annotations"])
        tasks.append(task)
    with _api(f"import {len(tasks)} tasks into project {project.id}"):
        r = ls.projects.import_tasks(id=project.id, request=tasks, return_task_ids=True)
    n_ann = sum(len(t.get("annotations", ())) for t in tasks)
    n_pred = sum(len(t.get("predictions", ())) for t in tasks)
    got_ann = r.annotation_count or 0
    got_pred = r.prediction_count if r.prediction_count is not None else (r.predictions_count or 0)
    if r.task_count != len(tasks) or got_ann != n_ann or (got_pred or 0) != n_pred:
        raise TahalufError(f"Label Studio imported {r.task_count} tasks, {got_ann} annotations, {got_pred} "
                           f"predictions; sent {len(tasks)}, {n_ann}, {n_pred}")
    if model_version is not None:
        with _api("set the project's model version"):
            ls.projects.update(id=project.id, model_version=model_version, show_collab_predictions=True)
    return PushReport(project.id, title, created, len(tasks), n_ann, n_pred, len(clash), users)


def _tasks(ls, project_id: int) -> list:
    with _api(f"list the tasks of project {project_id}"):
        return list(ls.tasks.list(project=project_id, fields="all"))


# -- pull -------------------------------------------------------------------------

@dataclass
class Pulled:
    project_id: int
    docs: list[Document]
    findings: list[Finding]
    #: number of tasks read from the export
    tasks: int = 0


def export_tasks(ls, project_id: int) -> list[dict]:
    """The project's JSON export (all tasks), as Label Studio gives it."""
    with _api(f"export project {project_id}"):
        raw = b"".join(ls.projects.exports.download_sync(id=project_id, export_type="JSON",
                                                          download_all_tasks=True))
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as e:
        raise TahalufError(f"the export of project {project_id} is not JSON: {e}") from None
    if not isinstance(data, list):
        raise TahalufError(f"the export of project {project_id} is not a list of tasks")
    return data


def with_annotators(tasks: list[dict], users: Mapping[int, Mapping[str, Any]]) -> list[dict]:
    """A copy of an export whose ``completed_by`` holds ``{"id", "email": annotator name}``."""
    out = []
    for t in tasks:
        t = dict(t)
        anns = []
        for a in t.get("annotations") or []:
            a = dict(a)
            who = a.get("completed_by")
            uid = who.get("id") if isinstance(who, Mapping) else who
            a["completed_by"] = {"id": uid, "email": annotator_name(users.get(uid), uid)}
            anns.append(a)
        t["annotations"] = anns
        out.append(t)
    return out


def pull(ls, project: str | int = DEFAULT_PROJECT, *, schema: Schema = SCHEMA,
         speakers: Mapping[str, Speaker] | None = None, allow_missing: bool = False,
         seeds_dir: Path | None = None) -> Pulled:
    """Export, map users to annotators, convert and validate (see the module docstring)."""
    from tahaluf.formats.labelstudio import tasks_to_documents
    from tahaluf.validate import document_findings
    p = find_project(ls, project)
    if p is None:
        raise TahalufError(f"Label Studio has no project {project!r}; push one first (`tahaluf studio push`)")
    tasks = with_annotators(export_tasks(ls, p.id), _users(ls))
    if allow_missing:
        tasks = [t for t in tasks if any(not a.get("was_cancelled") for a in t["annotations"])]
    bases = {d.doc_id: d for d in seeds.load_corpus(seeds_dir)}
    where = f"project={p.id}"
    docs, found = tasks_to_documents(tasks, bases, schema=schema, location=where)
    order = list(bases)
    docs.sort(key=lambda d: (order.index(d.doc_id), d.annotator or ""))
    for d in docs:
        found += document_findings(d, schema=schema, speakers=speakers,
                                   location=f"{where} doc={d.doc_id} annotator={d.annotator}")
    return Pulled(p.id, docs, found, len(tasks))


def plan_outputs(docs: Sequence[Document], out_dir: Path, *, by_annotator: bool | None = None) -> dict[Path, Document]:
    """Where each pulled document goes.

    One annotation per task: ``out_dir/<doc_id>.json``. Several annotations on
    a task (or ``by_annotator``): ``out_dir/<slug(annotator)>/<doc_id>.json``
    for every document, so that each annotator's work stays apart.
    """
    per_doc: dict[str, list[Document]] = {}
    for d in docs:
        per_doc.setdefault(d.doc_id, []).append(d)
    several = any(len(v) > 1 for v in per_doc.values())
    split = several if by_annotator is None else by_annotator
    if several and not split:
        raise TahalufError("several annotations on one task cannot share one output folder; "
                           "write one folder per annotator")
    plan: dict[Path, Document] = {}
    folders: dict[str, str] = {}
    for d in docs:
        if split:
            who = d.annotator or "unknown"
            s = slug(who)
            if folders.setdefault(s, who) != who:
                raise TahalufError(f"annotators {folders[s]!r} and {who!r} map to the same folder {s!r}")
            target = Path(out_dir) / s / f"{d.doc_id}.json"
        else:
            target = Path(out_dir) / f"{d.doc_id}.json"
        if target in plan:
            raise TahalufError(f"two annotations by {d.annotator!r} of {d.doc_id}: keep one in Label Studio "
                               f"(delete or cancel the other) and pull again")
        plan[target] = d
    return plan


def write_outputs(plan: Mapping[Path, Document], *, schema: Schema = SCHEMA) -> tuple[list[Path], list[Path]]:
    """Write each document as a one-task Label Studio file, atomically; a file
    that already holds the same document is left as it is. Returns (written, unchanged)."""
    from tahaluf.core.fileio import write_atomic
    from tahaluf.core.jsonio import dumps
    from tahaluf.formats.labelstudio import read_export, to_task
    written, same = [], []
    for target, doc in sorted(plan.items()):
        if target.exists():
            base = Document(doc.doc_id, doc.text, doc.metadata)
            old, found = read_export(target, {doc.doc_id: base}, schema=schema)
            if not found and old == [doc]:
                same.append(target)
                continue
        write_atomic(target, dumps([to_task(doc)]))
        written.append(target)
    return written, same


# -- diff -------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One difference between two annotations of a document."""

    op: str  # "+" added, "-" removed, "~" changed
    layer: str  # "entity" | "quote" | "document"
    start: int | None = None
    end: int | None = None
    field: str = ""
    old: Any = None
    new: Any = None
    text: str = ""

    def __str__(self) -> str:
        at = "" if self.start is None else f" [{self.start},{self.end})"
        txt = f" {_short(self.text)!r}" if self.text else ""
        if self.op == "~":
            return f"~ {self.layer}{at}{txt} {self.field}: {self.old!r} -> {self.new!r}"
        extra = f" {self.new if self.op == '+' else self.old}" if self.layer == "entity" else ""
        return f"{self.op} {self.layer}{extra}{at}{txt}"

    def to_dict(self) -> dict:
        return {"op": self.op, "layer": self.layer, "start": self.start, "end": self.end, "field": self.field,
                "old": self.old, "new": self.new, "text": self.text}


def _short(s: str, n: int = 50) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _span_key(s: Span | None) -> list | None:
    return None if s is None else [s.start, s.end, s.text]


def diff_documents(old: Document | None, new: Document) -> list[Change]:
    """Changes from ``old`` to ``new`` (same article), matched by offsets and labels."""
    out: list[Change] = []
    o_ents: dict[tuple[int, int], list[Span]] = {}
    for e in (old.entities if old else ()):
        o_ents.setdefault((e.start, e.end), []).append(e)
    n_ents: dict[tuple[int, int], list[Span]] = {}
    for e in new.entities:
        n_ents.setdefault((e.start, e.end), []).append(e)
    for key in sorted(set(o_ents) | set(n_ents)):
        ol = sorted(e.label for e in o_ents.get(key, ()))
        nl = sorted(e.label for e in n_ents.get(key, ()))
        text = (o_ents.get(key) or n_ents.get(key))[0].text
        if ol and nl and ol != nl and len(ol) == len(nl) == 1:
            out.append(Change("~", "entity", *key, "label", ol[0], nl[0], text))
            continue
        for lab in _minus(ol, nl):
            out.append(Change("-", "entity", *key, old=lab, text=text))
        for lab in _minus(nl, ol):
            out.append(Change("+", "entity", *key, new=lab, text=text))

    o_q = {(q.span.start, q.span.end): q for q in (old.quotes if old else ())}
    n_q = {(q.span.start, q.span.end): q for q in new.quotes}
    for key in sorted(set(o_q) | set(n_q)):
        a, b = o_q.get(key), n_q.get(key)
        if a is None or b is None:
            q = a or b
            out.append(Change("+" if a is None else "-", "quote", *key, text=q.span.text,
                              old=None if a is None else _quote_summary(a),
                              new=None if b is None else _quote_summary(b)))
            continue
        for f, va, vb in (("quote_type", a.quote_type, b.quote_type), ("speaker_id", a.speaker_id, b.speaker_id),
                          ("cue", _span_key(a.cue), _span_key(b.cue)),
                          ("source", _span_key(a.source), _span_key(b.source))):
            if va != vb:
                out.append(Change("~", "quote", *key, f, va, vb, a.span.text))
        for t in sorted(set(a.stance) | set(b.stance)):
            if a.stance.get(t) != b.stance.get(t):
                out.append(Change("~", "quote", *key, t, a.stance.get(t), b.stance.get(t), a.span.text))
    od = dict(old.doc_stance) if old else {}
    for t in sorted(set(od) | set(new.doc_stance)):
        if od.get(t) != new.doc_stance.get(t):
            out.append(Change("~", "document", None, None, t, od.get(t), new.doc_stance.get(t)))
    return out


def _minus(a: list[str], b: list[str]) -> list[str]:
    rest = list(b)
    out = []
    for x in a:
        if x in rest:
            rest.remove(x)
        else:
            out.append(x)
    return out


def _quote_summary(q: Quote) -> dict:
    return {"quote_type": q.quote_type, "speaker_id": q.speaker_id, "stance": dict(q.stance)}
