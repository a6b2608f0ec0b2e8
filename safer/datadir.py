"""The data directory's own state: the ingest journal and the lock, shared by `store` and `ingest`.

Neither `store` nor `ingest` imports the other for these: both import this module, so there is no
import circle. The lock is `filelock` (works on Linux, macOS and Windows), and the lock that guards the
data directory lives IN the data directory (`.safer.lock`), so two ingests with different cache
folders on one data directory still wait for each other.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from filelock import FileLock

JOURNAL = ".ingest-journal.json"  # written before an ingest renames anything, removed when it is complete
LOCK = ".safer.lock"  # one ingest or recovery at a time per data directory


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = -1):
    """Hold an exclusive lock on `path`, across processes and threads (a builder's cache, for example)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path), timeout=timeout, thread_local=False):
        yield


def lock(data_dir: Path, timeout: float = -1):
    """The data directory's lock: held by an ingest or a recovery while it changes the directory."""
    return file_lock(Path(data_dir) / LOCK, timeout=timeout)


def interrupted(data_dir: Path) -> bool:
    """True while an ingest is being applied (or was killed while being applied)."""
    return (Path(data_dir) / JOURNAL).exists()
