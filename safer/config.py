"""Where things are: the data directory, the build cache, the queries."""

from __future__ import annotations

import hashlib
import os
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
