"""England and Wales at scale: a deterministic generator of SYNTHETIC police.uk street files for all 43
territorial police forces, a synthetic national LSOA → ward → local authority lookup in the format ONS
publishes, and a data directory for any one local authority over those files (made by `safer init`).

Real: the names of the 43 territorial forces of England and Wales and the file naming data.police.uk
uses (`YYYY-MM-<force>-street.csv`, the published header). Synthetic: every row and count, every local
authority, ward and LSOA code and name (codes `E068…`/`W068…` for authorities, `E058…`/`W058…` for wards,
`E018…`/`W018…` for LSOAs, which no real area uses; every name says "(synthetic)", an LSOA's in its
authority's name, as ONS names it).

    python -m bench.national --out /tmp/safer-national [--months 120] [--rows-per-month 500000]
    python -m bench.national --authority E06800101 --national-dir /tmp/safer-national --out /tmp/la

About 500,000 rows a month over England and Wales (police.uk publishes roughly that many street-level
records a month, anti-social behaviour included); ten years are about 60 million rows (about 9 GB of
CSV). Files are written with pyarrow from numpy arrays, a month in a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from bench.gm import CRIME_TYPES, HEADER, OUTCOMES, _months, _next_month, write_csv

# The 43 territorial police forces of England and Wales (real names), with a synthetic size weight
# (roughly proportional to the population they police) and a synthetic number of local authorities.
FORCES = (
    ("Avon and Somerset Constabulary", 1.7, 5),
    ("Bedfordshire Police", 0.7, 3),
    ("Cambridgeshire Constabulary", 0.9, 6),
    ("Cheshire Constabulary", 1.1, 4),
    ("City of London Police", 0.1, 1),
    ("Cleveland Police", 0.6, 4),
    ("Cumbria Constabulary", 0.5, 3),
    ("Derbyshire Constabulary", 1.1, 9),
    ("Devon & Cornwall Police", 1.8, 11),
    ("Dorset Police", 0.8, 2),
    ("Durham Constabulary", 0.6, 2),
    ("Dyfed-Powys Police", 0.5, 4),
    ("Essex Police", 1.9, 14),
    ("Gloucestershire Constabulary", 0.6, 6),
    ("Greater Manchester Police", 2.9, 10),
    ("Gwent Police", 0.6, 5),
    ("Hampshire Constabulary", 2.0, 15),
    ("Hertfordshire Constabulary", 1.2, 10),
    ("Humberside Police", 0.9, 4),
    ("Kent Police", 1.9, 13),
    ("Lancashire Constabulary", 1.5, 14),
    ("Leicestershire Police", 1.1, 9),
    ("Lincolnshire Police", 0.8, 7),
    ("Merseyside Police", 1.4, 5),
    ("Metropolitan Police Service", 9.0, 32),
    ("Norfolk Constabulary", 0.9, 7),
    ("North Wales Police", 0.7, 6),
    ("North Yorkshire Police", 0.8, 2),
    ("Northamptonshire Police", 0.8, 2),
    ("Northumbria Police", 1.5, 6),
    ("Nottinghamshire Police", 1.2, 8),
    ("South Wales Police", 1.3, 7),
    ("South Yorkshire Police", 1.4, 4),
    ("Staffordshire Police", 1.1, 9),
    ("Suffolk Constabulary", 0.7, 5),
    ("Surrey Police", 1.2, 11),
    ("Sussex Police", 1.7, 13),
    ("Thames Valley Police", 2.4, 16),
    ("Warwickshire Police", 0.6, 5),
    ("West Mercia Police", 1.3, 10),
    ("West Midlands Police", 2.9, 7),
    ("West Yorkshire Police", 2.3, 5),
    ("Wiltshire Police", 0.7, 2),
)
WELSH = {"Dyfed-Powys Police", "Gwent Police", "North Wales Police", "South Wales Police"}
LSOAS_PER_WARD = 4
WARDS_PER_AUTHORITY = 22
ONS_LOOKUP_HEADER = ["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"]


def force_slug(name: str) -> str:
    """The force's part of a police.uk file name: 'Devon & Cornwall Police' -> 'devon-and-cornwall'."""
    s = name.lower().replace("&", "and")
    s = re.sub(r"\b(police|constabulary|police service)\b", "", s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _rng(*names) -> np.random.Generator:
    return np.random.default_rng([20261123] + [zlib.crc32(str(n).encode()) for n in names])


def geography() -> dict:
    """The synthetic national geography: authorities per force, wards per authority, LSOAs per ward.

    Returns {"lsoa": arrays of code, name, ward index; "ward": code, name, authority index;
    "authority": code, name, force index, population}."""
    auth_code, auth_name, auth_force, auth_pop = [], [], [], []
    for f, (force, weight, n_auth) in enumerate(FORCES):
        country = "W" if force in WELSH else "E"
        for a in range(n_auth):
            k = len(auth_code) + 1
            auth_code.append(f"{country}068{k:05d}")
            auth_name.append(f"{force_slug(force).replace('-', ' ').title()} district {a + 1} (synthetic)")
            auth_force.append(f)
            auth_pop.append(int(weight / n_auth * 1_400_000))
    ward_code, ward_name, ward_auth = [], [], []
    lsoa_code, lsoa_name, lsoa_ward = [], [], []
    for a, code in enumerate(auth_code):
        country = code[0]
        n_wards = max(3, round(WARDS_PER_AUTHORITY * min(2.0, auth_pop[a] / 150_000)))
        for w in range(n_wards):
            wi = len(ward_code)
            ward_code.append(f"{country}058{wi + 1:05d}")
            ward_name.append(f"{auth_name[a].removesuffix(' (synthetic)')} ward {w + 1:02d} (synthetic)")
            ward_auth.append(a)
            for s in range(LSOAS_PER_WARD):
                li = len(lsoa_code)
                lsoa_code.append(f"{country}018{li + 1:05d}")
                # named after its authority, as ONS names an LSOA ('Stockport 008C'): `safer init` finds an
                # authority's rows whose LSOA codes no lookup places by that name
                lsoa_name.append(f"{auth_name[a]} {w + 1:03d}{'ABCDE'[s]}")
                lsoa_ward.append(wi)
    return {
        "authority": {
            "code": np.array(auth_code),
            "name": np.array(auth_name),
            "force": np.array(auth_force),
            "population": np.array(auth_pop),
        },
        "ward": {"code": np.array(ward_code), "name": np.array(ward_name), "authority": np.array(ward_auth)},
        "lsoa": {"code": np.array(lsoa_code), "name": np.array(lsoa_name), "ward": np.array(lsoa_ward)},
    }


def write_lookup(geo: dict, path: Path) -> int:
    """The national lookup in ONS's published column layout (LSOA21CD, …, LAD24NM)."""
    lw, wa = geo["lsoa"]["ward"], geo["ward"]["authority"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(ONS_LOOKUP_HEADER)
        for i in range(len(lw)):
            a = wa[lw[i]]
            w.writerow(
                [
                    geo["lsoa"]["code"][i],
                    geo["lsoa"]["name"][i],
                    geo["ward"]["code"][lw[i]],
                    geo["ward"]["name"][lw[i]],
                    geo["authority"]["code"][a],
                    geo["authority"]["name"][a],
                ]
            )
    return len(lw)


def _force_lsoas(geo: dict) -> list[np.ndarray]:
    """For each force, the indices of its LSOAs."""
    auth_of_lsoa = geo["ward"]["authority"][geo["lsoa"]["ward"]]
    force_of_lsoa = geo["authority"]["force"][auth_of_lsoa]
    return [np.flatnonzero(force_of_lsoa == f) for f in range(len(FORCES))]


def month_table(month: str, force: int, lsoas: np.ndarray, geo: dict, rows: int) -> pa.Table:
    """One force's month as an Arrow table with police.uk's columns, deterministic."""
    rng = _rng("month", month, force)
    m = int(month[5:7])
    n = int(rng.poisson(rows * (1 + 0.08 * np.cos((m - 7) / 12 * 2 * np.pi))))
    name = FORCES[force][0]
    type_p = np.array([s for _t, s in CRIME_TYPES])
    type_i = rng.choice(len(CRIME_TYPES), size=n, p=type_p / type_p.sum())
    asb = type_i == 0
    ids = rng.integers(0, 2**63, size=(n, 2), dtype=np.int64)
    cid = np.char.add(np.char.mod("%016x", ids[:, 0]), np.char.mod("%016x", ids[:, 1]))
    cid = np.char.add(cid, cid)  # 64 hex digits, as published
    cid[asb] = ""
    outcome = np.array(OUTCOMES)[rng.integers(0, len(OUTCOMES), n)]
    outcome[asb] = ""
    pick = lsoas[rng.integers(0, len(lsoas), n)]
    no_loc = rng.random(n) < 0.012
    lon = np.round(-2.5 + (pick % 997) / 400 + rng.normal(0, 0.003, n), 6).astype(str)
    lat = np.round(51.0 + (pick % 883) / 300 + rng.normal(0, 0.002, n), 6).astype(str)
    lsoa_code = geo["lsoa"]["code"][pick]
    lsoa_name = geo["lsoa"]["name"][pick]
    location = np.where(no_loc, "No location", "On or near High Street")
    for arr in (lon, lat, lsoa_code, lsoa_name):
        arr[no_loc] = ""
    cols = {
        "Crime ID": cid,
        "Month": np.full(n, month),
        "Reported by": np.full(n, name),
        "Falls within": np.full(n, name),
        "Longitude": lon,
        "Latitude": lat,
        "Location": location,
        "LSOA code": lsoa_code,
        "LSOA name": lsoa_name,
        "Crime type": np.array([t for t, _s in CRIME_TYPES])[type_i],
        "Last outcome category": outcome,
        "Context": np.full(n, ""),
    }
    assert list(cols) == HEADER.split(",")
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in cols.items()})


