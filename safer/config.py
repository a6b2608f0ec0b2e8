"""Where things are: the data directory, the build cache, the queries."""

from __future__ import annotations

import functools
import hashlib
import math
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: `--data DIR`, else $SAFER_DATA_DIR, else the project's `data/`."""
    if explicit:
        return Path(explicit).resolve()
    env = os.environ.get("SAFER_DATA_DIR")
    if env:
        return Path(env).resolve()
    return DEFAULT_DATA_DIR


def cache_dir(for_data_dir: Path) -> Path:
    """Where built stores for one data directory live ($SAFER_CACHE_DIR, else `.cache/` in the project).

    The store is kept outside the data directory so that building never changes the extracts.
    """
    base = Path(os.environ.get("SAFER_CACHE_DIR") or PROJECT_ROOT / ".cache")
    key = hashlib.sha1(str(Path(for_data_dir).resolve()).encode()).hexdigest()[:12]
    return base / f"store-{key}"


def seconds(name: str, default: float) -> float:
    """A number of seconds from the environment variable `name` (`default` when it is unset or blank).

    A value that is not a finite number of 0 or more (`abc`, `-1`, `inf`, `nan`) is named in one warning on
    stderr and the default is used: a tuning setting never stops a command with a traceback, nor makes a page
    wait for ever (`inf`) or crash at every rerun."""
    return _seconds(name, os.environ.get(name, ""), float(default))


@functools.lru_cache(maxsize=64)
def _seconds(name: str, raw: str, default: float) -> float:
    text = raw.strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value >= 0:
        return value
    print(f"warning: {name}={raw!r} is not a number of seconds (0 or more); using {default:g}", file=sys.stderr)
    return default
