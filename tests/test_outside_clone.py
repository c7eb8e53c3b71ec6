"""A non-editable install scores from an empty folder, reading the reference from a built dataset.

The package is installed (``pip install --no-deps --no-build-isolation``, not
editable) into a fresh virtualenv that sees the shared environment's
dependencies through a ``.pth`` line; no ``PYTHONPATH``, no clone: the only
corpus is the dataset folder given by ``$TAHALUF_DATA``. The loop of the
README runs there (its Python block, run by the virtualenv's interpreter:
``load_dataset``, train, row-shaped predictions), then evaluate, submit,
leaderboard, compare. The quotation part reads the dataset with ``datasets.load_dataset``
only: the texts from the ``documents`` config, the speaker ids from the
``speakers`` config (most test speakers are never quoted in train, so the
registry is the only place a system outside the clone can learn their ids).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: a rule-based quotation system that knows the dataset through ``load_dataset`` only: a quotation is the text
#: between quotation marks, its speaker the registry entry whose Arabic spelling comes last in the 300
#: characters before it (speaker ids from the ``speakers`` config, never from the quotes rows)
QUOTE_SYSTEM = r"""
import json, re, sys
from datasets import load_dataset
path, out = sys.argv[1:]
registry = load_dataset(path, "speakers", split="registry")
spellings = [(sp, r["speaker_id"]) for r in registry for sp in r["spellings"]]
with open(out, "w", encoding="utf-8") as f:
    for doc in load_dataset(path, "documents", split="test"):
        text = doc["text"]
        for k, m in enumerate(re.finditer(r'“([^”]+)”|"([^"]+)"', text)):
            s, e = m.span(1) if m.group(1) is not None else m.span(2)
            before = text[max(0, s - 300):s]
            hits = [(before.rfind(sp), len(sp), sid) for sp, sid in spellings if sp in before]
            row = {"id": f"{doc['doc_id']}-p{k:02d}", "start": s, "end": e, "speaker_id": max(hits)[2] if hits else None}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    base = tmp_path_factory.mktemp("outside")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=600)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    src = base / "src"  # a copy of the package sources: the install must not point back at the worktree
    shutil.copytree(ROOT / "tahaluf", src / "tahaluf", ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / f, src / f)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TAHALUF_ROOT", "TAHALUF_DATA")}
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                        str(src)], capture_output=True, text=True, env=env, timeout=900, cwd=base)
    assert r.returncode == 0, r.stderr[-3000:]
    shutil.rmtree(src)
    return base, env_dir, env


def test_non_editable_install_scores_from_an_empty_folder(venv):
    base, env_dir, env = venv
    work = base / "empty"
    work.mkdir()
    tahaluf = str(env_dir / "bin" / "tahaluf")

    def run(*args, data=True):
        e = {**env, "TAHALUF_DATA": str(ROOT / "dataset")} if data else env
        return subprocess.run([tahaluf, *args], capture_output=True, text=True, env=e, cwd=work, timeout=600)

    where = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import tahaluf; print(tahaluf.__file__)"],
                           capture_output=True, text=True, env=env, cwd=work).stdout
    assert "site-packages" in where and str(ROOT) not in where
    r = run("evaluate", "x.jsonl", "--task", "stance", data=False)
    assert r.returncode == 1 and "pass --data DIR" in r.stderr and "Traceback" not in r.stderr

    readme = (ROOT / "README.md").read_text(encoding="utf-8")  # the README's loop: load_dataset, train, predict
    code = re.search(r"```python\n(.*?)```", readme[readme.index("**The whole loop**"):], re.S).group(1)
    assert "load_dataset(" in code
    code = code.replace("/abs/path/to/tahaluf/dataset", str(ROOT / "dataset"))
    hf = {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(base / "hf-stance")}
    r = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], capture_output=True, text=True,
                       env={**env, **hf}, cwd=work, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    (work / "stance-test.jsonl").rename(work / "pred.jsonl")
    r = run("evaluate", "pred.jsonl", "--task", "stance", "--split", "test")
    assert r.returncode == 0, r.stderr
    assert "|ref:gold|data:" in r.stdout and "warning: the intervals rest on 2 article(s)" in r.stdout
    r = run("submit", "pred.jsonl", "--task", "stance", "--split", "test", "--name", "my-majority",
            "--description", "majority label per target", "--out", "submissions")
    assert r.returncode == 0, r.stderr
    shutil.copytree(ROOT / "baselines" / "stance-tfidf-lr", work / "board" / "stance-tfidf-lr")
    r = run("leaderboard", "--dir", "board", "--submissions", "submissions", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "| my-majority (submission) |" in r.stdout and "| stance-tfidf-lr |" in r.stdout
    r = run("compare", "submissions/my-majority", "board/stance-tfidf-lr", "--task", "stance", "--split", "test")
    assert r.returncode == 0, r.stderr
    assert "paired bootstrap over articles" in r.stdout and "exact paired permutation" in r.stdout
    assert "floor 0.5000" in r.stdout


def _rows(config: str, split: str) -> list[dict]:
    return [json.loads(x) for x in (ROOT / "dataset" / "data" / config / f"{split}.jsonl").read_text().splitlines()]


def test_quotation_speakers_come_from_the_speakers_config(venv):
    base, env_dir, env = venv
    work = base / "quotes"
    work.mkdir()
    e = {**env, "TAHALUF_DATA": str(ROOT / "dataset"), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
         "HF_HOME": str(base / "hf")}

    def run(*args):
        return subprocess.run([str(env_dir / "bin" / "tahaluf"), *args], capture_output=True, text=True, env=e,
                              cwd=work, timeout=600, check=False)

    r = subprocess.run([str(env_dir / "bin" / "python"), "-c", QUOTE_SYSTEM, str(ROOT / "dataset"), "quotes.jsonl"],
                       capture_output=True, text=True, env=e, cwd=work, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    pred = [json.loads(x) for x in (work / "quotes.jsonl").read_text(encoding="utf-8").splitlines()]
    registry = {x["speaker_id"] for x in _rows("speakers", "registry")}
    said = {s: {x["speaker_id"] for x in _rows("quotes", s)} for s in ("train", "test")}
    named = {p["speaker_id"] for p in pred} - {None}
    assert named <= registry and named & (said["test"] - said["train"])  # a test speaker no train row names
    r = run("evaluate", "quotes.jsonl", "--task", "quotes", "--split", "test", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["speaker"]["correct"] > 0 and "|ref:gold|data:" in res["signatures"]["overlap"]
    r = run("submit", "quotes.jsonl", "--task", "quotes", "--split", "test", "--name", "quote-marks",
            "--description", "text between quotation marks, the registry name before it", "--out", "submissions")
    assert r.returncode == 0, r.stderr
    shutil.copytree(ROOT / "baselines" / "quotes-rule", work / "board" / "quotes-rule")
    r = run("leaderboard", "--dir", "board", "--submissions", "submissions", "--dry-run")
    assert r.returncode == 0 and "| quote-marks (submission) |" in r.stdout, r.stderr
    r = run("compare", "submissions/quote-marks", "board/quotes-rule", "--task", "quotes", "--split", "test")
    assert r.returncode == 0 and "exact paired permutation" in r.stdout, r.stderr
    bad = dict(pred[0], speaker_id="not_in_the_registry")
    (work / "bad.jsonl").write_text(json.dumps(bad) + "\n")
    r = run("evaluate", "bad.jsonl", "--task", "quotes", "--split", "test")
    assert r.returncode == 3 and "[unknown-speaker]" in r.stderr and "`speakers` config" in r.stderr, r.stderr
