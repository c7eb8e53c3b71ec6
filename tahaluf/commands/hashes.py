"""``tahaluf hashes``: the two content hashes, each named for what it hashes.

``documents hash`` (:func:`tahaluf.core.signatures.documents_hash`) of the
annotated documents the dataset is built from (the gold, or pass A while there
is none): the ``data:`` field of every score signature. ``data files hash``
(:func:`tahaluf.dataset.data_files_hash`) of the committed ``dataset/``: what
the card, its citation and ``croissant.json`` record. The documents quote this
output (a generated block of DATASHEET.md) and ``tests/test_hashes.py`` checks
that the card and the citation say the same.
"""

from __future__ import annotations

import argparse

from tahaluf.cli import EXIT_OK, command


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")


def current() -> list[tuple[str, str, str, str]]:
    """(name, value, what it hashes, where it is used) for both hashes."""
    from tahaluf import corpus, dataset
    from tahaluf.core.signatures import documents_hash
    docs, source = corpus.source_documents()
    return [
        ("documents hash", documents_hash(docs), f"the annotated documents ({source}): texts, metadata, every layer",
         "the `data:` field of every score, statistics and agreement signature"),
        ("data files hash", dataset.data_files_hash(), "the built files dataset/data/*/*.jsonl (sha256sum lines)",
         "the dataset card, its citation, croissant.json"),
    ]


def run(args: argparse.Namespace) -> int:
    rows = current()
    if args.markdown:
        print("| hash | value | what it hashes | where it is used |")
        print("|---|---|---|---|")
        for r in rows:
            print(f"| {r[0]} | `{r[1]}` | {r[2]} | {r[3]} |")
    else:
        for name, value, what, _ in rows:
            print(f"{name}: {value}  ({what})")
    return EXIT_OK


command("hashes", "print the documents hash (score signatures) and the data files hash (the card)",
        "tahaluf hashes --markdown")(_args).run(run)
