"""The shape: data flows one way, no import circles, pages only lay out views, the lock is the data directory's."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers import POLICE_ROWS, PROJECT, police_csv

SAFER = PROJECT / "safer"


def _imports(path: Path) -> set[str]:
    """Modules of `safer` a file imports (at any level, function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = path.relative_to(PROJECT).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(pkg[: len(pkg) - node.level + 1])
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("safer"):
                names = [f"{mod}.{a.name}" for a in node.names]
                out |= {n if _is_module(n) else mod for n in names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("safer")}
    return out


def _is_module(dotted: str) -> bool:
    p = PROJECT.joinpath(*dotted.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    g = {}
    for p in SAFER.rglob("*.py"):
        name = ".".join(p.relative_to(PROJECT).with_suffix("").parts).removesuffix(".__init__")
        g[name] = {m.removesuffix(".__init__") for m in _imports(p)} - {name}
    return g


def test_no_import_circles_in_the_engine():
    g = _graph()
    # a package imports its own submodules to re-export them; that is not a circle
    edges = {a: {b for b in bs if b in g and not b.startswith(a + ".")} for a, bs in g.items()}
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n) :] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            visit(m)
        stack.pop()

    for n in sorted(edges):
        visit(n)
    assert not cycles, cycles


def test_store_and_ingest_share_the_data_directory_module_not_each_other():
    g = _graph()
    assert "safer.ingest" not in g["safer.store"] and "safer.store" not in g["safer.ingest"]
    assert "safer.datadir" in g["safer.store"] and "safer.datadir" in g["safer.ingest"]
    src = "\n".join(p.read_text() for p in SAFER.rglob("*.py"))
    assert "import fcntl" not in src  # filelock: the store imports on Windows too


def test_the_engine_never_imports_streamlit_outside_ui():
    for p in SAFER.rglob("*.py"):
        if p.name == "ui.py":
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        mods = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        mods |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(m.startswith("streamlit") for m in mods), p


def test_views_never_reach_back_into_pages_or_ui():
    for name, deps in _graph().items():
        if name.startswith("safer.views"):
            assert "safer.ui" not in deps, name


VIEW_PAGES = tuple(p.stem for p in (PROJECT / "pages").glob("*.py"))


def test_every_page_imports_only_the_ui_and_the_views():
    for page in VIEW_PAGES:
        tree = ast.parse((PROJECT / "pages" / f"{page}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("safer"):
                assert node.module == "safer" and {a.name for a in node.names} <= {"ui", "views"}, (page, node.module)
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("safer") for a in node.names), page
        src = (PROJECT / "pages" / f"{page}.py").read_text(encoding="utf-8")
        assert "SELECT" not in src and "import pandas" not in src, page
        # a page asks for a view, never for a query's rows: what it shows is the view's (cached, one place)
        assert "queries" not in src and "views.table(" not in src, page


# the engine's own modules (everything of `safer` but the Streamlit glue): a page reaches none of them, not even
# through an alias in `ui` or `views` (`briefing = ui.briefings` passed the import check above)
ENGINE_MODULES = {p.stem for p in SAFER.glob("*.py")} - {"__init__", "__main__", "ui"}


def _read_from(tree: ast.AST, name: str) -> set[str]:
    """The attributes a file reads from the module it calls `name` (`ui.header` -> "header")."""
    return {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == name
    }


def _defined_in(path: Path) -> set[str]:
    """Names a module defines itself at its top level (functions, classes, assignments; not what it imports)."""
    out = set()
    for n in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(n.name)
        elif isinstance(n, ast.Assign):
            out |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            out.add(n.target.id)
    return out


def test_every_page_reads_from_the_ui_and_the_views_only_their_own_names_never_an_engine_module():
    """What a page reads from `ui` is defined in safer/ui.py itself, and what it reads from `views` is a view's (a
    function, class or constant of safer/views): never a module (`ui.briefings` was safer.briefing, and the page
    reached the engine's queries, contract, charts and export past the views with it)."""
    import inspect

    from safer import ui, views

    ui_own = _defined_in(SAFER / "ui.py")
    for page in VIEW_PAGES:
        tree = ast.parse((PROJECT / "pages" / f"{page}.py").read_text(encoding="utf-8"))
        for name in sorted(_read_from(tree, "ui")):
            got = getattr(ui, name)
            assert not inspect.ismodule(got), (page, f"ui.{name} is the module {got.__name__}")
            assert name in ui_own, (page, f"ui.{name} is not defined in safer/ui.py")
        for name in sorted(_read_from(tree, "views")):
            got = getattr(views, name)
            assert not inspect.ismodule(got), (page, f"views.{name} is the module {got.__name__}")
            home = getattr(got, "__module__", None) if callable(got) else None
            if home is not None and home.startswith("safer."):
                assert home.startswith("safer.views"), (page, f"views.{name} comes from {home}")
            assert name not in ENGINE_MODULES, (page, f"views.{name}")


def test_two_ingests_with_different_caches_wait_for_the_data_directory_lock(data_dir, tmp_path):
    from safer import datadir

    new = tmp_path / "2020-08-test-street.csv"
    new.write_text(police_csv("2020-08", POLICE_ROWS["2020-06"]))
    env = dict(os.environ, SAFER_CACHE_DIR=str(tmp_path / "other-cache"))
    held = threading.Event()
    release = threading.Event()

    def hold():
        with datadir.lock(data_dir):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    proc = subprocess.Popen(
        [sys.executable, "-m", "safer", "ingest", str(new), "--data", str(data_dir), "--quiet"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    assert proc.poll() is None, proc.communicate()  # still waiting for the lock
    assert not any((data_dir / "police_uk").rglob("2020-08-*"))
    release.set()
    t.join()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [p.name for p in (data_dir / "police_uk").rglob("2020-08-*")] == ["2020-08-test-police-street.csv.gz"]
    assert (data_dir / datadir.LOCK).exists()


def test_the_readme_module_map_matches_the_tree():
    """Every module of `safer`, every view and every top-level folder is in the README's map, and every path
    the map names exists."""
    import re

    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    named = {p.rstrip("/") for line in rows for p in re.findall(r"`([a-z_./]+)`", line.split("|")[1])}
    for p in named:
        assert (PROJECT / p).exists(), f"the README's map names {p}, which is not in the tree"
    modules = {f"safer/{p.name}" for p in SAFER.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    modules |= {"safer/views", "queries", "queries/model", "pages", "bench", "tests", "briefings"}
    missing = sorted(m for m in modules if m not in named)
    assert not missing, f"not in the README's module map: {missing}"
    views = {p.name for p in (SAFER / "views").glob("*.py") if p.name != "__init__.py"}
    views_row = next(line for line in rows if line.startswith("| `safer/views/`"))
    assert set(re.findall(r"`([a-z_]+\.py)`", views_row)) == views, "the views row must name each file in safer/views"
