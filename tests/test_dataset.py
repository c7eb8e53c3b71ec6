"""The Hugging Face dataset: deterministic, atomic, loadable offline, never stale.

Regenerate the committed dataset with ``tahaluf build`` (check with
``tahaluf build --check``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tahaluf import corpus
from tahaluf import dataset as td
from tahaluf.cli import main
from tahaluf.core import paths
from tahaluf.core.errors import TahalufError
from tahaluf.core.model import Document, Span, Speaker
from tahaluf.core.schema import SCHEMA
from tahaluf.core.signatures import documents_hash
from tahaluf.core.tagging import tag_names
from tahaluf.dataset import builder


@pytest.fixture(scope="session")
def source():
    return corpus.source_documents()


@pytest.fixture(scope="session")
def built(tmp_path_factory, source):
    out = tmp_path_factory.mktemp("ds") / "dataset"
    td.build(out)
    return out


def _sums(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _with_changed_stance(docs: list[Document], doc_index: int = 0) -> tuple[list[Document], str, str]:
    """A copy of ``docs`` whose first quotation in one article has another stance_t1."""
    d = docs[doc_index]
    q = d.quotes[0]
    new = next(lab for lab in SCHEMA.stance_labels if lab != q.stance["stance_t1"])
    q2 = dataclasses.replace(q, stance={**q.stance, "stance_t1": new})
    out = list(docs)
    out[doc_index] = d.with_layers(quotes=(q2,) + tuple(d.quotes[1:]))
    return out, f"{d.doc_id}-{q.quote_id}", new


# -- determinism and atomicity --------------------------------------------------

def test_two_builds_are_byte_identical(tmp_path, built):
    again = td.build(tmp_path / "dataset").path
    assert _sums(again) == _sums(built)
    assert len(_sums(built)) == 3 + len(td.DATA_FILES)  # card, LICENSE, croissant.json, data


def test_committed_dataset_equals_a_fresh_build(built):
    committed = paths.dataset_dir()
    if not (committed / "README.md").exists():
        pytest.skip("dataset/ is not committed yet (run `tahaluf build`)")
    assert td.compare(built, committed) == []


def test_failed_build_leaves_the_previous_dataset_intact(tmp_path, source, monkeypatch):
    out = tmp_path / "dataset"
    td.build(out)
    before = _sums(out)
    changed, _, _ = _with_changed_stance(source[0])

    def boom(*a, **k):
        raise TahalufError("injected failure while writing the card")

    monkeypatch.setattr(builder, "render_card", boom)  # after the data files are written
    with pytest.raises(TahalufError, match="injected failure"):
        td.build(out, docs=changed, source="test")
    assert _sums(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]  # no staging folder left behind


# -- files and card ---------------------------------------------------------------

def test_jsonl_is_utf8_arabic_with_declared_key_order(built):
    for c, s in td.DATA_FILES:
        keys = list(td.features(c))
        raw = (built / td.data_file(c, s)).read_bytes()
        assert b"\\u06" not in raw and "ال".encode() in raw
        lines = raw.decode("utf-8").splitlines()
        assert lines and all(list(json.loads(x)) == keys for x in lines)


def test_card_declares_every_config_from_the_features(built):
    infos, mconfigs = td.declared(built)
    assert sorted(mconfigs) == sorted(td.CONFIGS) and sorted(infos) == sorted(td.CONFIGS)  # the YAML sorts them
    assert [c for c, m in mconfigs.items() if m.get("default")] == [td.DEFAULT_CONFIG]
    for c in td.CONFIGS:
        assert infos[c].features == td.features(c)
        files = {d["split"]: d["path"] for d in mconfigs[c]["data_files"]}
        assert list(files) == list(td.splits_of(c))
        for s, path in files.items():
            n = len((built / path).read_bytes().decode("utf-8").splitlines())
            assert infos[c].splits[s].num_examples == n
    card = (built / "README.md").read_text(encoding="utf-8")
    for section in ("## Dataset Description", "## Dataset Structure", "## Dataset Creation",
                    "### Curation Rationale", "### Source Data", "#### Who are the annotators?",
                    "### Personal and Sensitive Information", "## Considerations for Using the Data",
                    "### Licensing Information", "### Citation Information", "`DATASHEET.md`"):
        assert section in card, section
    assert "${" not in card


def test_data_hash_is_over_the_data_files(tmp_path, built):
    h = td.data_files_hash(built)
    assert len(h) == 12 and td.data_files_hash(built, full=True).startswith(h)
    card = (built / "README.md").read_text(encoding="utf-8")
    assert f"**Data files hash:** `{h}`" in card
    assert f"**Documents hash:** `{documents_hash(corpus.source_documents()[0])}`" in card
    copy = tmp_path / "copy"
    import shutil
    shutil.copytree(built, copy)
    assert td.data_files_hash(copy) == h
    (copy / "README.md").write_text("changed", encoding="utf-8")
    assert td.data_files_hash(copy) == h  # the card is not data
    f = copy / td.data_file("stance", "test")
    f.write_bytes(f.read_bytes().replace(b'"label": "NONE"', b'"label": "FAVOR"', 1))
    assert td.data_files_hash(copy) != h
    with pytest.raises(TahalufError, match="run `tahaluf build`"):
        td.data_files_hash(tmp_path / "nothing")


# -- rows -------------------------------------------------------------------------

def test_rows_cover_the_corpus_with_disjoint_splits_and_one_fold_per_article(built, source):
    docs, _ = source
    rows = {s: td.load("documents", s, dataset_dir=built) for s in td.SPLIT_NAMES}
    for s, ds in rows.items():
        assert sorted(ds["doc_id"]) == sorted(corpus.SPLITS[s])
        assert {m["split"] for m in ds["metadata"]} == {s}
    allrows = td.load("documents", "train+validation+test", dataset_dir=built)
    assert sorted(allrows["fold"]) == list(range(len(docs)))
    assert {r["doc_id"]: r["fold"] for r in allrows} == {d.doc_id: corpus.fold_of(d.doc_id) for d in docs}
    quotes = td.load("quotes", "train+validation+test", dataset_dir=built)
    stance = td.load("stance", "train+validation+test", dataset_dir=built)
    ents = td.load("entities", "train+validation+test", dataset_dir=built)
    assert len(quotes) == sum(len(d.quotes) for d in docs)
    assert len(stance) == sum(len(d.quotes) for d in docs) * len(SCHEMA.required_targets)
    names = ents.features["ner_tags"].feature.names
    n_b = sum(1 for r in ents for t in r["ner_tags"] if names[t].startswith("B-"))
    assert n_b == sum(len(d.entities) for d in docs)
    for c in td.ARTICLE_CONFIGS:  # every row's fold is its article's
        ds = td.load(c, "train+validation+test", dataset_dir=built)
        assert all(r["fold"] == corpus.fold_of(r["doc_id"]) for r in ds)


def test_offsets_reproduce_the_text(built, source):
    docs = {d.doc_id: d for d in source[0]}
    for r in td.load("documents", "train+validation+test", dataset_dir=built):
        text = r["text"]
        assert text == docs[r["doc_id"]].text
        head = r["metadata"]["headline"]
        spans = list(r["entities"]) + ([head] if head else [])
        for q in r["quotes"]:
            spans += [q] + [x for x in (q["cue"], q["source"]) if x]
        assert spans and all(text[x["start"]:x["end"]] == x["text"] for x in spans)
    for r in td.load("entities", "train+validation+test", dataset_dir=built):
        text = docs[r["doc_id"]].text
        assert text[r["sent_start"]:r["sent_end"]] == r["text"]
        assert [text[a:b] for a, b in zip(r["token_starts"], r["token_ends"], strict=True)] == r["tokens"]
    for c in ("quotes", "stance"):
        for r in td.load(c, "train+validation+test", dataset_dir=built):
            text = docs[r["doc_id"]].text
            assert text[r["start"]:r["end"]] == r["text"]
            assert text[r["context_start"]:r["context_end"]] == r["context"]
            assert 0 <= r["context_start"] <= r["start"] < r["end"] <= r["context_end"]
            assert r["context"] == r["context"].strip()


def test_quote_rows_carry_the_registry_speaker(built):
    speakers = corpus.load_speakers()
    for r in td.load("quotes", "train+validation+test", dataset_dir=built):
        assert speakers[r["speaker_id"]].name_en == r["speaker_name_en"]


def test_speakers_config_is_the_whole_registry_in_one_split(built):
    """The quotes task is solvable from the dataset alone: every speaker id of every split is a row of
    ``speakers``, with the registry's names, role, affiliation and aliases."""
    speakers = corpus.load_speakers()
    reg = td.load("speakers", dataset_dir=built)
    assert list(reg) == ["registry"] and td.splits_of("speakers") == ("registry",)
    rows = reg["registry"].to_list()
    assert [Speaker.from_dict(r) for r in rows] == list(speakers.values())  # registry order, every field
    ids = {r["speaker_id"] for r in rows}
    used = {s: {r["speaker_id"] for r in td.load("quotes", s, dataset_dir=built)} for s in td.SPLIT_NAMES}
    assert set().union(*used.values()) <= ids
    assert {q["speaker_id"] for r in td.load("documents", "train+validation+test", dataset_dir=built)
            for q in r["quotes"]} <= ids | {a for r in rows for a in r["aliases"]}
    assert used["test"] - used["train"]  # why the config exists: test speakers no train quotation names
    card = (built / "README.md").read_text(encoding="utf-8")
    n_new = len(used["test"] - used["train"])
    assert f"of the {len(used['test'])} speakers quoted in `test`, {n_new} are never quoted in `train`" in card
    assert f"| `speakers` | {td.CONFIGS['speakers']} | - | - | - | {len(rows)} |" in card
    assert 'load_dataset(path, "speakers", split="registry")' in card
    with pytest.raises(TahalufError, match="unknown split 'train' of config 'speakers'.*Available: registry"):
        td.load("speakers", "train", dataset_dir=built)


