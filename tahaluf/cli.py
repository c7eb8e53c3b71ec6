"""The ``tahaluf`` command line: one entry point, one subcommand per job.

Every subcommand is a :class:`Command` in :data:`COMMANDS`; its ``example`` is
shown in its ``--help`` and run by ``tests/test_cli.py``. ``python -m tahaluf``
is the same program.

Exit codes: 0 success; 1 the data or input is invalid (findings were
printed), or a read or write failed (``OSError``: a read-only folder, a full
disk; one line, no traceback); 2 usage error (argparse); 3 a submission was
refused (``evaluate``). Before any command runs, :func:`_recover` finishes an
all-or-nothing write that a killed run left half done.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tahaluf.core.version import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    example: str
    add_args: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, example: str):
    """Register ``add_args`` (the decorated function) and ``run`` for a subcommand."""
    def deco(add_args):
        def bind(run):
            COMMANDS[name] = Command(name, help, example, add_args, run)
            return run
        add_args.run = bind
        return add_args
    return deco


# -- validate --------------------------------------------------------------------

def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", type=Path,
                   help="Label Studio export files to check (default: annotation/gold/*.json)")
    p.add_argument("--seeds", type=Path, default=None, help="seeds folder (default: seeds/)")
    p.add_argument("--speakers", type=Path, default=None,
                   help="speaker registry (default: annotation/speakers.json)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")


def run_validate(args: argparse.Namespace) -> int:
    from tahaluf.validate import validate_corpus
    found, notes = validate_corpus(seeds_dir=args.seeds, speakers_path=args.speakers,
                                   files=list(args.files) or None)
    if args.json:
        from tahaluf.core.errors import printable
        print(printable(json.dumps({"valid": not found, "notes": notes, "findings": [f.to_dict() for f in found]},
                                   ensure_ascii=False, indent=1)))
    else:
        for n in notes:
            print(n)
        for f in found:
            print(f)
        print(f"{len(found)} finding(s): {'INVALID' if found else 'valid'}")
    return EXIT_INVALID if found else EXIT_OK


command("validate", "check the seeds and the annotations (stable finding ids)",
        "tahaluf validate")(_validate_args).run(run_validate)


# -- reproduce -------------------------------------------------------------------

#: The main job, in order. A stage whose command is not registered is "not built yet".
REPRODUCE_STAGES: tuple[tuple[str, list[str]], ...] = (
    ("validate", ["validate"]),
    ("build", ["build"]),
    ("baselines", ["baselines"]),
    ("leaderboard", ["leaderboard"]),
)


def _reproduce_args(p: argparse.ArgumentParser) -> None:
    pass


def run_reproduce(args: argparse.Namespace) -> int:
    parser = build_parser()
    for stage, argv in REPRODUCE_STAGES:
        if argv[0] not in COMMANDS:
            print(f"== {stage}: not built yet (no `tahaluf {argv[0]}` in this version); skipped")
            continue
        print(f"== {stage}: tahaluf {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        rc = main(argv, parser=parser)
        print(f"== {stage}: exit {rc} in {time.perf_counter() - t0:.1f}s", flush=True)
        if rc != EXIT_OK:
            print(f"reproduce stopped: stage {stage} failed", file=sys.stderr)
            return rc
    return EXIT_OK


command("reproduce", "validate -> build -> baselines -> leaderboard, end to end",
        "tahaluf reproduce")(_reproduce_args).run(run_reproduce)


# -- plumbing --------------------------------------------------------------------

def _load_plugins() -> None:
    """Import every module of :mod:`tahaluf.commands`; each registers its
    subcommand(s) with :func:`command` when imported."""
    import importlib
    import pkgutil

    from tahaluf import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"{commands.__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
    parser = argparse.ArgumentParser(
        prog="tahaluf",
        description="Tahaluf: an annotated Arabic benchmark for entities, quotation attribution and stance.",
        epilog="Example: tahaluf reproduce",
    )
    parser.add_argument("--version", action="version", version=f"tahaluf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for c in COMMANDS.values():
        sp = sub.add_parser(c.name, help=c.help, description=c.help,
                            epilog=f"Example:\n  {c.example}",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        c.add_args(sp)
        sp.set_defaults(_run=c.run)
    return parser


def _recover() -> None:
    """Finish any all-or-nothing write a killed run left half done (see :mod:`tahaluf.core.fileio`)."""
    from tahaluf.core import fileio, paths
    for folder in (paths.dataset_dir(), paths.baselines_dir()):
        fileio.recover_dir(folder)
    for folder in (paths.root(), paths.baselines_dir(), paths.gold_dir()):
        fileio.recover_files(folder)


def main(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    from tahaluf.core.errors import TahalufError, printable
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        _recover()
        return args._run(args)
    except TahalufError as e:
        print(printable(f"error: {e}"), file=sys.stderr)
        return EXIT_INVALID
    except OSError as e:  # a write or read that failed: read-only target, disk full, a folder in the way
        if isinstance(e, BrokenPipeError):
            raise
        where = f" {e.filename}" if e.filename else ""
        print(printable(f"error: cannot write or read{where}: {e.strerror or e}"), file=sys.stderr)
        return EXIT_INVALID


def entry() -> None:  # console script
    try:
        rc = main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `tahaluf stats | head`: the reader left; not an error of ours
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        rc = EXIT_OK
    sys.exit(rc)
