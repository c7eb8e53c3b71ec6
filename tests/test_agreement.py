"""Agreement between annotation passes: hand-computed expectations, self-agreement,
speaker alias mapping, the disagreement list and the CLI."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction as F

import pytest

from tahaluf.analysis import agreement as ag
from tahaluf.analysis.disagreements import counts_by_kind, disagreements
from tahaluf.analysis.speakers import map_speakers
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.signatures import documents_hash
from tahaluf.core.speakers import alias_table
from tahaluf.core.version import __version__

# 39 tokens (counted by hand): 10 + 8 + 15 + 6, four sentences.
TEXT = ('Ali met Omar Khan in Baghdad and Basra today. Ali said that the coalition must stay. '
        'Omar said: "they must go" and added that it is over. Khan noted that nothing changed.')
N_TOKENS = 39


def sp(sub: str, label: str, nth: int = 1) -> Span:
    """The ``nth`` occurrence of ``sub`` in TEXT as a span."""
    i = -1
    for _ in range(nth):
        i = TEXT.index(sub, i + 1)
    return Span.of(TEXT, i, i + len(sub), label)


def quote(qid, text, qtype, speaker, stance, cue=None, source=None) -> Quote:
    return Quote(qid, sp(text, "QUOTE"), qtype, speaker,
                 None if cue is None else sp(cue[0], "CUE", cue[1]),
                 None if source is None else sp(source[0], "SOURCE", source[1]),
                 {"stance_t1": stance})


SPEAKERS = {
    "ali": Speaker("ali", "Ali"),
    "omar": Speaker("omar", "Omar", aliases=("omar_alias",)),
    "khan": Speaker("khan", "Khan"),
}


def pass_a() -> Document:
    return Document("hand", TEXT, entities=(
        sp("Ali", "PER"), sp("Omar Khan", "PER"), sp("Baghdad", "GPE")), quotes=(
        quote("a1", "the coalition must stay", "indirect", "ali", "FAVOR", ("said", 1), ("Ali", 2)),
        quote("a2", "they must go", "direct", "omar", "AGAINST", ("said", 2), ("Omar", 2)),
        quote("a3", "it is over", "indirect", "omar", "NONE", ("added", 1)),
    ), doc_stance={"stance_t1": "FAVOR"})


def pass_b() -> Document:
    """Against A: entities 'Omar' instead of 'Omar Khan' and an extra 'Basra';
    quote 1 takes in 'that'; quote 2 has the speaker alias and another stance;
    quote 3 is typed direct and has no cue; quote 4 exists only here."""
    return Document("hand", TEXT, entities=(
        sp("Ali", "PER"), sp("Omar", "PER"), sp("Baghdad", "GPE"), sp("Basra", "GPE")), quotes=(
        quote("b1", "that the coalition must stay", "indirect", "ali", "FAVOR", ("said", 1), ("Ali", 2)),
        quote("b2", "they must go", "direct", "omar_alias", "NONE", ("said", 2), ("Omar", 2)),
        quote("b3", "it is over", "direct", "omar", "NONE"),
        quote("b4", "nothing changed", "indirect", "khan", "NONE", ("noted", 1), ("Khan", 2)),
    ), doc_stance={"stance_t1": "AGAINST"})


def kappa_from_counts(a: dict, b: dict, n: int, agree: int) -> float:
    """Cohen's kappa by the textbook formula (independent of sklearn)."""
    po = F(agree, n)
    pe = sum(F(a.get(k, 0), n) * F(b.get(k, 0), n) for k in set(a) | set(b))
    return float((po - pe) / (1 - pe))


@pytest.fixture(scope="module")
def hand():
    return ag.agreement([pass_a()], [pass_b()], SPEAKERS)


def prf(d):
    return d["tp"], d["fp"], d["fn"]


# -- entities -------------------------------------------------------------------

def test_entity_f1_strict_and_overlap(hand):
    e = hand["entities"]
    # 3 vs 4 entities, 2 identical: F1 = 2*2/(3+4)
    assert prf(e["strict"]["overall"]) == (2, 2, 1)
    assert e["strict"]["overall"]["f1"] == round(2 * 2 / (3 + 4), 6)
    assert e["strict"]["overall"]["precision"] == 0.5
    assert e["strict"]["overall"]["recall"] == round(2 / 3, 6)
    # overlap also pairs 'Omar Khan' with 'Omar': 3 vs 4 with 3 matched
    assert prf(e["overlap"]["overall"]) == (3, 1, 0)
    assert e["overlap"]["overall"]["f1"] == round(2 * 3 / 7, 6)
    assert prf(e["strict"]["per_type"]["PER"]) == (1, 1, 1)
    assert prf(e["strict"]["per_type"]["GPE"]) == (1, 1, 0)
    assert e["strict"]["per_type"]["GPE"]["f1"] == round(2 / 3, 6)
    assert prf(e["overlap"]["per_type"]["PER"]) == (2, 0, 0)
    assert list(e["strict"]["per_type"]) == ["PER", "GPE"]  # schema order