def _doc(text: str, *ents: tuple[str, str]) -> Document:
    spans = []
    for surface, label in ents:
        i = text.index(surface)
        spans.append(Span.of(text, i, i + len(surface), label))
    return Document("x", text, {}, tuple(spans))


def test_bio_tags_a_token_whose_entity_starts_after_a_proclitic():
    rows, st = td.entity_rows(_doc("قال للتحالف الدولي شكرا.", ("لتحالف الدولي", "ORG")), td.Placement("test", 0))
    assert rows[0]["tokens"] == ["قال", "للتحالف", "الدولي", "شكرا", "."]
    assert rows[0]["ner_tags"] == ["O", "B-ORG", "I-ORG", "O", "O"]
    assert (st.start_inside_token, st.end_inside_token) == (1, 0)


def test_entity_crossing_a_sentence_boundary_joins_the_sentences():
    doc = _doc("زار جون. سميث بغداد. ثم عاد.", ("جون. سميث", "PER"), ("بغداد", "GPE"))
    rows, st = td.entity_rows(doc, td.Placement("test", 0))
    assert (st.crossing_sentence, st.sentences_merged, len(rows)) == (1, 1, 2)
    assert rows[0]["text"] == "زار جون. سميث بغداد."
    assert rows[0]["ner_tags"] == ["O", "B-PER", "I-PER", "I-PER", "B-GPE", "O"]
    assert rows[1]["sent_index"] == 1 and rows[1]["ner_tags"] == ["O", "O", "O"]


