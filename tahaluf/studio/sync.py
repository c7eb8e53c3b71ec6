"""Pushing the corpus to a Label Studio project and pulling it back.

Push (:func:`push`)
    Creates the project (by title) from
    :func:`tahaluf.formats.labelstudio.labeling_config` or updates the config
    of an existing one (:func:`update_config`), and imports one task per
    article with each source's annotation of it (one annotation per source,
    so ``pass_a`` and ``pass_b`` together give two annotators per task), or
    with the annotation as a prediction with a ``model_version`` for
    pre-annotation. ``ground_truth`` is set as asked (the CLI sets it for the
    gold and not for a pass unless told). Before anything is sent every
    document must survive the converter's round trip
    (:func:`roundtrip_problems`) and every result must validate against the
    config with the SDK's ``LabelInterface`` (:func:`interface_problems`). A
    project that already has tasks for these articles is refused unless
    ``replace`` deletes them first, and ``replace`` refuses while they hold
    work nobody has pulled (:func:`unpulled_work`) unless ``force``. The
    config and instructions of an existing project are updated in place
    (tasks and annotations stay); ``blank`` tasks hold the text only, for
    blind annotation, and pending articles always go in blank. ``update``
    leaves the tasks of an existing project alone and adds tasks only for the
    articles it lacks (after ``schema add-target`` or ``add-article``). Annotators
    become Label Studio users as :mod:`tahaluf.studio.users` describes.

Pull (:func:`pull`)
    Exports the project as JSON (all tasks), maps users to annotators, and
    converts and validates every annotation with
    :func:`tahaluf.formats.labelstudio.tasks_to_documents` and
    :func:`tahaluf.validate.document_findings`. :func:`plan_outputs` places
    each document: ``<out>/<doc_id>.json`` when every task has one annotation,
    ``<out>/<annotator>/<doc_id>.json`` when a task has several (for
    agreement). :func:`write_outputs` writes every changed file, all or nothing
    (:func:`tahaluf.core.fileio.write_files`, in the canonical JSON of
    :func:`tahaluf.core.jsonio.dumps`), skipping files whose content is
    already the same document; the CLI calls it only when there is no finding.

Round trip (:func:`roundtrip_problems`)
    A document goes through the converter into a task, through JSON text (as
    a server stores it) and back; what differs is listed with
    :func:`tahaluf.analysis.diff.diff_documents`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tahaluf import seeds
from tahaluf.analysis.diff import diff_documents
from tahaluf.core import jsonio, paths
from tahaluf.core.errors import Finding, TahalufError
from tahaluf.core.fileio import write_files
from tahaluf.core.jsonio import dumps
from tahaluf.core.model import Document, Speaker
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.formats import labelstudio
from tahaluf.formats.labelstudio_speakers import collect as collect_new_speakers
from tahaluf.studio.install import Log, quiet
from tahaluf.studio.server import api_call
from tahaluf.studio.users import ensure_users, list_users, slug, with_annotators
from tahaluf.validate import document_findings

DEFAULT_PROJECT = "Tahaluf"


def find_project(ls, project: str | int) -> Any | None:
    """The project with this title (or id), or None."""
    with api_call("list projects"):
        found = [p for p in ls.projects.list()
                 if (p.id == project if isinstance(project, int) else p.title == project)]
    if len(found) > 1:
        raise TahalufError(f"{len(found)} projects are titled {project!r} (ids {[p.id for p in found]}); "
                           f"pass the id instead")
    return found[0] if found else None


# -- checks before pushing ----------------------------------------------------------

def roundtrip_problems(doc: Document, *, schema: Schema = SCHEMA,
                       to_result: Callable[[Document], list[dict]] | None = None) -> list[str]:
    """Why ``doc`` would not come back identical from Label Studio (empty if it would).

    ``doc`` goes through ``to_result`` (default
    :func:`tahaluf.formats.labelstudio.to_result`, as it is at call time)
    into a task, through JSON text (as a server stores it), and back through
    :func:`tahaluf.formats.labelstudio.tasks_to_documents`. Any finding, a
    missing or extra document, or a document that differs from ``doc`` is a
    problem.
    """
    to_result = to_result or labelstudio.to_result
    task = {"data": {"text": doc.text, "doc_id": doc.doc_id},
            "annotations": [{"completed_by": {"email": doc.annotator} if doc.annotator else None,
                             "was_cancelled": False, "ground_truth": False, "result": to_result(doc)}]}
    task = json.loads(dumps(task))
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
    from label_studio_sdk.label_interface import LabelInterface  # slow to import: only when checking

    try:
        li = LabelInterface(config)
        li.validate()
    except Exception as e:  # noqa: BLE001 - the SDK raises several exception types of its own
        return [f"labeling config: {e}"]
    out = []
    for d in docs:
        for err in li.validate_prediction({"result": labelstudio.to_result(d)}, return_errors=True) or []:
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
         force: bool = False, blank: bool = False, per_task: int | None = None, update: bool = False,
         log: Log = quiet) -> PushReport:
    """Push annotated documents; one task per article (see the module docstring).

    ``sources`` is one list of documents per annotation source; each source
    holds at most one annotation per article. With ``model_version`` the
    (single) source goes in as predictions instead of annotations. With
    ``blank`` the tasks hold the text only (blind annotation: nobody sees the
    gold), and ``per_task`` sets how many annotators label each task.
    Articles added with ``tahaluf add-article`` and not annotated yet always
    go in as blank tasks. ``replace`` refuses while the tasks it would delete
    hold work that differs from what is pushed (unpulled work) unless ``force``.
    ``update`` changes an existing project in place: its config and
    instructions, and tasks only for the articles it lacks; every task,
    annotation and prediction it holds stays as it is.
    """
    if update and replace:
        raise TahalufError("--update keeps every task and --replace deletes some: choose one")
    if model_version is not None and len(sources) != 1:
        raise TahalufError("predictions come from one source at a time")
    position = {doc_id: i for i, doc_id in enumerate(seeds.doc_ids())}
    per_doc: dict[str, list[Document]] = {}
    for si, src in enumerate(sources):
        seen: set[str] = set()
        for d in src:
            if d.doc_id in seen:
                raise TahalufError(f"source {si + 1} has two annotations of {d.doc_id}; push them as two sources")
            seen.add(d.doc_id)
            per_doc.setdefault(d.doc_id, []).append(d)
    doc_ids = sorted(per_doc, key=lambda i: position.get(i, len(position)))  # corpus order, unknown ids last
    docs = [d for doc_id in doc_ids for d in per_doc[doc_id]]
    pending = [d for d in seeds.load_corpus() if d.metadata.get("annotation") == seeds.PENDING
               and d.doc_id not in per_doc]
    if blank:
        texts = {d.doc_id: d for d in docs}
        for d in pending:
            texts.setdefault(d.doc_id, d)
        pending, docs = [texts[i] for i in sorted(texts, key=lambda i: position.get(i, len(position)))], []
        per_doc = {}
    if not docs and not pending:
        raise TahalufError("nothing to push: the sources hold no documents")
    problems = [f"doc={d.doc_id} annotator={d.annotator}: {p}" for d in docs for p in roundtrip_problems(d, schema=schema)]
    config = labelstudio.labeling_config(schema)
    problems += interface_problems(config, docs)
    if problems:
        raise TahalufError("refusing to push: these documents would not come back from Label Studio as they are:\n"
                           + "\n".join(f"  {p}" for p in problems[:50]))

    project = find_project(ls, title)
    created = project is None
    clash: list[tuple[int, Any]] = []
    if not created:
        existing = [(t.id, (t.data or {}).get("doc_id")) for t in _tasks(ls, project.id)]
        have = {did for _, did in existing}
        pending = [d for d in pending if d.doc_id not in have]  # blank tasks already there stay as they are
        if update:  # articles that have a task keep it, with its work
            per_doc = {k: v for k, v in per_doc.items() if k not in have}
            docs = [d for d in docs if d.doc_id in per_doc]
        clash = [(tid, did) for tid, did in existing if did in per_doc]
        if clash and replace and not force:
            kept = unpulled_work(ls, project.id, per_doc, schema)
            if kept:
                raise TahalufError(f"refusing --replace: the project holds work nobody has pulled ({'; '.join(kept[:10])}). "
                                   f"Pull it first (`tahaluf studio pull`), or add --force to delete it.")
        if clash and not replace:
            raise TahalufError(f"project {title!r} already has tasks for {len(clash)} of these articles "
                               f"({', '.join(sorted({str(d) for _, d in clash}))}). Pull them first if they hold "
                               f"work, then push with --replace to delete those tasks and import afresh; or push with --update "
                               f"to keep every task and change only the config (and add tasks for new articles).")
    if created:
        with api_call(f"create the project {title!r}"):
            more = {} if per_task is None else {"maximum_annotations": per_task}
            project = ls.projects.create(title=title, label_config=config, **more,
                                         description=f"Tahaluf schema v{schema.version}: entities, quotations, stance",
                                         expert_instruction=labelstudio.instructions_html(schema),
                                         show_instruction=True)
        log(f"created project {title!r} (id {project.id})")
    for tid, _ in clash:
        with api_call(f"delete task {tid}"):
            ls.tasks.delete(id=str(tid))
    if not created:  # after deleting: Label Studio refuses a config that drops labels still in use
        update_config(ls, project, config, log=log, instructions=labelstudio.instructions_html(schema))

    users: dict[str, str] = {}
    tasks = []
    if model_version is None:
        users = ensure_users(ls, {d.annotator for d in docs if d.annotator})
    if per_task is not None and not created:
        with api_call(f"set {per_task} annotations per task"):
            ls.projects.update(id=project.id, maximum_annotations=per_task)
    tasks.extend({"data": {"text": d.text, "doc_id": d.doc_id}} for d in pending)  # blank: text only
    for doc_id in [i for i in doc_ids if i in per_doc]:
        task: dict[str, Any] = {"data": {"text": per_doc[doc_id][0].text, "doc_id": doc_id}}
        for d in per_doc[doc_id]:
            one = labelstudio.to_task(d, as_prediction=model_version, ground_truth=ground_truth)
            if model_version is not None:
                task.setdefault("predictions", []).extend(one["predictions"])
            else:
                for a in one["annotations"]:
                    a["completed_by"] = {"email": users[d.annotator]} if d.annotator else None
                task.setdefault("annotations", []).extend(one["annotations"])
        tasks.append(task)
    if not tasks:
        return PushReport(project.id, title, created, 0, 0, 0, len(clash), users)
    with api_call(f"import {len(tasks)} tasks into project {project.id}"):
        r = ls.projects.import_tasks(id=project.id, request=tasks, return_task_ids=True)
    n_ann = sum(len(t.get("annotations", ())) for t in tasks)
    n_pred = sum(len(t.get("predictions", ())) for t in tasks)
    got_ann = r.annotation_count or 0
    got_pred = r.prediction_count if r.prediction_count is not None else (r.predictions_count or 0)
    if r.task_count != len(tasks) or got_ann != n_ann or (got_pred or 0) != n_pred:
        raise TahalufError(f"Label Studio imported {r.task_count} tasks, {got_ann} annotations, {got_pred} "
                           f"predictions; sent {len(tasks)}, {n_ann}, {n_pred}")
    if model_version is not None:
        with api_call("set the project's model version"):
            ls.projects.update(id=project.id, model_version=model_version, show_collab_predictions=True)
    return PushReport(project.id, title, created, len(tasks), n_ann, n_pred, len(clash), users)


def unpulled_work(ls, project_id: int, per_doc: Mapping[str, Sequence[Document]], schema: Schema = SCHEMA) -> list[str]:
    """The annotations in the project, on tasks of ``per_doc``'s articles, that
    are not among the documents about to be pushed: work nobody has pulled."""
    tasks = [t for t in with_annotators(export_tasks(ls, project_id), list_users(ls))
             if (t.get("data") or {}).get("doc_id") in per_doc]
    bases = {d.doc_id: d for d in seeds.load_corpus()}
    out = []
    for t in tasks:
        doc_id = t["data"]["doc_id"]
        for a in t.get("annotations") or []:
            if a.get("was_cancelled"):
                continue
            got, found = labelstudio.tasks_to_documents([{**t, "annotations": [a]}], bases, schema=schema)
            if found or not got or got[0] not in per_doc[doc_id]:
                out.append(f"task {t.get('id')} ({doc_id}) annotation {a.get('id')} by "
                           f"{labelstudio.annotator_of(a)}")
    return out


def update_config(ls, project: Any, config: str, *, log: Log = quiet, instructions: str | None = None) -> None:
    """Give an existing project this labeling config (and instructions), in
    place: its tasks and annotations stay (Label Studio refuses a config that
    drops labels its tasks still use)."""
    extra = {} if instructions is None else {"expert_instruction": instructions, "show_instruction": True}
    with api_call(f"update the labeling config of project {project.id}"):
        ls.projects.update(id=project.id, label_config=config, **extra)
    log(f"updated the labeling config of project {project.title!r} (id {project.id})")


def _tasks(ls, project_id: int) -> list:
    with api_call(f"list the tasks of project {project_id}"):
        return list(ls.tasks.list(project=project_id, fields="all"))


# -- pull -------------------------------------------------------------------------

@dataclass
class Pulled:
    project_id: int
    docs: list[Document]
    findings: list[Finding]
    #: number of tasks read from the export
    tasks: int = 0
    #: speakers entered on the page as new (:mod:`tahaluf.formats.labelstudio_speakers`), by id
    new_speakers: dict[str, Speaker] = field(default_factory=dict)


def export_tasks(ls, project_id: int) -> list[dict]:
    """The project's JSON export (all tasks), as Label Studio gives it."""
    with api_call(f"export project {project_id}"):
        raw = b"".join(ls.projects.exports.download_sync(id=project_id, export_type="JSON",
                                                          download_all_tasks=True))
    try:
        data = jsonio.loads(raw.decode("utf-8"), f"export of project {project_id}")
    except ValueError as e:
        raise TahalufError(f"the export of project {project_id} is not JSON: {e}") from None
    if not isinstance(data, list):
        raise TahalufError(f"the export of project {project_id} is not a list of tasks")
    return data