def test_bio_tags_mark_overlapping_tokens():
    a, b = ag.bio_tags(pass_a()), ag.bio_tags(pass_b())
    assert len(a) == N_TOKENS
    assert a[:10] == ["B-PER", "O", "B-PER", "I-PER", "O", "B-GPE", "O", "O", "O", "O"]
    assert b[:10] == ["B-PER", "O", "B-PER", "O", "O", "B-GPE", "O", "B-GPE", "O", "O"]
    assert set(a[10:]) == set(b[10:]) == {"O"}
    # an entity starting inside a token (after a proclitic) tags that token
    d = Document("x", "ولبغداد قال", entities=(Span.of("ولبغداد قال", 2, 7, "GPE"),))
    assert ag.bio_tags(d) == ["B-GPE", "O"]


def test_token_kappa_matches_hand_computation(hand):
    tk = hand["entities"]["token_kappa"]
    allt = tk["all_tokens"]
    assert (allt["n"], allt["agree"]) == (N_TOKENS, N_TOKENS - 2)
    # A: B-PER 2, I-PER 1, B-GPE 1, O 35; B: B-PER 2, B-GPE 2, O 35 -> 212/290
    expected = kappa_from_counts({"B-PER": 2, "I-PER": 1, "B-GPE": 1, "O": 35},
                                 {"B-PER": 2, "B-GPE": 2, "O": 35}, 39, 37)
    assert expected == pytest.approx(212 / 290)
    assert allt["cohen_kappa"] == round(expected, 6)
    tagged = tk["tagged_tokens"]
    assert (tagged["n"], tagged["agree"]) == (5, 3)
    assert tagged["cohen_kappa"] == round(4 / 9, 6)


# -- quotations -----------------------------------------------------------------

def test_quotation_span_cue_source_f1(hand):
    q = hand["quotations"]
    assert (q["n_a"], q["n_b"]) == (3, 4)
    assert prf(q["span_exact"]) == (2, 2, 1)
    assert q["span_exact"]["f1"] == round(4 / 7, 6)
    assert prf(q["span_overlap"]) == (3, 1, 0)
    assert q["span_overlap"]["f1"] == round(6 / 7, 6)
    # distinct cues A {said1, said2, added}, B {said1, said2, noted}
    assert prf(q["cue_exact"]) == (2, 1, 1)
    assert q["cue_exact"]["f1"] == round(2 / 3, 6)
    # distinct sources A {Ali2, Omar2}, B {Ali2, Omar2, Khan2}
    assert prf(q["source_exact"]) == (2, 1, 0)
    assert q["source_exact"]["f1"] == 0.8


def test_attributes_on_matched_quotes(hand):
    on = hand["quotations"]["on_matched"]
    got = {k: (v["agree"], v["n"]) for k, v in on.items()}
    assert got == {"span_exact": (2, 3), "cue": (2, 3), "source": (3, 3),
                   "quote_type": (2, 3), "speaker_id": (3, 3)}
    # quote_type on matched: A [ind, dir, ind], B [ind, dir, dir]
    assert on["quote_type"]["cohen_kappa"] == round(
        kappa_from_counts({"indirect": 2, "direct": 1}, {"indirect": 1, "direct": 2}, 3, 2), 4)
    at = hand["quotations"]["attribution"]
    # only pair 2 agrees on span + cue + source + speaker (after alias mapping)
    assert (at["agree"], at["n_matched"]) == (1, 3)
    assert at["rate_on_matched"] == round(1 / 3, 6)
    assert at["f1"] == round(2 * 1 / (3 + 4), 6)


def test_stance_kappa_alpha_by_hand(hand):
    s = hand["stance"]["stance_t1"]["quotes"]
    # matched: A [FAVOR, AGAINST, NONE], B [FAVOR, NONE, NONE]
    assert (s["n"], s["agree"]) == (3, 2)
    assert s["cohen_kappa"] == 0.5  # po 2/3, pe 1/3
    # nominal alpha: 1 - (n-1) * D_o / D_e = 1 - 5 * 2 / 22
    assert s["krippendorff_alpha"] == round(6 / 11, 6)
    assert s["confusion_a|b"] == {"AGAINST|NONE": 1, "FAVOR|FAVOR": 1, "NONE|NONE": 1}
    d = hand["stance"]["stance_t1"]["documents"]
    assert (d["n"], d["agree"]) == (1, 0)


