"""Synthetic corpora for benchmarks and tests, made with a fixed seed.

Not part of the package: the benchmarks import it as ``synthetic`` (with
``benchmarks/`` on ``sys.path``, like ``common``), and so does
``tests/test_benchmarks.py``.

Two generators, both deterministic for a given ``seed``:

BIO sequences (:func:`bio_corpus`)
    Sentences of token tags in IOB2 for a reference and a system, sized in
    tokens. Sentence lengths and entity lengths follow the shape of the real
    ``entities`` config (see :data:`ENTITY_START_RATE`). The system tags are
    the reference with errors of every kind a span scorer distinguishes:
    wrong type, a boundary moved by one token (start or end, shorter or
    longer), a missed entity, a spurious entity, and a span merged over two
    entities. Both sides are always valid IOB2 (every entity starts with
    ``B-``), so seqeval's strict IOB2 mode, nervaluate's list loader and a
    span scorer all read the same entities from them.

Articles (:func:`synthetic_documents`, :func:`write_repo`)
    Articles recombined from the annotated ones: each source article is cut
    into *blocks* at line breaks, never inside an annotation (a block grows
    until no entity, quotation, cue or source crosses its end; it keeps the
    part of any boilerplate range it overlaps). An article is a
    headline block followed by blocks drawn at random until it is about as
    long as a real article drawn at random; its annotations are the blocks'
    annotations shifted to their new offsets, quotation ids renamed so they
    stay unique, and its metadata that of its first block's article with a
    new headline span, sha256 and a ``synthetic`` record of where each block
    came from and how many tokens the article has (blocks are joined by a
    blank line, so the article's tokens are its blocks' tokens). :func:`write_repo` writes them in the repository layout
    (``seeds/``, ``annotation/gold/``, ``annotation/speakers.json``) so that
    the real validation, loading and build code runs on them with
    ``TAHALUF_ROOT`` pointing there.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tahaluf.core.jsonio import dumps, jsonl_bytes
from tahaluf.core.model import Document, Quote, Span, Speaker
from tahaluf.core.schema import SCHEMA, schema_to_json
from tahaluf.core.text import tokenize
from tahaluf.formats.labelstudio import to_task

# -- BIO sequences -------------------------------------------------------------

#: Probabilities of what the system does with a reference entity.
ERROR_RATES: dict[str, float] = {
    "wrong_type": 0.06,
    "shift_start": 0.04,
    "shift_end": 0.04,
    "missed": 0.06,
    "merge_next": 0.01,
}
#: Spurious entities the system adds, per reference entity.
SPURIOUS_RATE = 0.06
#: Chance that an entity starts at a free token, and the entity lengths in
#: tokens with their weights: the shape of the gold (0.13 entities a token;
#: 69% one token, 23% two, 6% three; 26 tokens a sentence).
ENTITY_START_RATE = 0.15
_LENGTHS = (1, 2, 3, 4, 5)
_LENGTH_WEIGHTS = (69, 23, 6, 1.5, 0.5)


def _spans_to_tags(n: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for s, e, lab in spans:
        tags[s] = "B-" + lab
        for k in range(s + 1, e):
            tags[k] = "I-" + lab
    return tags


def _reference_spans(rng: random.Random, n: int, labels: Sequence[str]) -> list[tuple[int, int, str]]:
    spans, i = [], 0
    while i < n:
        if rng.random() < ENTITY_START_RATE:
            length = min(rng.choices(_LENGTHS, _LENGTH_WEIGHTS)[0], n - i)
            spans.append((i, i + length, rng.choice(labels)))
            i += length + rng.randint(0, 1)  # sometimes two entities touch
        else:
            i += 1
    return spans


def _system_spans(rng: random.Random, n: int, ref: list[tuple[int, int, str]],
                  labels: Sequence[str]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    skip_next = False
    for k, (s, e, lab) in enumerate(ref):
        if skip_next:
            skip_next = False
            continue
        r = rng.random()
        acc = 0.0
        kind = "keep"
        for name, p in ERROR_RATES.items():
            acc += p
            if r < acc:
                kind = name
                break
        if kind == "wrong_type":
            out.append((s, e, rng.choice([x for x in labels if x != lab])))
        elif kind == "shift_start":
            out.append((s + 1, e, lab) if e - s > 1 else (max(s - 1, 0), e, lab))
        elif kind == "shift_end":
            out.append((s, e - 1, lab) if e - s > 1 else (s, min(e + 1, n), lab))
        elif kind == "merge_next" and k + 1 < len(ref):
            out.append((s, ref[k + 1][1], lab))
            skip_next = True
        elif kind != "missed":
            out.append((s, e, lab))
    # spurious entities in free space
    taken = [False] * n
    for s, e, _ in out:
        for t in range(s, e):
            taken[t] = True
    for _ in range(len(ref)):
        if rng.random() < SPURIOUS_RATE and n:
            t = rng.randrange(n)
            if not taken[t]:
                out.append((t, t + 1, rng.choice(labels)))
                taken[t] = True
    # drop anything a moved boundary made overlap (keep the earlier span)
    out.sort()
    clean: list[tuple[int, int, str]] = []
    for sp in out:
        if clean and sp[0] < clean[-1][1]:
            continue
        clean.append(sp)
    return clean


def bio_corpus(n_tokens: int, seed: int = 0, labels: Sequence[str] | None = None,
               mean_sentence: int = 26) -> tuple[list[list[str]], list[list[str]]]:
    """Reference and system IOB2 tags, ``n_tokens`` tokens in all (see module docstring)."""
    labels = list(labels or SCHEMA.entity_labels)
    rng = random.Random(seed)
    gold: list[list[str]] = []
    pred: list[list[str]] = []
    left = n_tokens
    while left > 0:
        n = min(left, max(1, int(rng.gauss(mean_sentence, mean_sentence / 2))))
        ref = _reference_spans(rng, n, labels)
        sys_ = _system_spans(rng, n, ref, labels)
        gold.append(_spans_to_tags(n, ref))
        pred.append(_spans_to_tags(n, sys_))
        left -= n
    return gold, pred


def tags_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans ``(start, end, label)``, end exclusive, of valid IOB2 ``tags``."""
    out, start, lab = [], -1, ""
    for i, t in enumerate(tags):
        if t[0] == "B" or t == "O" or t[2:] != lab:
            if start >= 0:
                out.append((start, i, lab))
                start = -1
            if t != "O":
                start, lab = i, t[2:]
    if start >= 0:
        out.append((start, len(tags), lab))
    return out


