"""The viewer: annotated articles as self-contained, right-to-left HTML pages.

==========  ===================================================================
module      what it does
==========  ===================================================================
marks       the layers as marks, their nesting into ``<span>`` pieces, the
            ``data-*`` attribute contract, escaping, speaker names
render      the article page and the index page (CSS, legend, header, footer),
            :func:`write_site`, :func:`find_document`
check       :func:`read_page` reads a page (or a browser's DOM) back,
            :func:`check_rendered` compares it with the document
chromium    the headless Chromium driver: :func:`dump_dom`, :func:`screenshot`
==========  ===================================================================

The viewer imports only :mod:`tahaluf.core`: it is given the documents, the
speaker registry and the splits; ``tahaluf show`` (``tahaluf/commands/show.py``)
loads them from the corpus. From a notebook::

    from tahaluf import corpus, viewer
    docs, which = corpus.source_documents()
    html = viewer.render_document(docs[0], corpus.load_speakers(), source=which)

The names below are the package's public API.
"""

from tahaluf.viewer.check import Page, Piece, check_rendered, read_page
from tahaluf.viewer.chromium import CHROMIUM_FLAGS, dump_dom, find_chromium, run_chromium, screenshot
from tahaluf.viewer.marks import (
    ENTITY_COLOURS,
    LAYERS,
    NO_STANCE_COLOUR,
    RANK,
    STANCE_COLOURS,
    UNKNOWN_COLOUR,
    Mark,
    esc,
    marks,
    parse_layers,
    render_text,
    speaker_lookup,
    speaker_name,
)
from tahaluf.viewer.render import (
    CSP,
    counts,
    describe_source,
    find_document,
    headline_of,
    page_name,
    render_document,
    render_index,
    write_site,
)

__all__ = [
    "CHROMIUM_FLAGS", "CSP", "ENTITY_COLOURS", "LAYERS", "NO_STANCE_COLOUR", "RANK", "STANCE_COLOURS",
    "UNKNOWN_COLOUR", "Mark", "Page", "Piece", "check_rendered", "counts", "describe_source", "dump_dom",
    "esc", "find_chromium", "find_document", "headline_of", "marks", "page_name", "parse_layers",
    "read_page", "render_document", "render_index", "render_text", "run_chromium", "screenshot",
    "speaker_lookup", "speaker_name", "write_site",
]