def generate(out_dir: Path, months: int = 120, last_month: str = "2026-09", rows_per_month: int = 500_000) -> dict:
    """Write every force's monthly street files for `months` months ending `last_month` into
    out_dir/police_uk/YYYY-MM/, the month after into out_dir/next_month/YYYY-MM/, and the national lookup
    into out_dir/lsoa_ward_lad_lookup.csv. Skips files already there."""
    out_dir = Path(out_dir)
    geo = geography()
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / "lsoa_ward_lad_lookup.csv").exists():
        write_lookup(geo, out_dir / "lsoa_ward_lad_lookup.csv")
    weights = np.array([w for _n, w, _a in FORCES])
    per_force = rows_per_month * weights / weights.sum()
    force_lsoas = _force_lsoas(geo)
    ms = _months(last_month, months)
    plan = [(m, out_dir / "police_uk" / m) for m in ms] + [(_next_month(last_month), out_dir / "next_month")]
    written = 0
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for m, d in plan:
        d.mkdir(parents=True, exist_ok=True)
        for f, (name, _w, _a) in enumerate(FORCES):
            path = d / f"{m}-{force_slug(name)}-street.csv"
            if path.exists():
                continue
            t = month_table(m, f, force_lsoas[f], geo, int(per_force[f]))
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as out:
                out.write((HEADER + "\n").encode())
                pacsv.write_csv(t, out, write_options=opts)
            os.replace(tmp, path)
            written += t.num_rows
    return {"months": ms, "next_month": plan[-1][0], "rows_written": written, "forces": len(FORCES)}


