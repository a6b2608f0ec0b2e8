"""Data: every extract with its rows, period, gaps, last change, source, licence and validation status."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .. import catalog, contract, export, fmt, queries
from ..store import fingerprint
from .base import View, cached, stamp
from .wards import boundaries


@dataclass
class CatalogueView(View):
    """The Data page's view: each table downloads with a stamp of its own, titled for it ("Data: extracts")."""

    titles: dict[str, str] = field(default_factory=dict)  # a table's own title, by its name in `tables`
    # a table's own data version where it is not the build being served's: the validation problems of extracts
    # on disk that are not loaded are of no build (an outside audit: their download carried the served build's)
    versions: dict[str, str] = field(default_factory=dict)

    def meta_of(self, name: str) -> export.Meta:
        m = super().meta_of(name)
        return replace(m, title=self.titles.get(name, m.title), data_version=self.versions.get(name, m.data_version))


def disk_version(disk_fingerprint: str) -> str:
    """The data version a stamp gives what was read from the extracts on disk when they are not the build being
    served: "disk-" and their fingerprint, short (no build holds them, so they have no content version)."""
    return "disk-" + str(disk_fingerprint or "")[:10]


def status_sentence(status, data_version: str) -> str:
    """The Data page's sentence on the build being served: current, or the last good one and why (`status`:
    `store.status`)."""
    if status.current:
        return f"Current: built at {status.built_at} (UTC) from the extracts now on disk. Data version {data_version}."
    return (
        f"Serving the last good build, from {status.built_at} (UTC), data version {data_version}: "
        f"the extracts now on disk have {fmt.plural(len(status.problems), 'problem')}, so they are not loaded. "
        "Fix them (the status column below names each file) and the dashboard rebuilds by itself."
    )


def last_good_note(status, shown: str = "this briefing") -> str | None:
    """The note that the newest extracts have problems, so what is `shown` ("this page", "this briefing") is the
    last good data; None when they have none."""
    if not status.problems:
        return None
    return f"The newest extracts have problems, so {shown} shows the last good data (built {status.built_at})."


def disk_fingerprint(store) -> str:
    """The fingerprint of the extracts now on disk (which differs from the served build's when they broke): the
    one the store's last check of the disk found (`Store.refresh`, at most once a second from the dashboard),
    else worked out now. A build published as Parquet has no extracts on disk here and does not change: its own."""
    if store.published:
        return str(store.status.fingerprint)
    return getattr(store, "disk_fingerprint", None) or fingerprint(store.data_dir)


@cached
def catalogue(store, disk_fingerprint: str) -> View:
    """The catalogue and the validation problems of the files on disk (recomputed when a file changes); for a
    build published as Parquet, what it was made from and where (`_published`)."""
    if store.published:
        return _published(store)
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
        # two short values: one "0 errors, 0 warnings" was cut to "0 errors, 0 war…" in its third of the row
        "Validation errors": f"{n_err:,}",
        "Validation warnings": f"{n_warn:,}",
    }
    view = _view(
        meta,
        {"extracts": files, "validation problems": problems, "extract coverage": coverage, "police.uk files": police},
        ["python -m safer validate", "python -m safer query extract_coverage", "python -m safer query police_uk_files"],
        {
            "disk_fingerprint": disk_fingerprint,
            "where": f"Data directory: {shown_path(store.data_dir)}",
            "caveats source": "the extracts in the data directory",  # the caveats' stamp, of the page's period
            "counts": counts,
            # as shown: files with problems first (then in contract order), no empty cells
            "extracts shown": files.sort_values("status", key=lambda c: c.eq("ok"), kind="stable").fillna(
                {"first": "—", "last": "—"}
            ),
        }
        | _about_the_build(store, coverage, police),
        "as on disk now",
        "the data directory",
    )
    if disk_fingerprint != store.status.fingerprint:  # the files on disk are not what is served
        view.versions.update(dict.fromkeys(("extracts", "validation problems"), disk_version(disk_fingerprint)))
    return view


def shown_path(path) -> str:
    """A directory as a page names it: its name, not where it lies on the server (the page may be public: an
    outside audit found the server's paths on it); `python -m safer validate` prints the whole path."""
    return Path(str(path)).name if path else ""


def _view(meta, tables: dict, commands: list[str], data: dict, period: str, source: str) -> CatalogueView:
    """The Data page's view, of a data directory or of a published build: each table's stamp is "Data: " and its
    name, of `period` and `source` (the validation problems' always those of the files on disk)."""
    # what the build being served holds (each indicator's months, the police.uk files it read) is of its period,
    # not "as on disk now" (an outside audit: with a broken extract the coverage of the last good build was
    # stamped as the files on disk, which the extracts' own table, beside it, showed a month shorter)
    built = (data.get("period", period), "the build being served")
    own = {
        n: ("as on disk now", "the data directory")
        if n == "validation problems"
        else built
        if n in ("extract coverage", "police.uk files")
        else (period, source)
        for n in tables
    }
    return CatalogueView(
        name="catalogue",
        title=meta.title,
        question="Where does every figure come from, what period does it cover, and what is missing?",
        meta=meta,
        tables=tables,
        queries=commands,
        data=data,
        periods={n: p for n, (p, _) in own.items()},
        sources={n: s for n, (_, s) in own.items()},
        titles={n: "Data: " + n for n in tables},
    )


