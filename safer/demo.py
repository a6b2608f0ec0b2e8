"""Deterministic generator of SYNTHETIC demo data for the Stockport community safety dashboard.

    python -m safer.demo --out data

Writes every file of the data contract (`safer.contract.SPECS`), `README.md` (the contract, from
`safer.contract_doc`) and `DEMO.md` (what is real and what synthetic) into the output directory. The
same bytes come out on every run: every random draw comes from a seeded `numpy.random.default_rng`,
rows are written in a fixed order, and the police.uk files are gzipped with `mtime=0` and an empty file
name in the header.

What is real: the ward and LSOA codes and names, the LSOA-to-ward best fit,
all derived from ONS reference data (Open Government Licence v3.0) read from `../shared/data/real`.
What is synthetic: every count, the population series, baselines and targets, the wording of the
2022-25 and 2025-28 priorities and the dates marked illustrative in `events.csv`. The synthetic
burglary level follows the real police.uk Stockport monthly counts for 2016-02 to 2019-01, and ward
populations are calibrated on the real ONS mid-2020 ward estimates.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

from safer import contract, contract_doc

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "real"

SEED = 20150401
BOROUGH_CODE = "E08000007"
BOROUGH_NAME = "Stockport"
FORCE = "Greater Manchester Police"
FORCE_SLUG = "greater-manchester"
FIRST_MONTH = (2015, 4)
LAST_MONTH = (2026, 9)
# Greater Manchester Police supplied no data to police.uk from July 2019 (new records system).
POLICE_GAP = ("2019-07", "2020-12")
LSOA21_FROM = "2023-01"  # police.uk rows use 2021 LSOA codes from this month on (2011 codes before)
YEARS = list(range(2015, 2027))

PARTNERSHIP_NAME = "One Stockport Safety Partnership (Safer Stockport Partnership until 2022)"
ASB, BURGLARY, ROBBERY, VEHICLE = "Anti-social behaviour", "Burglary", "Robbery", "Vehicle crime"
CRIME_TYPES = (ASB, BURGLARY, ROBBERY, VEHICLE)

# Real 36-month police.uk burglary totals by ward, 2016-02 to 2019-01 (PROVENANCE.md, section A).
REAL_WARD_BURGLARY_36M = {
    "Brinnington and Central": 731,
    "Cheadle and Gatley": 717,
    "Heatons North": 692,
    "Heatons South": 580,
    "Stepping Hill": 511,
    "Reddish South": 475,
    "Cheadle Hulme North": 459,
    "Bredbury and Woodley": 437,
    "Bredbury Green and Romiley": 432,
    "Edgeley and Cheadle Heath": 428,
    "Davenport and Cale Green": 426,
    "Marple South and High Lane": 409,
    "Cheadle Hulme South": 400,
    "Hazel Grove": 396,
    "Manor": 395,
    "Marple North": 386,
    "Heald Green": 383,
    "Reddish North": 373,
    "Offerton": 358,
    "Bramhall North": 352,
    "Bramhall South and Woodford": 305,
}

# Synthetic relative ASB (and robbery) rate per resident, by ward: higher in the town centre and
# the more deprived estates, lower in the suburban south and east.
ASB_RATE_FACTOR = {
    "Brinnington and Central": 2.7,
    "Edgeley and Cheadle Heath": 1.35,
    "Reddish North": 1.25,
    "Offerton": 1.2,
    "Manor": 1.15,
    "Davenport and Cale Green": 1.1,
    "Reddish South": 1.05,
    "Heatons North": 0.95,
    "Heatons South": 0.9,
    "Stepping Hill": 0.95,
    "Bredbury and Woodley": 1.0,
    "Cheadle and Gatley": 0.85,
    "Hazel Grove": 0.9,
    "Heald Green": 0.85,
    "Bredbury Green and Romiley": 0.75,
    "Cheadle Hulme North": 0.8,
    "Marple North": 0.65,
    "Marple South and High Lane": 0.65,
    "Cheadle Hulme South": 0.6,
    "Bramhall North": 0.55,
    "Bramhall South and Woodford": 0.5,
}
# Synthetic relative rates for the partner indicators (children at risk), by ward.
CHILD_RISK_FACTOR = {
    "Brinnington and Central": 2.6,
    "Edgeley and Cheadle Heath": 1.4,
    "Reddish North": 1.4,
    "Offerton": 1.3,
    "Manor": 1.2,
    "Davenport and Cale Green": 1.1,
    "Reddish South": 1.0,
    "Heatons North": 0.8,
    "Heatons South": 0.8,
    "Stepping Hill": 0.9,
    "Bredbury and Woodley": 1.1,
    "Cheadle and Gatley": 0.7,
    "Hazel Grove": 0.9,
    "Heald Green": 0.8,
    "Bredbury Green and Romiley": 0.7,
    "Cheadle Hulme North": 0.7,
    "Marple North": 0.6,
    "Marple South and High Lane": 0.6,
    "Cheadle Hulme South": 0.5,
    "Bramhall North": 0.45,
    "Bramhall South and Woodford": 0.45,
}

# Synthetic LSOAs of neighbouring boroughs: GMP's files cover all of Greater Manchester, and a few
# rows near the borough edge lie just outside Stockport. Codes are checked not to be in the lookup.
NEIGHBOUR_LSOAS = (
    ("E01005206", "Manchester 054B", -2.1930, 53.4420),
    ("E01005211", "Manchester 056A", -2.2050, 53.4330),
    ("E01005249", "Manchester 061C", -2.2310, 53.4080),
    ("E01005270", "Manchester 066D", -2.2420, 53.3890),
    ("E01005964", "Tameside 012C", -2.1250, 53.4560),
    ("E01005972", "Tameside 015A", -2.1080, 53.4520),
    ("E01006001", "Tameside 020B", -2.0750, 53.4480),
    ("E01006084", "Trafford 003A", -2.2690, 53.3960),
    ("E01006122", "Trafford 017D", -2.2800, 53.3820),
)

GENERIC_PLACES = (
    "Parking Area",
    "Supermarket",
    "Petrol Station",
    "Shopping Area",
    "Sports/Recreation Area",
    "Nightclub",
    "Further/Higher Educational Building",
    "Hospital",
    "Police Station",
    "Bus/Coach Station",
    "Theatre/Concert Hall",
)
STREET_STEMS = (
    "Park",
    "Church",
    "Mill",
    "Station",
    "Moor",
    "Hall",
    "Green",
    "Brook",
    "Chapel",
    "Grove",
    "Oak",
    "Ash",
    "Beech",
    "Elm",
    "Willow",
    "Heath",
    "Bank",
    "Meadow",
    "Orchard",
    "Cedar",
    "Lime",
    "Rowan",
    "Hazel",
    "Holly",
    "Larch",
    "Birch",
    "Thorn",
    "Fern",
    "Clover",
    "Heather",
    "Primrose",
    "Bluebell",
    "Kingsway",
    "Queens",
    "Albert",
    "Victoria",
    "Wellington",
    "Nelson",
    "Grange",
    "Manor",
    "Priory",
    "Abbey",
    "Castle",
    "Tower",
    "Bridge",
    "Canal",
    "River",
    "Weir",
    "Ford",
    "Valley",
    "Hill",
    "Ridge",
    "Edge",
    "Cliff",
    "Dale",
    "Fold",
    "Croft",
    "Field",
    "Acre",
    "Barn",
    "Farm",
    "Stable",
    "Forge",
    "Smithy",
    "Tannery",
    "Hatter",
    "Weaver",
    "Spinner",
    "Cotton",
    "Wool",
    "Market",
    "School",
    "College",
    "Vicarage",
    "Rectory",
    "Cross",
    "Well",
    "Spring",
    "Lark",
    "Swallow",
    "Wren",
    "Linnet",
    "Heron",
    "Kestrel",
    "Ashfield",
    "Oakfield",
    "Brookfield",
    "Springfield",
    "Greenfield",
    "Highfield",
)
STREET_SUFFIXES = (
    "Street",
    "Road",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Grove",
    "Way",
    "Crescent",
    "Walk",
    "Place",
    "Terrace",
    "Court",
    "Gardens",
    "Mews",
    "Rise",
    "View",
    "Brow",
)

OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Court result unavailable",
    "Offender sent to prison",
    "Local resolution",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation",
)
OUTCOME_WEIGHTS = {
    BURGLARY: (0.62, 0.13, 0.04, 0.05, 0.03, 0.03, 0.03, 0.02, 0.03, 0.02),
    ROBBERY: (0.45, 0.24, 0.05, 0.04, 0.07, 0.05, 0.05, 0.01, 0.02, 0.02),
    VEHICLE: (0.76, 0.09, 0.03, 0.05, 0.01, 0.02, 0.01, 0.01, 0.01, 0.01),
}


# --------------------------------------------------------------------------- helpers


def month_list() -> list[str]:
    y, m = FIRST_MONTH
    out = []
    while (y, m) <= LAST_MONTH:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def police_months() -> list[str]:
    """Months that have a police.uk file (every month except the GMP gap)."""
    return [m for m in month_list() if not (POLICE_GAP[0] <= m <= POLICE_GAP[1])]


def _rng(name: str) -> np.random.Generator:
    """An independent, reproducible stream per component (changing one leaves the others alone)."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode("utf-8"))])


