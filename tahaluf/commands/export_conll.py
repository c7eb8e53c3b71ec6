"""``tahaluf export-conll``: the entity layer as CoNLL-2003 (see :mod:`tahaluf.conll`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tahaluf.cli import EXIT_OK, command
from tahaluf.core.errors import TahalufError


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=("train", "validation", "test", "all"), default="all",
                   help="documents of one split of tahaluf.corpus.SPLITS, or all (default)")
    p.add_argument("--source", default="current",
                   help="'current' (the gold if built, else pass_a; default), 'gold', 'pass_a' or 'pass_b'")
    p.add_argument("--out", type=Path, default=None, help="write here (atomically) instead of standard output")


def run(args: argparse.Namespace) -> int:
    from tahaluf import corpus
    from tahaluf.conll import to_conll
    from tahaluf.core.fileio import write_atomic
    if args.source == "current":
        docs, which = corpus.source_documents()
    elif args.source == "gold":
        docs, which = corpus.load_gold(), "gold"
    elif args.source in ("pass_a", "pass_b"):
        docs, which = corpus.load_pass(args.source), args.source
    else:
        raise TahalufError(f"unknown source {args.source!r}. Available: current, gold, pass_a, pass_b")
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