def pull(ls, project: str | int = DEFAULT_PROJECT, *, schema: Schema = SCHEMA,
         speakers: Mapping[str, Speaker] | None = None, allow_missing: bool = False,
         seeds_dir: Path | None = None) -> Pulled:
    """Export, map users to annotators, convert and validate (see the module docstring)."""
    p = find_project(ls, project)
    if p is None:
        raise TahalufError(f"Label Studio has no project {project!r}; push one first (`tahaluf studio push`)")
    tasks = with_annotators(export_tasks(ls, p.id), list_users(ls))
    if allow_missing:
        tasks = [t for t in tasks if any(not a.get("was_cancelled") for a in t["annotations"])]
    bases = {d.doc_id: d for d in seeds.load_corpus(seeds_dir)}
    where = f"project={p.id}"
    docs, found = labelstudio.tasks_to_documents(tasks, bases, schema=schema, location=where)
    new = collect_new_speakers(tasks, speakers or {}, location=where)
    found += new.findings
    if speakers is not None:  # the quotations of a new speaker validate against the grown registry
        speakers = {**speakers, **new.entries}
    order = list(bases)
    docs.sort(key=lambda d: (order.index(d.doc_id), d.annotator or ""))
    tids = {t["data"].get("doc_id"): t.get("id") for t in tasks}
    for d in docs:
        found += document_findings(d, schema=schema, speakers=speakers,
                                   location=f"{where} task={tids.get(d.doc_id)} doc={d.doc_id} annotator={d.annotator}")
    used = {q.speaker_id for d in docs for q in d.quotes}  # an entry no converted quotation uses is not registered
    return Pulled(p.id, docs, found, len(tasks), {k: v for k, v in new.entries.items() if k in used})


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


