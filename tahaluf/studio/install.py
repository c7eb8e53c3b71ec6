"""Installing Label Studio into a virtualenv of its own.

Label Studio 1.23.2 pins its own Django, DRF and pydantic, so it runs from a
virtualenv of its own: ``<repo>/.cache/label-studio-venv`` (gitignored), or
the folder named by ``$TAHALUF_LS_VENV``. :func:`install` makes it with
``python -m venv`` and ``pip install label-studio==1.23.2`` (about a minute),
logging both commands to ``<venv>.install.log`` beside it, and writes a
marker file when it has finished. A lock file beside the venv makes a second
installer wait for the first and then find it done.

The project's own location (the default) is rebuilt from scratch when an
earlier install did not finish (no marker file); a folder named by
``$TAHALUF_LS_VENV`` that holds another version is refused, never deleted.

Label Studio's own Python runs with :func:`clean_env`: our environment less
anything that would make it import our packages or leak our token.

This module also holds the names of the environment variables that
configure the studio (``$TAHALUF_LS_*``), since the clean environment must
drop the secret ones.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tahaluf.core import paths
from tahaluf.core.errors import TahalufError

#: The Label Studio release the project runs and tests against.
LS_VERSION = "1.23.2"

ENV_TOKEN = "TAHALUF_LS_TOKEN"
ENV_URL = "TAHALUF_LS_URL"
#: set to 1 to let the token go to a Label Studio that is not on this machine
ENV_ALLOW_REMOTE = "TAHALUF_LS_ALLOW_REMOTE"
ENV_USER = "TAHALUF_LS_USER"
ENV_PASSWORD = "TAHALUF_LS_PASSWORD"
ENV_VENV = "TAHALUF_LS_VENV"
ENV_DATA = "TAHALUF_LS_DATA"

_MARKER = ".tahaluf-label-studio"

#: How the studio reports progress: a callable taking one line (``print`` or :func:`quiet`).
Log = Callable[[str], None]


def quiet(_: str) -> None:
    """A :data:`Log` that says nothing."""


def _own_venv() -> Path:
    return paths.root() / ".cache" / "label-studio-venv"


def default_venv() -> Path:
    env = os.environ.get(ENV_VENV)
    return Path(env).expanduser() if env else _own_venv()


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
                       capture_output=True, text=True, env=clean_env(), check=False)
    return (r.stdout.strip() or None) if r.returncode == 0 else None


def install(venv: Path | None = None, *, python: str | None = None, log: Log = print) -> Path:
    """Make ``venv`` hold Label Studio :data:`LS_VERSION`; return it.

    Does nothing when it already does. The project's own location (the
    default) is rebuilt from scratch when an earlier install did not finish
    (no marker file); a folder named by ``$TAHALUF_LS_VENV`` with another
    version is refused, never deleted.
    """
    venv = Path(venv) if venv is not None else default_venv()
    ours = venv.resolve() == _own_venv().resolve()
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
                    f"{_own_venv()}, or point it at an empty folder")
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
                                    env=clean_env(), check=False).returncode
                if rc != 0:
                    raise TahalufError(f"installing Label Studio failed: `{' '.join(argv)}` exited {rc}. "
                                       f"Last lines of {venv_log}:\n{log_tail(venv_log)}")
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


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for Label Studio's own Python: ours, less anything that would
    make it import our packages or leak our token; plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", ENV_TOKEN, ENV_PASSWORD)
           and not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))}
    env.update(extra or {})
    return env


def log_tail(path: Path, n: int = 25) -> str:
    """The last ``n`` lines of a log file, indented, for an error message."""
    try:
        lines = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + ln for ln in lines[-n:])