def test_an_entity_with_no_token_of_its_own_is_refused():
    doc = _doc("زار واشنطنبغداد أمس", ("واشنطن", "GPE"), ("بغداد", "GPE"))
    with pytest.raises(TahalufError, match=r"no token of their own.*GPE \[10, 15\)"):
        td.entity_rows(doc, td.Placement("test", 0))


def test_sentences_in_boilerplate_are_left_out():
    text = "قال أحمد شكرا.\nاترك تعليقك"
    doc = Document("x", text, {"boilerplate": [{"start": text.index("اترك"), "end": len(text)}]})
    rows, st = td.entity_rows(doc, td.Placement("test", 0))
    assert [r["text"] for r in rows] == ["قال أحمد شكرا."] and st.sentences_in_boilerplate == 1


def test_context_is_the_paragraph_and_spans_stray_line_breaks():
    text = "عنوان\n  قال إن الجنود\n\nباقون هنا.  \nآخر"
    s = text.index("الجنود")
    e = text.index("هنا") + 3
    c0, c1 = td.context_of(text, s, e)
    assert text[c0:c1] == "قال إن الجنود\n\nباقون هنا."
    assert td.context_of(text, 0, 5) == (0, 5)  # first line, no line break before it


# -- loading ----------------------------------------------------------------------

LOADER = r"""
import json, sys
from datasets import load_dataset
path, cache, out, *configs = sys.argv[1:]
res = {}
for c in configs:
    d = load_dataset(path, c, cache_dir=cache)
    res[c] = {s: {"features": d[s].features.to_dict(), "rows": d[s].to_list()} for s in d}
res["_default"] = sorted(load_dataset(path, cache_dir=cache)["train"].column_names)
json.dump(res, open(out, "w", encoding="utf-8"), ensure_ascii=False)
"""


