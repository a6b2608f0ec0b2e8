"""The house habits: every imported package declared once with one pin, the README's maps match the tree."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
README = (PROJECT / "README.md").read_text(encoding="utf-8")

# import name -> distribution name, where they differ
DIST_OF = {"yaml": "pyyaml", "sklearn": "scikit-learn"}
# our own packages and the test modules that import each other
LOCAL = {"safer", "bench", "tests"} | {p.stem for p in (PROJECT / "tests").glob("*.py")}


def _pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{line!r} is not pinned with =="
        out[name.strip().lower()] = version.strip()
    return out


def _requirements(name: str) -> dict[str, str]:
    return _pins((PROJECT / name).read_text(encoding="utf-8").splitlines())


def test_pyproject_and_requirements_agree():
    runtime = _pins(PYPROJECT["project"]["dependencies"])
    dev = _pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert _requirements("requirements.txt") == runtime
    assert _requirements("requirements-dev.txt") == dev
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"  # tomllib


def _third_party_imports(paths) -> set[str]:
    names = set()
    for p in paths:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in LOCAL}


def test_every_imported_package_is_declared():
    runtime = set(_pins(PYPROJECT["project"]["dependencies"]))
    dev = set(_pins(PYPROJECT["project"]["optional-dependencies"]["dev"]))
    app = [*PROJECT.glob("safer/**/*.py"), *PROJECT.glob("pages/*.py"), PROJECT / "dashboard.py"]
    missing = {DIST_OF.get(n, n) for n in _third_party_imports(app)} - runtime
    assert not missing, f"imported by the app but not in [project] dependencies: {sorted(missing)}"
    tests = [*PROJECT.glob("tests/*.py")]
    missing = {DIST_OF.get(n, n) for n in _third_party_imports(tests)} - runtime - dev
    assert not missing, f"imported by the tests but not declared: {sorted(missing)}"


def test_readme_says_what_each_dependency_is_for():
    table = README.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    listed = {m.group(1).lower() for m in re.finditer(r"^\| ([A-Za-z0-9_.-]+) \|", table, re.M)}
    declared = set(_pins(PYPROJECT["project"]["dependencies"])) | set(
        _pins(PYPROJECT["project"]["optional-dependencies"]["dev"])
    )
    assert declared <= listed, f"README's dependency table lacks {sorted(declared - listed)}"
    assert listed - {"package", "axe-core"} <= declared, f"README lists undeclared {sorted(listed - declared)}"


def test_readme_module_map_matches_the_tree():
    table = README.split("| where | what it holds |", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`((?:safer|pages|queries|bench|docs|briefings)[^`]*)`", table))
    for entry in named:
        assert (PROJECT / entry.rstrip("/")).exists(), f"README names {entry}, which does not exist"
    mentioned = " ".join(named)
    modules = sorted(
        p.relative_to(PROJECT).as_posix()
        for p in [*PROJECT.glob("safer/*.py"), *PROJECT.glob("safer/*/")]
        if p.name not in ("__init__.py", "__main__.py", "__pycache__")
    )
    unmapped = [m for m in modules if m not in mentioned and m.rstrip("/") not in mentioned]
    assert not unmapped, f"modules missing from the README's module map: {unmapped}"


def test_readme_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "safer", "--help"], capture_output=True, text=True, cwd=PROJECT, check=True
    ).stdout
    commands = re.search(r"\{([a-z,-]+)\}", out).group(1).split(",")
    assert len(commands) >= 8
    for name in commands:
        assert f"python -m safer {name}" in README, f"README does not show `python -m safer {name}`"


def test_readme_documents_every_setting_the_code_reads():
    """Every SAFER_* environment variable read by the engine, the pages, the scripts, the tests' support code
    and the benchmarks, the benchmarks' BENCH_* and every variable a script gives a default (PYTHON) is in the
    README's Settings table (and the table names none that nothing reads)."""
    read = set()
    for path in [PROJECT / "dashboard.py", *PROJECT.glob("safer/**/*.py"), *PROJECT.glob("pages/*.py")]:
        read |= set(re.findall(r"SAFER_[A-Z_]+", path.read_text(encoding="utf-8")))
    for path in [*PROJECT.glob("scripts/*"), *PROJECT.glob("bench/*.py"), *PROJECT.glob("tests/*.py")]:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"environ(?:\.get)?\(\s*\"((?:SAFER|BENCH)_[A-Z_]+)\"", text))
        read |= set(re.findall(r"setenv\(\s*\"(SAFER_[A-Z_]+)\"", text))
        # a shell script's settings: a variable given a default (`${PYTHON:-python3}`, `${SAFER_TEST_WORKERS:-2}`)
        read |= set(re.findall(r"\$\{([A-Z][A-Z_]+):-", text))
    settings = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`((?:SAFER|BENCH)_[A-Z_]+|PYTHON)`", settings))
    assert {"SAFER_DATA_DIR", "SAFER_WARM", "SAFER_DISK_CHECK_SECONDS"} <= read
    assert read - documented == set(), f"not in the README's Settings: {sorted(read - documented)}"
    assert documented - read == set(), f"in the README's Settings but read nowhere: {sorted(documented - read)}"
