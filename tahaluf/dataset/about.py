"""What the dataset says about itself: name, licences, citation, texts' status, RAI fields.

One declaration that the dataset card (:mod:`tahaluf.dataset.card`), the
Croissant file (:mod:`tahaluf.dataset.croissant`) and ``CITATION.cff`` (checked
against it by a test) all follow. The texts' status is stated once, in
``NOTICE.md`` at the repository root (:func:`texts_status`), and quoted
verbatim by the card, the Croissant ``usageInfo`` and DATASHEET.md (a
generated block).

Authorship is stated as it is: the project has no human author of record; the
annotations were made by AI model agents (DATASHEET.md, "Labelling").
"""

from __future__ import annotations

from pathlib import Path

NAME = "Tahaluf"
ALTERNATE_NAME = "تحالف"
DESCRIPTION = (
    "An annotated Arabic benchmark: five Modern Standard Arabic news articles (2020-2021) about the "
    "international coalition against ISIS in Iraq, annotated on one set of character offsets for flat "
    "named entities (nine types), quotation attribution (quotation span and type, speech cue, source "
    "mention, speaker) and stance of each quotation and article towards three targets. Small by design: "
    "a test bed for methods and for measuring agreement, not a training set. The annotators were AI "
    "model agents, not people."
)
#: no public address of the repository is recorded yet; the card and Croissant say so instead of inventing one
URL: str | None = None
AUTHOR = "The Tahaluf project"
CREATOR = {"@type": "sc:Organization", "name": AUTHOR,
           "description": "no human author of record: annotation by AI model agents, adjudication and "
                          "engineering by an AI agent (DATASHEET.md, Motivation and Labelling)"}
YEAR = "2026"
TITLE = "Tahaluf: an annotated Arabic benchmark for named entities, quotation attribution and stance"

#: licence ids of the Hub (huggingface.co/docs/hub/repositories-licenses) and SPDX
ANNOTATIONS_LICENSE = "cc-by-4.0"
CODE_LICENSE = "mit"
LICENSE_NAME = "annotations-cc-by-4.0-texts-publishers-copyright"
LICENSE_URLS = ["https://creativecommons.org/licenses/by/4.0/", "https://opensource.org/license/mit"]
#: the texts' status, stated once; it ships with the code (the clone's root), so a build from another
#: ``TAHALUF_ROOT`` (tests, benchmarks) quotes the same notice
NOTICE_FILE = Path(__file__).resolve().parents[2] / "NOTICE.md"
ANNOTATIONS_LICENSE_FILE = NOTICE_FILE.with_name("LICENSE-ANNOTATIONS")

#: the Hub has no quotation-attribution task category: the closest categories, plus tags
TASK_CATEGORIES = ["token-classification", "text-classification"]
TASK_IDS = ["named-entity-recognition", "multi-class-classification"]
TAGS = ["arabic", "news", "quotation-attribution", "quotation-extraction", "speaker-attribution",
        "stance-detection", "named-entity-recognition", "croissant"]


def texts_status() -> str:
    """The texts' status and take-down path: ``NOTICE.md`` without its title, as one paragraph per block."""
    text = NOTICE_FILE.read_text(encoding="utf-8")
    body = text.split("\n", 1)[1].strip()
    return "\n\n".join(" ".join(p.split()) for p in body.split("\n\n"))


def bibtex(version: str, data_hash: str) -> str:
    """The BibTeX entry the card and Croissant carry (``CITATION.cff`` says the same)."""
    return (
        "@misc{tahaluf,\n"
        f"  author = {{{{{AUTHOR}}}}},\n"
        f"  title  = {{{TITLE}}},\n"
        f"  note   = {{Version {version}, data files hash {data_hash}. Annotated by AI model agents; "
        "no human author of record. No public URL yet}},\n"
        f"  year   = {{{YEAR}}}\n"
        "}"
    )