def test_load_dataset_works_offline_from_any_directory(tmp_path, built):
    out = tmp_path / "loaded.json"
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    r = subprocess.run([sys.executable, "-c", LOADER, str(built.resolve()), str(tmp_path / "cache"), str(out),
                        *td.CONFIGS], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["_default"] == sorted(td.features(td.DEFAULT_CONFIG))
    for c in td.CONFIGS:
        assert list(got[c]) == list(td.splits_of(c))
        for s in td.splits_of(c):
            assert got[c][s]["features"] == td.features(c).to_dict()
            assert got[c][s]["rows"] == td.load(c, s, dataset_dir=built).to_list()
    ner = got["entities"]["train"]["features"]["ner_tags"]["feature"]["names"]
    assert ner == list(tag_names()) and ner[:3] == ["O", "B-PER", "I-PER"]
    assert got["stance"]["test"]["features"]["label"]["names"] == ["FAVOR", "AGAINST", "NONE"]


def _front_matter(folder: Path) -> str:
    return (folder / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]


def test_load_is_never_stale_after_a_rebuild(tmp_path, source):
    """A rebuild that changes one entity label for another of the same length
    leaves the card's YAML (what ``datasets`` keys its cache on) unchanged;
    :func:`tahaluf.dataset.load` still returns the new rows."""
    docs, _ = source
    out = tmp_path / "dataset"
    td.build(out, docs=docs, source="test")
    yaml_before = _front_matter(out)
    first = td.load("entities", dataset_dir=out)
    d = docs[0]
    i, e = next((i, e) for i, e in enumerate(d.entities) if e.label == "GPE")
    changed = list(docs)
    changed[0] = d.with_layers(entities=d.entities[:i] + (dataclasses.replace(e, label="LOC"),) + d.entities[i + 1:])
    td.build(out, docs=changed, source="test")
    assert _front_matter(out) == yaml_before
    again = td.load("entities", dataset_dir=out)
    split = corpus.split_of(d.doc_id)
    names = again[split].features["ner_tags"].feature.names

    def tags(ds):
        return {(r["id"], a): names[t] for r in ds for a, t in zip(r["token_starts"], r["ner_tags"])}

    before, after = tags(first[split]), tags(again[split])
    diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert diff and all(b.endswith("-GPE") and a.endswith("-LOC") for b, a in diff.values())
    assert set(diff) == {(r["id"], a) for r in first[split] for a, b in zip(r["token_starts"], r["token_ends"], strict=True)
                         if r["doc_id"] == d.doc_id and a < e.end and e.start < b}  # the changed entity's tokens

    changed, row_id, new = _with_changed_stance(changed)  # a stance label too, through another config
    td.build(out, docs=changed, source="test")
    q = td.load("quotes", split, dataset_dir=out)
    assert [q.features["stance_t1"].names[r["stance_t1"]] for r in q if r["id"] == row_id] == [new]


def test_unknown_config_or_split_says_what_exists(built):
    with pytest.raises(TahalufError, match="Did you mean 'entities'.*Available: documents"):
        td.load("entity", dataset_dir=built)
    with pytest.raises(TahalufError, match="Did you mean 'test'"):
        td.load("stance", "tset", dataset_dir=built)


def test_rows_that_do_not_fit_the_declared_features_are_refused(tmp_path, built):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    f = copy / td.data_file("stance", "test")
    f.write_bytes(f.read_bytes().replace(b'"label": "NONE"', b'"label": "NEUTRAL"', 1))
    with pytest.raises(TahalufError, match="do not fit the declared features"):
        td.load("stance", "test", dataset_dir=copy)


# -- command line -----------------------------------------------------------------

def test_build_command_writes_the_repository_dataset_and_check_detects_staleness(tmp_path, monkeypatch, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("seeds", "annotation"):
        (root / name).symlink_to(paths.root() / name)
    monkeypatch.setenv("TAHALUF_ROOT", str(root))
    assert main(["build"]) == 0  # what `tahaluf reproduce` runs
    assert (root / "dataset" / "README.md").is_file()
    assert main(["build", "--check"]) == 0
    f = root / "dataset" / td.data_file("quotes", "validation")
    f.write_bytes(f.read_bytes() + b"\n")
    reg = root / "dataset" / td.data_file("speakers", td.REGISTRY_SPLIT)  # the registry is checked too
    reg.write_bytes(reg.read_bytes().replace(b'"kind": "person"', b'"kind": "persons"', 1))
    capsys.readouterr()
    assert main(["build", "--check"]) == 1
    out = capsys.readouterr().out
    assert "[dataset-stale] data/quotes/validation.jsonl: differs" in out
    assert "[dataset-stale] data/speakers/registry.jsonl: differs from line 1" in out
    before = _sums(root / "dataset")
    assert main(["build", "--dry-run"]) == 0
    assert _sums(root / "dataset") == before


def test_a_label_the_schema_does_not_know_fails_the_build(tmp_path, source):
    docs, _ = source
    d = docs[0]
    q = dataclasses.replace(d.quotes[0], stance={"stance_t1": "NEUTRAL"})
    bad = [d.with_layers(quotes=(q,) + tuple(d.quotes[1:]))] + list(docs[1:])
    with pytest.raises(TahalufError, match="rows do not fit the declared features.*NEUTRAL"):
        td.build(tmp_path / "dataset", docs=bad, source="test")
    e = dataclasses.replace(d.entities[0], label="PERSON")
    bad = [d.with_layers(entities=(e,) + tuple(d.entities[1:]))] + list(docs[1:])
    with pytest.raises(TahalufError, match=r"entity labels \['PERSON'\] are not in the schema"):
        td.build(tmp_path / "dataset", docs=bad, source="test")
    assert not (tmp_path / "dataset").exists()
