"""The package has no import circle: every ``import`` and ``from ... import`` of ``src/tradewar`` (those inside
functions too) forms a graph without cycles, so shared names live on a floor below their users; the top of the package
holds only the core, and the batch layer is one package (``tradewar/batch/``)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _modules() -> dict[str, Path]:
    out = {}
    for p in (SRC / "tradewar").rglob("*.py"):
        parts = p.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        pkg = m if p.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
                if target in mods and len(subs) < len(node.names):
                    subs.append(target)  # names taken from the module itself, not only its submodules
                edges[m].update(t for t in subs if t != m)
            elif isinstance(node, ast.Import):
                edges[m].update(a.name for a in node.names if a.name in mods and a.name != m)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    mods = _modules()
    assert "tradewar.scenario" in mods and len(mods) > 50
    assert _cycles(_edges(mods)) == []


def test_the_check_finds_a_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


#: The top of the package holds the core only: the public entry point, the scenario schema, the one
#: solver driver and its result, and the floor every layer stands on. Layers live in their packages.
TOP_MODULES = {
    "__init__", "__main__",                      # lazy public API, the console script
    "scenario", "solve", "results", "_run",      # scenario -> one driver -> Result
    "bench",                                     # timing of the core solve (``tradewar bench``)
    "_exceptions", "_io", "_jax", "_jax_import", "_cache", "_blas", "_memory", "_cancel", "_interrupt", "_i18n", "_plausible",  # the floor
}
TOP_PACKAGES = {"batch", "cli", "data", "models", "policy", "replicate", "report", "strategy", "web"}
TOP_DATA = {"locale", "presets", "py.typed"}
BATCH_MODULES = {"__init__", "_solve", "_chunks", "_distributions", "sweep", "uncertainty"}


def test_top_of_the_package_holds_only_the_core():
    top = SRC / "tradewar"
    entries = {p.name for p in top.iterdir() if p.name != "__pycache__"}
    modules = {p.stem for p in top.glob("*.py")}
    packages = {p.name for p in top.iterdir() if (p / "__init__.py").is_file()}
    assert modules == TOP_MODULES, "a new top-level module belongs in a layer's package (docs/architecture.md)"
    assert packages == TOP_PACKAGES
    assert entries == {f"{m}.py" for m in TOP_MODULES} | TOP_PACKAGES | TOP_DATA


def test_the_batch_layer_is_one_package():
    batch = SRC / "tradewar" / "batch"
    assert {p.stem for p in batch.glob("*.py")} == BATCH_MODULES
    top = {p.stem for p in (SRC / "tradewar").glob("*.py")}
    assert not top & {"_batch", "_chunks", "_distributions", "sweep", "uncertainty"}, "no module left at the old paths"


def test_the_batch_package_exports_its_public_names():
    import tradewar
    import tradewar.batch

    for name in tradewar.batch.__all__:
        assert getattr(tradewar.batch, name) is not None, name
    assert tradewar.batch.run_sweep is tradewar.run_sweep
    assert tradewar.batch.run_uncertainty is tradewar.run_uncertainty
    assert tradewar.batch.solve_batch is tradewar.solve_batch


def test_the_web_app_is_split_by_concern():
    """``web/app.py`` only assembles the app: settings, guards, errors, routes, jobs and page live apart."""
    web = SRC / "tradewar" / "web"
    parts = {"_config", "_guards", "_errors", "_routes", "_jobs", "_page", "_runner", "_store", "_service", "_models"}
    assert parts <= {p.stem for p in web.glob("*.py")}
    app = ast.parse((web / "app.py").read_text(encoding="utf-8"))
    routes = [d for node in ast.walk(app) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
              for d in node.decorator_list if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)]
    assert routes == [], "routes belong in web/_routes.py (the API) or web/_page.py (the page)"
    assert not [n for n in ast.walk(app) if isinstance(n, ast.ClassDef)], "middleware belongs in web/_guards.py"


def test_the_architecture_page_names_files_that_exist():
    """Every file the architecture page names (``src/...``, ``tools/...``, or a path inside the package) exists."""
    import re

    root = SRC.parent
    text = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = {m for m in re.findall(r"`([\w./-]+\.(?:py|js|html|toml|md|json))`", text) if "/" in m}
    assert len(named) > 30
    missing = [m for m in sorted(named)
               if not any((base / m).exists() for base in (root, SRC, SRC / "tradewar", root / "docs"))]
    assert missing == []
