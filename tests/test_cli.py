"""Every subcommand's --help shows a runnable example, and the example runs."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from tahaluf import __version__
from tahaluf.cli import COMMANDS, build_parser

build_parser()  # registers the plugin subcommands
#: examples that need a live server, take long or need an input file are run by their own tests
#: (studio: tests/test_studio_live.py; add-article: tests/test_extend.py)
SLOW_EXAMPLES = {"studio", "add-article"}


def test_version_comes_from_metadata():
    from importlib.metadata import version
    assert __version__ == version("tahaluf")
    r = subprocess.run([sys.executable, "-m", "tahaluf", "--version"], capture_output=True, text=True)
    assert r.stdout.strip() == f"tahaluf {__version__}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_shows_example(name):
    r = subprocess.run([sys.executable, "-m", "tahaluf", name, "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "Example:" in r.stdout and COMMANDS[name].example in r.stdout


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS if n.split()[0] not in SLOW_EXAMPLES))
def test_example_runs(name, tmp_path):
    argv = shlex.split(COMMANDS[name].example)
    assert argv[0] == "tahaluf"
    r = subprocess.run([sys.executable, "-m", "tahaluf", *argv[1:]], capture_output=True, text=True,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def test_no_subcommand_is_a_usage_error():
    r = subprocess.run([sys.executable, "-m", "tahaluf"], capture_output=True, text=True)
    assert r.returncode == 2
