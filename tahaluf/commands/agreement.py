"""``tahaluf agreement``: inter-annotator agreement between the two passes.

Any two folders of annotations can be compared (``--a DIR --b DIR``): two
annotators' folders as ``tahaluf studio pull --out DIR`` writes them
(``DIR/<annotator>/``), or an annotator's folder and the gold
(``--shared`` keeps only the articles both annotate). The report's first
line says which case it is, naming the annotators (from the files).

See :mod:`tahaluf.analysis.agreement` for what every figure is and
:mod:`tahaluf.analysis.disagreements` for the ``--disagreements`` list. The
report carries a signature (documents hashes of both passes, speaker registry, match
rule, package version) in the sacrebleu style
(:func:`tahaluf.analysis.agreement.signature`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tahaluf.cli import EXIT_OK, command
from tahaluf.core.signatures import documents_hash, registry_hash


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--a", type=Path, default=None, metavar="DIR",
                   help="first pass: folder of Label Studio exports (default: annotation/passes/pass_a)")
    p.add_argument("--b", type=Path, default=None, metavar="DIR",
                   help="second pass (default: annotation/passes/pass_b)")
    p.add_argument("--speakers", type=Path, default=None,
                   help="speaker registry used to map ids and aliases (default: annotation/speakers.json)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--per-document", action="store_true",
                   help="keep the per-document counts in the JSON report (and print them in the table)")
    p.add_argument("--shared", action="store_true",
                   help="compare only the articles both folders annotate (e.g. an annotator's few articles "
                        "against the gold); default: both must cover the same articles")
    p.add_argument("--disagreements", type=Path, default=None, metavar="FILE",
                   help="write every disagreement (for the adjudicator) to FILE as a JSON list")


def build_report(a_dir: Path | None, b_dir: Path | None, speakers_path: Path | None,
                 shared: bool = False) -> tuple[dict, list]:
    from tahaluf.analysis.agreement import agreement, signature
    from tahaluf.analysis.disagreements import disagreements
    from tahaluf.core.errors import TahalufError
    from tahaluf.core.paths import speakers_file
    from tahaluf.core.speakers import load_registry
    from tahaluf.corpus import load_annotations, pass_dir

    a_dir = a_dir or pass_dir("pass_a")
    b_dir = b_dir or pass_dir("pass_b")
    for d in (a_dir, b_dir):
        if not Path(d).is_dir():
            raise TahalufError(f"{d}: no such folder of annotation files (give --a/--b DIR)")
    a = load_annotations(a_dir, check=False)
    b = load_annotations(b_dir, check=False)
    left_out = {}
    if shared:
        both = {d.doc_id for d in a} & {d.doc_id for d in b}
        if not both:
            raise TahalufError(f"{a_dir} and {b_dir} annotate no article in common")
        left_out = {k: sorted(d.doc_id for d in docs if d.doc_id not in both) for k, docs in (("a", a), ("b", b))}
        a, b = [d for d in a if d.doc_id in both], [d for d in b if d.doc_id in both]
    sp_path = speakers_path or speakers_file()
    speakers = load_registry(sp_path)
    report = {"signature": signature(documents_hash(a), documents_hash(b), registry_hash(speakers)),
              "a": _shown(a_dir), "b": _shown(b_dir), "who": {"a": _who(a_dir, a), "b": _who(b_dir, b)},
              **({"left_out": left_out} if shared else {}), **agreement(a, b, speakers)}
    return report, disagreements(a, b, speakers)


def _shown(p: Path) -> str:
    """A folder as shown in the report: relative to the repository root when inside it."""
    from tahaluf.core.paths import root
    try:
        return Path(p).resolve().relative_to(root()).as_posix()
    except ValueError:
        return str(p)


def _who(folder: Path, docs) -> dict:
    """What a folder is: ``pass`` (under annotation/passes/), ``gold``, or the work of ``annotator`` s."""
    from tahaluf.core.paths import annotation_dir, gold_dir
    p = Path(folder).resolve()
    if p == gold_dir().resolve():
        return {"kind": "gold"}
    if p.is_relative_to((annotation_dir() / "passes").resolve()):
        return {"kind": "pass"}
    return {"kind": "annotator", "names": sorted({d.annotator or "unknown" for d in docs})}


def _title(report: dict) -> str:
    """The report's first line, worded for what is compared: two passes, two annotators, or one and the gold."""
    who = report.get("who") or {"a": {"kind": "pass"}, "b": {"kind": "pass"}}
    n = report["documents"]
    if who["a"]["kind"] == who["b"]["kind"] == "pass":
        return f"Agreement of pass B against pass A ({n} documents, before adjudication)"

    def name(side: str) -> str:
        w = who[side]
        if w["kind"] == "gold":
            return "the gold"
        if w["kind"] == "pass":
            return f"the pass {Path(report[side]).name}"
        names = w["names"]
        return f"annotator {names[0]}" if len(names) == 1 else f"annotators {', '.join(names)}"
    kinds = {who["a"]["kind"], who["b"]["kind"]}
    what = ("between two annotators: " if kinds == {"annotator"} else
            "of an annotator with the adjudicated gold: " if kinds == {"annotator", "gold"} else "of ")
    only = "; only the articles both annotate" if report.get("left_out") else ""
    return f"Agreement {what}{name('b')} (B) against {name('a')} (A) ({n} document{'s' * (n != 1)}{only})"


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4f}"


