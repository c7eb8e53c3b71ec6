"""Annotation analysis: what the annotation passes and the gold say about themselves.

=============  =================================================================
module         what it is
=============  =================================================================
speakers       speaker ids of documents mapped through the registry's aliases
agreement      agreement figures of two passes: entity, quotation and stance
               agreement, kappa and alpha, the pairing of their documents, the
               report's signature
disagreements  every disagreement of two passes, for the adjudicator, and the
               counts by kind
diff           what changed between two versions of a document's annotations
stats          corpus statistics per layer, type, speaker, stance and article
=============  =================================================================

These modules build on :mod:`tahaluf.core` (matching by
:func:`tahaluf.core.spans.match`, tags by :func:`tahaluf.core.tagging.tags_of`,
P/R/F1 by :class:`tahaluf.core.metrics.PRF`, aliases by
:func:`tahaluf.core.speakers.alias_table`) and on :mod:`tahaluf.corpus`;
the commands ``tahaluf agreement`` and ``tahaluf stats`` print them.
"""
