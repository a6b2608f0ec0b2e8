"""The catalogue of extracts on disk: every file's rows, period, size, last change, validation status,
source and licence.

What is about the files themselves (size, modification time, whether they pass the contract) is not
in the store, so it is worked out here from the data directory and `safer.contract.validate`. Pure:
no Streamlit, no store; the Data page caches the result by the extracts' fingerprint.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from pathlib import Path

import pandas as pd

from . import contract

# Licences and sources that hold for a kind of file whatever the partnership. Anything else is
# the partnership's own extract: its source comes from the data (a `source` column, or the
# indicators a file holds) and its licence is not recorded in the data directory.
KNOWN_SOURCES: dict[str, tuple[str, str]] = {
    "police_uk/": ("data.police.uk street-level crime and anti-social behaviour data", "Open Government Licence v3.0"),
    "police_uk_releases.csv": (
        "Written by `python -m safer ingest` from data.police.uk downloads",
        "Open Government Licence v3.0",
    ),
}
OWN_SOURCE = "The partnership's own extract"
LICENCE_NOT_RECORDED = "Not recorded in the data directory"

# Files whose `source` column says where each row comes from.
SOURCE_COLUMNS = {"population.csv": "source", "consultation.csv": "source", "scrutiny_concerns.csv": "source"}

COLUMNS = ["file", "kind", "rows", "first", "last", "size_bytes", "modified_utc", "status", "source", "licence"]


def _status(problems: list[contract.Problem]) -> str:
    e = sum(p.severity == "error" for p in problems)
    w = len(problems) - e
    parts = []
    if e:
        parts.append(f"{e} error{'s' if e != 1 else ''}")
    if w:
        parts.append(f"{w} warning{'s' if w != 1 else ''}")
    return ", ".join(parts) or "ok"


def _count_rows(path: Path) -> int | None:
    """Data rows in a CSV (all-empty rows not counted), read leniently: for files with errors."""
    try:
        text = contract.read_text(path).decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text, newline=""))
        n = sum(1 for rec in reader if rec and any(f.strip() for f in rec))
    except (OSError, EOFError, csv.Error, ValueError):
        return None
    return max(n - 1, 0)


def _period(table: contract.Table | None) -> tuple[str | None, str | None]:
    """First and last month (or year) the rows of a file cover, from its month, date or year columns."""
    if table is not None and table.period is not None:
        return table.period if table.n_rows else (None, None)
    if table is None or not table.rows:
        return None, None
    cols = [c for c in table.spec.columns if c.type in ("month", "date")]
    if cols:
        vals = [row[c.name][:7] for _, row in table.rows for c in cols if row[c.name]]
    else:
        vals = [row["year"] for _, row in table.rows if row.get("year")] if "year" in table.header else []
    return (min(vals), max(vals)) if vals else (None, None)


def _distinct(values, limit: int = 3) -> str | None:
    seen: list[str] = []
    for v in values:
        if v and v not in seen:
            seen.append(v)
    if not seen:
        return None
    more = len(seen) - limit
    return "; ".join(seen[:limit]) + (f"; and {more} more" if more > 0 else "")


def _source(kind: str, table: contract.Table | None, report: contract.Report) -> tuple[str, str]:
    if kind in KNOWN_SOURCES:
        return KNOWN_SOURCES[kind]
    source = None
    if table is not None and kind in SOURCE_COLUMNS:
        source = _distinct(row[SOURCE_COLUMNS[kind]].strip() for _, row in table.rows)
    elif table is not None and kind == "partner_monthly.csv" and "indicators.csv" in report.tables:
        by_id = {row["indicator_id"]: row["source"] for _, row in report.tables["indicators.csv"].rows}
        source = _distinct(by_id.get(row["indicator_id"], "").strip() for _, row in table.rows)
    return source or OWN_SOURCE, LICENCE_NOT_RECORDED


def extract_files_info(data_dir: str | Path, report: contract.Report | None = None) -> pd.DataFrame:
    """One row per extract file in `data_dir` (and per required file that is missing).

    Columns: file (path in the data directory), kind (its contract entry: a file name, or
    `police_uk/`), rows (data rows; blank when the file cannot be read), first and last (the
    first and last month, or year, its rows cover), size_bytes, modified_utc (ISO 8601),
    status (`ok`, `N errors`, `N warnings`, or `missing`), source and licence.
    """
    data_dir = Path(data_dir)
    report = report or contract.validate(data_dir)
    by_file: dict[str, list[contract.Problem]] = {}
    for p in report.problems:
        by_file.setdefault(p.file, []).append(p)
    police = {t.rel: t for t in report.police_files}

    entries: list[tuple[str, str, Path]] = []  # (file, kind, path)
    for name in contract.SPECS:
        if name.endswith("/"):
            entries += [(p.relative_to(data_dir).as_posix(), name, p) for p in contract.police_files(data_dir)]
        else:
            entries.append((name, name, data_dir / name))
    entries += [(name, name, data_dir / name) for name in contract.OPTIONAL_FILES]

    out = []
    entries += [
        (rel, "police_uk/", data_dir / rel) for rel in contract.not_files(data_dir) if rel.startswith("police_uk/")
    ]
    for rel, kind, path in entries:
        if contract.not_a_file(path) and not contract.outside_link(path, data_dir):  # a named pipe: never opened
            out.append(
                {"file": rel, "kind": kind, "status": "refused: not a regular file", "source": None, "licence": None}
            )
            continue
        if not path.exists():
            if kind in contract.SPECS and contract.SPECS[kind].required:
                out.append({"file": rel, "kind": kind, "status": "missing (required)", "source": None, "licence": None})
            continue
        if contract.outside_link(path, data_dir):  # refused by validation, and never read here either
            out.append(
                {"file": rel, "kind": kind, "status": "refused: a link outside the data directory", "source": None,
                 "licence": None}
            )  # fmt: skip
            continue
        table = police.get(rel) if kind == "police_uk/" else report.tables.get(rel)
        problems = by_file.get(rel, [])
        if rel == contract.BOUNDARIES:  # as validation read it: the file is not read again here
            rows = report.boundaries.features if report.boundaries is not None else None
        elif table is not None and not any(p.severity == "error" for p in problems):
            rows = table.n_rows
        else:
            rows = _count_rows(path)
        first, last = _period(table)
        st = path.stat()
        source, licence = _source(kind, table, report)
        if rel == contract.BOUNDARIES:
            source, licence = _geojson_attribution(report.boundaries)
        out.append(
            {
                "file": rel,
                "kind": kind,
                "rows": rows,
                "first": first,
                "last": last,
                "size_bytes": st.st_size,
                "modified_utc": _dt.datetime.fromtimestamp(st.st_mtime, _dt.UTC).isoformat(timespec="seconds"),
                "status": _status(problems),
                "source": source,
                "licence": licence,
            }
        )
    df = pd.DataFrame(out, columns=COLUMNS)
    df["rows"] = df["rows"].astype("Int64")
    df["size_bytes"] = df["size_bytes"].astype("Int64")
    return df


def _geojson_attribution(boundaries: contract.Boundaries | None) -> tuple[str, str]:
    """Boundaries carry their own attribution (the demo's: ONS, Open Government Licence v3.0)."""
    text = boundaries.attribution if boundaries is not None else ""
    if not text:
        return OWN_SOURCE, LICENCE_NOT_RECORDED
    licence = "Open Government Licence v3.0" if "Open Government Licence" in text else LICENCE_NOT_RECORDED
    return text, licence


PUBLISHED_STATUS = "passed when built"  # a build is published only when every extract passed (`store.build`)


def published_extracts(built: pd.DataFrame, boundaries: dict | None = None) -> pd.DataFrame:
    """The extracts a build published as Parquet was made from (query `build_extracts`), as the Data page lists
    them in place of the files on disk: file, kind, rows (data rows as loaded; the boundaries' features), files,
    written_month (the month the file was last written), status, source and licence, found as for the files on
    disk (`extract_files_info`). `boundaries`: the build's ward boundaries (GeoJSON), for their features and
    attribution. Optional extracts the build did not have are left out, as absent optional files are there."""
    rows = []
    for r in built[built["in_build"].astype(bool)].to_dict("records"):
        named = r.get("sources")
        listed = None if named is None or isinstance(named, float) else _distinct(str(v) for v in named)  # NaN: none
        source, licence = KNOWN_SOURCES.get(r["file"], (listed or OWN_SOURCE, LICENCE_NOT_RECORDED))
        n = r["rows"]
        if r["file"] == contract.BOUNDARIES:
            text = str((boundaries or {}).get("attribution") or "")
            source = text or OWN_SOURCE
            licence = "Open Government Licence v3.0" if "Open Government Licence" in text else LICENCE_NOT_RECORDED
            n = len((boundaries or {}).get("features") or []) or None
        rows.append(
            {
                "file": r["file"],
                "kind": r["file"],
                "rows": n,
                "files": r["files"],
                "written_month": r["written_month"],
                "status": PUBLISHED_STATUS,
                "source": source,
                "licence": licence,
            }
        )
    df = pd.DataFrame(rows, columns=["file", "kind", "rows", "files", "written_month", "status", "source", "licence"])
    df["rows"] = df["rows"].astype("Int64")
    df["files"] = df["files"].astype("Int64")
    return df


def parquet_files_info(path: str | Path) -> pd.DataFrame:
    """The Parquet files of a published build (one per table): file, size_bytes, modified_utc (ISO 8601)."""
    out = []
    for f in sorted(Path(path).glob("*.parquet")):
        st = f.stat()
        out.append(
            {
                "file": f.name,
                "size_bytes": st.st_size,
                "modified_utc": _dt.datetime.fromtimestamp(st.st_mtime, _dt.UTC).isoformat(timespec="seconds"),
            }
        )
    return pd.DataFrame(out, columns=["file", "size_bytes", "modified_utc"])
