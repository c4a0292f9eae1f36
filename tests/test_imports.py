"""The product's import graph: no module imports itself back through others (every import counts, the ones
inside functions and under TYPE_CHECKING too), and the product imports nothing from the simulators.
The layering rule is on the documentation's Development page."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("flows", "tasks", "blocks", "deployments")
SIMULATORS = "youtube_sim"


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports (absolute names as written, relative ones resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports (a name imported from a module counts as that module)."""
    known = modules(root, packages)

    def owner(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    return {m: {o for i in imports(m, p) if (o := owner(i)) and o != m} for m, p in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_product_has_no_import_cycle():
    edges = graph(ROOT, PRODUCT)
    assert len(edges) > 90
    found = cycles(edges)
    assert not found, "\n".join(
        " -> ".join(c) + "  (" + "; ".join(f"{m} imports {sorted(edges[m] & set(c))}" for m in c) + ")" for c in found
    )


def test_the_product_imports_nothing_from_the_simulators():
    bad = {
        name: sorted(i for i in imports(name, path) if i == SIMULATORS or i.startswith(SIMULATORS + "."))
        for name, path in modules(ROOT, PRODUCT).items()
    }
    assert not {k: v for k, v in bad.items() if v}


def test_a_cycle_is_found_however_it_is_imported(tmp_path):
    """A cycle planted on purpose: a top-level import one way, a relative import inside a function back."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import thing\n")
    (package / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import pkg.a\nthing = 1\n")
    (package / "d.py").write_text("from pkg import c\n")
    assert cycles(graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    (package / "c.py").write_text("thing = 1\n")
    assert cycles(graph(tmp_path, ("pkg",))) == []


def test_the_layers_import_downwards_only():
    """flows on top, imported by no other package; the Spark work (jobs, Silver, the session), which also runs
    inside a Databricks job where no Prefect block exists, imports neither blocks nor flows."""
    edges = graph(ROOT, PRODUCT)
    upward = {
        m: sorted(d for d in deps if d.startswith("flows.")) for m, deps in edges.items() if not m.startswith("flows")
    }
    assert not {m: d for m, d in upward.items() if d}
    spark_work = ("tasks.jobs", "tasks.silver", "tasks.spark")
    config = {
        m: sorted(d for d in deps if d.startswith(("blocks", "flows")))
        for m, deps in edges.items()
        if m.startswith(spark_work)
    }
    assert not {m: d for m, d in config.items() if d}


def test_every_imported_name_exists():
    """`from <our module> import name` names something that module has, for the imports inside functions too
    (which run only when the function does): a name moved to another module fails here, not in a run."""
    import importlib

    ours = (*PRODUCT, SIMULATORS, "bench", "reliability", "tests")
    missing = []
    for package in ours:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (isinstance(node, ast.ImportFrom) and node.module and not node.level):
                    continue
                if node.module.split(".")[0] not in ours:
                    continue
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}")
    assert not missing, missing
