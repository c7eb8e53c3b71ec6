"""The core layer: one module per primitive, importing nothing above it.

============  ==============================================================
module        primitive
============  ==============================================================
errors        findings with stable ids, the one exception type, did-you-mean
schema        entity labels, quote types, stance labels and targets
model         the canonical span model: Span, Quote, Speaker, Document
paths         where the repository's folders are
fileio        all-or-nothing writes of files and folders
jsonio        reading and writing JSON and JSON Lines, one canonical form
text          camel-tools tokens and sentences aligned to character offsets
speakers      the speaker registry: load, aliases (strict), resolve
spans         overlap checks and the one matcher per named match mode
tagging       BIO tag set, spans <-> tokens projection, decoding, row rule
metrics       P/R/F1 from counts (one zero-division policy), bootstrap
signatures    the two content hashes and the one score-signature format
version       the package version, from the installed package metadata
============  ==============================================================

Modules here import only the standard library, third-party packages and
other ``tahaluf.core`` modules (``tests/test_architecture.py`` checks it).
"""