def write_populations(geo: dict, path: Path) -> Path:
    """SYNTHETIC mid-year estimates (`area_code,year,population,source`) for every authority of the national
    lookup and every ward (the authority's population shared equally), as `safer init --population` reads."""
    a, w = geo["authority"], geo["ward"]
    wards_of = np.bincount(w["authority"], minlength=len(a["code"]))
    rows = [[a["code"][i], 2021, int(a["population"][i]), "synthetic"] for i in range(len(a["code"]))]
    rows += [
        [w["code"][j], 2021, int(a["population"][w["authority"][j]]) // int(wards_of[w["authority"][j]]), "synthetic"]
        for j in range(len(w["code"]))
    ]
    write_csv(path, ["area_code", "year", "population", "source"], rows)
    return path


def write_groups(geo: dict, a: int, path: Path) -> Path:
    """Two comparator groups for authority `a`: the 10 authorities nearest in population (a SYNTHETIC stand-in
    for a most similar group) and the authorities of its force, as `safer init --groups` reads them."""
    codes, names = geo["authority"]["code"], geo["authority"]["name"]
    pops, forces = geo["authority"]["population"], geo["authority"]["force"]
    nearest = [int(i) for i in np.argsort(np.abs(pops - pops[a]), kind="stable") if i != a]
    similar = sorted([a, *nearest[:9]])
    force = list(np.flatnonzero(forces == forces[a]))
    similar_name = "Nearest in population (synthetic stand-in for a most similar group)"
    rows = [["similar", similar_name, codes[i], names[i]] for i in similar]
    rows += [["force", "The other authorities of the force", codes[i], names[i]] for i in force]
    write_csv(path, ["group_id", "group_name", "area_code", "area_name"], rows)
    return path


def make_authority_dir(authority: str, national_dir: Path, out_dir: Path) -> Path:
    """A data directory for one local authority over ALL the national police.uk files (hard links), made by
    `python -m safer init` as an analyst would (the national lookup, synthetic populations, two comparator
    groups), then given every other force's files too, so that a build validates and reads all of them."""
    from safer import partnership_dir

    geo = geography()
    codes = list(geo["authority"]["code"])
    if authority not in codes:
        raise SystemExit(f"{authority} is not in the synthetic national lookup (e.g. {codes[0]}, {codes[-1]})")
    out_dir, national_dir = Path(out_dir), Path(national_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    inputs = out_dir.with_name(f"{out_dir.name}-inputs")
    inputs.mkdir(parents=True, exist_ok=True)
    partnership_dir.make(
        authority,
        [national_dir / "lsoa_ward_lad_lookup.csv"],
        national_dir / "police_uk",
        [write_populations(geo, inputs / "population.csv")],
        out_dir,
        groups=write_groups(geo, codes.index(authority), inputs / "groups.csv"),
        synthetic=True,
        note="Synthetic national benchmark data",
    )
    for p in sorted((national_dir / "police_uk").rglob("*-street.csv")):
        target = out_dir / "police_uk" / p.relative_to(national_dir / "police_uk")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(p, target)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--last-month", default="2026-09")
    ap.add_argument("--rows-per-month", type=int, default=500_000)
    ap.add_argument("--authority", help="make a data directory for this local authority (needs --national-dir)")
    ap.add_argument("--national-dir", type=Path)
    a = ap.parse_args(argv)
    if a.authority:
        if not a.national_dir:
            ap.error("--authority needs --national-dir")
        print(make_authority_dir(a.authority, a.national_dir, a.out))
        return 0
    print(generate(a.out, a.months, a.last_month, a.rows_per_month))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
