"""The leaderboard: ``baselines/LEADERBOARD.md``, ``baselines/leaderboard.json`` and a plot per task.

Built only from the ``results.json`` files under ``baselines/`` (any folder
that has one is a row, so a third-party system can be added the same way).
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
from tahaluf.core.jsonio import read_json
from tahaluf.core.schema import SCHEMA, Schema
from tahaluf.scoring.tasks import TASKS, get

#: task (of :data:`~tahaluf.scoring.tasks.TASKS`) -> columns: (header, run, path to the value in the run's
#: score, path to its interval or None, signature mode or None)
COLUMNS: dict[str, tuple[tuple[str, str, tuple[str, ...], tuple[str, ...] | None, str | None], ...]] = {
    "entities": (
        ("LODO strict F1", "lodo", ("strict", "micro", "f1"), ("strict", "micro", "ci95", "f1"), "strict"),
        ("LODO strict macro F1", "lodo", ("strict", "macro", "f1"), ("strict", "macro", "ci95", "f1"), "strict"),
        ("LODO partial F1", "lodo", ("modes", "partial", "f1"), ("modes", "partial", "ci95", "f1"), "partial"),
        ("LODO ent_type F1", "lodo", ("modes", "ent_type", "f1"), ("modes", "ent_type", "ci95", "f1"), "ent_type"),
        ("test strict F1", "test", ("strict", "micro", "f1"), ("strict", "micro", "ci95", "f1"), "strict"),
    ),
    "quotes": (
        ("LODO quote+speaker F1", "lodo", ("end_to_end", "overlap", "f1"), ("end_to_end", "overlap", "ci95", "f1"),
         "overlap"),
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
        ("LODO F_avg", "lodo", ("f_avg",), ("ci95", "f_avg"), "target"),
        ("LODO accuracy", "lodo", ("accuracy",), ("ci95", "accuracy"), "target"),
        ("test macro F1", "test", ("macro_f1",), ("ci95", "macro_f1"), "target"),
    ),
}


def collect(folder: Path) -> list[dict]:
    out = []
    for p in sorted(Path(folder).glob("*/results.json")):
        try:
            out.append(read_json(p))
        except TahalufError as e:
            raise TahalufError(f"{p}: not a valid results file ({str(e).splitlines()[0]})") from None
    return out


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
        "n_documents": {"lodo": max(r["runs"]["lodo"]["n_docs"] for r in results),
                        "test": max(r["runs"]["test"]["n_docs"] for r in results)},
        "tasks": {},
    }
    for key, task, target in sections():
        rows = []
        sigs = {}
        for r in results:
            if r["task"] != task:
                continue
            row = {"system": r["system"], "description": r["description"], "config": r["config"],
                   "reference": r["reference"], "data": r["data"], "tahaluf_version": r["tahaluf_version"],
                   "values": [], "intervals": []}
            for header, run, path, ci, mode in COLUMNS[task]:
                score = r["runs"][run]["score"]
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
        rows.sort(key=lambda x: (-(x["values"][0] or 0.0), x["system"]))
        board["tasks"][key] = {
            "title": section_title(task, target),
            "columns": [c[0] for c in COLUMNS[task]],
            "signatures": {h: sorted(s) for h, s in sigs.items()},
            "plot": f"plots/{key}.png",
            "rows": rows,
        }
    return board


def sections(schema: Schema = SCHEMA) -> list[tuple[str, str, str | None]]:
    """``(section key, task, stance target or None)`` in leaderboard order: the tasks of
    :data:`~tahaluf.scoring.tasks.TASKS`, the stance task once per target of the schema."""
    out = []
    for task in TASKS:
        if task == "stance":
            out += [(t, task, t) for t in schema.target_names]
        else:
            out.append((task, task, None))
    return out


def section_title(task: str, target: str | None, schema: Schema = SCHEMA) -> str:
    if target is None:
        return TASKS[task].title
    t = next(x for x in schema.stance_targets if x.name == target)
    return f"{TASKS[task].title}, target {target.removeprefix('stance_').upper()}: {t.description}"


def _cell(v, ci) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def _task_table(t: dict, heading: str) -> list[str]:
    """One task's heading and Markdown table, a line per item."""
    out = [f"{heading} {t['title']}\n",
           "| system | " + " | ".join(t["columns"]) + " |",
           "|---|" + "---:|" * len(t["columns"])]
    for row in t["rows"]:
        cells = (_cell(v, c) for v, c in zip(row["values"], row["intervals"]))
        out.append(f"| {row['system']} | " + " | ".join(cells) + " |")
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
        ("Generated by `tahaluf leaderboard` from `baselines/*/results.json` (run `tahaluf reproduce` to "
         "regenerate everything); do not edit by hand."),
        "",
        reference,
        "",
        (f"LODO: leave one article out over all {n_all} articles (train on the others, predict the held-out one; "
         f"the primary protocol). test: trained on the `train` split, scored on the {n_test} `test` articles. "
         f"Cells: score [{int(b['level'] * 100)}% percentile bootstrap interval over articles, "
         f"{b['resamples']} resamples, seed {b['seed']}]. With so few articles the intervals are wide: they "
         "resample articles, not mentions."),
        "",
    ]
    body = []
    for t in board["tasks"].values():
        body += _task_table(t, "##")
        body.append("Systems:\n")
        for row in t["rows"]:
            body.append(f"- `{row['system']}`: {row['description']}")
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


def render(folder: Path) -> dict[str, bytes]:
    """Every leaderboard file (relative path -> bytes)."""
    board = build(collect(folder))
    files = {
        "LEADERBOARD.md": markdown(board).encode("utf-8"),
        "leaderboard.json": (json.dumps(board, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }
    for task in board["tasks"]:
        files[f"plots/{task}.png"] = plot(board, task)
    return files


def write(folder: Path, files: dict[str, bytes]) -> None:
    write_files(folder, files)