def _published(store) -> View:
    """The Data page's view of a build published as Parquet (`python -m safer build --parquet DIR`) and served
    unchanged by another process: its folder is not a data directory, so its files are not checked against the
    data contract (every extract would read "missing"). It lists the extracts the build was made from (query
    `build_extracts`), with the data directory and time it was built from and what was checked there."""
    origin = store.published
    geo, _attribution = boundaries(store)
    files = catalog.published_extracts(queries.run(store, "build_extracts"), geo)
    coverage = queries.run(store, "extract_coverage")
    police = queries.run(store, "police_uk_files")
    parquet = catalog.parquet_files_info(origin["path"])
    problems = pd.DataFrame(columns=["file", "line", "column", "severity", "problem"])
    meta = stamp(
        store,
        "Data: the published build, what it was made from, its coverage",
        "as published",
        f"the build published at {origin['path']}",
    )
    # counted as for a data directory: every CSV file, the police.uk street files one by one, and their rows
    csv = files[files["file"].str.endswith(".csv") | files["file"].eq("police_uk/")]
    checked = [
        f"{int(origin[k]):,} {w}" for k, w in (("files_checked", "files"), ("rows_checked", "rows")) if origin.get(k)
    ]
    warnings = len(store.status.warnings)
    return _view(
        meta,
        {
            "extracts": files,
            "validation problems": problems,
            "extract coverage": coverage,
            "police.uk files": police,
            "parquet files": parquet,
        },
        [
            "python -m safer query build_extracts",
            "python -m safer query extract_coverage",
            "python -m safer query police_uk_files",
        ],
        {
            "caveats source": "the extracts the published build was made from",
            "published": {
                "path": origin["path"],
                "version": store.data_version,
                "built_at": origin.get("built_at"),
                "data_dir": origin.get("data_dir"),
                "said": (
                    f"Serving a build published as Parquet, from {shown_path(origin['path'])}: data version "
                    f"{store.data_version}, built {origin.get('built_at') or 'at an unrecorded time'} (UTC) from the "
                    f"data directory {shown_path(origin.get('data_dir')) or '(not recorded)'}"
                    + (f", where {' and '.join(checked)} were checked against the data contract" if checked else "")
                    + ". It does not change while this dashboard serves it. Below: the extracts it was made from, "
                    "as loaded."
                ),
            },
            "disk_fingerprint": str(store.status.fingerprint),
            "counts": {
                "CSV extracts in the build": f"{int(csv['files'].sum()):,}",
                "Data rows": f"{int(csv['rows'].fillna(0).sum()):,}",
                "Validation when built": "passed",
                "Validation warnings": f"{warnings:,}",
            },
            "extracts shown": files,
        }
        | _about_the_build(store, coverage, police),
        "as published",
        "the published build",
    )


def _about_the_build(store, coverage: pd.DataFrame, police: pd.DataFrame) -> dict:
    """What the Data page shows of the build being served, from the files on disk or published: coverage,
    police.uk totals, recording changes, each indicator's caveats and the period."""
    with_data = coverage.first_month.notna().any()
    return {
        "coverage shown": coverage.fillna({"missing_ranges": "none", "incomplete_months": "none"}),
        "police totals": _police_totals(police),
        "recording changes": _recording_changes(queries.run(store, "recording_changes")),
        "general caveats": general_caveats(queries.run(store, "partnership").iloc[0].to_dict()),
        "caveats": [
            f"{r.label} ({r.indicator_id}): "
            + (r.caveats if isinstance(r.caveats, str) and r.caveats else "None recorded.")
            for r in queries.run(store, "indicators").itertuples()
        ],
        "period": f"{coverage.first_month.min()} to {coverage.last_month.max()}" if with_data else "no data",
    }


GMP_GAP = (
    "**Greater Manchester Police's gap in police.uk.** After moving to a new records system, Greater Manchester "
    "Police supplied no data to police.uk from July 2019 for well over a year, and later months were reported "
    "as incomplete for some months. Months without a file are shown as missing, never as zero; the coverage "
    "table above lists them."
)


def general_caveats(partnership: dict) -> list[str]:
    """The caveats of every figure on the Data page, as markdown items: the police.uk ones, Greater Manchester
    Police's gap only where the partnership's force is Greater Manchester's."""
    whole = fmt.whole_area(partnership.get("area_code"))
    force = str(partnership.get("police_force") or "")
    return [
        "**police.uk locations are approximate.** Every crime and incident is moved to an anonymised snap point "
        f"(the centre of a street, a public place or a small area), so a few near a ward or {whole} boundary are "
        "counted on the wrong side. Rows with no location are left out (counted in the table above).",
        *([GMP_GAP] if "greater manchester" in force.lower() else []),
        "**Recording practice changes.** A change in how police or partners record (crime recording standards, "
        "a new records system, new referral criteria) can move a series without any change in what happened. "
        "A step at such a date is not evidence that the plan worked or failed. Those recorded in events.csv are "
        "listed below and drawn on the charts.",
        "**police.uk is not the official crime statistics.** Street-level counts differ from ONS police recorded "
        "crime, and a month can be re-released with corrections; rates use mid-year population estimates.",
    ]


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
