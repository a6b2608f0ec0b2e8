"""Shared fixtures: a small, hand-countable data directory, the demo data, and the real data when present.

The helpers behind them are in `tests/helpers.py` (test modules import them from there, never from here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import PROJECT, REAL, write_data_dir

# The files that take longest, longest first: pytest-xdist (`--dist loadfile --no-loadscope-reorder`,
# scripts/test.sh) hands a worker the next file in the order collected, so a long file collected last ran alone at
# the end while the other workers were idle (tests/test_verdicts.py, alphabetically near the end). xdist's own
# order (most tests first, without --no-loadscope-reorder) put the browser layout file, 12 tests of 5 minutes,
# behind the other browser file on one worker, last. Measured on a slow two-core machine (session 28,
# `--durations`): the browser files 5-6 minutes each, the ingest tests 5, the disclosure checks 4.
LONGEST_FIRST = (
    "test_browser.py",
    "test_browser_layout.py",
    "test_ingest.py",
    "test_disclosure.py",
    "test_verdicts.py",
    "test_calibration.py",
    "test_chart_layout.py",
    "test_init.py",
    "test_hostile_input.py",
    "test_explain.py",
)


def pytest_collection_modifyitems(config, items):
    """The longest files first (`LONGEST_FIRST`), the rest after them in their own order; each file's tests keep
    theirs (a stable sort), so every worker collects the same order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write_data_dir(tmp_path / "data")


@pytest.fixture(scope="session")
def _demo_cache(tmp_path_factory) -> Path:
    """One store cache for the shipped demo data, shared by every test that reads it (read-only)."""
    return tmp_path_factory.mktemp("demo-cache")


@pytest.fixture(autouse=True)
def _isolated_cache(request, tmp_path, monkeypatch):
    """Every test builds its stores in its own cache directory, except tests on the shipped demo data
    (`demo_env`), which share one build of it. The dashboard does not warm its view cache in a thread
    beside the tests (SAFER_WARM=0; tests/test_view_cache.py warms it on purpose)."""
    monkeypatch.setenv("SAFER_WARM", "0")
    # a page's check of the disk waits for a build of changed extracts (tests/test_store.py tests the build
    # that runs aside while the last good one serves)
    monkeypatch.setattr("safer.store.BUILD_WAIT_SECONDS", 120.0)
    # nor for the extracts a test has just written to settle (tests/test_store.py tests that wait)
    monkeypatch.setattr("safer.store.SETTLE_SECONDS", 0.0)
    monkeypatch.setenv("SAFER_BUILD_WAIT_SECONDS", "120")
    if "demo_env" in request.fixturenames:
        monkeypatch.setenv("SAFER_CACHE_DIR", str(request.getfixturevalue("_demo_cache")))
        monkeypatch.setenv("SAFER_DATA_DIR", str(PROJECT / "data"))
    else:
        monkeypatch.setenv("SAFER_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.delenv("SAFER_DATA_DIR", raising=False)


@pytest.fixture
def store(data_dir):
    from safer.store import Store

    s = Store(data_dir)
    yield s
    s.close()


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/data/real is not present")
    return REAL


@pytest.fixture
def demo_env(_demo_cache) -> Path:
    """The test runs on the shipped demo data (`SAFER_DATA_DIR`), with the session's one demo build
    (`_isolated_cache` sets both variables); returns the demo data directory."""
    return PROJECT / "data"


# --------------------------------------------------------------------------- the browser tests' Playwright and Chromium
# One of each per test process, shared by every file that drives a browser (tests/test_browser.py,
# tests/test_browser_layout.py): pytest-xdist may run both files in one process, and a second session-wide
# Playwright started there, each file holding its own, failed every test of the second file ("Playwright Sync API
# inside the asyncio loop").


@pytest.fixture(scope="session")
def playwright_api():
    import browser_support

    if os.environ.get("SAFER_SKIP_BROWSER") == "1":
        pytest.skip("SAFER_SKIP_BROWSER=1: browser tests skipped on purpose")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # not a skip: CI must really run these tests
        pytest.fail(
            f"Playwright for Python is not installed ({exc}); run: pip install -r requirements-dev.txt "
            "(or set SAFER_SKIP_BROWSER=1 to skip the browser tests on purpose)",
            pytrace=False,
        )
    if browser_support.chromium_path() is None:
        pytest.fail(
            "Chromium is missing (/usr/bin/chromium or $SAFER_CHROMIUM): apt-get install chromium "
            "(scripts/test.sh does), or set SAFER_SKIP_BROWSER=1 to skip the browser tests on purpose",
            pytrace=False,
        )
    if not browser_support.AXE_JS.is_file():
        pytest.fail(
            f"axe-core is missing ({browser_support.AXE_JS}): run `npm ci` in the project root (scripts/test.sh does), "
            "or set SAFER_SKIP_BROWSER=1 to skip the browser tests on purpose",
            pytrace=False,
        )
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_api):
    import browser_support

    b = playwright_api.chromium.launch(
        executable_path=browser_support.chromium_path(), args=browser_support.CHROMIUM_ARGS
    )
    yield b
    b.close()


def pytest_sessionfinish(session, exitstatus):
    """The Chromium tests/figure_layout.py keeps for its drawings ends with the session."""
    if "figure_layout" in sys.modules:
        sys.modules["figure_layout"].close()
