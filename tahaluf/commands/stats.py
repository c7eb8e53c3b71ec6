"""``tahaluf stats``: corpus statistics (see :mod:`tahaluf.analysis.stats`).

The source is the adjudicated gold when it exists, else pass A
(:func:`tahaluf.corpus.source_documents`); ``--source`` picks one explicitly.
The output says which source was used and carries its documents hash.
"""

from __future__ import annotations

import argparse
import json

from tahaluf.cli import EXIT_OK, command
from tahaluf.core.signatures import documents_hash, report_signature
from tahaluf.corpus import SOURCES as corpus_sources

SOURCES = tuple(s for s in corpus_sources if s != "current")


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", choices=SOURCES, default=None,
                   help="which annotations to count (default: the gold if it exists, else pass_a)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the statistics as JSON")
    out.add_argument("--markdown", action="store_true", help="print Markdown tables (for the dataset card)")


def run(args: argparse.Namespace) -> int:
    from tahaluf import corpus
    from tahaluf.analysis.stats import corpus_stats, render
    from tahaluf.core.version import __version__
    from tahaluf.corpus import load_speakers

    docs, source = corpus.load_source(args.source)
    st = corpus_stats(docs, load_speakers())
    sig = report_signature((("task", "stats"), ("source", source), ("data", documents_hash(docs)),
                            ("version", __version__)))
    if args.json:
        print(json.dumps({"signature": sig, **st}, ensure_ascii=False, indent=1))
        return EXIT_OK
    header = (f"Tahaluf corpus statistics, source: {source} ({sig['string']})")
    print(render(st, header, markdown=args.markdown), end="")
    return EXIT_OK


command("stats", "corpus statistics per layer, type, speaker, stance and article",
        "tahaluf stats")(_args).run(run)
