"""Calibration of the "did it change?" verdict (`safer.verdicts`): false alarms with no real change, and power to
see a real 25% fall, on simulated monthly series, each setting beside the 5% target.

    python -m bench.verdict_calibration [--series 200] [--only latest12|cycle] [--lengths 36,48] [--json out.json]

Run by hand, not in CI (about 20 minutes at 200 series a setting on one core; `--jobs 2` splits it, `--kinds` and
`--lengths` choose). The series are the same on every run (a seed per setting and series), so two versions of the
engine can be compared on the same series: `BENCH_ENGINE=/path/to/old/tree python -m bench.verdict_calibration
--json before.json` takes `safer` from that tree (PYTHONPATH does not: the working directory comes first).

Settings (every series has a ±30% season with a summer peak):

- `fy-levels`, `cy-levels`: each April-March (financial) or January-December (calendar) year has a level of its
  own, lognormal with SD 15%, Poisson months; 30 and 200 a month;
- `poisson`: independent Poisson months, no year effects (30 a month); `gamma-poisson`: over-dispersed months
  (gamma-Poisson, φ 2; 30 a month); `ar1`: a wandering level, AR(1) ρ 0.66 on the log scale, SD 0.21 (200 a
  month, as Stockport's burglary);
- `rw-fy-5`, `rw-fy-10`: financial-year levels that drift as a random walk, each year's log level the last's plus a
  normal step, SD 5% or 10%, Poisson months; 30 and 200 a month;
- power: a real 25% fall in the current period, φ 1.5, independent months, 30 and 100 a month (`fall25`), and at
  100 a month with year levels too: a random walk, steps SD 5% (`fall25-rw-fy-5`), or independent financial-year
  levels, SD 15% (`fall25-fy-levels`).

Comparisons: `latest12`, the latest 12 months (ending March 2026, so financial-year levels line up with the
12-month windows) against the same months a year before, with 36-90 months of history; `cycle`, the first 18
months of a three-year plan cycle (April 2025 to September 2026) against the first 18 of the cycle before
(April 2022 to September 2023), with 54-90 months of history. A false alarm is "better" or "worse" (or "up",
"down") with no change; "not enough data" is counted apart and is no alarm.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

if os.environ.get("BENCH_ENGINE"):
    sys.path.insert(0, os.environ["BENCH_ENGINE"])
elif __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safer import fmt, verdicts  # noqa: E402

SEASON = 1 + 0.3 * np.cos((np.arange(12) - 6) / 12 * 2 * np.pi)  # summer peak, ±30% (as tests/test_verdicts.py)
LATEST_END = "2026-03"
CYCLE_END = "2026-09"  # 18 months into the cycle under way
CYCLES = pd.DataFrame(
    {
        "cycle_id": ["P", "C"],
        "title": ["P", "C"],
        "start_month": ["2022-04", "2025-04"],
        "end_month": ["2025-03", "2028-03"],
    }
)
LATEST_LENGTHS = (36, 42, 48, 60, 72, 90)
CYCLE_LENGTHS = (54, 60, 66, 72, 78, 90)


def _year_levels(kind: str, ms: list[str], rng: np.random.Generator) -> np.ndarray:
    """Each month's year-level multiplier: `fy-levels`, `cy-levels` independent lognormal levels, SD 15%, of
    financial (April-March) or calendar years; `rw-fy-5`, `rw-fy-10` financial-year levels that drift as a random
    walk (each year's log level the last's plus a normal step, SD 5% or 10%; the first year's 0)."""
    fy = kind != "cy-levels"
    year = np.array([int(m[:4]) - (1 if fy and int(m[5:7]) < 4 else 0) for m in ms])
    years = sorted(set(year))
    if kind.startswith("rw-fy-"):
        steps = rng.normal(0, int(kind.rsplit("-", 1)[1]) / 100, len(years))
        steps[0] = 0.0
        levels = dict(zip(years, np.cumsum(steps)))
    else:
        levels = {y: rng.normal(0, 0.15) for y in years}
    return np.exp([levels[y] for y in year])


def _series(kind: str, mean: float, months: int, end: str, changed: set[str], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = fmt.shift_month(end, -(months - 1))
    ms = [fmt.shift_month(first, i) for i in range(months)]
    moy = np.array([int(m[5:7]) - 1 for m in ms])
    mu = mean * SEASON[moy]
    phi = 1.0
    fall = kind.startswith("fall25")
    levels = kind.removeprefix("fall25-") if fall else kind  # "fall25-rw-fy-5": the fall in drifting year levels
    if levels in ("fy-levels", "cy-levels") or levels.startswith("rw-fy-"):
        mu = mu * _year_levels(levels, ms, rng)
    elif kind == "gamma-poisson":
        phi = 2.0
    elif kind == "ar1":
        rho, sd = 0.66, 0.21
        e = np.zeros(months + 24)
        e[0] = rng.normal(0, sd)
        for t in range(1, len(e)):
            e[t] = rho * e[t - 1] + rng.normal(0, sd * math.sqrt(1 - rho**2))
        mu = mu * np.exp(e[-months:])
    if fall:
        phi = 1.5
        mu = mu * np.where([m in changed for m in ms], 0.75, 1.0)
    lam = rng.gamma(mu / (phi - 1), phi - 1) if phi > 1 else mu
    return pd.DataFrame({"month": ms, "value": rng.poisson(lam).astype(float)})


def _one(task: tuple) -> tuple[str, int, int, int]:
    """(setting key, alarms or hits, not enough data, series) for one chunk of one setting."""
    key, compare, kind, mean, months, seeds, consts = task
    for name, value in consts:
        setattr(verdicts, name, type(getattr(verdicts, name))(value))
    alarms = ned = 0
    if compare == "latest12":
        changed = set(fmt.months_between(fmt.shift_month(LATEST_END, -11), LATEST_END))
    else:
        changed = set(fmt.months_between("2025-04", CYCLE_END))
    for seed in seeds:
        end = LATEST_END if compare == "latest12" else CYCLE_END
        df = _series(kind, mean, months, end, changed, seed)
        if compare == "latest12":
            c = verdicts.compare_latest12(df, indicator_id="x", area_code="A", good_direction="down")
        else:
            c = verdicts.compare_cycle(df, CYCLES, "C", indicator_id="x", area_code="A", good_direction="down")
        if c.verdict == "not enough data":
            ned += 1
        elif kind.startswith("fall25"):
            alarms += c.verdict == "better"
        else:
            alarms += c.verdict != "no clear change"
    return key, alarms, ned, len(seeds)


def settings(only: str | None, lengths: dict[str, tuple[int, ...]]) -> list[tuple]:
    out = []
    for compare in ("latest12", "cycle"):
        if only and only != compare:
            continue
        for months in lengths[compare]:
            for kind, mean in (
                ("fy-levels", 30), ("fy-levels", 200), ("cy-levels", 30), ("cy-levels", 200),
                ("poisson", 30), ("gamma-poisson", 30), ("ar1", 200),
                ("rw-fy-5", 30), ("rw-fy-5", 200), ("rw-fy-10", 30), ("rw-fy-10", 200),
                ("fall25", 30), ("fall25", 100), ("fall25-rw-fy-5", 100), ("fall25-fy-levels", 100),
            ):  # fmt: skip
                out.append((f"{compare} {kind} {mean}/month {months} months", compare, kind, mean, months))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", type=int, default=200, help="series a setting (default 200)")
    ap.add_argument("--only", choices=("latest12", "cycle"))
    ap.add_argument("--lengths", help="months of history, comma-separated (both comparisons)")
    ap.add_argument("--kinds", help="settings to run, comma-separated (default all)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE: set a constant of safer.verdicts first")
    a = ap.parse_args(argv)
    lengths = {"latest12": LATEST_LENGTHS, "cycle": CYCLE_LENGTHS}
    if a.lengths:
        ls = tuple(int(x) for x in a.lengths.split(","))
        lengths = {"latest12": ls, "cycle": ls}
    todo = settings(a.only, lengths)
    if a.kinds:
        todo = [s for s in todo if s[2] in a.kinds.split(",")]
    tasks = []
    consts = [tuple(x.split("=", 1)) for x in a.set]
    for key, compare, kind, mean, months in todo:
        base = zlib.crc32(f"{compare} {kind} {mean} {months}".encode())
        seeds = [base * 1000 + i for i in range(a.series)]
        step = max(1, a.series // 4)
        for i in range(0, a.series, step):
            tasks.append((key, compare, kind, mean, months, seeds[i : i + step], consts))
    t0 = time.perf_counter()
    totals: dict[str, list[int]] = {key: [0, 0, 0] for key, *_ in todo}
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            results = list(ex.map(_one, tasks))
    else:
        results = [_one(t) for t in tasks]
    for key, hits, ned, n in results:
        t = totals[key]
        t[0], t[1], t[2] = t[0] + hits, t[1] + ned, t[2] + n
    print(f"{'setting':55} {'rate':>7} {'target':>8} {'not enough data':>16}")
    out = {}
    for key, _compare, kind, *_ in todo:
        hits, ned, n = totals[key]
        power = kind.startswith("fall25")
        rate = hits / n * 100
        target = "power" if power else "<= 5%"
        flag = "" if power or rate <= 7.0 else "  <- above 7%"
        print(f"{key:55} {rate:6.1f}% {target:>8} {ned / n * 100:15.1f}%{flag}")
        out[key] = {"rate": rate, "not_enough_data": ned / n * 100, "series": n, "power": power}
    print(f"({a.series} series a setting; {time.perf_counter() - t0:.0f} s)")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
