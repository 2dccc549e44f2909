"""The backend's import graph, built from the source with ``ast``: every ``import
backend...`` counts (module level, inside functions and under ``if TYPE_CHECKING``).

- no import cycles;
- layering: chain infrastructure imports neither the use cases nor the composition
  root, the indexer does not import the use cases, the use cases import neither the
  composition root nor the API nor the console;
- no function-local ``import backend...`` to dodge a cycle in the application's
  layers (the CLI's lazy imports for start-up speed are fine).
"""

from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"

# Cycles tolerated by this rule: none.
KNOWN_CYCLES: set[frozenset[str]] = set()
# Function-local imports outside the layers this rule covers (ops, CLI, the app factory, ...).
LOCAL_IMPORTS_CHECKED = (
    "backend.services",
    "backend.indexer",
    "backend.web",
    "backend.composition",
    "backend.chain",
    "backend.api",
)


def _modules() -> dict[str, Path]:
    mods = {}
    for p in BACKEND.rglob("*.py"):
        parts = list(p.relative_to(BACKEND.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    local: list[tuple[str, str, int]] = []
    for m, p in mods.items():
        tree = ast.parse(p.read_text(), str(p))
        pkg = m if p.name == "__init__.py" else m.rpartition(".")[0]
        in_function = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_function |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            deps: list[str] = []
            if isinstance(node, ast.Import):
                deps = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                # "from pkg import sub" depends on the submodule, "from pkg import name" on pkg
                deps = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for d in deps:
                while d and d not in mods:  # "import backend.x.y" of a package attribute
                    d = d.rpartition(".")[0]
                if d and d != m and d.startswith("backend"):
                    graph[m].add(d)
                    if id(node) in in_function:
                        local.append((m, d, node.lineno))
    return graph, local


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_backend_import_graph_is_acyclic():
    graph, _ = _graph()
    assert len(graph) > 50
    cycles = [sorted(c) for c in _cycles(graph) if c not in KNOWN_CYCLES]
    assert cycles == []


def test_layers_import_downwards_only():
    graph, _ = _graph()

    def offenders(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
        return sorted(
            f"{m} -> {d}"
            for m, deps in graph.items()
            if m == prefix or m.startswith(prefix + ".")
            for d in deps
            if any(d == f or d.startswith(f + ".") for f in forbidden)
        )

    upper = ("backend.services", "backend.composition", "backend.api", "backend.web", "backend.cli", "backend.ops")
    assert offenders("backend.chain", upper + ("backend.indexer",)) == []
    assert offenders("backend.core", upper + ("backend.indexer", "backend.chain")) == []
    assert offenders("backend.indexer", upper) == []
    assert (
        offenders(
            "backend.services", ("backend.composition", "backend.api", "backend.web", "backend.cli", "backend.ops")
        )
        == []
    )


def test_no_function_local_backend_imports_in_the_application_layers():
    _, local = _graph()
    found = sorted(
        f"{m}:{line} imports {d}"
        for m, d, line in local
        if any(m == p or m.startswith(p + ".") for p in LOCAL_IMPORTS_CHECKED)
    )
    assert found == []