def _frac_year(month: str) -> float:
    return int(month[:4]) + (int(month[5:7]) - 0.5) / 12.0


def _interp(month: str, anchors: dict[str, float]) -> float:
    xs = [_frac_year(k) for k in anchors]
    return float(np.interp(_frac_year(month), xs, list(anchors.values())))


def _season(month: str, peak_month: int, amplitude: float) -> float:
    m = int(month[5:7])
    return 1.0 + amplitude * np.cos(2 * np.pi * (m - peak_month) / 12.0)


def _month_name(month: str) -> str:
    import calendar

    return f"{calendar.month_name[int(month[5:7])]} {month[:4]}"


def _add_months(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    n = y * 12 + (m - 1) + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue().encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def _fmt_float(x: float, nd: int = 1) -> str:
    return f"{x:.{nd}f}"


# --------------------------------------------------------------------------- real reference data


class NoReference(FileNotFoundError):
    """The real reference data the generator reads (`REAL_DIR`) is not there."""


def load_reference(real_dir: Path = REAL_DIR) -> dict:
    """Read the real lookups, populations, burglary series and ward boundaries."""
    if not real_dir.is_dir():
        raise NoReference(
            f"real reference data not found at {real_dir}: the generator needs its lookups, populations and ward "
            "boundaries (data/DEMO.md; --real DIR)"
        )

    def rows(name):
        with open(real_dir / name, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))

    l11 = rows("stockport_lsoa11_to_ward17_bestfit.csv")
    l21 = rows("stockport_lsoa21_to_ward22_bestfit.csv")
    wards: dict[str, str] = {}
    for r in l11:
        wards[r["wd17cd"]] = r["wd17nm"]
    for r in l21:
        wards[r["wd22cd"]] = r["wd22nm"]
    ward_codes = sorted(wards)

    # Union of both lookups; the 2021 best fit wins where a code is in both and the wards differ.
    lookup: dict[str, dict] = {}
    for r in l11:
        lookup[r["lsoa11cd"]] = {"name": "", "ward": r["wd17cd"]}
    for r in l21:
        lookup[r["lsoa21cd"]] = {"name": r["lsoa21nm"], "ward": r["wd22cd"]}
    codes11 = sorted(r["lsoa11cd"] for r in l11)
    codes21 = sorted(r["lsoa21cd"] for r in l21)

    pop2020 = {
        r["ward_code"]: int(r["population"]) for r in rows("stockport_ward_population.csv") if r["year"] == "2020"
    }
    burglary_real = {
        r["month"]: int(r["burglary_count"]) for r in rows("stockport_burglary_monthly_2016-02_2019-01.csv")
    }

    geo = json.loads((real_dir / "stockport_wards_2017_generalised.geojson").read_text(encoding="utf-8"))
    shapes, centroids = {}, {}
    for f in geo["features"]:
        p = f["properties"]
        shapes[p["area_code"]] = f["geometry"]
        centroids[p["area_code"]] = (float(p["lon"]), float(p["lat"]))

    missing = set(ward_codes) - set(pop2020) | set(ward_codes) - set(shapes)
    if missing:
        raise ValueError(f"reference data lacks wards {sorted(missing)}")
    return {
        "wards": wards,
        "ward_codes": ward_codes,
        "lookup": lookup,
        "codes11": codes11,
        "codes21": codes21,
        "pop2020": pop2020,
        "burglary_real": burglary_real,
        "shapes": shapes,
        "centroids": centroids,
    }


BOUNDARIES_ATTRIBUTION = (
    "Ward boundaries: ONS Wards (December 2017) Generalised Clipped Boundaries, via Trafford Data Lab. "
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2017."
)


