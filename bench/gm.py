"""Greater Manchester at scale: a deterministic generator of SYNTHETIC police.uk street files for all
ten boroughs, and data directories for any one of them.

Real: the ten local authority codes, names and mid-2021 populations (ONS mid-year estimates via NOMIS,
`../shared/data/real/gm_la_population.csv`, Open Government Licence v3.0; see its PROVENANCE.md), and
Stockport's LSOA and ward codes and names (the demo data's lookup, from ONS reference data).
Synthetic: every row, every count, and for the nine boroughs other than Stockport the ward and LSOA
codes and names (`E059…` wards and `E019…` LSOAs, which no real area uses; names end in "(synthetic)").

    python -m bench.gm --out /tmp/safer-bench/force [--months 120] [--rows-per-month 37500]
    python -m bench.gm --borough E08000003 --force-dir /tmp/safer-bench/force --out /tmp/manchester
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import zlib
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
DEMO_DIR = PROJECT / "data"
REAL_POP = PROJECT.parent / "shared" / "data" / "real" / "gm_la_population.csv"

FORCE = "Greater Manchester Police"
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
STOCKPORT = "E08000007"

# code, name, mid-2021 population (ONS, real: checked against gm_la_population.csv when present),
# wards (synthetic count except Stockport's 21 real wards), relative crime level (synthetic),
# centre (lon, lat; approximate town centres, for plausible snap points).
BOROUGHS = (
    ("E08000001", "Bolton", 296041, 20, 1.05, (-2.43, 53.58)),
    ("E08000002", "Bury", 193823, 17, 0.90, (-2.30, 53.59)),
    ("E08000003", "Manchester", 549853, 32, 1.55, (-2.24, 53.48)),
    ("E08000004", "Oldham", 242072, 20, 1.10, (-2.11, 53.54)),
    ("E08000005", "Rochdale", 224087, 20, 1.15, (-2.16, 53.61)),
    ("E08000006", "Salford", 270764, 20, 1.30, (-2.29, 53.49)),
    ("E08000007", "Stockport", 295243, 21, 0.85, (-2.16, 53.41)),
    ("E08000008", "Tameside", 231199, 19, 1.10, (-2.08, 53.48)),
    ("E08000009", "Trafford", 235546, 21, 0.80, (-2.33, 53.43)),
    ("E08000010", "Wigan", 329759, 25, 0.95, (-2.63, 53.55)),
)

# police.uk crime types and their shares of street-level records (synthetic, roughly GM-like).
CRIME_TYPES = (
    ("Anti-social behaviour", 0.24),
    ("Violence and sexual offences", 0.31),
    ("Public order", 0.08),
    ("Criminal damage and arson", 0.08),
    ("Shoplifting", 0.05),
    ("Vehicle crime", 0.055),
    ("Other theft", 0.06),
    ("Burglary", 0.05),
    ("Drugs", 0.02),
    ("Robbery", 0.015),
    ("Theft from the person", 0.01),
    ("Bicycle theft", 0.01),
    ("Possession of weapons", 0.007),
    ("Other crime", 0.023),
)
OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Offender given a caution",
    "Awaiting court outcome",
    "Local resolution",
)


def check_populations() -> None:
    """The embedded populations must equal the real file's, when it is present."""
    if not REAL_POP.exists():
        return
    with open(REAL_POP, encoding="utf-8") as f:
        real = {r["la_code"]: int(r["population"]) for r in csv.DictReader(f)}
    for code, name, pop, *_ in BOROUGHS:
        assert real[code] == pop, (code, name, real[code], pop)


def _rng(*names) -> np.random.Generator:
    return np.random.default_rng([20260101] + [zlib.crc32(str(n).encode()) for n in names])