def render(report: dict, per_document: bool = False) -> str:
    """A plain-text table of the report (same figures as the JSON)."""
    lines: list[str] = []
    add = lines.append
    sig = report["signature"]
    add(_title(report))
    add(f"  A: {report['a']}")
    add(f"  B: {report['b']}")
    for p in ("a", "b"):
        m = report["speakers"][p]
        al = ", ".join(f"{k}->{v}" for k, v in m["aliases"].items()) or "none"
        add(f"  speaker ids of {p.upper()} mapped through the registry: {m['mapped_quotes']} quotation(s) "
            f"({al}); unknown ids: {', '.join(m['unknown']) or 'none'}")
    add("")

    def prf_row(name: str, c: dict) -> str:
        return (f"  {name:<30} {c['n_a']:>5} {c['n_b']:>5} {c['tp']:>5} {c['fp']:>5} {c['fn']:>5}"
                f"  {_fmt(c['precision'])}  {_fmt(c['recall'])}  {_fmt(c['f1'])}")

    head = f"  {'':<30} {'n_A':>5} {'n_B':>5} {'tp':>5} {'fp':>5} {'fn':>5}  {'P':<6}  {'R':<6}  {'F1':<6}"
    ent = report["entities"]
    add("ENTITIES")
    add(head)
    for mode in ("strict", "overlap"):
        add(prf_row(f"{mode} (all types)", ent[mode]["overall"]))
    for t in ent["strict"]["per_type"]:
        add(prf_row(f"  {t} strict", ent["strict"]["per_type"][t]))
        add(prf_row(f"  {t} overlap", ent["overlap"]["per_type"][t]))
    tk = ent["token_kappa"]
    for k in ("all_tokens", "tagged_tokens"):
        c = tk[k]
        add(f"  token kappa, {k.replace('_', ' ')}: {_fmt(c['cohen_kappa'])} "
            f"(alpha {_fmt(c['krippendorff_alpha'])}; {c['agree']}/{c['n']} tokens agree)")
    add(f"  (Wojood reports token kappa {tk['all_tokens']['wojood_kappa']})")
    add("")
    q = report["quotations"]
    add("QUOTATIONS")
    add(head)
    for k in ("span_exact", "span_overlap", "cue_exact", "source_exact"):
        add(prf_row(k.replace("_", " "), q[k]))
    add(f"  on the {q['attribution']['n_matched']} quotation pairs matched by overlap:")
    for k, c in q["on_matched"].items():
        extra = f", kappa {_fmt(c['cohen_kappa'])}" if "cohen_kappa" in c else ""
        add(f"    {k:<28} {c['agree']:>4}/{c['n']:<4} = {_fmt(c['rate'])}{extra}")
    at = q["attribution"]
    add(f"  attribution (span exact + cue + source + speaker): {at['agree']}/{at['n_matched']} matched "
        f"= {_fmt(at['rate_on_matched'])}; as F1 over all quotations 2*{at['agree']}/({at['n_a']}+{at['n_b']}) "
        f"= {_fmt(at['f1'])}")
    add("")
    add("STANCE")
    for t, s in report["stance"].items():
        for level in ("quotes", "documents"):
            c = s[level]
            add(f"  {t} {level:<9} n={c['n']:<4} agree={c['agree']:<4} raw={_fmt(c['rate'])} "
                f"kappa={_fmt(c['cohen_kappa'])} alpha={_fmt(c['krippendorff_alpha'])}  "
                f"A {c['labels_a']}  B {c['labels_b']}")
        conf = s["quotes"]["confusion_a|b"]
        add(f"  {t} quotes confusion (A|B): {conf}")
    add("  ('-' = undefined: both passes used a single label for every item)")
    if per_document:
        add("")
        add("PER DOCUMENT")
        for doc, c in report["entities"]["per_document"].items():
            qd = report["quotations"]["per_document"][doc]
            add(f"  {doc}: entities strict F1 {_fmt(c['strict']['f1'])} overlap F1 {_fmt(c['overlap']['f1'])}; "
                f"quotes overlap F1 {_fmt(qd['span_overlap']['f1'])}; attribution "
                f"{qd['attribution']['agree']}/{qd['attribution']['n']}")
    add("")
    add(f"signature: {sig['string']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from tahaluf.analysis.disagreements import counts_by_kind
    from tahaluf.core.fileio import write_atomic
    from tahaluf.core.jsonio import dumps

    report, dis = build_report(args.a, args.b, args.speakers, shared=args.shared)
    if not args.per_document and args.json:
        report["entities"].pop("per_document")
        report["quotations"].pop("per_document")
    if args.disagreements:
        write_atomic(args.disagreements, dumps(dis))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(report, args.per_document))
        if args.disagreements:
            kinds = ", ".join(f"{k} {v}" for k, v in counts_by_kind(dis).items()) or "none"
            print(f"{len(dis)} disagreement(s) written to {args.disagreements}: {kinds}")
    return EXIT_OK


command("agreement", "inter-annotator agreement of the two annotation passes (entities, quotations, stance)",
        "tahaluf agreement")(_args).run(run)
