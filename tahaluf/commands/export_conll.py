"""``tahaluf export-conll``: the entity layer as CoNLL-2003 (see :mod:`tahaluf.formats.conll`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tahaluf.cli import EXIT_OK, command
from tahaluf.corpus import SPLITS


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=(*SPLITS, "all"), default="all",
                   help="documents of one split of tahaluf.corpus.SPLITS, or all (default)")
    p.add_argument("--source", default="current",
                   help="'current' (the gold if built, else pass_a; default), 'gold', a pass name or a folder")
    p.add_argument("--out", type=Path, default=None, help="write here (atomically) instead of standard output")


def run(args: argparse.Namespace) -> int:
    from tahaluf import corpus
    from tahaluf.core.fileio import write_atomic
    from tahaluf.formats.conll import to_conll
    docs, which = corpus.load_source(args.source)
    if args.split != "all":
        keep = corpus.SPLITS[args.split]
        docs = [d for d in docs if d.doc_id in keep]
    text, stats = to_conll(docs)
    note = f"export-conll: {which}, split {args.split}: {stats}"
    if args.out is None:
        sys.stdout.write(text)
        print(note, file=sys.stderr)
    else:
        write_atomic(args.out, text)
        print(f"{note}\nwrote {args.out}")
    for lost in stats.lost:
        print(f"  lost (no token of its own): {lost}", file=sys.stderr)
    return EXIT_OK


command("export-conll", "the entity layer as CoNLL-2003 (BIO tags on the project's Arabic tokens)",
        "tahaluf export-conll --split test --out tahaluf-test.conll")(add_args).run(run)