def _months(last: str, n: int) -> list[str]:
    y, m = map(int, last.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _next_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def geography(demo_dir: Path = DEMO_DIR) -> dict[str, dict]:
    """Per borough: wards [(code, name)], LSOAs [(code, name, ward code)] and population by ward."""
    out = {}
    with open(demo_dir / "lsoa_ward_lookup.csv", encoding="utf-8-sig") as f:
        stockport_lsoas = [(r["lsoa_code"], r["lsoa_name"], r["ward_code"]) for r in csv.DictReader(f)]
    with open(demo_dir / "areas.csv", encoding="utf-8-sig") as f:
        stockport_wards = [(r["area_code"], r["area_name"]) for r in csv.DictReader(f) if r["area_type"] == "ward"]
    for i, (code, name, pop, n_wards, _level, _centre) in enumerate(BOROUGHS):
        if code == STOCKPORT:
            wards, lsoas = stockport_wards, stockport_lsoas
        else:
            wards = [(f"E059{i}{w + 1:04d}", f"{name} ward {w + 1:02d} (synthetic)") for w in range(n_wards)]
            n_lsoa = round(pop / 1600)
            lsoas = [
                (f"E019{i}{k + 1:04d}", f"{name} {k // 4 + 1:03d}{'ABCD'[k % 4]} (synthetic)", wards[k % n_wards][0])
                for k in range(n_lsoa)
            ]
        out[code] = {"name": name, "population": pop, "wards": wards, "lsoas": lsoas}
    return out


def _snaps(code: str, lsoas: list, centre: tuple[float, float], per_lsoa: int = 6):
    rng = _rng("snaps", code)
    n = len(lsoas)
    base_lon = centre[0] + rng.normal(0, 0.05, n)
    base_lat = centre[1] + rng.normal(0, 0.03, n)
    lon = base_lon[:, None] + rng.normal(0, 0.004, (n, per_lsoa))
    lat = base_lat[:, None] + rng.normal(0, 0.003, (n, per_lsoa))
    streets = [
        f"On or near {s} {t}"
        for s in (
            "Church",
            "Park",
            "Mill",
            "Station",
            "High",
            "Green",
            "Albert",
            "Victoria",
            "King",
            "Queen",
            "Bridge",
            "School",
        )
        for t in ("Street", "Road", "Lane", "Avenue", "Close")
    ]
    pick = rng.integers(0, len(streets), (n, per_lsoa))
    return [[f"{lon[j, k]:.6f},{lat[j, k]:.6f},{streets[pick[j, k]]}" for k in range(per_lsoa)] for j in range(n)]


def month_rows(month: str, geo: dict, snaps: dict, rows_per_month: int) -> list[str]:
    """The CSV lines (no header) of one force-wide month, deterministic."""
    rng = _rng("month", month)
    weights = np.array([b[2] * b[4] for b in BOROUGHS], dtype=float)
    y, m = map(int, month.split("-"))
    season = 1 + 0.08 * np.cos((m - 7) / 12 * 2 * np.pi)
    n = int(rng.poisson(rows_per_month * season))
    borough_i = rng.choice(len(BOROUGHS), size=n, p=weights / weights.sum())
    type_p = np.array([s for _t, s in CRIME_TYPES])
    type_i = rng.choice(len(CRIME_TYPES), size=n, p=type_p / type_p.sum())
    u = rng.random(n)
    snap_k = rng.integers(0, 6, n)
    outcome_i = rng.integers(0, len(OUTCOMES), n)
    ids = rng.integers(0, 2**63, size=(n, 4), dtype=np.int64)
    lines = []
    for r in range(n):
        code = BOROUGHS[borough_i[r]][0]
        g = geo[code]
        ctype = CRIME_TYPES[type_i[r]][0]
        asb = type_i[r] == 0
        cid = "" if asb else "{:016x}{:016x}{:016x}{:016x}".format(*tuple(ids[r]))
        outcome = "" if asb else OUTCOMES[outcome_i[r]]
        if u[r] < 0.012:  # no location: no LSOA
            lines.append(f"{cid},{month},{FORCE},{FORCE},,,No location,,,{ctype},{outcome},")
            continue
        j = int(u[r] * 1e6) % len(g["lsoas"])
        lsoa, name, _ward = g["lsoas"][j]
        lines.append(f"{cid},{month},{FORCE},{FORCE},{snaps[code][j][snap_k[r]]},{lsoa},{name},{ctype},{outcome},")
    return lines


def generate(
    out_dir: Path,
    months: int = 120,
    last_month: str = "2026-09",
    rows_per_month: int = 37500,
    demo_dir: Path = DEMO_DIR,
) -> dict:
    """Write `months` force-wide files ending `last_month` into out_dir/police_uk, and the next month into
    out_dir/next_month/ (for the "one more month" timing). Skips files already there (same name)."""
    out_dir = Path(out_dir)
    geo = geography(demo_dir)
    snaps = {code: _snaps(code, geo[code]["lsoas"], BOROUGHS[i][5]) for i, code in enumerate(geo)}
    (out_dir / "police_uk").mkdir(parents=True, exist_ok=True)
    (out_dir / "next_month").mkdir(parents=True, exist_ok=True)
    ms = _months(last_month, months)
    plan = [(m, out_dir / "police_uk") for m in ms] + [(_next_month(last_month), out_dir / "next_month")]
    rows = 0
    for m, d in plan:
        path = d / f"{m}-greater-manchester-street.csv"
        if path.exists():
            continue
        lines = month_rows(m, geo, snaps, rows_per_month)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        rows += len(lines)
    return {"months": ms, "next_month": plan[-1][0], "rows_written": rows}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """A small extract as the contract reads it: UTF-8, a header row, '\\n' line ends."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def area_lookup_rows(geo: dict) -> list[list]:
    """Every borough's LSOAs in ONS's layout (LSOA → ward → local authority), as the force-wide files hold them."""
    rows = []
    for code, g in geo.items():
        ward_names = dict(g["wards"])
        rows += [[lsoa, name, ward, ward_names.get(ward, ""), code, g["name"]] for lsoa, name, ward in g["lsoas"]]
    return rows


AREA_LOOKUP_HEADER = ["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"]


def write_comparators(out_dir: Path, geo: dict) -> None:
    """The ten boroughs as one comparator group counted from the force-wide files: `area_lookup.csv` for all ten,
    `comparator_groups.csv`, and no `comparator_monthly.csv` (the demo's holds only police.uk indicators, which
    the files now count). Populations stay the demo's `comparator_population.csv` (real, mid-2021)."""
    write_csv(out_dir / "area_lookup.csv", AREA_LOOKUP_HEADER, area_lookup_rows(geo))
    write_csv(
        out_dir / "comparator_groups.csv",
        ["group_id", "group_name", "area_code", "area_name"],
        [["gm", "Greater Manchester boroughs", code, g["name"]] for code, g in geo.items()],
    )
    (out_dir / "comparator_monthly.csv").unlink(missing_ok=True)


def make_borough_dir(borough: str, force_dir: Path, out_dir: Path, demo_dir: Path = DEMO_DIR) -> Path:
    """A data directory for one GM borough over the same force-wide police.uk files (hard links).

    Stockport gets the demo data directory as it is (real ward and LSOA codes), and every borough the ten
    boroughs as its comparator group counted from the same files (`write_comparators`). Any other borough gets
    its own partnership.csv, areas.csv, lsoa_ward_lookup.csv and population.csv (synthetic wards and LSOAs),
    the demo's catalogue, plans and story files, and the demo's partner counts moved onto its wards.
    """
    geo = geography(demo_dir)
    if borough not in geo:
        raise SystemExit(f"{borough} is not a Greater Manchester borough: {', '.join(geo)}")
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for p in demo_dir.iterdir():
        if p.is_file() and p.suffix in (".csv", ".geojson"):
            shutil.copy2(p, out_dir / p.name)
    pol = out_dir / "police_uk"
    pol.mkdir()
    for p in sorted((Path(force_dir) / "police_uk").glob("*.csv*")):
        os.link(p, pol / p.name)
    write_comparators(out_dir, geo)
    if borough == STOCKPORT:
        return out_dir
    g = geo[borough]
    (out_dir / "ward_boundaries.geojson").unlink(missing_ok=True)

    def write(name: str, header: list[str], rows: list[list]) -> None:
        write_csv(out_dir / name, header, rows)

    write(
        "partnership.csv",
        ["name", "area_code", "police_force", "synthetic", "data_note"],
        [
            [
                f"Safer {g['name']} Partnership (synthetic)",
                borough,
                FORCE,
                "true",
                f"Synthetic benchmark data for {g['name']}: the wards and LSOAs are synthetic, not real ONS areas.",
            ]
        ],
    )
    write(
        "areas.csv",
        ["area_code", "area_name", "area_type", "parent_code"],
        [[borough, g["name"], "borough", ""]] + [[c, n, "ward", borough] for c, n in g["wards"]],
    )
    write("lsoa_ward_lookup.csv", ["lsoa_code", "lsoa_name", "ward_code"], [list(x) for x in g["lsoas"]])
    ward_pop = g["population"] // len(g["wards"])
    pop_rows = []
    kids = "Synthetic: 21% of residents (children aged 0-17)"
    for y in range(2015, 2027):
        pop_rows.append([borough, y, g["population"], "ONS mid-2021 estimate (real), used for every year", "all"])
        pop_rows.append([borough, y, round(g["population"] * 0.21), kids, "children"])
        for c, _n in g["wards"]:
            pop_rows.append([c, y, ward_pop, "Synthetic: the borough population shared equally", "all"])
            pop_rows.append([c, y, round(ward_pop * 0.21), kids, "children"])
    write("population.csv", ["area_code", "year", "population", "source", "population_group"], pop_rows)
    # Partner counts: Stockport's wards moved onto this borough's wards (i -> i mod n), the borough code swapped.
    stock_wards = [c for c, _n in geo[STOCKPORT]["wards"]]
    wmap = {c: g["wards"][i % len(g["wards"])][0] for i, c in enumerate(stock_wards)}
    wmap[STOCKPORT] = borough
    merged: dict[tuple, int] = {}
    with open(demo_dir / "partner_monthly.csv", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            k = (r["indicator_id"], r["month"], wmap[r["area_code"]])
            merged[k] = merged.get(k, 0) + int(r["value"])
    write("partner_monthly.csv", ["indicator_id", "month", "area_code", "value"], [[*k, v] for k, v in merged.items()])
    return out_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--rows-per-month", type=int, default=37500)
    ap.add_argument("--borough", help="write a data directory for this borough code instead")
    ap.add_argument("--force-dir", help="with --borough: the folder holding police_uk/ from a previous run")
    a = ap.parse_args(argv)
    check_populations()
    if a.borough:
        print(make_borough_dir(a.borough, Path(a.force_dir), Path(a.out)))
    else:
        print(generate(Path(a.out), a.months, rows_per_month=a.rows_per_month)["rows_written"], "rows written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
