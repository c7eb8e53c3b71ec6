"""``tahaluf docs``: regenerate the generated blocks of README.md and DATASHEET.md.

A block is the text between ``<!-- BEGIN name: tahaluf ARGS -->`` and
``<!-- END name -->``; it is replaced by the output of ``tahaluf ARGS`` in a
fenced block (verbatim for ``--markdown`` output and names ending ``-md``).
``<!-- BEGIN name: include PATH -->`` blocks copy a generated file of the
repository (the benchmark table, which takes minutes to regenerate). So every number printed
in the documents comes from the command written next to it, and
``tahaluf docs --check`` (run by the tests) fails when a document is stale.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from pathlib import Path

from tahaluf.cli import EXIT_INVALID, EXIT_OK, command
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import write_atomic

DOCUMENTS = ("README.md", "DATASHEET.md")
_BLOCK = re.compile(r"(<!-- BEGIN (?P<name>[\w-]+): tahaluf (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- END (?P=name) -->)",
                    re.S)


def _run(args: str) -> str:
    from tahaluf.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(args.split())
    if rc != EXIT_OK:
        raise TahalufError(f"`tahaluf {args}` exited {rc} while regenerating a documentation block")
    return out.getvalue()


_INCLUDE = re.compile(r"(<!-- BEGIN (?P<name>[\w-]+): include (?P<path>[^ >]+) -->\n)(?P<body>.*?)(<!-- END (?P=name) -->)",
                      re.S)


def regenerate(text: str) -> str:
    def include(m: re.Match) -> str:
        src = Path(paths.root()) / m["path"]
        body = src.read_text(encoding="utf-8")
        body = "\n".join(line for line in body.splitlines() if not line.startswith("<!-- generated"))
        return m.group(1) + body.strip("\n") + "\n" + m.group(5)

    text = _INCLUDE.sub(include, text)

    def repl(m: re.Match) -> str:
        body = _run(m["args"]).rstrip("\n") + "\n"
        if "--markdown" not in m["args"] and not m["name"].endswith("-md"):
            body = f"```text\n{body}```\n"
        return m.group(1) + body + m.group(5)
    return _BLOCK.sub(repl, text)


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="exit 1 if a document is stale; write nothing")


def _run_docs(args: argparse.Namespace) -> int:
    stale = []
    for name in DOCUMENTS:
        p = Path(paths.root()) / name
        if not p.exists():
            continue
        old = p.read_text(encoding="utf-8")
        new = regenerate(old)
        if new != old:
            stale.append(name)
            if not args.check:
                write_atomic(p, new)
    if args.check:
        for s in stale:
            print(f"[{s}]: [docs-stale] generated blocks differ from the commands' output; run `tahaluf docs`")
        return EXIT_INVALID if stale else EXIT_OK
    print(f"regenerated: {', '.join(stale) or 'nothing (up to date)'}")
    return EXIT_OK


command("docs", "regenerate the generated blocks of README.md and DATASHEET.md",
        "tahaluf docs --check")(_add_args).run(_run_docs)
