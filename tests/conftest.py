"""Shared fixtures: a small, hand-countable data directory, the demo data, and the real data when present.

The helpers behind them are in `tests/helpers.py` (test modules import them from there, never from here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PROJECT, REAL, write_data_dir

# The files that take longest, longest first: pytest-xdist (`--dist loadfile`, scripts/test.sh) hands a worker the
# next file in the order collected, so a long file collected last ran alone at the end while the other worker was
# idle (tests/test_verdicts.py, alphabetically near the end: 14-15 minutes in all, against a 15-minute budget).
# Measured on a slower two-core machine (session 27, `--durations`): the browser files about 6 minutes each (one
# file of about 12 until then), the disclosure checks 5, the chart layouts 4.
LONGEST_FIRST = (
    "test_browser.py",
    "test_browser_layout.py",
    "test_disclosure.py",
    "test_chart_layout.py",
    "test_verdicts.py",
    "test_calibration.py",
    "test_ingest.py",
    "test_init.py",
    "test_police_sql.py",
    "test_hostile_input.py",
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
