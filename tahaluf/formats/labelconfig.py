"""The Label Studio labelling config and the project's instructions, from the schema.

One project holds all three layers: entity and quotation regions over the
text (shown right to left), a QUOTE's type, speaker and per-target stance as
per-region controls, and the article's stance per target. Each target's
choices sit under a header with its wording in English and Arabic; the page
opens with a summary of the guidelines, and :func:`instructions_html` is the
project's instructions pane. :mod:`tahaluf.formats.labelstudio` re-exports
everything here.

A QUOTE's speaker is chosen from the registry (``annotation/speakers.json``):
a per-region ``<Choices layout="select">`` with one entry per speaker, shown
as ``id · English name · Arabic spelling`` and stored as the bare id (the
``alias`` of the ``<Choice>``); the old ids of :attr:`Speaker.aliases` come
last, marked as such, so that an older annotation still shows its speaker.
A speaker who is not in the list is written into the per-region text field
``new_speaker`` as ``id | English name | Arabic spelling(s) | role |
affiliation`` (:mod:`tahaluf.formats.labelstudio_speakers`); pull turns it into a
registry entry. The config is generated from the registry as it is, so it
changes whenever the registry grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.sax.saxutils import quoteattr

from tahaluf.core import paths
from tahaluf.core.model import Speaker
from tahaluf.core.schema import QUOTE_REGION_LABELS, RELATION_CUE_OF, RELATION_SAID, SCHEMA, Schema
from tahaluf.core.speakers import load_registry

TO_NAME = "text"
ENTITY_FROM = "entity"
QUOTE_FROM = "quote"
QUOTE_TYPE_FROM = "quote_type"
SPEAKER_FROM = "speaker_id"
NEW_SPEAKER_FROM = "new_speaker"

#: what an annotator writes into ``new_speaker`` (the fields of a registry entry, ``|`` between them)
NEW_SPEAKER_FORMAT = "id | English name | Arabic spelling(s), ; between them | role | affiliation"


def doc_stance_name(target: str) -> str:
    return f"doc_{target}"


# -- labeling config -----------------------------------------------------------

#: colours for the entity labels (Label Studio background attribute)
_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0",
            "#f032e6", "#bcf60c", "#fabebe", "#008080", "#e6beff", "#9a6324"]


#: where the guidelines are (the project's instructions link to them)
GUIDELINES = "annotation/guidelines.md"

#: the short summary of the guidelines shown on the labelling page
INSTRUCTIONS_SUMMARY = (
    "Mark every named entity (flat, no overlap; titles and one-letter proclitics outside). Mark each "
    "quotation as QUOTE, its speech verb as CUE and the speaker's mention as SOURCE, and link them "
    "(SOURCE -said-> QUOTE, CUE -cue_of-> QUOTE). Select a QUOTE to give its type, its speaker from the list "
    "(annotation/speakers.json; a speaker not in it: leave the list empty and fill in 'new speaker') and its "
    "stance towards each target; then the article's stance. "
    f"Guidelines: {GUIDELINES}.")


def target_label(name: str) -> str:
    """``stance_t1`` -> ``T1``."""
    return "T" + name.removeprefix("stance_t")


def instructions_html(schema: Schema = SCHEMA, guidelines_url: str = GUIDELINES) -> str:
    """The project's instructions (Label Studio's ``expert_instruction``): the
    summary, each target's wording and definitions, and the link to the guidelines."""
    from html import escape
    rows = "".join(
        f"<li><b>{target_label(t.name)} ({t.name})</b>: {escape(t.description)}"
        f"<br><span dir=\"rtl\">{escape(t.description_ar)}</span><ul>"
        + "".join(f"<li><b>{lab}</b>: {escape(d)}</li>" for lab, d in t.definitions) + "</ul></li>"
        for t in schema.stance_targets)
    return (f"<p>{escape(INSTRUCTIONS_SUMMARY)}</p><p>Stance targets:</p><ul>{rows}</ul>"
            f"<p>Full guidelines: <a href=\"{escape(guidelines_url)}\">{escape(guidelines_url)}</a></p>")


def registry(speakers: Mapping[str, Speaker] | None = None) -> Mapping[str, Speaker]:
    """``speakers``, or the registry ``annotation/speakers.json`` (refused if invalid)."""
    if speakers is not None:
        return speakers
    return load_registry(paths.speakers_file())