def write_outputs(plan: Mapping[Path, Document], *, schema: Schema = SCHEMA,
                  extra: Mapping[Path, str | bytes] | None = None) -> tuple[list[Path], list[Path]]:
    """Write each document as a one-task Label Studio file, atomically; a file
    that already holds the same document is left as it is. ``extra`` files
    (the registry, the config, the metadata a pull into the gold changes:
    :func:`tahaluf.studio.gold.gold_extras`) go in the same all-or-nothing
    write. Returns (written, unchanged)."""
    written, same = [], []
    new: dict[Path, str | bytes] = {}
    for target, data in sorted((extra or {}).items()):
        if not (target.exists() and target.read_bytes() == (data if isinstance(data, bytes) else data.encode("utf-8"))):
            new[target] = data
            written.append(target)
    for target, doc in sorted(plan.items()):
        if target.exists():
            base = Document(doc.doc_id, doc.text, doc.metadata)
            old, found = labelstudio.read_export(target, {doc.doc_id: base}, schema=schema)
            if not found and old == [doc]:
                same.append(target)
                continue
        new[target] = dumps([labelstudio.to_task(doc)])
        written.append(target)
    if new:  # every changed file or none, with one journal: at the repository root for files inside it
        # (as extend._write writes), where the next command finishes a killed write (cli._recover)
        top = Path(os.path.commonpath([str(t.parent.resolve()) for t in new]))
        root = paths.root().resolve()
        if top.is_relative_to(root):
            top = root
        write_files(top, {t.resolve().relative_to(top).as_posix(): text for t, text in new.items()})
    return written, same
