"""The package's architecture, checked on its import graph.

Every ``import`` and ``from ... import`` in every module under ``tahaluf/``
(module level and inside functions alike) is an edge of the graph. The test
asserts that ``tahaluf.core`` imports nothing above it, that every edge points
to the same or a lower layer of :data:`LAYERS`, that the graph has no cycle,
and that no module is longer than :data:`MAX_LINES`. ``python
tests/test_architecture.py`` prints the graph.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "tahaluf"

#: layer of each top-level part of the package (0 is the bottom); an import may
#: point only to the same or a lower layer
LAYERS: dict[str, int] = {
    "core": 0,
    "seeds": 1, "corpus": 1, "cache": 1, "validate": 1, "formats": 1, "conll": 1,
    "dataset": 2, "scoring": 2, "analysis": 2, "studio": 2, "viewer": 2, "extend": 2,
    "baselines": 3,
    "leaderboard": 4,
    "commands": 5, "cli": 5, "__main__": 5,
}
MAX_LINES = 460


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Absolute names of the tahaluf modules or attributes ``path`` imports."""
    name = module_name(path)
    pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "tahaluf" or mod.startswith("tahaluf."):
                out.add(mod)
                out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name == "tahaluf" or a.name.startswith("tahaluf."))
    return out


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PKG.rglob("*.py")}
    g = {}
    for m, p in files.items():
        deps = set()
        for d in imports(p):
            while d and d not in files:  # an attribute of a module: the module
                d = d.rpartition(".")[0]
            if d and d != m:
                deps.add(d)
        g[m] = deps
    return g


def layer(module: str) -> int | None:
    parts = module.split(".")
    return None if len(parts) < 2 else LAYERS.get(parts[1])


def test_every_part_of_the_package_has_a_layer():
    missing = sorted({m for m in graph() if m != "tahaluf" and layer(m) is None})
    assert not missing, f"modules outside every layer of LAYERS: {missing}"


def test_imports_point_downward_only():
    bad = [(m, d) for m, deps in graph().items() for d in deps
           if m != "tahaluf" and d != "tahaluf" and layer(d) > layer(m)]
    assert not bad, "imports from a lower layer to a higher one: " + ", ".join(f"{m} -> {d}" for m, d in bad)


def test_core_imports_only_core():
    bad = [(m, d) for m, deps in graph().items() if m.startswith("tahaluf.core")
           for d in deps if not d.startswith("tahaluf.core")]
    assert not bad, bad


def test_package_root_imports_only_the_version():
    assert graph()["tahaluf"] <= {"tahaluf.core", "tahaluf.core.version"}


def test_no_import_cycle():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(g[m]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(g):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, " -> ".join(cycle)


def test_no_module_is_longer_than_the_limit():
    long = {module_name(p): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """A core module that imports a feature is caught (the checks can fail)."""
    fake = tmp_path / "tahaluf"
    (fake / "core").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "core" / "__init__.py").write_text("")
    (fake / "core" / "x.py").write_text("def f():\n    from tahaluf.dataset import load\n")
    (fake / "dataset.py").write_text("from tahaluf.core import x\n")
    monkeypatch.setattr(sys.modules[__name__], "PKG", fake)
    g = graph()
    assert g["tahaluf.core.x"] == {"tahaluf.dataset"}
    assert any(layer(d) > layer(m) for m, deps in g.items() for d in deps if m != "tahaluf")


if __name__ == "__main__":
    for m, deps in sorted(graph().items()):
        print(m, "->", " ".join(sorted(deps)))
