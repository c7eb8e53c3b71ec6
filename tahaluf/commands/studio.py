"""``tahaluf studio``: run Label Studio, push the corpus to it, pull annotations back.

Sub-commands (see :mod:`tahaluf.studio` for what each does and why)::

    tahaluf studio install   make <repo>/.cache/label-studio-venv (label-studio==1.23.2)
    tahaluf studio serve     start Label Studio on 127.0.0.1; prints the URL, never the token
    tahaluf studio push      create/update the project, import the articles with their annotation
    tahaluf studio pull      export, validate, diff against the gold, write annotation/gold/ (or --out);
                             into the gold also new speakers (annotation/speakers.json, the config) and
                             pending articles un-marked (seeds/metadata.json)
    tahaluf studio config    print or write the labeling config (annotation/labeling_config.xml)
    tahaluf studio add-user  an annotator account that can log in (checked), idempotent

The API token is ``$TAHALUF_LS_TOKEN`` for all of them; the server URL is
``--url`` or ``$TAHALUF_LS_URL`` (default http://127.0.0.1:8080).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from tahaluf.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, command
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.jsonio import dumps
from tahaluf.core.schema import SCHEMA, Schema, StanceTarget

EXAMPLES = {
    "install": "tahaluf studio install",
    "serve": "tahaluf studio serve --port 8080",
    "push": "tahaluf studio push --source current",
    "pull": "tahaluf studio pull --dry-run",
    "config": "tahaluf studio config --out annotation/labeling_config.xml",
    "add-user": "tahaluf studio add-user ann1@example.org --name 'Annotator 1' --password-file ann1.pw",
}


def _schema(args: argparse.Namespace) -> Schema:
    from tahaluf.core.ids import require
    extra = tuple(StanceTarget(require("target", t, "--extra-target"), "trial stance target (not in the committed "
                               "schema)", required=False) for t in getattr(args, "extra_target", None) or ())
    try:
        return SCHEMA.extended(stance_targets=extra) if extra else SCHEMA
    except ValueError as e:
        raise TahalufError(str(e)) from None


def _add_server_args(p: argparse.ArgumentParser, project: bool = True) -> None:
    p.add_argument("--url", default=None,
                   help="Label Studio URL (default $TAHALUF_LS_URL or http://127.0.0.1:8080); "
                        "a loopback address unless --allow-remote")
    p.add_argument("--allow-remote", action="store_true",
                   help="send the token to a Label Studio that is not on this machine "
                        "(also $TAHALUF_LS_ALLOW_REMOTE=1)")
    if project:
        p.add_argument("--project", default=None,
                       help="project title, or its id as a number (default 'Tahaluf')")


def add_args(p: argparse.ArgumentParser) -> None:
    p.set_defaults(_studio_parser=p)
    sub = p.add_subparsers(dest="studio_cmd", metavar="SUBCOMMAND")

    def sp(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, epilog=f"Example:\n  {EXAMPLES[name]}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    s = sp("install", "install Label Studio 1.23.2 into its own virtualenv")
    s.add_argument("--venv", type=Path, default=None,
                   help="where (default $TAHALUF_LS_VENV or <repo>/.cache/label-studio-venv)")

    s = sp("serve", "start Label Studio on 127.0.0.1 (Ctrl-C stops it)")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--data-dir", type=Path, default=None,
                   help="its data (default $TAHALUF_LS_DATA or <repo>/.cache/label-studio-data)")
    s.add_argument("--venv", type=Path, default=None, help="Label Studio's virtualenv (see `install`)")
    s.add_argument("--install", action="store_true", help="install Label Studio first if it is missing")
    s.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for /health (default 240)")

    s = sp("push", "create or update the project and import every article with its annotation")
    _add_server_args(s)
    s.add_argument("--source", action="append", metavar="SOURCE",
                   help="'current' (gold if built, else pass_a), 'gold', 'pass_a', 'pass_b', a folder of "
                        "Label Studio exports, or (with --predictions) a system's predictions in the submission "
                        "format: a .jsonl file or a folder such as baselines/entities-crf; repeat for several "
                        "annotators per task (default: current)")
    s.add_argument("--predictions", metavar="MODEL_VERSION", default=None,
                   help="import the annotation as predictions with this model_version (pre-annotation)")
    s.add_argument("--ground-truth", action=argparse.BooleanOptionalAction, default=None,
                   help="mark the imported annotations as ground truth (default: yes for the gold, no for a pass)")
    s.add_argument("--replace", action="store_true",
                   help="delete the project's existing tasks for these articles first")
    s.add_argument("--update", action="store_true",
                   help="an existing project changes in place: new labelling config and instructions, tasks "
                        "only for articles it lacks (e.g. one added with `tahaluf add-article`); every task, "
                        "annotation and prediction it holds is kept")
    s.add_argument("--force", action="store_true",
                   help="with --replace: delete the tasks even if they hold work nobody has pulled")
    s.add_argument("--blank", action="store_true",
                   help="text only, no annotation (blind annotation: annotators do not see the gold)")
    s.add_argument("--annotations-per-task", type=int, default=None, metavar="N",
                   help="how many annotators label each task (2 for double annotation)")
    s.add_argument("--extra-target", action="append", metavar="stance_tN",
                   help="try an extra (optional) stance target in Label Studio before it is in the schema; "
                        "repeatable. To keep it, add it with `tahaluf schema add-target` (pull knows only "
                        "the targets of annotation/schema.json)")

    s = sp("pull", "export, validate, diff against the gold and write annotation/gold/ (or --out)")
    _add_server_args(s)
    s.add_argument("--out", type=Path, default=None, help="output folder (default annotation/gold/)")
    s.add_argument("--by-annotator", action="store_true",
                   help="one folder per annotator even when each task has one annotation")
    s.add_argument("--allow-missing", action="store_true", help="skip tasks nobody has annotated yet")
    s.add_argument("--dry-run", action="store_true", help="validate and show the diff; write nothing")
    s.add_argument("--json", action="store_true", help="print findings, diff and files as JSON")

    s = sp("config", "print or write the Label Studio labeling config generated from the schema")
    s.add_argument("--out", type=Path, default=None, help="write it here (atomically) instead of printing")
    s.add_argument("--extra-target", action="append", metavar="stance_tN", help="as for push (a trial only)")

    s = sp("add-user", "make an annotator's Label Studio account, check it logs in and gets its API token")
    _add_server_args(s, project=False)
    s.add_argument("email", metavar="EMAIL", help="the annotator's (lower-case) e-mail address: their login, and "
                                                  "the name pull records on their annotations")
    s.add_argument("--name", default=None, help="their display name in Label Studio (first name)")
    s.add_argument("--password-file", type=Path, default=None, metavar="FILE",
                   help="read the password from the first line of FILE ('-': standard input); "
                        "default: ask twice on the terminal")
    s.add_argument("--reset-password", action="store_true",
                   help="if the user exists and the password does not log in, set it with Label Studio's "
                        "`reset_password` (needs the server's --data-dir on this machine)")
    s.add_argument("--data-dir", type=Path, default=None, help="with --reset-password: the data dir of `serve`")
    s.add_argument("--venv", type=Path, default=None, help="with --reset-password: Label Studio's virtualenv")
    s.add_argument("--token-file", type=Path, default=None, metavar="FILE",
                   help="write the annotator's own API token to FILE (mode 600); it is never printed")


def run(args: argparse.Namespace) -> int:
    cmd = getattr(args, "studio_cmd", None)
    if cmd is None:
        args._studio_parser.print_help()
        return EXIT_USAGE
    return {"install": _install, "serve": _serve, "push": _push, "pull": _pull, "config": _config,
            "add-user": _add_user}[cmd](args)


# -- install / serve ----------------------------------------------------------------

def _install(args: argparse.Namespace) -> int:
    from tahaluf import studio
    venv = studio.install(args.venv, log=lambda m: print(m, flush=True))
    print(f"Label Studio {studio.LS_VERSION} is installed in {venv}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from tahaluf import studio
    token = studio.token_from_env()
    venv = args.venv or studio.default_venv()
    if args.install:
        studio.install(venv, log=lambda m: print(m, flush=True))
    data = args.data_dir or studio.default_data_dir()
    srv = studio.Server(data_dir=data, token=token, port=args.port, venv=venv,
                        username=os.environ.get(studio.ENV_USER, studio.DEFAULT_USER))
    pw_from = (f"${studio.ENV_PASSWORD}" if os.environ.get(studio.ENV_PASSWORD)
               else f"the file {Path(data) / 'admin-password'}")

    def on_signal(signum, frame):  # stop the server on SIGTERM and SIGHUP as on Ctrl-C
        raise KeyboardInterrupt

    # set explicitly: a shell without job control starts background commands with SIGINT ignored
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        print(f"starting Label Studio {studio.LS_VERSION} on 127.0.0.1:{args.port} (data {data})", flush=True)
        srv.start(timeout=args.timeout)
        print(f"Label Studio is up at {srv.url}", flush=True)
        print(f"  log in as {srv.username}, password in {pw_from}; API token from ${studio.ENV_TOKEN} (not shown)")
        print(f"  server log {srv.log_path}; Ctrl-C stops it", flush=True)
        rc = srv.process.wait()
        print(f"Label Studio exited with code {rc}; last lines of {srv.log_path}:\n{studio.log_tail(srv.log_path)}",
              file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("stopping Label Studio", flush=True)
        return EXIT_OK
    finally:
        srv.stop()
        for sig, handler in old.items():
            signal.signal(sig, handler)


# -- push / pull ----------------------------------------------------------------------

#: the named sources of ``push --source`` (anything else must be a folder)
SOURCES = ("current", "gold", "pass_a", "pass_b")


def _load_source(name: str, schema: Schema):
    from tahaluf import corpus
    return corpus.load_source(name, schema=schema)


def _push(args: argparse.Namespace) -> int:
    from tahaluf import studio
    from tahaluf.studio.predictions import is_predictions, read_predictions
    schema = _schema(args)
    token = studio.token_from_env()
    url = (args.url or studio.url_from_env()).rstrip("/")
    sources, names = [], []
    for name in args.source or ["current"]:
        if name not in SOURCES and is_predictions(Path(name)):  # a system's output, in the submission format
            if args.predictions is None:
                raise TahalufError(f"{name} holds predictions (JSON Lines in the submission format): push them "
                                   f"as pre-annotations with --predictions MODEL_VERSION")
            docs, which = read_predictions(Path(name), schema=schema)
            print(f"predictions read from {which}")
            which = name
        else:
            docs, which = _load_source(name, schema)
        sources.append(docs)
        names.append(which)
    gt = args.ground_truth if args.ground_truth is not None else (names == ["gold"] and args.predictions is None)
    ls = studio.client(url, token, allow_remote=args.allow_remote)
    r = studio.push(ls, sources, title=_project(args), schema=schema, model_version=args.predictions,
                    ground_truth=bool(gt), replace=args.replace, force=args.force, blank=args.blank,
                    per_task=args.annotations_per_task, update=args.update, log=print)
    what = (f"{r.predictions} prediction(s) (model_version {args.predictions!r})" if args.predictions
            else "no annotation (blank tasks)" if args.blank
            else f"{r.annotations} annotation(s) (ground_truth={bool(gt)})")
    print(f"pushed {', '.join(names)} to project {r.title!r} (id {r.project_id}, "
          f"{'created' if r.created else 'config updated'}) at {url}: {r.tasks} task(s), {what}"
          + (f"; replaced {r.replaced} task(s)" if r.replaced else ""))
    for name, email in sorted(r.users.items()):
        if name != email:
            print(f"  annotator {name!r} is the Label Studio user {email}")
    return EXIT_OK


def _project(args: argparse.Namespace):
    from tahaluf import studio
    p = args.project or studio.DEFAULT_PROJECT
    return int(p) if str(p).isdigit() else p


def _pull(args: argparse.Namespace) -> int:
    from tahaluf import corpus, studio
    from tahaluf.analysis.diff import diff_documents
    from tahaluf.studio.gold import gold_extras
    schema = SCHEMA  # annotation/schema.json: a pulled target it lacks is refused (`tahaluf schema add-target`)
    token = studio.token_from_env()
    url = (args.url or studio.url_from_env()).rstrip("/")
    speakers = corpus.load_speakers()
    ls = studio.client(url, token, allow_remote=args.allow_remote)
    pulled = studio.pull(ls, _project(args), schema=schema, speakers=speakers, allow_missing=args.allow_missing)
    report: dict = {"url": url, "project_id": pulled.project_id, "tasks": pulled.tasks,
                    "annotations": len(pulled.docs), "findings": [f.to_dict() for f in pulled.findings],
                    "diff": [], "written": [], "unchanged": []}
    out_dir = args.out or paths.gold_dir()
    plan = {}
    if not pulled.findings:
        several = len({d.doc_id for d in pulled.docs}) < len(pulled.docs)
        if several and args.out is None:
            raise TahalufError(
                "several annotators on one task: the gold holds one annotation per article. Pass --out DIR "
                "to write one folder per annotator (DIR/<annotator>/<doc_id>.json), e.g. for agreement.")
        plan = studio.plan_outputs(pulled.docs, out_dir, by_annotator=args.by_annotator or None)

    try:
        ref_docs, ref_name = corpus.source_documents()
        ref = {d.doc_id: d for d in ref_docs}
    except TahalufError as e:
        ref, ref_name = None, f"nothing (the current annotations do not load: {str(e).splitlines()[0]})"
    report["diff_against"] = ref_name
    for d in pulled.docs:
        changes = diff_documents(ref.get(d.doc_id) if ref else None, d)
        report["diff"].append({"doc_id": d.doc_id, "annotator": d.annotator,
                               "changes": [c.to_dict() for c in changes], "lines": [str(c) for c in changes]})

    into_gold = Path(out_dir).resolve() == paths.gold_dir().resolve()
    extra, done = {}, []
    if not pulled.findings and into_gold:  # the registry, the config and pending marks go with the gold
        extra, done = gold_extras(pulled.docs, pulled.new_speakers, schema=schema)
    registered = into_gold and not pulled.findings and not args.dry_run
    report["new_speakers"] = [{**s.to_dict(), "registered": registered} for s in pulled.new_speakers.values()]
    report["no_longer_pending"] = done
    if not pulled.findings and not args.dry_run:
        written, same = studio.write_outputs(plan, schema=schema, extra=extra)
        report["written"] = [str(p) for p in written]
        report["unchanged"] = [str(p) for p in same]

    if args.json:
        sys.stdout.write(dumps(report))
    else:
        print(f"pulled project {pulled.project_id} at {url}: {pulled.tasks} task(s), {len(pulled.docs)} "
              f"annotation(s) by {len({d.annotator for d in pulled.docs})} annotator(s)")
        print(f"diff against {ref_name}:")
        for item in report["diff"]:
            n = len(item["lines"])
            print(f"== {item['doc_id']} [{item['annotator']}]: {n} change(s)" if n else
                  f"== {item['doc_id']} [{item['annotator']}]: no change")
            for line in item["lines"]:
                print(f"   {line}")
        for sp in pulled.new_speakers.values():
            names = " / ".join(x for x in (sp.name_en, *sp.spellings) if x)
            print(f"new speaker {sp.speaker_id}: {names}" + (
                "" if registered else " (would be added to annotation/speakers.json)" if into_gold else
                " (added to annotation/speakers.json only by a pull into the gold)"))
        if done:
            print(f"{'no longer pending' if registered else 'would no longer be pending'} "
                  f"(annotation pulled into the gold): {', '.join(done)}")
        for f in pulled.findings:
            print(f)
        if pulled.findings:
            print(f"{len(pulled.findings)} finding(s): INVALID, nothing written")
        elif args.dry_run:
            print(f"valid; dry run, nothing written (would write to {out_dir})")
        else:
            print(f"valid; wrote {len(report['written'])} file(s), {len(report['unchanged'])} unchanged, "
                  f"in {out_dir}")
    return EXIT_INVALID if pulled.findings else EXIT_OK


def _config(args: argparse.Namespace) -> int:
    from tahaluf.core.fileio import write_atomic
    from tahaluf.formats.labelstudio import labeling_config
    xml = labeling_config(_schema(args))
    if args.out is None:
        sys.stdout.write(xml)
    else:
        write_atomic(args.out, xml)
        print(f"wrote {args.out}")
    return EXIT_OK


def _password(args: argparse.Namespace) -> str:
    import getpass
    if args.password_file is not None:
        try:
            text = sys.stdin.read() if str(args.password_file) == "-" else args.password_file.read_text("utf-8")
        except OSError as e:
            raise TahalufError(f"cannot read the password file: {e}") from None
        pw = (text.splitlines() or [""])[0]
        if not pw:
            raise TahalufError(f"the password file {args.password_file} is empty")
        return pw
    if not sys.stdin.isatty():
        raise TahalufError("no terminal to ask for the password: pass --password-file FILE (or - for standard input)")
    pw = getpass.getpass(f"password for {args.email}: ")
    if getpass.getpass("again: ") != pw:
        raise TahalufError("the two passwords differ")
    return pw


def _add_user(args: argparse.Namespace) -> int:
    from tahaluf import studio
    from tahaluf.studio.accounts import add_user
    token = studio.token_from_env()
    url = (args.url or studio.url_from_env()).rstrip("/")
    password = _password(args)
    ls = studio.client(url, token, allow_remote=args.allow_remote)
    a = add_user(ls, url, token, args.email, password, name=args.name, reset=args.reset_password,
                 venv=args.venv or studio.default_venv(), data_dir=args.data_dir or studio.default_data_dir(),
                 token_file=args.token_file, allow_remote=args.allow_remote)
    done = ("created" if a.created else "reset the password of" if a.password_reset else "already had")
    print(f"{done} the Label Studio user {a.email} (id {a.user_id}{', name ' + repr(a.name) if a.name else ''}"
          f"{', renamed' if a.renamed and not a.created else ''}) at {url}")
    print(f"  checked: logs in at {url}/user/login/ and gets their own API token"
          + (f" (written to {args.token_file}, mode 600)" if args.token_file else " (not shown)"))
    print(f"  their annotations are pulled as annotator {a.email!r}")
    return EXIT_OK


command("studio", "Label Studio: install, serve, push the corpus, pull annotations back (validated)",
        EXAMPLES["serve"])(add_args).run(run)
