"""The leaderboard: ``baselines/LEADERBOARD.md``, ``baselines/leaderboard.json`` and a plot per task.

Built from the entries under ``baselines/`` (the project's systems) and
``submissions/`` (outside systems, written by ``tahaluf submit``): every
sub-folder is an entry, and every entry is re-scored from its predictions by
:func:`tahaluf.scoring.entries.verify_entry` before it is listed; an entry
whose folder lacks ``results.json`` or predictions, whose signature names
other data, or whose recorded numbers differ from the re-score is refused
(:class:`~tahaluf.scoring.entries.EntryRefused`, every refusal listed, the
command exits 1), never skipped. Entity scores in character spans and in BIO
tokens are different metrics: they get separate sections and are never
ranked in one column. Each section's ``vs best`` column is the paired
comparison of each entry with the section's best on the first column's run
(:func:`tahaluf.scoring.compare.paired`: bootstrap interval of the
difference, exact permutation p-value; the permutation test marks a
difference).
The tasks, their order and their section titles are the scorer's
:data:`tahaluf.scoring.tasks.TASKS`, the stance task with one section per
stance target of the schema (:func:`sections`; targets are scored apart, so a
new target adds a section and changes no other); the columns of each task are declared in
:data:`COLUMNS`; every cell is a score with its 95% bootstrap interval where
the scorer gives one, and each column's signature is listed under its table.

Determinism: rows are sorted by the first column (descending), then by
name; volatile fields (``git_commit``) are left out; numbers are printed with
three decimals; plots use matplotlib's Agg backend with fixed size, dpi,
fonts and no ``Software`` metadata. Running twice gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from tahaluf.core.errors import TahalufError
from tahaluf.core.fileio import write_files
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.scoring.tasks import TASKS, get

#: entity scoring space -> (section key suffix, title suffix)
SPACES: dict[str, tuple[str, str]] = {
    "char": ("", " (character spans)"),
    "token": ("_bio", " (BIO tokens; not comparable with character spans)"),
}

#: task (of :data:`~tahaluf.scoring.tasks.TASKS`) -> columns: (header, run, path to the value in the run's
#: score, path to its interval or None, signature mode or None)
COLUMNS: dict[str, tuple[tuple[str, str, tuple[str, ...], tuple[str, ...] | None, str | None], ...]] = {
    "entities": (
        ("LODO strict F1", "lodo", ("strict", "micro", "f1"), ("strict", "micro", "ci95", "f1"), "strict"),
        ("LODO strict F1, fold mean ± sd", "lodo", ("folds", "mean"), ("folds", "sd"), "strict"),
        ("LODO strict macro F1", "lodo", ("strict", "macro", "f1"), ("strict", "macro", "ci95", "f1"), "strict"),
        ("LODO partial F1", "lodo", ("modes", "partial", "f1"), ("modes", "partial", "ci95", "f1"), "partial"),
        ("LODO ent_type F1", "lodo", ("modes", "ent_type", "f1"), ("modes", "ent_type", "ci95", "f1"), "ent_type"),
        ("test strict F1", "test", ("strict", "micro", "f1"), ("strict", "micro", "ci95", "f1"), "strict"),
    ),
    "quotes": (
        ("LODO quote+speaker F1", "lodo", ("end_to_end", "overlap", "f1"), ("end_to_end", "overlap", "ci95", "f1"),
         "overlap"),
        ("LODO quote+speaker F1, fold mean ± sd", "lodo", ("folds", "mean"), ("folds", "sd"), "overlap"),
        ("LODO quote exact F1", "lodo", ("quote", "exact", "f1"), ("quote", "exact", "ci95", "f1"), "exact"),
        ("LODO quote overlap F1", "lodo", ("quote", "overlap", "f1"), ("quote", "overlap", "ci95", "f1"), "overlap"),
        ("LODO cue exact F1", "lodo", ("cue", "exact", "f1"), ("cue", "exact", "ci95", "f1"), "exact"),
        ("LODO source exact F1", "lodo", ("source", "exact", "f1"), ("source", "exact", "ci95", "f1"), "exact"),
        ("LODO speaker acc.", "lodo", ("speaker", "accuracy"), ("speaker", "ci95", "accuracy"), "overlap"),
        ("test quote+speaker F1", "test", ("end_to_end", "overlap", "f1"), ("end_to_end", "overlap", "ci95", "f1"),
         "overlap"),
    ),
    # paths inside one target's result (``per_target.<target>``); one section per target
    "stance": (
        ("LODO macro F1", "lodo", ("macro_f1",), ("ci95", "macro_f1"), "target"),
        ("LODO macro F1, fold mean ± sd", "lodo", ("folds", "mean"), ("folds", "sd"), "target"),
        ("LODO F_avg", "lodo", ("f_avg",), ("ci95", "f_avg"), "target"),
        ("LODO accuracy", "lodo", ("accuracy",), ("ci95", "accuracy"), "target"),
        ("test macro F1", "test", ("macro_f1",), ("ci95", "macro_f1"), "target"),
    ),
}


def collect(folder: Path, submissions: Path | None = None, data: Path | None = None) -> list[dict]:
    """The results of every entry under ``folder`` and ``submissions`` (default: the repository's
    ``submissions/``), each re-scored and verified against the reference
    (:func:`tahaluf.scoring.source.reference`: ``data``, a built dataset folder, or the clone's gold);
    raises listing every refused entry."""
    from tahaluf.core.paths import root
    from tahaluf.scoring.entries import collect_entries
    from tahaluf.scoring.source import reference
    ref = reference(data)
    speakers = ref.speakers
    subs = root() / "submissions" if submissions is None else Path(submissions)
    out = []
    for e in collect_entries([Path(folder), subs], ref.docs, ref.name, speakers=speakers, data_hash=ref.data):
        out.append({**e.results, "_subs": e.subs, "_speakers": speakers})
    return out


def _space(r: dict) -> str | None:
    runs = [run for run in r["runs"].values() if "score" in run]
    return runs[0]["score"].get("space", "char") if runs and r["task"] == "entities" else None


def _vs_best(rows: list[dict], target: str | None, run: str, speakers) -> None:
    """Set ``row["vs_best"]``: the paired comparison of each row's ``run`` with the first (best) row's."""
    from tahaluf.scoring.compare import paired
    best = rows[0]["_subs"].get(run)
    for k, row in enumerate(rows):
        mine = row["_subs"].get(run)
        if k == 0 or mine is None or best is None:
            row["vs_best"] = None
            continue
        res = paired(mine, best, target=target, speakers=speakers)
        row["vs_best"] = {"difference": res["difference"], "ci95": res["bootstrap"]["ci95"],
                          "p_value": res["permutation"]["p_value"], "p_floor": res["permutation"]["p_floor"],
                          "significant": res["permutation"]["significant"]}


def build(results: Sequence[dict]) -> dict:
    """The leaderboard as data (the JSON twin)."""
    if not results:
        raise TahalufError("no baselines/*/results.json to build a leaderboard from (run `tahaluf baselines`)")
    refs = sorted({(r["reference"], r["data"], r["tahaluf_version"]) for r in results})
    boot = results[0]["bootstrap"]
    board = {
        "generated_by": "tahaluf leaderboard",
        "reference": refs[0][0] if len(refs) == 1 else None,
        "data": refs[0][1] if len(refs) == 1 else None,
        "tahaluf_version": refs[0][2] if len(refs) == 1 else None,
        "bootstrap": boot,
        "n_documents": {run: max((r["runs"][run]["n_docs"] for r in results if run in r["runs"]), default=0)
                        for run in ("lodo", "test")},
        "tasks": {},
    }
    speakers = next((r["_speakers"] for r in results if "_speakers" in r), None)
    for key, task, target, space in sections():
        rows = []
        sigs = {}
        for r in results:
            if r["task"] != task or _space(r) != space:
                continue
            row = {"system": r["system"], "kind": r.get("kind", "baseline"), "description": r["description"],
                   "config": r.get("config", {}), "reference": r["reference"], "data": r["data"],
                   "tahaluf_version": r["tahaluf_version"], "values": [], "intervals": [], "flags": [],
                   "_subs": r.get("_subs", {})}
            for header, run, path, ci, mode in COLUMNS[task]:
                if run not in r["runs"]:
                    row["values"].append(None)
                    row["intervals"].append(None)
                    row["flags"].append(False)
                    continue
                score = r["runs"][run]["score"]
                row["flags"].append(bool((score.get("intervals") or {}).get("degenerate")) and ci is not None
                                    and path[0] != "folds")
                if target is not None:
                    score = score["per_target"].get(target)
                    if score is None:  # a results file made before the target existed
                        raise TahalufError(f"{r['system']}: no {target} scores in its results.json; "
                                           f"run `tahaluf baselines` (or re-score the entry)")
                row["values"].append(get(score, path))
                row["intervals"].append(get(score, ci) if ci else None)
                sig = score["signature"] if mode == "target" else score["signatures"][mode]
                sigs.setdefault(header, set()).add(sig)
            rows.append(row)
        if not rows:
            continue
        rows.sort(key=lambda x: (-(x["values"][0] if x["values"][0] is not None else -1.0), x["system"]))
        _vs_best(rows, target, COLUMNS[task][0][1], speakers)
        for row in rows:
            del row["_subs"]
        board["tasks"][key] = {
            "title": section_title(task, target, space=space),
            "columns": [c[0] for c in COLUMNS[task]],
            "vs_best": f"vs best: {COLUMNS[task][0][0]} of the entry minus the best entry's [95% paired bootstrap "
                       f"interval over articles], exact paired permutation p over articles (two-sided)",
            "signatures": {h: sorted(s) for h, s in sigs.items()},
            "plot": f"plots/{key}.png",
            "rows": rows,
        }
    return board


def sections(schema: Schema = SCHEMA) -> list[tuple[str, str, str | None, str | None]]:
    """``(section key, task, stance target or None, entity space or None)`` in leaderboard order: the tasks
    of :data:`~tahaluf.scoring.tasks.TASKS`, entities once per scoring space (:data:`SPACES`), the stance task
    once per target of the schema."""
    out = []
    for task in TASKS:
        if task == "stance":
            out += [(t, task, t, None) for t in schema.target_names]
        elif task == "entities":
            out += [(task + suffix, task, None, space) for space, (suffix, _) in SPACES.items()]
        else:
            out.append((task, task, None, None))
    return out


def section_title(task: str, target: str | None, schema: Schema = SCHEMA, space: str | None = None) -> str:
    if target is None:
        return TASKS[task].title + (SPACES[space][1] if space else "")
    t = next(x for x in schema.stance_targets if x.name == target)
    return f"{TASKS[task].title}, target {target.removeprefix('stance_').upper()}: {t.description}"


def _cell(v, ci, flag: bool = False) -> str:
    if v is None:
        return "–"
    if isinstance(ci, (int, float)):  # a spread, not an interval
        return f"{v:.3f} ± {ci:.3f}"
    return f"{v:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "") + ("†" if flag else "")


def _vs_cell(k: int, vs: dict | None) -> str:
    if k == 0:
        return "best"
    if vs is None:
        return "–"
    ci = vs["ci95"]
    return (f"{vs['difference']:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}] p={vs['p_value']:.3f}"
            + ("*" if vs["significant"] else ""))


def _task_table(t: dict, heading: str) -> list[str]:
    """One task's heading and Markdown table, a line per item."""
    vs = "vs_best" in t
    out = [f"{heading} {t['title']}\n",
           "| system | " + " | ".join(t["columns"]) + (" | vs best |" if vs else " |"),
           "|---|" + "---:|" * (len(t["columns"]) + vs)]
    for k, row in enumerate(t["rows"]):
        cells = [_cell(v, c, f) for v, c, f in zip(row["values"], row["intervals"], row.get("flags") or
                                                    [False] * len(row["values"]))]
        if vs:
            cells.append(_vs_cell(k, row.get("vs_best")))
        name = row["system"] + (" (submission)" if row.get("kind") == "submission" else "")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out.append("")
    return out


def tables(board: dict) -> str:
    """The Markdown tables (what ``tahaluf leaderboard`` prints)."""
    return "\n".join(line for t in board["tasks"].values() for line in _task_table(t, "###"))


def markdown(board: dict) -> str:
    b = board["bootstrap"]
    n_all, n_test = board["n_documents"]["lodo"], board["n_documents"]["test"]
    reference = (f"Reference: **{board['reference']}**, data `{board['data']}`, tahaluf {board['tahaluf_version']}."
                 if board["reference"] else "Reference: mixed (see each column's signatures).")
    head = [
        "# Tahaluf leaderboard",
        "",
        ("Generated by `tahaluf leaderboard` from `baselines/*/` and `submissions/*/` (run `tahaluf reproduce` "
         "to regenerate everything); do not edit by hand. Every entry is re-scored from its predictions before it "
         "is listed; an entry whose recorded numbers differ from the re-score, whose signature names other data, "
         "or whose folder lacks predictions or results.json is refused. Add a system with `tahaluf submit` "
         "([scoring](../docs/scoring.md#submitting-to-the-leaderboard))."),
        "",
        reference,
        "",
        (f"LODO: leave one article out over all {n_all} articles (train on the others, predict the held-out one; "
         f"the primary protocol). test: trained on the `train` split, scored on the {n_test} `test` articles. "
         f"Cells: score [{int(b['level'] * 100)}% percentile bootstrap interval over articles, "
         f"{b['resamples']} resamples, seed {b['seed']}]. With so few articles the intervals are wide: they "
         "resample articles, not mentions."),
        "",
        ("LODO figures: the first column is the primary one, the score pooled over the held-out articles "
         "(counts summed over the five folds, as the scorer computes every score); the `fold mean ± sd` column "
         "is the mean over the five folds' scores with their sample standard deviation, reported beside it. "
         "† marks an interval that rests on fewer than 3 articles or on fewer than 20 distinct bootstrap "
         f"samples (the test split's {n_test} articles allow 3): it is printed but is not a meaningful interval."),
        "",
        ("vs best: the entry's first-column score minus the section's best, with the 95% paired bootstrap "
         "interval over articles and the exact paired permutation p-value over articles (two-sided, all 2^n "
         "assignments). A difference is marked `*` only by the permutation test at p <= 0.05; with "
         f"{n_all} articles its p-value cannot go below 1/2^{n_all - 1} = {1 / 2 ** (n_all - 1):.4f}, so no "
         "difference can be marked: the corpus describes systems, it cannot separate them. Entity scores in "
         "character spans and in BIO tokens are separate sections, never ranked together."),
        "",
    ]
    body = []
    for t in board["tasks"].values():
        body += _task_table(t, "##")
        body.append("Systems:\n")
        for row in t["rows"]:
            kind = " (submission)" if row.get("kind") == "submission" else ""
            body.append(f"- `{row['system']}`{kind}: {row['description']}")
        body.append("")
        body.append("Signatures:\n")
        for h, sigs in t["signatures"].items():
            for s in sigs:
                body.append(f"- {h}: `{s}`")
        body.append("")
        body.append(f"![{t['title']}]({t['plot']})")
        body.append("")
    return "\n".join(head + body)


def plot(board: dict, task: str) -> bytes:
    """A PNG of each system's first column (LODO) and test score with intervals."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = board["tasks"][task]
    rows = list(reversed(t["rows"]))
    cols = t["columns"]
    test_idx = next(i for i, c in enumerate(cols) if c.startswith("test"))
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "tahaluf",
                                "path.simplify": True}):
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.8), dpi=100, layout="constrained")
        for k, (idx, marker, color, dy) in enumerate(((0, "o", "#1f77b4", 0.12), (test_idx, "s", "#d62728", -0.12))):
            xs, lo, hi, ys = [], [], [], []
            for y, row in enumerate(rows):
                v, ci = row["values"][idx], row["intervals"][idx]
                if v is None:
                    continue
                xs.append(v)
                ys.append(y + dy)
                lo.append(v - ci[0] if ci else 0.0)
                hi.append(ci[1] - v if ci else 0.0)
            ax.errorbar(xs, ys, xerr=[lo, hi], fmt=marker, color=color, capsize=3, label=cols[idx])
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([r["system"] for r in rows])
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("score (95% bootstrap interval over articles)")
        ax.set_title(t["title"])
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.grid(axis="x", alpha=0.3)
        fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def render(folder: Path, submissions: Path | None = None, data: Path | None = None) -> dict[str, bytes]:
    """Every leaderboard file (relative path -> bytes)."""
    board = build(collect(folder, submissions, data))
    files = {
        "LEADERBOARD.md": markdown(board).encode("utf-8"),
        "leaderboard.json": (json.dumps(board, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }
    for task in board["tasks"]:
        files[f"plots/{task}.png"] = plot(board, task)
    return files


def write(folder: Path, files: dict[str, bytes]) -> None:
    write_files(folder, files)