def test_speaker_alias_mapping():
    docs, m = map_speakers([pass_b()], SPEAKERS)
    assert m.mapped_quotes == 1 and dict(m.aliases) == {"omar_alias": "omar"} and m.unknown == ()
    assert [q.speaker_id for q in docs[0].quotes] == ["ali", "omar", "omar", "khan"]
    # without the alias the speaker of pair 2 differs
    bare = {k: Speaker(k, v.name_en) for k, v in SPEAKERS.items()}
    r = ag.agreement([pass_a()], [pass_b()], bare)
    assert r["speakers"]["b"] == {"mapped_quotes": 0, "aliases": {}, "unknown": ["omar_alias"]}
    assert r["quotations"]["on_matched"]["speaker_id"]["agree"] == 2
    assert r["quotations"]["attribution"]["agree"] == 0


def test_alias_that_is_another_id_is_refused():
    bad = dict(SPEAKERS, khan=Speaker("khan", "Khan", aliases=("ali",)))
    with pytest.raises(TahalufError, match="alias 'ali' of 'khan' is already an id"):
        alias_table(bad)


def test_registry_aliases_of_the_corpus():
    from tahaluf.corpus import load_speakers
    assert alias_table(load_speakers())["noroza"] == "nawroza"


# -- matching -------------------------------------------------------------------

def test_overlap_matching_is_one_to_one_most_pairs_then_most_shared_characters():
    t = "x" * 20
    a = [Span.of(t, 0, 10, "L")]
    assert ag.match_spans(a, [Span.of(t, 0, 4, "L"), Span.of(t, 5, 10, "L")], "overlap") == [(0, 1)]
    # tie on shared characters: the earlier B span wins
    assert ag.match_spans(a, [Span.of(t, 5, 15, "L"), Span.of(t, 0, 5, "L")], "overlap") == [(0, 1)]
    # one B span: it pairs with the A span it shares most with
    a2 = [Span.of(t, 0, 6, "L"), Span.of(t, 6, 8, "L")]
    b2 = [Span.of(t, 2, 8, "L")]
    assert ag.match_spans(a2, b2, "overlap") == [(0, 0)]
    assert ag.match_spans(a, [Span.of(t, 0, 10, "M")], "overlap") == []
    with pytest.raises(TahalufError, match="unknown match mode 'fuzzy'"):
        ag.match_spans(a, a, "fuzzy")


def test_passes_over_different_documents_are_refused():
    other = Document("other", TEXT)
    with pytest.raises(TahalufError, match=r"only in A \['hand'\], only in B \['other'\]"):
        ag.agreement([pass_a()], [other], SPEAKERS)
    changed = Document("hand", TEXT.replace("Ali met", "Ali saw"))
    with pytest.raises(TahalufError, match="different texts \\(first difference at offset 4\\)"):
        ag.agreement([pass_a()], [changed], SPEAKERS)


def test_undefined_kappa_when_one_label_only():
    assert ag.cohen_kappa(["FAVOR"] * 3, ["FAVOR"] * 3) is None
    assert ag.krippendorff_alpha(["FAVOR"] * 3, ["FAVOR"] * 3) is None
    assert ag.cohen_kappa(["FAVOR", "NONE"], ["FAVOR", "NONE"]) == 1.0


# -- disagreements --------------------------------------------------------------

def test_disagreement_list_names_every_difference():
    dis = disagreements([pass_a()], [pass_b()], SPEAKERS)
    got = [(d["layer"], d["kind"], d.get("differ")) for d in dis]
    assert got == [
        ("entities", "boundary", None),              # Omar Khan / Omar
        ("entities", "only_b", None),                # Basra
        ("quotations", "attributes", ["span"]),      # (that) the coalition must stay
        ("quotations", "attributes", ["stance_t1"]),  # they must go
        ("quotations", "attributes", ["quote_type", "cue"]),  # it is over
        ("quotations", "only_b", None),              # nothing changed
        ("stance", "doc_stance_t1", None),
    ]
    assert dis[0]["a"]["text"] == "Omar Khan" and dis[0]["b"]["text"] == "Omar"
    assert dis[0]["context"].startswith("Ali met [[Omar Khan]] in")
    assert dis[3]["b"]["speaker_id"] == "omar" and dis[3]["b"]["speaker_id_as_written"] == "omar_alias"
    assert (dis[6]["a"], dis[6]["b"]) == ("FAVOR", "AGAINST")
    assert counts_by_kind(dis)["quotations/attributes"] == 3


