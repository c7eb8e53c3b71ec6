"""``tahaluf show``: the annotated articles as HTML pages (see :mod:`tahaluf.viewer`).

``tahaluf show DOC_ID`` writes one article's page to stdout (or ``--out FILE``,
or into ``--out DIR``); ``--screenshot PNG`` photographs it with headless
Chromium (then nothing goes to stdout); ``tahaluf show --all --out DIR`` writes ``DIR/index.html`` and one
page per article. The annotations are the gold when it exists, else pass A
(``--annotations`` chooses explicitly); the command says which on stderr and
every page says it in its header and footer.

This command is where the viewer's inputs are loaded: the documents, the
speaker registry (``annotation/speakers.json``) and, for the index page, each
article's split; :mod:`tahaluf.viewer` itself reads nothing from the corpus.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tahaluf.cli import EXIT_OK, EXIT_USAGE, command
from tahaluf.core.errors import TahalufError

ANNOTATIONS = ("auto", "gold", "pass_a", "pass_b")


def _layers(spec: str) -> tuple[str, ...]:
    from tahaluf.viewer import parse_layers
    try:
        return parse_layers(spec)
    except TahalufError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _size(spec: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in spec.lower().split(","))
        if w > 0 and h > 0:
            return w, h
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"window size must be WIDTH,HEIGHT in pixels, got {spec!r}")


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc_id", nargs="?", metavar="DOC_ID",
                   help="document id, or a unique prefix of it such as 000")
    p.add_argument("--all", action="store_true", help="write every article and an index page into --out DIR")
    p.add_argument("--layers", type=_layers, default=None,
                   help="comma-separated layers to show: entities,quotes (default: both); "
                        "boilerplate is always greyed")
    p.add_argument("--out", type=Path, default=None,
                   help="output file (DOC_ID; default stdout) or folder (--all, or DOC_ID into an existing folder)")
    p.add_argument("--annotations", choices=ANNOTATIONS, default="auto",
                   help="which annotations to show (default auto: the gold if it exists, else pass_a)")
    p.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                   help="with DOC_ID: save a screenshot of the page taken by headless Chromium")
    p.add_argument("--window-size", type=_size, default=(1200, 1400), metavar="W,H",
                   help="screenshot size in pixels (default 1200,1400)")


def _documents(which: str):
    from tahaluf import corpus
    return corpus.load_source(None if which == "auto" else which)


def run(args: argparse.Namespace) -> int:
    from tahaluf import corpus, viewer
    from tahaluf.core.fileio import write_atomic
    if args.all == bool(args.doc_id):
        print("usage error: give either DOC_ID or --all", file=sys.stderr)
        return EXIT_USAGE
    if args.all and args.out is None:
        print("usage error: --all needs --out DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.all and args.screenshot is not None:
        print("usage error: --screenshot takes one DOC_ID, not --all", file=sys.stderr)
        return EXIT_USAGE
    docs, source = _documents(args.annotations)
    speakers = viewer.speaker_lookup(corpus.load_speakers())
    layers = args.layers or viewer.LAYERS
    note = f"annotations: {viewer.describe_source(source)}"
    if args.all:
        splits = {d.doc_id: corpus.split_of(d.doc_id) for d in docs}
        written = viewer.write_site(docs, args.out, speakers, layers, source=source, splits=splits)
        print(f"wrote {len(written)} pages to {args.out} (open {args.out / 'index.html'}); {note}")
        return EXIT_OK
    doc = viewer.find_document(docs, args.doc_id)
    page = viewer.render_document(doc, speakers, layers, source=source)
    target = args.out
    if target is not None and target.is_dir():
        target = target / viewer.page_name(doc.doc_id)
    if target is None and args.screenshot is None:
        sys.stdout.write(page)
        print(f"{doc.doc_id}: {note}", file=sys.stderr)
    elif target is not None:
        write_atomic(target, page)
        print(f"wrote {target}; {note}")
    if args.screenshot is not None:
        with tempfile.TemporaryDirectory(prefix="tahaluf-show-") as tmp:
            src = target if target is not None else Path(tmp) / viewer.page_name(doc.doc_id)
            if target is None:
                write_atomic(src, page)
            w, h = args.window_size
            viewer.screenshot(src, args.screenshot, width=w, height=h)
        print(f"wrote {args.screenshot} ({w}x{h} screenshot by headless Chromium)")
    return EXIT_OK


command("show", "the annotated articles as self-contained right-to-left HTML pages",
        "tahaluf show 000_fccf310b8a8da4fc --layers entities,quotes --out 000.html")(_args).run(run)