# -- articles --------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A piece of an annotated article cut at line breaks, with its annotations
    at offsets relative to the block."""

    doc_id: str
    start: int
    end: int
    text: str
    entities: tuple[Span, ...]
    quotes: tuple[Quote, ...]
    boilerplate: tuple[tuple[int, int], ...]
    quality_notes: tuple[dict, ...]
    #: camel-tools tokens in the block (:func:`tahaluf.core.text.tokenize`)
    n_tokens: int


def _shift(span: Span | None, by: int) -> Span | None:
    return None if span is None else Span(span.start + by, span.end + by, span.label, span.text)


def _shift_quote(q: Quote, by: int, new_id: str) -> Quote:
    return Quote(new_id, _shift(q.span, by), q.quote_type, q.speaker_id, _shift(q.cue, by),
                 _shift(q.source, by), dict(q.stance))


def blocks(doc: Document) -> list[Block]:
    """Cut ``doc`` into blocks at line breaks that no annotation crosses."""
    text = doc.text
    extents = [(e.start, e.end) for e in doc.entities]
    extents += [(min(s.start for _, s in q.spans()), max(s.end for _, s in q.spans())) for q in doc.quotes]
    boiler = list(doc.boilerplate)
    cuts = [i for i, c in enumerate(text) if c == "\n"]
    # a line break inside an annotation's extent is no cut
    covered = bytearray(len(text) + 1)
    for s, e in extents:
        for k in range(s, e):
            covered[k] = 1
    cuts = [c for c in cuts if not covered[c]]
    out: list[Block] = []
    prev = 0
    for c in cuts + [len(text)]:
        a, b = prev, c
        prev = c + 1
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            continue
        ents = tuple(_shift(e, -a) for e in doc.entities if a <= e.start and e.end <= b)
        quotes = tuple(_shift_quote(q, -a, q.quote_id) for q in doc.quotes
                       if a <= q.span.start and q.span.end <= b)
        notes = tuple({**n, "start": n["start"] - a, "end": n["end"] - a}
                      for n in doc.metadata.get("quality_notes", []) if a <= n["start"] and n["end"] <= b)
        out.append(Block(doc.doc_id, a, b, text[a:b], ents, quotes,
                         tuple((max(s, a) - a, min(e, b) - a) for s, e in boiler if s < b and a < e), notes,
                         len(tokenize(text[a:b]))))
    return out


def _sha256(s: str) -> str:
    import hashlib
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def synthetic_documents(sources: Sequence[Document], n_articles: int, seed: int = 0) -> list[Document]:
    """``n_articles`` articles recombined from ``sources`` (see module docstring)."""
    if not sources:
        raise ValueError("no source documents to recombine")
    rng = random.Random(seed)
    by_doc = {d.doc_id: blocks(d) for d in sources}
    meta = {d.doc_id: d.metadata for d in sources}
    stance = {d.doc_id: d.doc_stance for d in sources}
    heads = [b[0] for b in by_doc.values() if b]
    pool = [b for bs in by_doc.values() for b in bs[1:]]
    lengths = [len(d.text) for d in sources]
    width = max(3, len(str(n_articles - 1)))
    docs: list[Document] = []
    for i in range(n_articles):
        target = rng.choice(lengths) * rng.uniform(0.7, 1.3)
        chosen = [rng.choice(heads)]
        length = len(chosen[0].text) + 1
        while length < target:
            chosen.append(rng.choice(pool))
            length += len(chosen[-1].text) + 1
        parts, ents, quotes, boiler, notes, prov = [], [], [], [], [], []
        pos = 0
        for j, b in enumerate(chosen):
            ents += [_shift(e, pos) for e in b.entities]
            quotes += [_shift_quote(q, pos, f"b{j:03d}_{q.quote_id}") for q in b.quotes]
            boiler += [{"start": s + pos, "end": e + pos, "what": "boilerplate carried from the source block"}
                       for s, e in b.boilerplate]
            notes += [{**n, "start": n["start"] + pos, "end": n["end"] + pos} for n in b.quality_notes]
            prov.append({"doc_id": b.doc_id, "start": b.start, "end": b.end, "at": pos})
            parts.append(b.text)
            pos += len(b.text) + 2
        text = "\n\n".join(parts)
        first = chosen[0]
        sha = _sha256(text)
        doc_id = f"{i:0{width}d}_{sha[:16]}"
        head_end = text.find("\n")
        head_end = len(text) if head_end < 0 else head_end
        m = dict(meta[first.doc_id])
        m.update({
            "doc_id": doc_id,
            "headline": {"start": 0, "end": head_end, "text": text[:head_end]},
            "boilerplate": boiler,
            "quality_notes": notes,
            "sha256": sha,
            "n_chars": len(text),
            "file": f"seeds/{doc_id}.txt",
            "synthetic": {"seed": seed, "index": i, "n_tokens": sum(b.n_tokens for b in chosen),
                          "blocks": prov},
        })
        docs.append(Document(doc_id, text, m, tuple(ents), tuple(quotes), dict(stance[first.doc_id]),
                             annotator="synthetic"))
    return docs


def write_repo(root: str | Path, docs: Sequence[Document], speakers: Mapping[str, Speaker]) -> Path:
    """Write ``docs`` in the repository layout under ``root``: ``seeds/<id>.txt``,
    ``seeds/metadata.json``, ``annotation/gold/<id>.json`` (one Label Studio
    task per file, like the gold) and ``annotation/speakers.json``."""
    root = Path(root)
    sd, gd = root / "seeds", root / "annotation" / "gold"
    sd.mkdir(parents=True, exist_ok=True)
    gd.mkdir(parents=True, exist_ok=True)
    records = []
    for k, d in enumerate(docs):
        (sd / f"{d.doc_id}.txt").write_bytes(d.text.encode("utf-8"))
        records.append(dict(d.metadata))
        (gd / f"{d.doc_id}.json").write_bytes(
            dumps([to_task(d, annotator="synthetic", task_id=k + 1, ground_truth=True)]).encode("utf-8"))
    (sd / "metadata.json").write_bytes(json.dumps(
        {"schema": "tahaluf seeds metadata v1", "documents": records}, ensure_ascii=False, indent=1).encode("utf-8"))
    (root / "annotation" / "speakers.json").write_bytes(json.dumps(
        [s.to_dict() for s in speakers.values()], ensure_ascii=False, indent=1).encode("utf-8"))
    # the schema the package reads (annotation/schema.json), as committed
    (root / "annotation" / "schema.json").write_bytes(dumps(schema_to_json(SCHEMA)).encode("utf-8"))
    return root


# -- system output for articles ------------------------------------------------

def system_records(docs: Sequence[Document], speaker_ids: Sequence[str], seed: int = 0,
                   schema=SCHEMA) -> dict[str, list[dict]]:
    """Submission records (see :mod:`tahaluf.scoring.submission`) of a system that
    makes mistakes, per task: ``{"entities": [...], "quotes": [...], "stance": [...]}``.

    Entities: 8% missed, 6% wrong type, 6% with the end one character short
    (kept when longer than two), and 5% as many spurious one-word entities.
    Quotations: 10% missed, 10% with another speaker, 10% starting one
    character late. Stance: 20% of the labels replaced by another label.
    """
    rng = random.Random(seed)
    labels = list(schema.entity_labels)
    stance_labels = list(schema.stance_labels)
    words = re.compile(r"\w+")
    out: dict[str, list[dict]] = {"entities": [], "quotes": [], "stance": []}
    for d in docs:
        covered = bytearray(len(d.text))
        ents = []
        for e in d.entities:
            r = rng.random()
            if r < 0.08:
                continue
            s, t, lab = e.start, e.end, e.label
            if r < 0.14:
                lab = rng.choice([x for x in labels if x != lab])
            elif r < 0.20 and t - s > 2:
                t -= 1
            ents.append({"start": s, "end": t, "label": lab})
            covered[s:t] = b"\x01" * (t - s)
        found = list(words.finditer(d.text))
        for _ in range(len(d.entities)):
            if rng.random() < 0.05 and found:
                m = rng.choice(found)
                if not any(covered[m.start():m.end()]):
                    ents.append({"start": m.start(), "end": m.end(), "label": rng.choice(labels)})
                    covered[m.start():m.end()] = b"\x01" * (m.end() - m.start())
        out["entities"].append({"doc_id": d.doc_id, "entities": sorted(ents, key=lambda x: x["start"])})
        quotes = []
        for q in d.quotes:
            r = rng.random()
            if r < 0.10:
                continue
            s, speaker = q.span.start, q.speaker_id
            if r < 0.20:
                speaker = rng.choice([x for x in speaker_ids if x != speaker] or [speaker])
            elif r < 0.30 and q.span.end - s > 2:
                s += 1
            quotes.append({"start": s, "end": q.span.end, "quote_type": q.quote_type, "speaker_id": speaker,
                           "cue": None if q.cue is None else {"start": q.cue.start, "end": q.cue.end},
                           "source": None if q.source is None else {"start": q.source.start,
                                                                    "end": q.source.end}})
        out["quotes"].append({"doc_id": d.doc_id, "quotes": quotes})
        stance = []
        for q in d.quotes:
            for target, lab in q.stance.items():
                if rng.random() < 0.20:
                    lab = rng.choice([x for x in stance_labels if x != lab])
                stance.append({"quote_id": q.quote_id, "target": target, "label": lab})
        out["stance"].append({"doc_id": d.doc_id, "stance": stance})
    return out


def write_jsonl(path: str | Path, records: Iterable[Mapping]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jsonl_bytes(records))
    return path