def speaker_choices(speakers: Mapping[str, Speaker]) -> list[tuple[str, str]]:
    """(shown, stored) for each entry of the speaker list: every registry id, by
    id, then every old id (alias) marked as one."""
    out = []
    for sid in sorted(speakers):
        s = speakers[sid]
        out.append((" · ".join(x for x in (sid, s.name_en, s.spellings[0] if s.spellings else "") if x), sid))
    out += [(f"{a} · old id of {sid} (choose {sid})", a) for sid in sorted(speakers)
            for a in speakers[sid].aliases]
    return out


def labeling_config(schema: Schema = SCHEMA, speakers: Mapping[str, Speaker] | None = None) -> str:
    """The Label Studio labeling config for all three layers, from the schema
    and the speaker registry (default ``annotation/speakers.json``).

    Arabic is shown right to left by a wrapping ``<View>`` styled
    ``direction: rtl`` (the Text tag ignores ``dir``).
    """
    speakers = registry(speakers)
    ent = "\n".join(
        f'      <Label value={quoteattr(l)} background="{_COLOURS[i % len(_COLOURS)]}"/>'
        for i, l in enumerate(schema.entity_labels))
    qlab = "\n".join(f'      <Label value="{l}" background="{c}"/>' for l, c in
                     zip(QUOTE_REGION_LABELS, ("#ffe119", "#808000", "#000075")))
    rel = "\n".join(f'    <Relation value="{r}"/>' for r in (RELATION_SAID, RELATION_CUE_OF))

    region = ' perRegion="true" visibleWhen="region-selected" whenLabelValue="QUOTE"'

    def choices(name: str, values: Iterable[str], per_region: bool) -> str:
        opts = "".join(f'<Choice value="{v}"/>' for v in values)
        return f'    <Choices name="{name}" toName="{TO_NAME}" choice="single"{region if per_region else ""}>{opts}</Choices>'

    def worded(t, name: str, per_region: bool) -> str:
        """A target's choices under a header with its wording, English and Arabic."""
        ar = (f'\n      <View style="direction: rtl; text-align: right"><Header value={quoteattr(t.description_ar)} '
              f'size="6"/></View>' if t.description_ar else "")
        return (f'    <View>\n      <Header value={quoteattr(f"{target_label(t.name)} ({t.name}): {t.description}")} '
                f'size="5"/>{ar}\n  {choices(name, schema.stance_labels, per_region)}\n    </View>')

    per_region = [choices(QUOTE_TYPE_FROM, schema.quote_types, True)]
    per_region += [worded(t, t.name, True) for t in schema.stance_targets]
    who = "".join(f"\n        <Choice value={quoteattr(shown)} alias={quoteattr(sid)}/>"
                  for shown, sid in speaker_choices(speakers))
    per_region.append(
        f'    <View>\n      <Header value="Speaker (annotation/speakers.json)" size="5"/>\n'
        f'      <Choices name="{SPEAKER_FROM}" toName="{TO_NAME}" choice="single" layout="select"{region}>{who}\n'
        f'      </Choices>\n'
        f'      <Header value={quoteattr("Not in the list? Leave it empty and write the new speaker here: " + NEW_SPEAKER_FORMAT)} size="6"/>\n'
        f'      <TextArea name="{NEW_SPEAKER_FROM}" toName="{TO_NAME}"{region} maxSubmissions="1" '
        f'placeholder={quoteattr(NEW_SPEAKER_FORMAT)}/>\n    </View>')
    doc_level = [worded(t, doc_stance_name(t.name), False) for t in schema.stance_targets]
    nl = "\n"
    return f"""<View>
  <Header value="Tahaluf schema v{schema.version}: entities, quotations, stance"/>
  <Header value={quoteattr(INSTRUCTIONS_SUMMARY)} size="6"/>
  <Relations>
{rel}
  </Relations>
  <View style="direction: rtl; text-align: right; font-size: 18px; line-height: 2">
    <Labels name="{ENTITY_FROM}" toName="{TO_NAME}">
{ent}
    </Labels>
    <Labels name="{QUOTE_FROM}" toName="{TO_NAME}">
{qlab}
    </Labels>
    <Text name="{TO_NAME}" value="$text" granularity="symbol"/>
  </View>
  <View>
    <Header value="Selected QUOTE: type, stance, speaker"/>
{nl.join(per_region)}
  </View>
  <View>
    <Header value="Whole document: stance"/>
{nl.join(doc_level)}
  </View>
</View>
"""
