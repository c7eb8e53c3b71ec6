"""Annotators <-> Label Studio users.

An annotation's author in Label Studio is a user (an e-mail address); in the
canonical model it is ``Document.annotator``, any string (the passes use
names such as ``pass-a/annotator-a1 (AI helper agent)``). A name that is a
lower-case e-mail address is that user. Any other name gets a stand-in user
``<slug>-<hash>@tahaluf.invalid`` whose first name is the name
(:func:`annotator_email`; the hash keeps names with the same slug apart).
Pulling maps such users back to the name, and any other user to its e-mail
(:func:`annotator_name`, :func:`with_annotators`); an annotation is credited to
its editor, the user who last saved it (:func:`editor_id`). So a push followed by a
pull gives back the same annotator, and several annotators on one task stay
apart.

:func:`slug` is the file-system-safe form of a name that ``pull`` uses for
one folder per annotator.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tahaluf.core.errors import TahalufError
from tahaluf.studio.server import api_call

#: Domain of the stand-in users made for annotator names that are not e-mail addresses.
PROXY_DOMAIN = "tahaluf.invalid"

#: names taken as e-mail addresses as they are (lower case: Label Studio may change the case of others)
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")


def annotator_email(name: str) -> str:
    """The Label Studio user of an annotator name (see the module docstring)."""
    if EMAIL.fullmatch(name):
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


def list_users(ls) -> dict[int, dict]:
    """Every Label Studio user by id: ``{"id", "email", "first_name"}``."""
    with api_call("list users"):
        return {u.id: {"id": u.id, "email": u.email, "first_name": u.first_name or ""} for u in ls.users.list()}


def ensure_users(ls, names: Iterable[str]) -> dict[str, str]:
    """Annotator name -> e-mail of an existing Label Studio user, creating missing ones."""
    users = {u["email"]: u for u in list_users(ls).values()}
    out: dict[str, str] = {}
    for name in sorted(set(names)):
        if len(name) > 256:
            raise TahalufError(f"annotator name longer than 256 characters: {name[:60]!r}...")
        email = annotator_email(name)
        if email not in users:
            with api_call(f"create the user {email}"):
                ls.users.create(username=email, email=email,
                                first_name=name if email.endswith("@" + PROXY_DOMAIN) else "")
            users[email] = {"email": email}
        out[name] = email
    return out


def editor_id(annotation: Mapping[str, Any]) -> Any:
    """The user who made an annotation what it is now: Label Studio's ``updated_by``
    (the last user who saved it, through the page or the API) when it names another
    user than ``completed_by`` (who created it), else ``completed_by``. So an
    annotator who corrects an annotation imported under the adjudicator's name is
    the one credited."""
    who = annotation.get("completed_by")
    uid = who.get("id") if isinstance(who, Mapping) else who
    upd = annotation.get("updated_by")
    upd = upd.get("id") if isinstance(upd, Mapping) else upd
    return upd if type(upd) is int and upd != uid else uid


def with_annotators(tasks: list[dict], users: Mapping[int, Mapping[str, Any]]) -> list[dict]:
    """A copy of an export whose ``completed_by`` holds ``{"id", "email": annotator name}``
    of the annotation's editor (:func:`editor_id`)."""
    out = []
    for t in tasks:
        t = dict(t)
        anns = []
        for a in t.get("annotations") or []:
            a = dict(a)
            uid = editor_id(a)
            a["completed_by"] = {"id": uid, "email": annotator_name(users.get(uid), uid)}
            anns.append(a)
        t["annotations"] = anns
        out.append(t)
    return out
