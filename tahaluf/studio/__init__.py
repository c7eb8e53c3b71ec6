"""Label Studio: installing and running the server, pushing the corpus to it and pulling it back.

=========  ====================================================================
module     what it does
=========  ====================================================================
install    Label Studio 1.23.2 in a virtualenv of its own; the ``$TAHALUF_LS_*``
           variables and the clean environment its Python runs with
server     the server on 127.0.0.1 (start, health, stop), the token and
           password, and the label-studio-sdk client
users      annotator names <-> Label Studio users (stand-in users for names
           that are not e-mail addresses)
sync       push (with the round-trip and interface checks and the labeling
           config update), pull, and writing pulled documents
gold       what a pull into the gold writes with it: new speakers in the
           registry, the regenerated config, pending articles un-marked
accounts   annotator accounts that can log in (sign-up form with the invite
           token, checked by a real login), and browser-like web sessions
=========  ====================================================================

Each module's docstring says how and why. The comparison of two annotations
of a document that ``pull`` prints is :mod:`tahaluf.analysis.diff`; the
converter and the labeling config are :mod:`tahaluf.formats.labelstudio`.
This package re-exports the names ``tahaluf studio`` and the tests use.
"""

from tahaluf.studio.accounts import WebSession, add_user, login
from tahaluf.studio.install import (
    ENV_DATA,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_URL,
    ENV_USER,
    ENV_VENV,
    LS_VERSION,
    default_data_dir,
    default_venv,
    install,
    installed_version,
    log_tail,
)
from tahaluf.studio.server import (
    DEFAULT_PORT,
    DEFAULT_USER,
    Server,
    client,
    free_port,
    http_get,
    token_from_env,
    url_from_env,
)
from tahaluf.studio.sync import (
    DEFAULT_PROJECT,
    Pulled,
    PushReport,
    export_tasks,
    find_project,
    interface_problems,
    plan_outputs,
    pull,
    push,
    roundtrip_problems,
    write_outputs,
)
from tahaluf.studio.users import (
    PROXY_DOMAIN,
    annotator_email,
    annotator_name,
    ensure_users,
    slug,
    with_annotators,
)

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_PROJECT",
    "DEFAULT_USER",
    "ENV_DATA",
    "ENV_PASSWORD",
    "ENV_TOKEN",
    "ENV_URL",
    "ENV_USER",
    "ENV_VENV",
    "LS_VERSION",
    "PROXY_DOMAIN",
    "Pulled",
    "PushReport",
    "Server",
    "WebSession",
    "add_user",
    "annotator_email",
    "annotator_name",
    "client",
    "default_data_dir",
    "default_venv",
    "ensure_users",
    "export_tasks",
    "find_project",
    "free_port",
    "http_get",
    "install",
    "installed_version",
    "interface_problems",
    "log_tail",
    "login",
    "plan_outputs",
    "pull",
    "push",
    "roundtrip_problems",
    "slug",
    "token_from_env",
    "url_from_env",
    "with_annotators",
    "write_outputs",
]
