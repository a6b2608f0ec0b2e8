"""The data directory's own state: the ingest journal and the lock, shared by `store` and `ingest`.

Neither `store` nor `ingest` imports the other for these: both import this module, so there is no
import circle. The lock is `filelock` (works on Linux, macOS and Windows), and the lock that guards the
data directory lives IN the data directory (`.safer.lock`), so two ingests with different cache
folders on one data directory still wait for each other.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
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


def abandoned(path: Path, pattern: str = r"\.tmp-(\d+)-") -> bool:
    """A temporary file or folder named with the process id that made it (`pattern`'s first group), whose
    process is gone: it was killed before it could clean up. Never our own; on Windows (no cheap liveness
    check) anything older than an hour."""
    m = re.search(pattern, Path(path).name)
    if not m or int(m.group(1)) == os.getpid():
        return False
    if os.name == "nt":
        return time.time() - Path(path).stat().st_mtime > 3600
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


INGEST_TMP = "safer-ingest-"  # + PID + "-": an ingest's unpacked members, in the system's temporary folder


def ingest_tmp() -> tempfile.TemporaryDirectory:
    """The temporary folder an ingest unpacks into, named with its process id; folders that killed ingests
    left behind (their process is gone) are removed first, so a `kill -9` leaks nothing for long."""
    for old in Path(tempfile.gettempdir()).glob(INGEST_TMP + "*"):
        if abandoned(old, re.escape(INGEST_TMP) + r"(\d+)-"):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{INGEST_TMP}{os.getpid()}-")
