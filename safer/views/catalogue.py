"""Data: every extract with its rows, period, gaps, last change, source, licence and validation status."""

from __future__ import annotations

import pandas as pd

from .. import catalog, contract, fmt, queries
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
    coverage = queries.run(store, "extract_coverage")
    police = queries.run(store, "police_uk_files")
    meta = stamp(store, "Data: every extract, its coverage and validation", "as on disk now", "the data directory")
    n_err = int((problems.severity == "error").sum())
    n_warn = len(problems) - n_err
    # as `python -m safer validate` counts them: the CSV extracts and their rows (the ward boundaries are
    # listed in the table below, with their features)
    on_disk = ~files["status"].astype(str).str.startswith(("missing", "refused"))
    csv = files[on_disk & files["file"].astype(str).str.lower().str.endswith((".csv", ".csv.gz"))]
    counts = {
        "CSV extracts": f"{len(csv):,}",
        "Data rows": f"{int(csv['rows'].fillna(0).sum()):,}",
        "Validation problems": f"{fmt.plural(n_err, 'error')}, {fmt.plural(n_warn, 'warning')}",
    }
    with_data = coverage.first_month.notna().any()
    return View(
        name="catalogue",
        title=meta.title,
        question="Where does every figure come from, what period does it cover, and what is missing?",
        meta=meta,
        tables={
            "extracts": files,
            "validation problems": problems,
            "extract coverage": coverage,
            "police.uk files": police,
        },
        queries=[
            "python -m safer validate",
            "python -m safer query extract_coverage",
            "python -m safer query police_uk_files",
        ],
        data={
            "disk_fingerprint": disk_fingerprint,
            "counts": counts,
            # as shown: files with problems first (then in contract order), no empty cells
            "extracts shown": files.sort_values("status", key=lambda c: c.eq("ok"), kind="stable").fillna(
                {"first": "—", "last": "—"}
            ),
            "coverage shown": coverage.fillna({"missing_ranges": "none", "incomplete_months": "none"}),
            "police totals": _police_totals(police),
            "recording changes": _recording_changes(queries.run(store, "recording_changes")),
            "caveats": [
                f"{r.label} ({r.indicator_id}): "
                + (r.caveats if isinstance(r.caveats, str) and r.caveats else "None recorded.")
                for r in queries.run(store, "indicators").itertuples()
            ],
            "period": f"{coverage.first_month.min()} to {coverage.last_month.max()}" if with_data else "no data",
        },
    )


def _police_totals(pol: pd.DataFrame) -> dict | None:
    """The police.uk rows read, placed in the area, outside it and without a location, with their help texts."""
    if pol.empty:
        return None
    t = pol[["rows", "rows_in_area", "rows_outside_area", "rows_without_location"]].sum()
    return {
        "metrics": [
            ("Rows read", f"{int(t['rows']):,}", f"From {fmt.plural(len(pol), 'file')}"),
            (
                "Placed in the area",
                f"{int(t['rows_in_area']):,}",
                f"{t['rows_in_area'] / t['rows']:.1%} of the rows read",
            ),
            (
                "Outside the area",
                f"{int(t['rows_outside_area']):,}",
                "LSOA code not in lsoa_ward_lookup.csv: a force's file covers the whole force area",
            ),
            ("Without a location", f"{int(t['rows_without_location']):,}", "Blank LSOA code"),
        ],
        "note": (
            f"From {fmt.plural(len(pol), 'file')}, {pol.first_month.min()} to {pol.last_month.max()}, in the build "
            "being served. Only rows placed in the area are counted, and only crime types named in indicators.csv."
        ),
    }


def _recording_changes(changes: pd.DataFrame) -> list[str]:
    """Each recording change in events.csv as one line of plain text (the page shows it literally)."""
    out = []
    for r in changes.itertuples():
        sources = {"police_uk": "every police.uk indicator", "partner": "every partner indicator"}
        applies = r.indicator_id if isinstance(r.indicator_id, str) else sources.get(r.source, "every indicator")
        desc = f": {r.description}" if isinstance(r.description, str) and r.description else ""
        out.append(f"{r.event_date} · {r.title} ({applies}){desc}")
    return out