def test_entity_label_disagreement_kinds():
    a = Document("hand", TEXT, entities=(sp("Baghdad", "GPE"), sp("Omar Khan", "PER")))
    b = Document("hand", TEXT, entities=(sp("Baghdad", "LOC"), sp("Omar", "ORG")))
    kinds = [d["kind"] for d in disagreements([a], [b], SPEAKERS)]
    assert kinds == ["boundary+label", "label"]


# -- the real passes ------------------------------------------------------------

@pytest.fixture(scope="module")
def pass_a_docs():
    from tahaluf.corpus import load_pass
    return load_pass("pass_a")


def test_a_pass_agrees_with_itself_everywhere(pass_a_docs):
    from tahaluf.corpus import load_speakers
    r = ag.agreement(pass_a_docs, pass_a_docs, load_speakers())
    e, q, s = r["entities"], r["quotations"], r["stance"]["stance_t1"]
    for mode in ag.MATCH_MODES:
        assert e[mode]["overall"]["f1"] == 1.0 and e[mode]["overall"]["fp"] == 0
        assert all(v["f1"] == 1.0 for v in e[mode]["per_type"].values())
    assert e["token_kappa"]["all_tokens"]["cohen_kappa"] == 1.0
    assert e["token_kappa"]["tagged_tokens"]["krippendorff_alpha"] == 1.0
    for k in ("span_exact", "span_overlap", "cue_exact", "source_exact"):
        assert q[k]["f1"] == 1.0, k
    assert all(v["rate"] == 1.0 for v in q["on_matched"].values())
    assert q["attribution"]["rate_on_matched"] == 1.0 and q["attribution"]["f1"] == 1.0
    assert s["quotes"]["cohen_kappa"] == 1.0 and s["quotes"]["krippendorff_alpha"] == 1.0
    assert s["quotes"]["n"] == q["n_a"] > 0
    assert s["documents"]["rate"] == 1.0
    assert disagreements(pass_a_docs, pass_a_docs, load_speakers()) == []


def test_cli_json_signature_and_disagreements_file(tmp_path, capsys, pass_a_docs):
    from tahaluf.cli import main
    from tahaluf.corpus import pass_dir

    a = tmp_path / "a"
    shutil.copytree(pass_dir("pass_a"), a)
    out = tmp_path / "dis.json"
    assert main(["agreement", "--json", "--a", str(a), "--b", str(a), "--disagreements", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["signature"]["a"] == r["signature"]["b"] == documents_hash(pass_a_docs)
    assert r["signature"]["string"].startswith(f"task:agreement|a:{documents_hash(pass_a_docs)}|")
    assert r["entities"]["strict"]["overall"]["f1"] == 1.0
    assert "per_document" not in r["entities"]
    assert json.loads(out.read_text(encoding="utf-8")) == []


def test_cli_table_and_missing_folder(tmp_path, capsys):
    from tahaluf.cli import main
    assert main(["agreement"]) == 0
    text = capsys.readouterr().out
    assert "ENTITIES" in text and "token kappa, all tokens" in text and "signature: task:agreement" in text
    assert main(["agreement", "--a", str(tmp_path / "nope")]) == 1
    assert "nope: no such folder" in capsys.readouterr().err


def test_span_difference_shows_the_text_only_one_pass_covers():
    dis = disagreements([pass_a()], [pass_b()], SPEAKERS)
    assert dis[0]["span_difference"] == {"start": [8, 8], "end": [17, 12], "a_only": [" Khan"], "b_only": []}
    assert dis[2]["span_difference"]["b_only"] == ["that "] and dis[2]["span_difference"]["a_only"] == []
    assert "span_difference" not in dis[3]


def test_signature_fields_in_order():
    sig = ag.signature("aaa", "bbb", "sss")
    assert sig["string"] == ("task:agreement|a:aaa|b:bbb|speakers:sss|match:strict+overlap(assignment,1:1)"
                             f"|tok:camel-simple-word|version:{__version__}")
    assert list(sig) == ["task", "a", "b", "speakers", "match", "tok", "version", "string"]


def test_stats_maps_speakers_without_importing_agreement():
    import ast
    from pathlib import Path

    from tahaluf.analysis import stats

    tree = ast.parse(Path(stats.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "tahaluf.analysis.speakers" in imported and "tahaluf.analysis.agreement" not in imported