_D = "DATASHEET.md"
#: Croissant RAI fields (http://mlcommons.org/croissant/RAI/), condensed from DATASHEET.md; keep them in step
RAI: dict[str, str | list[str]] = {
    "dataCollection": (
        "Five Arabic news articles were provided to the project as UTF-8 text files and stored byte for byte "
        "as received (seeds/, a sha256 for each). Their URLs and retrieval dates were not provided and are not "
        "recorded; outlet, translator, original source and date are what each text itself states or implies "
        f"(seeds/metadata.json). {_D}, Collection process."
    ),
    "dataCollectionType": ["Manual Human Curation"],
    "dataCollectionRawData": "seeds/*.txt: the texts exactly as received; nothing normalised, boilerplate marked by "
                             "ranges, not removed.",
    # the articles' dates, earliest stated (003) to latest implied (000, 001: 2021); mostly inferred from the texts
    "dataCollectionTimeFrame": ["2020-03-04", "2021"],
    "dataPreprocessingProtocol": "None on the texts. Tokens (camel-tools simple_word_tokenize) and sentences are "
                                 "computed for the entities config; offsets always index the raw text.",
    "dataAnnotationProtocol": (
        "Three layers over one set of character offsets, following annotation/guidelines.md: flat named entities "
        "(nine types), quotations (span, type, speech cue, source mention, speaker id in a registry) and stance "
        "towards three targets (FAVOR/AGAINST/NONE) per quotation and per article. Two independent passes (A, B); "
        "pass B was made from the raw texts without access to pass A. Disagreements were adjudicated into the gold, "
        f"each decision logged (annotation/adjudication_log.json). {_D}, Labelling."
    ),
    "dataAnnotationPlatform": "Python scripts computing offsets from the annotators' chosen span texts; stored in "
                              "Label Studio export format and checked by `tahaluf validate`.",
    "dataAnnotationAnalysis": f"Agreement between passes A and B before adjudication, per layer: {_D}, Labelling.",
    "annotationsPerItem": "Two independent passes per item, then one adjudicated gold label.",
    "annotatorDemographics": (
        "No human annotator. Both passes were made by AI model agents (two separate helper agents of the same "
        "model, working independently); the adjudication by the project's lead engineer, also an AI agent. No "
        "human or native-speaker review has been made: treat the labels as silver quality."
    ),
    "machineAnnotationTools": "AI model agents (large language model helper agents), as above.",
    "dataBiases": (
        "Five articles, one topic, one short period (2020-2021), Modern Standard Arabic only. Voices are dominated "
        "by coalition and US military spokespeople and commanders. Stance labels are unbalanced: target T1 has no "
        "AGAINST quotation, T2 and T3 few minority items. Outlets: a Rudaw interview, a report by al-Sharq al-Yawm "
        f"citing the agency NAS, an Arabic translation of a PBS report; two articles do not name an outlet. {_D}, Uses."
    ),
    "dataUseCases": (
        "Testing methods for Arabic named-entity recognition, quotation detection and attribution and stance "
        "detection, with leave-one-document-out evaluation; studying agreement between AI annotators. Not for: "
        "training production systems, profiling or scoring real people's political positions, any decision about "
        "individuals, claims about Arabic media in general."
    ),
    "dataLimitations": (
        "Very small (five articles): scores vary a great deal with the held-out article. Silver labels by AI agents. "
        "Tokens do not split proclitics, so some entity spans start inside a token. Texts keep typos, unbalanced "
        "quotation marks and a private-use character (quality_notes). Dates are often inferred."
    ),
    "dataSocialImpact": "Attribution and stance tools help readers follow who says what in Arabic news; they can also "
                        "be used to profile speakers. Do not use the labels as statements about real people without "
                        "reading the source text.",
    "personalSensitiveInformation": (
        "Public figures (military officers, spokespeople, officials, commanders) named and quoted as published; the "
        "speaker registry records their names, roles and affiliations as the articles give them. Stance labels "
        "attribute political and military positions to named people and may be wrong. No private individuals, "
        "contact details or other personal data beyond the published articles."
    ),
    "dataReleaseMaintenancePlan": (
        "Maintained in the project repository through its issue tracker. Every build records its data files hash; "
        "every score signature carries the documents hash, so results on different versions are told apart. New "
        "stance targets are added without touching earlier labels. Next step: a human review of the gold by a native "
        "speaker. Take-down requests: see the texts' status (usageInfo)."
    ),
}
