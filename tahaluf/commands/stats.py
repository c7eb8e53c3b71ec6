"""``tahaluf stats``: corpus statistics (see :mod:`tahaluf.analysis.stats`).

The source is the adjudicated gold when it exists, else pass A
(:func:`tahaluf.corpus.source_documents`); ``--source`` picks one explicitly.
The output says which source was used and carries its data hash.
"""

from __future__ import annotations

import argparse
import json

from tahaluf.cli import EXIT_OK, command
from tahaluf.core.signatures import documents_hash

SOURCES = ("gold", "pass_a", "pass_b")


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", choices=SOURCES, default=None,
                   help="which annotations to count (default: the gold if it exists, else pass_a)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the statistics as JSON")
    out.add_argument("--markdown", action="store_true", help="print Markdown tables (for the dataset card)")


def load_source(name: str | None):
    """``(documents, source name)`` for ``--source``."""
    from tahaluf.core.errors import TahalufError
    from tahaluf.core.paths import gold_dir
    from tahaluf.corpus import load_gold, load_pass, source_documents
    if name is None:
        return source_documents()
    if name == "gold":
        if not (gold_dir().exists() and any(gold_dir().glob("*.json"))):
            raise TahalufError(f"no gold annotations yet in {gold_dir()} (adjudication in progress); "
                               f"use --source pass_a or --source pass_b")
        return load_gold(), "gold"
    return load_pass(name), name


def run(args: argparse.Namespace) -> int:
    from tahaluf.analysis.stats import corpus_stats, render
    from tahaluf.core.version import __version__
    from tahaluf.corpus import load_speakers

    docs, source = load_source(args.source)
    st = corpus_stats(docs, load_speakers())
    sig = {"task": "stats", "source": source, "data": documents_hash(docs), "version": __version__}
    sig["string"] = "|".join(f"{k}:{v}" for k, v in sig.items())
    if args.json:
        print(json.dumps({"signature": sig, **st}, ensure_ascii=False, indent=1))
        return EXIT_OK
    header = (f"Tahaluf corpus statistics, source: {source} ({sig['string']})")
    print(render(st, header, markdown=args.markdown), end="")
    return EXIT_OK


command("stats", "corpus statistics per layer, type, speaker, stance and article",
        "tahaluf stats")(_args).run(run)
