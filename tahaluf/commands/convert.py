"""``tahaluf convert``: submissions between the per-article shape and the dataset configs' row shape.

``--to rows`` writes one record per row of the task's Hugging Face config
(``id`` + the predicted field); ``--to articles`` one record per article.
The input is validated first (a refused input exits 3 and writes nothing);
see :mod:`tahaluf.scoring.submission.rows` for both shapes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tahaluf.cli import EXIT_OK, EXIT_REFUSED, command


def _args(p: argparse.ArgumentParser) -> None:
    from tahaluf.scoring.tasks import ALL, SPLIT_CHOICES, TASKS
    p.add_argument("submission", help="JSON Lines, per article or per config row")
    p.add_argument("--task", choices=tuple(TASKS), required=True)
    p.add_argument("--to", choices=("rows", "articles"), required=True, help="the shape to write")
    p.add_argument("--split", choices=SPLIT_CHOICES, default=ALL, help="the articles it covers (default: all)")
    p.add_argument("--out", type=Path, required=True, help="the JSON Lines file to write")


def run(args: argparse.Namespace) -> int:
    from tahaluf.commands.evaluate import resolve_input
    from tahaluf.core.errors import TahalufError
    from tahaluf.core.fileio import write_atomic
    from tahaluf.core.jsonio import jsonl_bytes, parse_jsonl
    from tahaluf.corpus import source_documents
    from tahaluf.scoring.submission import SubmissionRefused, docs_in_split, load_submission
    from tahaluf.scoring.submission.rows import is_row_shaped, records_to_rows, rows_to_records
    docs, _ = source_documents()
    path = resolve_input(args.submission)
    try:
        load_submission(path, task=args.task, split=args.split, docs=docs, name=args.submission)
    except SubmissionRefused as e:
        print(f"refused: {e}", file=sys.stderr)
        return EXIT_REFUSED
    records, _ = parse_jsonl(path.read_text(encoding="utf-8"), args.submission)
    scope = docs_in_split(docs, args.split)
    if is_row_shaped(records):
        recs = [r for _, r in rows_to_records(records, args.task, scope, args.submission)[0]]
    else:
        recs = [r for _, r in records]
    if args.to == "rows":
        if args.task == "entities" and any("ner_tags" not in r for r in recs):
            raise TahalufError("entities rows hold BIO tags: character-span records (entities) have no row shape")
        out = records_to_rows(recs, args.task, scope)
    else:
        out = recs
    write_atomic(args.out, jsonl_bytes(out))
    print(f"wrote {len(out)} {args.to[:-1]} record(s) to {args.out}")
    return EXIT_OK


command("convert", "convert a submission between one record per article and the dataset configs' rows",
        "tahaluf convert baselines/stance-majority/test.jsonl --task stance --split test --to rows "
        "--out stance-rows.jsonl")(_args).run(run)
