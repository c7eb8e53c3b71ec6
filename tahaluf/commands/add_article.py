"""``tahaluf add-article``: add an article to the corpus (see :func:`tahaluf.extend.add_article`).

The text is copied to ``seeds/<doc_id>.txt`` byte for byte, its record added
to ``seeds/metadata.json`` (marked pending annotation) and its id to the split
in ``annotation/schema.json``, all or nothing. Then push it to Label Studio,
annotate it there and pull it into the gold.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tahaluf.cli import EXIT_OK, command
from tahaluf.core import paths

EXAMPLE = "tahaluf add-article article.txt --split train --headline 'first line' --date 2021-03-04 --dry-run"


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="the article, UTF-8 text, as published")
    p.add_argument("--split", required=True, help="the split it joins (train, validation or test)")
    p.add_argument("--headline", default=None, help="the headline as written in the text (default: first line)")
    p.add_argument("--date", default=None, help="publication date, YYYY[-MM[-DD]], as stated")
    p.add_argument("--outlet", default=None, help="the publishing outlet")
    p.add_argument("--doc-id", default=None, help="document id (default NNN_<sha256 of the text, 16 hex>)")
    p.add_argument("--dry-run", action="store_true", help="check and say what would change; write nothing")


def run(args: argparse.Namespace) -> int:
    from tahaluf import extend
    doc_id, files = extend.add_article(args.file, args.split, headline=args.headline, date=args.date,
                                       outlet=args.outlet, doc_id=args.doc_id, dry_run=args.dry_run)
    root = paths.root()
    shown = ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in files)
    print(f"article {doc_id} in split {args.split} (pending annotation); "
          f"{'would write' if args.dry_run else 'wrote'} {shown}")
    if not args.dry_run:
        print("next: `tahaluf studio push` adds its task; annotate it, then `tahaluf studio pull`")
    return EXIT_OK


command("add-article", "add an article: seeds/, its metadata and its split, all or nothing",
        EXAMPLE)(add_args).run(run)
