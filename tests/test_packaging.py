"""The house habits: every imported package declared once with one pin, the README's maps match the tree."""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
    # the benchmarks and scripts, run by hand from the .venv scripts/test.sh makes (pyarrow: bench/national.py)
    tools = [*PROJECT.glob("bench/**/*.py"), *PROJECT.glob("scripts/**/*.py")]
    assert PROJECT / "bench" / "national.py" in tools
    missing = {DIST_OF.get(n, n) for n in _third_party_imports(tools)} - runtime - dev
    assert not missing, f"imported by bench/ or scripts/ but not declared: {sorted(missing)}"


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


class _Parsed(Exception):
    """Raised with the parser `safer.cli.main` built, as it is about to parse."""


def _cli_parser(monkeypatch) -> argparse.ArgumentParser:
    """The command line's parser, built inside `safer.cli.main`: caught at its first parse, so nothing runs."""
    from safer import cli

    def caught(self, *args, **kwargs):
        raise _Parsed(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_known_args", caught)
    with pytest.raises(_Parsed) as got:
        cli.main([])
    return got.value.args[0]


def test_readme_names_every_option_of_every_command(monkeypatch):
    """Every long option of every command (`python -m safer COMMAND --help`) is named in the README, which says what
    it does (an outside review: `ingest --quiet`, `init --synthetic`, `demo --real` and more were in `--help` only)."""
    parser = _cli_parser(monkeypatch)
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert {"ingest", "pack", "init", "demo", "explain"} <= set(commands.choices)
    missing = []
    for name, command in commands.choices.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            for option in action.option_strings:
                # `--group` is not named by `--groups`, nor `--data` by `--data-dir`
                if option.startswith("--") and not re.search(re.escape(option) + r"(?![\w-])", README):
                    missing.append(f"{name} {option}")
    assert not missing, f"options in --help that the README does not name: {missing}"


def test_readme_names_every_setting_an_address_can_carry():
    """Every query parameter the pages read (`?indicator=...`, `?mark=...&mark_label=...`) is named under "The
    pages"."""
    read = set()
    for path in [PROJECT / "dashboard.py", *PROJECT.glob("safer/**/*.py"), *PROJECT.glob("pages/*.py")]:
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"url_select\(\s*\"(\w+)\"", text))
        read |= set(re.findall(r"query_params(?:\.get\(|\[)\s*\"(\w+)\"", text))
    assert {"indicator", "area", "briefing", "step", "mark", "mark_label"} <= read
    pages = README.split("## The pages", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`\??(\w+)(?:=[^`]*)?`", pages))
    assert read - named == set(), f"query parameters the README's pages section does not name: {sorted(read - named)}"


def _toml_keys(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _toml_keys(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_readme_names_every_streamlit_setting():
    """Every key set in .streamlit/config.toml is in the README's Settings with its value (an outside review:
    `client.showErrorDetails` and `theme.light.primaryColor` were set but not said), and the README names none
    the file does not set."""
    config = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    want = {key: str(value).lower() if isinstance(value, bool) else f'"{value}"' for key, value in _toml_keys(config)}
    assert {"client.showErrorDetails", "theme.light.primaryColor", "browser.gatherUsageStats"} <= set(want)
    settings = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    said = dict(re.findall(r"`([a-z]\w*(?:\.\w+)+) = ([^`]+)`", settings))
    assert said == want, f"the README's Streamlit settings {said} are not .streamlit/config.toml's {want}"


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
        # a shell script's settings: a variable given a default (`${PYTHON:-python3}`, `${SAFER_TEST_WORKERS:-3}`)
        read |= set(re.findall(r"\$\{([A-Z][A-Z_]+):-", text))
    settings = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`((?:SAFER|BENCH)_[A-Z_]+|PYTHON)`", settings))
    assert {"SAFER_DATA_DIR", "SAFER_WARM", "SAFER_DISK_CHECK_SECONDS"} <= read
    assert read - documented == set(), f"not in the README's Settings: {sorted(read - documented)}"
    assert documented - read == set(), f"in the README's Settings but read nowhere: {sorted(documented - read)}"