def ward_boundaries_bytes(ref: dict) -> bytes:
    """The real ONS ward boundaries of Stockport (reference geography, not crime data) as the Areas map's
    GeoJSON: one feature per ward with `area_code` and `area_name`, coordinates to 5 decimals (about 1 m)."""

    def rnd(c):
        return [rnd(x) for x in c] if isinstance(c[0], list) else [round(c[0], 5), round(c[1], 5)]

    names = ref["wards"]
    features = [
        {
            "type": "Feature",
            "properties": {"area_code": code, "area_name": names.get(code, code)},
            "geometry": {"type": geom["type"], "coordinates": rnd(geom["coordinates"])},
        }
        for code, geom in sorted(ref["shapes"].items())
    ]
    doc = {"type": "FeatureCollection", "attribution": BOUNDARIES_ATTRIBUTION, "features": features}
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _inside(lon: np.ndarray, lat: np.ndarray, geometry: dict) -> np.ndarray:
    """Even-odd point-in-polygon test against every ring of a (Multi)Polygon."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    result = np.zeros(lon.shape, dtype=bool)
    for poly in polys:
        inside = np.zeros(lon.shape, dtype=bool)
        for ring in poly:
            r = np.asarray(ring, dtype=float)
            x1, y1 = r[:-1, 0], r[:-1, 1]
            x2, y2 = r[1:, 0], r[1:, 1]
            for a, b, c, d in zip(x1, y1, x2, y2):
                cond = (b > lat) != (d > lat)
                with np.errstate(divide="ignore", invalid="ignore"):
                    xcross = a + (lat - b) * (c - a) / (d - b)
                inside ^= cond & (lon < xcross)
        result |= inside
    return result


# --------------------------------------------------------------------------- synthetic series


def _street_names() -> list[str]:
    rng = _rng("street-names")
    names = [f"{s} {t}" for s in STREET_STEMS for t in STREET_SUFFIXES]
    order = rng.permutation(len(names))
    return [names[i] for i in order]


def build_snap_points(ref: dict, per_ward: int = 60) -> dict[str, list[dict]]:
    """Synthetic anonymised 'snap points' inside each ward, each with a street name and an LSOA."""
    rng = _rng("snap-points")
    streets = iter(_street_names())
    generic = list(GENERIC_PLACES)
    lookup = ref["lookup"]
    codes21 = set(ref["codes21"])
    codes11 = set(ref["codes11"])
    only11 = [c for c in ref["codes11"] if c not in codes21]
    out: dict[str, list[dict]] = {}
    for ward in ref["ward_codes"]:
        geom = ref["shapes"][ward]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        pts = np.concatenate([np.asarray(ring, dtype=float) for poly in polys for ring in poly])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        chosen = np.empty((0, 2))
        while len(chosen) < per_ward:
            cand = rng.uniform(lo, hi, size=(400, 2))
            ok = _inside(cand[:, 0], cand[:, 1], geom)
            chosen = np.concatenate([chosen, cand[ok]])
        chosen = chosen[:per_ward]
        # Order the points west to east so that neighbouring points share LSOAs (rough spatial blocks).
        chosen = chosen[np.lexsort((chosen[:, 1], np.round(chosen[:, 0], 2)))]
        lsoas21 = sorted(c for c in ref["codes21"] if lookup[c]["ward"] == ward)
        lsoas11_only = [c for c in only11 if lookup[c]["ward"] == ward]
        weights = rng.gamma(0.8, 1.0, size=per_ward)
        points = []
        for i, (lon, lat) in enumerate(chosen):
            code21 = lsoas21[i * len(lsoas21) // per_ward]
            # A 2021 code that did not exist in 2011 replaces a 2011 code of the same ward.
            code11 = code21 if code21 in codes11 else (lsoas11_only[0] if lsoas11_only else code21)
            place = generic[int(rng.integers(len(generic)))] if rng.random() < 0.1 else next(streets)
            points.append(
                {
                    "lon": f"{lon:.6f}",
                    "lat": f"{lat:.6f}",
                    "location": f"On or near {place}",
                    "lsoa11": code11,
                    "lsoa21": code21,
                    "weight": float(weights[i]),
                }
            )
        out[ward] = points
    # Neighbouring boroughs: a handful of snap points around each synthetic LSOA.
    nb = []
    for code, name, lon, lat in NEIGHBOUR_LSOAS:
        if code in lookup:
            raise ValueError(f"neighbour LSOA {code} is in the Stockport lookup")
        for _ in range(3):
            nb.append(
                {
                    "lon": f"{lon + rng.normal(0, 0.003):.6f}",
                    "lat": f"{lat + rng.normal(0, 0.002):.6f}",
                    "location": f"On or near {next(streets)}",
                    "lsoa11": code,
                    "lsoa21": code,
                    "name": name,
                    "weight": 1.0,
                }
            )
    out["_neighbours"] = nb
    return out


def build_police_counts(ref: dict) -> dict[str, np.ndarray]:
    """Stockport counts per month (all months, gap included) x ward, for each crime type."""
    months = month_list()
    wards = ref["ward_codes"]
    names = [ref["wards"][w] for w in wards]
    pop = np.array([ref["pop2020"][w] for w in wards], dtype=float)
    burg_share = np.array([REAL_WARD_BURGLARY_36M[n] for n in names], dtype=float)
    burg_share /= burg_share.sum()
    asb_share = pop * np.array([ASB_RATE_FACTOR[n] for n in names])
    asb_share /= asb_share.sum()
    rob_share = asb_share * 0.6 + burg_share * 0.4
    veh_share = burg_share * 0.7 + pop / pop.sum() * 0.3

    asb_anchor = {
        "2015-04": 930,
        "2016-12": 880,
        "2018-06": 790,
        "2019-06": 730,
        "2021-01": 640,
        "2023-01": 540,
        "2026-09": 400,
    }
    burg_anchor = {
        "2015-04": 215,
        "2016-01": 195,
        "2019-02": 250,
        "2019-06": 238,
        "2021-01": 195,
        "2022-06": 182,
        "2026-09": 165,
    }
    veh_anchor = {"2015-04": 115, "2018-06": 130, "2021-01": 110, "2026-09": 120}

    counts = {}
    spec = (
        (ASB, "police-asb", asb_share),
        (BURGLARY, "police-burglary", burg_share),
        (ROBBERY, "police-robbery", rob_share),
        (VEHICLE, "police-vehicle", veh_share),
    )
    for ctype, key, share in spec:
        rng = _rng(key)
        arr = np.zeros((len(months), len(wards)), dtype=np.int64)
        for t, m in enumerate(months):
            if ctype == ASB:
                lam = _interp(m, asb_anchor) * _season(m, 7, 0.16)
                if "2020-04" <= m <= "2020-06":  # lockdown-breach reports (a month in the police.uk gap)
                    lam *= 1.6
            elif ctype == BURGLARY:
                real = ref["burglary_real"].get(m)
                lam = float(real) if real is not None else _interp(m, burg_anchor) * _season(m, 12, 0.12)
            elif ctype == ROBBERY:
                lam = 15.0 * _season(m, 12, 0.1)
            else:
                lam = _interp(m, veh_anchor) * _season(m, 11, 0.1)
            total = rng.poisson(lam)
            arr[t] = rng.multinomial(total, share)
        counts[ctype] = arr
    return counts


def build_partner_counts(ref: dict) -> dict[str, dict[str, np.ndarray]]:
    """Partner indicators: {indicator: {month: counts per area}} for months with data only."""
    months = month_list()
    wards = ref["ward_codes"]
    names = [ref["wards"][w] for w in wards]
    pop = np.array([ref["pop2020"][w] for w in wards], dtype=float)
    child_share = pop * np.array([CHILD_RISK_FACTOR[n] for n in names])
    child_share /= child_share.sum()
    out: dict[str, dict[str, np.ndarray]] = {}

    # CSE reports: from April 2016, rising from ~8 to ~25 a month as recognition improves.
    rng = _rng("partner-cse")
    cse_anchor = {"2016-04": 8, "2017-06": 10, "2019-01": 14, "2021-01": 18, "2023-06": 22, "2026-09": 25}
    cse: dict[str, np.ndarray] = {}
    for m in months:
        if m < "2016-04" or "2019-11" <= m <= "2019-12":  # two months the extract lacks
            continue
        lam = _interp(m, cse_anchor) * _season(m, 10, 0.08)
        cse[m] = rng.poisson(lam * child_share)
    out["cse"] = cse

    # Missing from home or care episodes (children): ~60-90 a month, summer-peaked, a lockdown dip,
    # and a three-month gap (October-December 2023) when the extract could not be produced.
    rng = _rng("partner-missing")
    miss_anchor = {"2015-04": 72, "2017-09": 80, "2019-06": 78, "2022-01": 74, "2026-09": 70}
    miss: dict[str, np.ndarray] = {}
    for m in months:
        if "2023-10" <= m <= "2023-12":
            continue
        lam = _interp(m, miss_anchor) * _season(m, 7, 0.12)
        if "2020-04" <= m <= "2020-05":
            lam *= 0.7
        miss[m] = rng.poisson(lam * child_share)
    out["missing_episodes"] = miss

    # Modern slavery NRM referrals, borough only: from April 2017, ~1 rising to ~8 a month.
    rng = _rng("partner-modern-slavery")
    ms_anchor = {"2017-04": 1.0, "2018-06": 2.0, "2020-01": 3.5, "2022-06": 5.5, "2026-09": 8.0}
    ms: dict[str, np.ndarray] = {}
    for m in months:
        if m < "2017-04":
            continue
        ms[m] = np.array([rng.poisson(_interp(m, ms_anchor))])
    out["modern_slavery"] = ms
    return out


# --------------------------------------------------------------------------- catalogue tables

# The catalogue, plans, priorities, events, status rules and scrutiny concerns are written as they are:
# they are kept as CSV seed files in safer/seeds/ (one per data file, in the contract's columns), so they are
# edited as data, not as Python. The generator copies them and reads them where it needs their values.
SEEDS = Path(__file__).resolve().parent / "seeds"
SEED_FILES = (
    "indicators.csv",
    "plan_cycles.csv",
    "priorities.csv",
    "priority_indicators.csv",
    "events.csv",
    "status_rules.csv",
    "scrutiny_concerns.csv",
)


def seed_rows(name: str) -> list[tuple[str, ...]]:
    """The rows of a seed file (header left out), as tuples of text, in the contract's column order."""
    with open(SEEDS / name, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == contract.SPECS[name].column_names, f"safer/seeds/{name}: columns differ from the contract"
    return [tuple(r) for r in rows[1:]]


def _seed_dicts(name: str) -> tuple[dict[str, str], ...]:
    return tuple(dict(zip(contract.SPECS[name].column_names, r)) for r in seed_rows(name))


INDICATORS = _seed_dicts("indicators.csv")
PLAN_CYCLES = seed_rows("plan_cycles.csv")
PRIORITY_INDICATORS = seed_rows("priority_indicators.csv")


SURVEY_SOURCE = "GM Community Safety Survey (Stockport cohort)"
SURVEY_YEARS = ("2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26")
# Synthetic Stockport levels, calibrated on the published GM-wide figures (88% safe, 11% unsafe, 40% of
# those unsafe citing awareness of ASB); the share seeing ASB as a problem drifts up while recorded ASB falls.
SURVEY_ASB_PROBLEM = (0.24, 0.25, 0.25, 0.26, 0.27, 0.28, 0.29)
SURVEY_SAFE = (0.89, 0.90, 0.89, 0.88, 0.88, 0.89, 0.88)
SURVEY_UNSAFE_ASB = (0.38, 0.39, 0.40, 0.41, 0.42, 0.43, 0.44)

CONSULTATION_INPUTS = (
    (
        "SIA stakeholder events",
        "event",
        "2021/22",
        "2021-10",
        "2021-11",
        "Exploitation",
        "A shared picture of exploitation",
        "Illustrative: partners asked for one picture of child and adult exploitation across children's and "
        "adult services.",
    ),
    (
        "SIA stakeholder events",
        "event",
        "2021/22",
        "2021-10",
        "2021-11",
        "Anti-social behaviour",
        "ASB that does not reach the police",
        "Illustrative: housing providers said much of the anti-social behaviour they deal with is never "
        "reported to the police.",
    ),
    (
        "SIA stakeholder events",
        "event",
        "2024/25",
        "2024-10",
        "2024-11",
        "Youth provision",
        "Reactive demand and youth services",
        "Illustrative: partners linked pressure on reactive services to gaps in youth provision.",
    ),
    (
        "Equity Network",
        "group",
        "2022/23",
        "2022-09",
        "2022-09",
        "Confidence to report",
        "Confidence that reporting leads to action",
        "Illustrative: members described low confidence that reporting hate incidents leads to action.",
    ),
    (
        "Member Working Group",
        "group",
        "2024/25",
        "2025-01",
        "2025-01",
        "Neighbourhood policing",
        "Ward figures alongside residents' views",
        "Illustrative: members asked to see recorded anti-social behaviour by ward alongside what residents say.",
    ),
)


def consultation_rows() -> list[list]:
    """Synthetic survey results (Stockport cohort of the GM survey) and illustrative event and group inputs."""
    rng = _rng("consultation")
    rows = []
    for i, year in enumerate(SURVEY_YEARS):
        y0 = int(year[:4])
        start, end = f"{y0}-04", f"{y0 + 1}-03"
        n = int(rng.integers(1000, 1301))
        safe = int(rng.binomial(n, SURVEY_SAFE[i]))
        unsafe = int(rng.binomial(n - safe, 0.92))  # the rest: neither / don't know
        n_asb = n - int(rng.integers(20, 60))  # a few skip the question
        asb = int(rng.binomial(n_asb, SURVEY_ASB_PROBLEM[i]))
        unsafe_asb = int(rng.binomial(unsafe, SURVEY_UNSAFE_ASB[i]))
        q_safe = "How safe or unsafe do you feel in your local area?"
        rows += [
            [
                SURVEY_SOURCE,
                "survey",
                year,
                start,
                end,
                "Feeling safe",
                q_safe,
                "Very or fairly safe",
                n,
                safe,
                "",
                "",
                "true",
            ],
            [
                SURVEY_SOURCE,
                "survey",
                year,
                start,
                end,
                "Feeling safe",
                q_safe,
                "Very or fairly unsafe",
                n,
                unsafe,
                "",
                "",
                "true",
            ],
            [
                SURVEY_SOURCE,
                "survey",
                year,
                start,
                end,
                "Anti-social behaviour",
                "How much of a problem is anti-social behaviour in your local area?",
                "Very or fairly big problem",
                n_asb,
                asb,
                "asb",
                "",
                "true",
            ],
            [
                SURVEY_SOURCE,
                "survey",
                year,
                start,
                end,
                "Anti-social behaviour",
                "Why do you feel unsafe? (asked of those who feel unsafe)",
                "Awareness of anti-social behaviour",
                unsafe,
                unsafe_asb,
                "",
                "",
                "true",
            ],
        ]
    for source, kind, period, start, end, theme, heading, summary in CONSULTATION_INPUTS:
        rows.append([source, kind, period, start, end, theme, heading, "", "", "", "", summary, "true"])
    return rows


# --------------------------------------------------------------------------- writing


def _police_file(month: str, ref: dict, counts: dict[str, np.ndarray], snaps: dict, t: int) -> tuple[bytes, dict]:
    rng = _rng(f"police-rows-{month}")
    lookup = ref["lookup"]
    vintage = "lsoa21" if month >= LSOA21_FROM else "lsoa11"
    rows: list[list[str]] = []  # Location fields + type; Crime ID and outcome added after shuffling
    stockport = {c: 0 for c in CRIME_TYPES}
    for ctype in CRIME_TYPES:
        for wi, ward in enumerate(ref["ward_codes"]):
            n = int(counts[ctype][t, wi])
            if n == 0:
                continue
            pts = snaps[ward]
            w = np.array([p["weight"] for p in pts])
            idx = rng.choice(len(pts), size=n, p=w / w.sum())
            for i in idx:
                p = pts[int(i)]
                code = p[vintage]
                rows.append([p["lon"], p["lat"], p["location"], code, lookup[code]["name"], ctype])
            stockport[ctype] += n
    n_stockport = len(rows)
    type_p = np.array([stockport[c] for c in CRIME_TYPES], dtype=float)
    type_p /= type_p.sum()
    # About 3% of rows lie in neighbouring boroughs (left out by the store).
    nb = snaps["_neighbours"]
    n_nb = int(rng.poisson(n_stockport * 0.031))
    for _ in range(n_nb):
        p = nb[int(rng.integers(len(nb)))]
        ctype = CRIME_TYPES[int(rng.choice(len(CRIME_TYPES), p=type_p))]
        rows.append([p["lon"], p["lat"], p["location"], p[vintage], p["name"], ctype])
    # About 1% of rows have no location and no LSOA (left out by the store).
    n_blank = int(rng.poisson((n_stockport + n_nb) * 0.0101))
    for _ in range(n_blank):
        ctype = CRIME_TYPES[int(rng.choice(len(CRIME_TYPES), p=type_p))]
        rows.append(["", "", "", "", "", ctype])

    order = rng.permutation(len(rows))
    months_to_end = len(month_list()) - 1 - t
    recent = 0.6 * np.exp(-months_to_end / 3.0)
    out = []
    for seq, i in enumerate(order):
        lon, lat, loc, code, name, ctype = rows[int(i)]
        if ctype == ASB:
            crime_id, outcome = "", ""
        else:
            crime_id = hashlib.sha256(f"safer-demo|{month}|{seq}".encode()).hexdigest()
            probs = np.array(OUTCOME_WEIGHTS[ctype]) * (1 - recent)
            probs[OUTCOMES.index("Under investigation")] += recent
            outcome = OUTCOMES[int(rng.choice(len(OUTCOMES), p=probs / probs.sum()))]
        out.append([crime_id, month, FORCE, FORCE, lon, lat, loc, code, name, ctype, outcome, ""])
    data = _gzip_bytes(_csv_bytes(list(contract.POLICE_UK_COLUMNS), out))
    return data, {"rows": len(out), "stockport": stockport, "neighbours": n_nb, "no_location": n_blank}


class NotADemoDir(Exception):
    """The folder given for the demo holds something else: it is left as it is."""


def check_out_dir(out_dir: Path) -> None:
    """The demo is written over an empty (or new) folder or an earlier demo only: its files replace every extract
    of the contract and the demo forces' police.uk files, so a partnership's own data directory (its
    partnership.csv not marked synthetic) or any other folder with files in it is refused."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir() or out_dir.is_symlink():
        raise NotADemoDir(f"{out_dir} is not a folder (a link is not followed)")
    # the demo deletes and writes files in the folder and in police_uk/: a link there would reach files elsewhere
    linked = [p for d in (out_dir, out_dir / contract.POLICE_DIR) if d.is_dir() for p in d.iterdir() if p.is_symlink()]
    if linked or (out_dir / contract.POLICE_DIR).is_symlink():
        raise NotADemoDir(f"{out_dir} holds links ({(linked or [out_dir / contract.POLICE_DIR])[0].name}): the demo is "
                          "written into a folder of its own files only")  # fmt: skip
    part = out_dir / "partnership.csv"
    if part.is_file():
        try:
            with part.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError, csv.Error):
            rows = []
        demo = [r for r in rows if str(r.get("synthetic") or "").strip().lower() == "true"]
        if rows and len(demo) == len(rows) and all(r.get("name") == PARTNERSHIP_NAME for r in rows):
            return  # an earlier demo (marked synthetic, with the demo's name): written over
        raise NotADemoDir(
            f"{part} describes a partnership other than the demo's (not marked synthetic, or another name): the "
            "demo would replace its extracts and police.uk files. Give an empty or new folder"
        )
    if any(out_dir.iterdir()):
        raise NotADemoDir(f"{out_dir} has files in it and is not an earlier demo: give an empty or new folder")


def generate(out_dir: Path, real_dir: Path = REAL_DIR) -> dict:
    """Write the synthetic demo data into `out_dir` (new, empty or an earlier demo: `check_out_dir`); return rows
    per file (and a few totals). Every file is made in a folder beside it first and moved in only when all are
    made: reference data missing a file or a column (`--real`) is `NoReference`, with nothing written (an outside
    audit: a cut lookup left `areas.csv` rewritten and the rest old, a directory that no longer validated)."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    ref = _reading(real_dir, lambda: load_reference(Path(real_dir)))  # before any folder is made
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.demo-", dir=out_dir.parent))
    try:
        summary = _reading(real_dir, lambda: _generate(stage, ref, Path(real_dir)))
        out_dir.mkdir(exist_ok=True)
        police_dir = out_dir / contract.POLICE_DIR
        for slug in (FORCE_SLUG, *(f[3] for f in NEIGHBOUR_FORCES)):  # an earlier demo's files of these forces
            for old in police_dir.glob(f"*-{slug}-street.csv*"):
                old.unlink()
        for f in sorted(p for p in stage.rglob("*") if p.is_file()):
            target = out_dir / f.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return summary


def _reading(real_dir, make):
    """`make()`, its failures on reference data that is missing a file or a column as `NoReference`."""
    try:
        return make()
    except NoReference:
        raise
    except (KeyError, ValueError, IndexError, TypeError, csv.Error, OSError) as e:
        raise NoReference(
            f"the reference data in {real_dir} is not what the generator reads (data/DEMO.md lists its files and "
            f"columns): {type(e).__name__}: {e}"
        ) from e


def _generate(out_dir: Path, ref: dict, real_dir: Path) -> dict:
    """`generate`'s files, made in `out_dir` (an empty folder)."""
    wards, lookup = ref["ward_codes"], ref["lookup"]
    months = month_list()
    pmonths = set(police_months())
    summary: dict = {}

    def put(name: str, header: list[str], rows: list[list]) -> None:
        assert header == contract.SPECS[name].column_names, name
        _write(out_dir / name, _csv_bytes(header, rows))
        summary[name] = len(rows)

    put(
        "partnership.csv",
        contract.SPECS["partnership.csv"].column_names,
        [
            [
                PARTNERSHIP_NAME,
                BOROUGH_CODE,
                FORCE,
                "true",
                "Every count is synthetic demo data, not real figures (burglary's level follows real police.uk "
                "counts for 2016-19; the other indicators' levels are invented); ward and LSOA codes and names are "
                "real ONS reference data.",
            ]
        ],
    )
    put(
        "areas.csv",
        contract.SPECS["areas.csv"].column_names,
        [[BOROUGH_CODE, BOROUGH_NAME, "borough", ""]] + [[w, ref["wards"][w], "ward", BOROUGH_CODE] for w in wards],
    )
    put(
        "lsoa_ward_lookup.csv",
        contract.SPECS["lsoa_ward_lookup.csv"].column_names,
        [[c, lookup[c]["name"], lookup[c]["ward"]] for c in sorted(lookup)],
    )

    # Population: real mid-2020 ward estimates grown smoothly at ~0.3% a year (synthetic series).
    rng = _rng("population")
    growth = {w: 0.003 + float(rng.uniform(-0.0015, 0.0015)) for w in wards}
    # Children aged 0-17 (for rates of child indicators): a synthetic share of about 21% in each ward.
    child_share = {w: 0.21 + float(rng.uniform(-0.03, 0.03)) for w in wards}
    pop_rows, pop_by_year, child_by_year = [], {}, {}
    src = "Synthetic, calibrated on ONS mid-2020 ward estimates"
    src_children = "Synthetic: about 21% of residents (children aged 0-17), not an ONS estimate"
    for y in YEARS:
        tot = kids = 0
        for w in wards:
            p = int(round(ref["pop2020"][w] * (1 + growth[w]) ** (y - 2020)))
            c = int(round(p * child_share[w]))
            pop_rows.append([w, y, p, src, "all"])
            pop_rows.append([w, y, c, src_children, "children"])
            tot += p
            kids += c
        pop_by_year[y], child_by_year[y] = tot, kids
    pop_rows = (
        [[BOROUGH_CODE, y, pop_by_year[y], src, "all"] for y in YEARS]
        + [[BOROUGH_CODE, y, child_by_year[y], src_children, "children"] for y in YEARS]
        + pop_rows
    )
    pop_rows.sort(key=lambda r: (r[0], r[1], r[4] != "all"))
    put("population.csv", contract.SPECS["population.csv"].column_names, pop_rows)

    for name in SEED_FILES:  # written as kept: one seed file per data file
        put(name, contract.SPECS[name].column_names, [list(r) for r in seed_rows(name)])

    # Police.uk street files, one per month outside the gap.
    counts = build_police_counts(ref)
    snaps = build_snap_points(ref)
    police_dir = out_dir / contract.POLICE_DIR
    police_dir.mkdir(parents=True, exist_ok=True)
    police_rows = 0
    for t, m in enumerate(months):
        if m not in pmonths:
            continue
        data, info = _police_file(m, ref, counts, snaps, t)
        _write(police_dir / f"{m}-{FORCE_SLUG}-street.csv.gz", data)
        police_rows += info["rows"]
    for name, data in neighbour_force_files(counts, months).items():
        _write(police_dir / name, data)
        police_rows += len(gzip.decompress(data).splitlines()) - 1
    summary["police_uk/ files"] = len(pmonths)
    summary["police_uk/ rows"] = police_rows

    # Partner monthly counts.
    partner = build_partner_counts(ref)
    geography = {i["indicator_id"]: i["geography"] for i in INDICATORS}
    prow = []
    for ind in sorted(partner):
        areas = wards if geography[ind] == "ward" else [BOROUGH_CODE]
        for m in sorted(partner[ind]):
            vals = partner[ind][m]
            listed = [(a, int(v)) for a, v in zip(areas, vals) if v > 0]
            if not listed:  # a month with data where every area had 0: list one area explicitly
                listed = [(areas[0], 0)]
            prow += [[ind, m, a, v] for a, v in listed]
    put("partner_monthly.csv", contract.SPECS["partner_monthly.csv"].column_names, prow)

    # Monthly borough totals (what the store counts), for baselines.
    totals: dict[str, dict[str, int]] = {}
    for ind in INDICATORS:
        iid, ctype = ind["indicator_id"], ind["police_uk_crime_type"]
        if ctype:
            totals[iid] = {m: int(counts[ctype][t].sum()) for t, m in enumerate(months) if m in pmonths}
        else:
            totals[iid] = {m: int(v.sum()) for m, v in partner[iid].items()}
    summary["burglary_monthly"] = totals["burglary"]

    direction = {i["indicator_id"]: i["good_direction"] for i in INDICATORS}
    trows = []
    for cid, _title, start, _end, _appr, _ref in PLAN_CYCLES:
        heads = sorted({i for c, _p, i, h in PRIORITY_INDICATORS if c == cid and h == "true"})
        window = [_add_months(start, k) for k in range(-12, 0)]
        period = f"{_month_name(window[0])} to {_month_name(window[-1])}"
        for iid in heads:
            vals = [totals[iid][m] for m in window if m in totals[iid]]
            if not vals:
                trows.append([cid, iid, "", period, "", "No baseline: no data for the 12 months before the cycle."])
                continue
            base = float(np.mean(vals))
            per = period if len(vals) == 12 else f"{period} ({len(vals)} of 12 months with data)"
            if direction[iid] == "down":
                tgt, note = base * 0.9, "Illustrative: 10% below the baseline (not a published target)."
            else:
                tgt, note = (
                    base * 1.1,
                    (
                        "Illustrative: 10% above the baseline, since more reports mean better "
                        "recognition (not a published target)."
                    ),
                )
            trows.append([cid, iid, _fmt_float(base), per, _fmt_float(tgt), note])
    put("targets.csv", contract.SPECS["targets.csv"].column_names, trows)
    put("consultation.csv", contract.SPECS["consultation.csv"].column_names, consultation_rows())
    crows, cpop, las = comparator_rows(totals, real_dir)
    # Stockport is counted from police_uk/ (area_lookup.csv + comparator_groups.csv), so it has no rows here.
    crows = [r for r in crows if r[0] != BOROUGH_CODE]
    put("comparator_monthly.csv", contract.SPECS["comparator_monthly.csv"].column_names, crows)
    cpop += [
        [c, 2021, pop, "Synthetic: invented, of about the right size (not an ONS estimate)"]
        for c, _n, _f, _s, pop, *_rest in NEIGHBOUR_FORCES
    ]
    put("comparator_population.csv", contract.SPECS["comparator_population.csv"].column_names, cpop)
    _write(out_dir / contract.AREA_LOOKUP, _csv_bytes(AREA_LOOKUP_HEADER, area_lookup_rows(lookup)))
    summary[contract.AREA_LOOKUP] = len(lookup) + len(neighbour_lsoas())
    put("comparator_groups.csv", contract.SPECS["comparator_groups.csv"].column_names, comparator_group_rows(las))

    _write(out_dir / "ward_boundaries.geojson", ward_boundaries_bytes(ref))
    summary["ward_boundaries.geojson"] = len(ref["shapes"])
    _write(out_dir / "README.md", contract_doc.markdown().encode("utf-8"))
    _write(out_dir / "DEMO.md", demo_notes().encode("utf-8"))
    summary["README.md"] = summary["DEMO.md"] = 1
    return summary


# --------------------------------------------------------------------------- comparators

# Relative level of each borough's rate against Stockport's, and a yearly drift (SYNTHETIC, illustrative:
# inner and older industrial boroughs higher, as in published GM figures, but these numbers are invented).
COMPARATOR_LEVEL = {
    "asb": {
        "Bolton": 1.05,
        "Bury": 0.92,
        "Manchester": 1.45,
        "Oldham": 1.12,
        "Rochdale": 1.18,
        "Salford": 1.28,
        "Tameside": 1.10,
        "Trafford": 0.80,
        "Wigan": 1.0,
    },
    "burglary": {
        "Bolton": 1.0,
        "Bury": 0.90,
        "Manchester": 1.55,
        "Oldham": 1.08,
        "Rochdale": 1.05,
        "Salford": 1.30,
        "Tameside": 1.0,
        "Trafford": 0.95,
        "Wigan": 0.85,
    },
}
COMPARATOR_DRIFT = {
    "Bolton": 0.01,
    "Bury": -0.01,
    "Manchester": -0.015,
    "Oldham": 0.015,
    "Rochdale": 0.0,
    "Salford": 0.01,
    "Tameside": 0.005,
    "Trafford": -0.005,
    "Wigan": -0.01,
}


def comparator_rows(totals: dict[str, dict[str, int]], real_dir: Path) -> tuple[list[list], list[list]]:
    """The ten Greater Manchester boroughs for the Compare page.

    Populations are real (ONS mid-2021, `gm_la_population.csv`). Stockport's monthly counts are the demo's
    own (what the store counts from police_uk/); the other nine are SYNTHETIC: Poisson draws around
    Stockport's count scaled by the population ratio, a fixed relative level and a yearly drift.
    """
    with open(real_dir / "gm_la_population.csv", newline="", encoding="utf-8-sig") as f:
        las = [(r["la_code"], r["la_name"], int(r["population"]), r["year"]) for r in csv.DictReader(f)]
    stock_pop = next(p for c, _n, p, _y in las if c == BOROUGH_CODE)
    rows = []
    for code, name, pop, _y in las:
        for iid in sorted(COMPARATOR_LEVEL):
            rng = _rng(f"comparator-{iid}-{code}")
            for m in sorted(totals[iid]):
                if code == BOROUGH_CODE:
                    v = totals[iid][m]
                else:
                    lam = (
                        totals[iid][m]
                        * pop
                        / stock_pop
                        * COMPARATOR_LEVEL[iid][name]
                        * (1 + COMPARATOR_DRIFT[name]) ** (_frac_year(m) - 2015)
                    )
                    v = int(rng.poisson(lam))
                rows.append([code, name, iid, m, v])
    pops = [[c, y, p, "ONS mid-2021 estimate via NOMIS (real; gm_la_population.csv)"] for c, _n, p, y in las]
    return rows, pops, [(c, n) for c, n, _p, _y in las]


# --------------------------------------------------------------------------- neighbouring forces

# Two local authorities next to Stockport outside Greater Manchester, for a comparator group counted from the
# police.uk files themselves (`area_lookup.csv` + `comparator_groups.csv`). Everything here is SYNTHETIC: the
# LSOA codes (E01991…, E01992…: no real LSOA uses them) and names, every row, and the populations (invented, of about
# the right size). Each force's files hold only that authority's rows (a real force file holds the whole force).
# The authority codes and names are real ONS codes.
NEIGHBOUR_FORCES = (
    # code, name, force, file slug, population, level against Stockport's rate, LSOAs, centre (lon, lat)
    ("E06000049", "Cheshire East", "Cheshire Constabulary", "cheshire", 398800, 0.72, 10, (-2.20, 53.22)),
    ("E07000037", "High Peak", "Derbyshire Constabulary", "derbyshire", 91000, 0.85, 4, (-1.95, 53.35)),
)
NEIGHBOUR_FORCE_MONTHS = 24  # the last 24 demo months have these forces' files ...
NEIGHBOUR_FORCE_GAP = {"derbyshire": ("2026-01",)}  # ... except these: missing months, not zeros


def neighbour_lsoas() -> list[tuple[str, str, str, str, float, float]]:
    """(LSOA code, name, authority code, authority name, lon, lat) of the synthetic LSOAs of each neighbour."""
    out = []
    for k, (code, name, _force, _slug, _pop, _level, n, (lon, lat)) in enumerate(NEIGHBOUR_FORCES):
        for i in range(n):
            lsoa = f"E0199{k + 1}{i + 1:03d}"
            out.append(
                (
                    lsoa,
                    f"{name} {i // 4 + 1:03d}{'ABCD'[i % 4]} (synthetic)",
                    code,
                    name,
                    lon + 0.03 * (i % 5),
                    lat + 0.02 * (i // 5),
                )
            )
    return out


def neighbour_force_files(counts: dict[str, np.ndarray], months: list[str]) -> dict[str, bytes]:
    """The neighbouring forces' police.uk files (SYNTHETIC): each month's count of each crime type is a Poisson
    draw around Stockport's count that month scaled by population and a fixed relative level."""
    stock_pop = 294773  # Stockport at the 2021 Census
    lsoas = neighbour_lsoas()
    out = {}
    recent = months[-NEIGHBOUR_FORCE_MONTHS:]
    for code, _name, force, slug, pop, level, _n, _centre in NEIGHBOUR_FORCES:
        mine = [x for x in lsoas if x[2] == code]
        for m in recent:
            if m in NEIGHBOUR_FORCE_GAP.get(slug, ()):
                continue
            t = months.index(m)
            rng = _rng(f"police-{slug}-{m}")
            rows = []
            for ctype in CRIME_TYPES:
                n = int(rng.poisson(float(counts[ctype][t].sum()) * pop / stock_pop * level))
                for _ in range(n):
                    lsoa, lname, _c, _n2, lon, lat = mine[int(rng.integers(len(mine)))]
                    lon_s = f"{lon + rng.normal(0, 0.004):.6f}"
                    lat_s = f"{lat + rng.normal(0, 0.003):.6f}"
                    street = f"On or near {STREET_STEMS[int(rng.integers(len(STREET_STEMS)))]} Road"
                    rows.append([lon_s, lat_s, street, lsoa, lname, ctype])
            body = []
            for seq, i in enumerate(rng.permutation(len(rows))):
                lon_s, lat_s, street, lsoa, lname, ctype = rows[int(i)]
                if ctype == ASB:
                    crime_id, outcome = "", ""
                else:
                    crime_id = hashlib.sha256(f"safer-demo|{slug}|{m}|{seq}".encode()).hexdigest()
                    probs = np.array(OUTCOME_WEIGHTS[ctype])
                    outcome = OUTCOMES[int(rng.choice(len(OUTCOMES), p=probs / probs.sum()))]
                body.append([crime_id, m, force, force, lon_s, lat_s, street, lsoa, lname, ctype, outcome, ""])
            out[f"{m}-{slug}-street.csv.gz"] = _gzip_bytes(_csv_bytes(list(contract.POLICE_UK_COLUMNS), body))
    return out


def area_lookup_rows(lookup: dict) -> list[list]:
    """`area_lookup.csv` in ONS's layout: Stockport's real LSOAs (both vintages) and the neighbours' synthetic
    ones. Only authorities whose rows the demo's police.uk files hold in full are listed."""
    rows = [[c, lookup[c]["name"], BOROUGH_CODE, BOROUGH_NAME] for c in sorted(lookup)]
    rows += [[lsoa, name, code, la] for lsoa, name, code, la, _lon, _lat in neighbour_lsoas()]
    return rows


AREA_LOOKUP_HEADER = ["LSOA21CD", "LSOA21NM", "LAD24CD", "LAD24NM"]


def comparator_group_rows(las: list[tuple[str, str]]) -> list[list]:
    """Two groups: the ten Greater Manchester boroughs, and Stockport with its two neighbours outside GM."""
    rows = [["gm-boroughs", "Greater Manchester boroughs", c, n] for c, n in las]
    rows += [["neighbours", "Stockport and its neighbours outside Greater Manchester", BOROUGH_CODE, BOROUGH_NAME]]
    rows += [
        ["neighbours", "Stockport and its neighbours outside Greater Manchester", c, n]
        for c, n, *_rest in NEIGHBOUR_FORCES
    ]
    return rows


DEMO_NOTES = """# The demo data

The files in this directory follow the data contract in [README.md](README.md).

The files in this directory are generated, deterministically, by

    python -m safer.demo --out data

(the same bytes on every run; `tests/test_demo_data.py` checks this). It reads real reference data from
`../shared/data/real` and writes the rest synthetically.

**Real (ONS-derived reference data):** the area codes and names in `areas.csv` (Stockport, E08000007, and its
21 wards, E05000779 to E05000799), the LSOA lookup `lsoa_ward_lookup.csv` (the union of the 2011 LSOA to
2017 ward and the 2021 LSOA to 2022 ward best-fit lookups from Trafford Data Lab; where a code is in both and
the wards differ, the 2021 best fit is used; the 2011-only LSOA E01005758 has no name in those lookups, so
its name is blank). These are licensed under the Open Government Licence v3.0:

> Contains public sector information licensed under the Open Government Licence v3.0.
> Contains National Statistics data © Crown copyright and database right.
> Contains OS data © Crown copyright and database right.

Ward boundaries (`ward_boundaries.geojson`) are the real ONS Wards (December 2017) Generalised Clipped
Boundaries for Stockport, via Trafford Data Lab (reference geography, not crime data; Open Government
Licence v3.0; contains OS data © Crown copyright and database right 2017). For your own area put a
GeoJSON of your wards (property `area_code`) in the data directory and the Areas page draws a map.

**Synthetic (not real figures):** every count in `police_uk/` and `partner_monthly.csv`, the population
series, the baselines and targets in `targets.csv`, the wording of the 2022-25 and 2025-28 priorities
(`illustrative` = `true`), and the event dates marked illustrative in `events.csv`. The police.uk rows
(crime IDs, coordinates, street names, outcomes) are invented; coordinates are random points inside the
real ward boundaries.

How it is calibrated:

- Burglary follows the real police.uk Stockport monthly counts for February 2016 to January 2019 (a Poisson
  draw around each real month), split across wards in proportion to the real 36-month ward totals; before
  and after, a smooth winter-peaked level, falling to about 150-200 a month from 2022.
- Anti-social behaviour falls from about 900 a month in 2015-16 to about 400 by 2026, peaking each summer,
  with higher rates in Brinnington and Central. Small volumes of Robbery and Vehicle crime are included, as
  in real files; the catalogue does not count them.
- Greater Manchester Police supplied no data to police.uk from July 2019 for many months: there is no
  police.uk file for July 2019 to December 2020 (18 months). About 1% of rows have no location and about 3%
  lie in neighbouring boroughs (LSOA codes not in the lookup); both are left out, as with real files.
  police.uk rows use 2011 LSOA codes until December 2022 and 2021 codes from January 2023.
- Populations: the real ONS mid-2020 ward estimates, grown smoothly at about 0.3% a year (2015-2026); the
  borough row is the sum of its wards.
- Partner indicators: CSE reports (from April 2016; about 8 rising to 25 a month; no data November and
  December 2019), missing from home or care episodes (about 60-90 a month; no data October to December
  2023) and modern slavery NRM referrals (borough only, from April 2017; about 1 rising to 8 a month).
- Plans: the 2018/21 and 2022/25 plan titles and approval dates and the 2018/21 themes are as published;
  the 2022-25 and 2025-28 themes are illustrative. Targets are illustrative (10% better than the baseline,
  the monthly mean of the 12 months before each cycle).
- Status rules (`status_rules.csv`) are illustrative: a default rule and a wider one for the small monthly
  counts of modern slavery referrals.
- Scrutiny (`scrutiny_concerns.csv`): the concerns the Communities & Transport Scrutiny Committee raised on
  4 December 2017 about the partnership's proposed priorities, paraphrased; responses are given only where
  known, and the status of the follow-up on the Missing from Home hubs is illustrative (`illustrative` = `true`).
- Consultation (`consultation.csv`): the survey rows are synthetic results for a Stockport cohort of the
  Greater Manchester Community Safety Survey (about 13,000 residents a year across Greater Manchester since
  2019/20; no Stockport-level table is published). They are calibrated on the published GM-wide levels (88%
  felt very or fairly safe, 11% unsafe, and 40% of those who felt unsafe cited awareness of anti-social
  behaviour), with a base of 1,000-1,300 a year and smaller bases for questions asked of those who feel unsafe.
  The share seeing anti-social behaviour as a problem drifts up from about 24% to 29% while recorded
  anti-social behaviour falls. The event and group rows are illustrative summaries, not real consultation.
- Comparator groups (`comparator_groups.csv`): the ten Greater Manchester boroughs, and Stockport with two
  neighbours outside Greater Manchester (Cheshire East, Cheshire Constabulary; High Peak, Derbyshire
  Constabulary). The groups are illustrative, not the Home Office's most similar groups.
- Counted from the police.uk files (`area_lookup.csv`, in ONS's column layout `LSOA21CD,LSOA21NM,LAD24CD,
  LAD24NM`): Stockport (its real LSOAs, both vintages, from `lsoa_ward_lookup.csv`) and the two neighbours,
  whose LSOAs (`E01991…`, `E01992…`, names ending "(synthetic)") and police.uk files
  (`police_uk/YYYY-MM-cheshire-street.csv.gz`, `…-derbyshire-street.csv.gz`, the last 24 months only, each
  holding only that authority's rows) are **synthetic**: each month's count of each crime type is a Poisson
  draw around Stockport's count scaled by population and an invented level (0.72 and 0.85 of Stockport's
  rate). Derbyshire has no file for January 2026, so High Peak's January 2026 is missing, not 0. Their
  populations are invented, of about the right size (`comparator_population.csv` says so). The lookup lists
  only the authorities whose rows the demo's police.uk files hold in full (the Greater Manchester files hold
  only Stockport's rows and a few just over its edge).
- From `comparator_monthly.csv`: the other nine Greater Manchester boroughs, for anti-social behaviour and
  burglary, in the months police.uk has data. Their populations are **real** (ONS mid-2021 estimates, via
  NOMIS; `../shared/data/real/gm_la_population.csv`); their counts are **synthetic**: Stockport's monthly
  count scaled by the population ratio, an invented relative level (for example Manchester 1.45 times
  Stockport's anti-social behaviour rate, Trafford 0.8) and a small yearly drift, drawn from a Poisson.
"""


def demo_notes() -> str:
    """`DEMO.md`: what the demo files are, what is real and what is synthetic, with attribution."""
    return DEMO_NOTES.lstrip("\n")


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m safer.demo", description="Write the synthetic Stockport demo data.")
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "data", help="output directory (default: data/)")
    ap.add_argument("--real", type=Path, default=REAL_DIR, help="directory of the real reference data")
    args = ap.parse_args(argv)
    try:
        summary = generate(args.out, args.real)
    except (NotADemoDir, NoReference) as e:
        print(f"error: {e}; nothing was written", file=sys.stderr)
        return 1
    for k, v in summary.items():
        if k != "burglary_monthly":
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
