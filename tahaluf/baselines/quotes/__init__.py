"""Quotation baselines: a rule system, and a CRF tagger with a learned speaker ranker.

Both predict quotation spans with a quote type, a cue, a source and a
speaker id from the speaker registry (``annotation/speakers.json``, the task's
knowledge base: speakers are linked to it, as entities are linked to a KB;
its spellings are used to find mentions of speakers). Neither uses reference
entities. The registry is passed to ``fit`` by the runner
(:mod:`tahaluf.baselines.base`).

=========  =====================================================================
module     what it holds
=========  =====================================================================
lexicon    cue words, complementisers, quotation marks, registry mentions
rule       ``quotes-rule`` (:class:`Rule`): marks, ``NAME:`` lines, cue + complementiser
crf        ``quotes-crf`` (:class:`CRFTagger`): CRF over paragraph tokens, speaker ranker
=========  =====================================================================

:data:`tahaluf.baselines.SYSTEMS` names the classes as ``quotes:Rule`` and
``quotes:CRFTagger`` (this package), which is what ``results.json`` records.
"""

from tahaluf.baselines.quotes.crf import CRFTagger
from tahaluf.baselines.quotes.rule import Rule

__all__ = ["CRFTagger", "Rule"]
