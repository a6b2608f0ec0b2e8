"""The shared fixtures do what they say: per-test caches, one shared build of the demo data."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import PROJECT


def test_a_plain_test_gets_its_own_cache_and_no_data_dir(tmp_path):
    assert os.environ["SAFER_CACHE_DIR"] == str(tmp_path / "cache")
    assert "SAFER_DATA_DIR" not in os.environ


def test_demo_tests_share_one_demo_build(demo_env, _demo_cache):
    assert demo_env == PROJECT / "data"
    assert os.environ["SAFER_DATA_DIR"] == str(PROJECT / "data")
    assert os.environ["SAFER_CACHE_DIR"] == str(_demo_cache)


def test_the_shared_demo_cache_is_the_same_directory_in_a_second_test(demo_env, _demo_cache, tmp_path):
    assert Path(os.environ["SAFER_CACHE_DIR"]) != tmp_path / "cache"
    assert Path(os.environ["SAFER_CACHE_DIR"]) == _demo_cache


def test_no_test_module_imports_from_conftest():
    """Shared helpers live in tests/helpers.py; conftest.py holds only fixtures."""
    offenders = [
        p.name
        for p in (PROJECT / "tests").glob("*.py")
        if "from conftest import" in p.read_text(encoding="utf-8") and p.name != "test_fixtures.py"
    ]
    assert not offenders, offenders
