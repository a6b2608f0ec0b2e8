"""Data: every extract with its rows, period, gaps, last change, source, licence and validation status."""

from __future__ import annotations

import pandas as pd

from .. import catalog, contract, queries
from ..store import fingerprint
from .base import View, cached, stamp


def disk_fingerprint(store) -> str:
    """The fingerprint of the extracts now on disk (which differs from the served build's when they broke): the
    one the store's last check of the disk found (`Store.refresh`, at most once a second from the dashboard),
    else worked out now."""
    return getattr(store, "disk_fingerprint", None) or fingerprint(store.data_dir)


@cached
def catalogue(store, disk_fingerprint: str) -> View:
    """The catalogue and the validation problems of the files on disk (recomputed when a file changes)."""
    report = contract.validate(store.data_dir, cache_dir=getattr(store, "police_cache", None))
    problems = pd.DataFrame(
        [
            {"file": p.file, "line": p.line, "column": p.column, "severity": p.severity, "problem": p.message}
            for p in report.problems
        ],
        columns=["file", "line", "column", "severity", "problem"],
    )
    files = catalog.extract_files_info(str(store.data_dir), report)
    meta = stamp(store, "Data: every extract, its coverage and validation", "as on disk now", "the data directory")
    return View(
        name="catalogue",
        title=meta.title,
        question="Where does every figure come from, what period does it cover, and what is missing?",
        meta=meta,
        tables={
            "extracts": files,
            "validation problems": problems,
            "extract coverage": queries.run(store, "extract_coverage"),
            "police.uk files": queries.run(store, "police_uk_files"),
        },
        queries=[
            "python -m safer validate",
            "python -m safer query extract_coverage",
            "python -m safer query police_uk_files",
        ],
        data={"disk_fingerprint": disk_fingerprint},
    )
