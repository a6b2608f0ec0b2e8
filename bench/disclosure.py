"""Differencing attacks on the ward figures of small-number indicators, as docs/disclosure.md reports them.

    python -m bench.disclosure surveys [--scenario NAME ...] [--indicator ID ...]
    python -m bench.disclosure corrections [--data DIR]
    python -m bench.disclosure rows [--data DIR]

`surveys`: a copy of the demo with a survey question set against a small-number indicator over each period of a
scenario (two-month fieldwork each autumn, quarterly waves, financial years, the same years from May, rolling
12-month periods each quarter). It reads every ward figure the command line prints (`queries.run_rows`: months,
plan cycles, each published period's `ward_rates`, `perception_vs_recorded`) and solves, for each ward, an
integer program (scipy's `milp`): the monthly counts, each within the range its published figure means, each
published total within its range. A ward-month is pinned when its least and greatest feasible values are equal;
it prints how many counts from 1 to 4 are pinned, and narrowed, with and without the survey totals. Run against
an older tree with `BENCH_ENGINE=/path/to/tree`.

`corrections`: a corrected re-release. For every ward-month, one ward's count corrected by d (±1 to ±3); an
attacker holds both releases' published months and the borough's exact change, and takes the correction to be
of one sign (records added, or removed). It prints how many corrections pin a count from 1 to 4.

`rows`: the Data page shows each extract's rows. Where partner_monthly.csv leaves out wards with no records, the
rows one indicator's month adds say how many wards had any: with the borough's exact count and the wards'
published figures, how many ward-months are pinned or narrowed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

if os.environ.get("BENCH_ENGINE"):
    sys.path.insert(0, os.environ["BENCH_ENGINE"])
elif __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROJECT = Path(__file__).resolve().parent.parent
SENSITIVE = ("cse", "missing_episodes")


def _shift(month: str, k: int) -> str:
    y, m = map(int, month.split("-"))
    i = y * 12 + m - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def _fy(first: int = 2016, last: int = 2025, start: str = "04") -> list[tuple[str, str, str]]:
    return [(f"{y}/{str(y + 1)[2:]}", f"{y}-{start}", f"{y + 1}-03") for y in range(first, last + 1)]


SCENARIOS = {
    "autumn": [(f"Autumn {y}", f"{y}-10", f"{y}-11") for y in range(2016, 2026)],
    "quarterly": [
        (f"{y} Q{q}", _shift(f"{y}-01", 3 * (q - 1)), _shift(f"{y}-01", 3 * q - 1))
        for y in range(2016, 2027)
        for q in (1, 2, 3, 4)
        if "2016-04" <= _shift(f"{y}-01", 3 * (q - 1)) and _shift(f"{y}-01", 3 * q - 1) <= "2026-03"
    ],
    "financial_years": _fy(),
    "a_month_apart": _fy() + [(p + " from May", a, b) for p, a, b in _fy(start="05")],
    "rolling": [
        (f"year to {_shift(f'{y}-03', 3 * k)}", _shift(f"{y}-04", 3 * k - 12), _shift(f"{y}-03", 3 * k))
        for y in range(2017, 2026)
        for k in range(4)
    ],
}


def _range(label: str, floor: int = 5, threshold: int = 5) -> tuple[int, int]:
    """The true counts a published ward figure stands for."""
    if label == f"<{threshold}":
        return 0, threshold - 1
    v = int(label)
    return (v, v + 2) if v == floor else (v - 2, v + 2)


def _label(count: int, floor: int = 5, threshold: int = 5) -> str:
    if count < threshold:
        return f"<{threshold}"
    return str(max(int(count / 5 + 0.5) * 5, floor))


# --------------------------------------------------------------------------- surveys


def _survey_store(tmp: Path, scenario: str, indicator: str):
    import pandas as pd

    from safer.store import Store

    d = tmp / f"data-{scenario}-{indicator}"
    shutil.copytree(PROJECT / "data", d)
    c = pd.read_csv(d / "consultation.csv", dtype=str, keep_default_na=False)
    rows = [
        {
            "source": "Young people's survey (constructed)",
            "source_type": "survey",
            "period": p,
            "start_month": a,
            "end_month": b,
            "theme": "Feeling safe",
            "question": "Do you feel safe where you live?",
            "answer": "Yes",
            "respondents": "400",
            "agreeing": "300",
            "indicator_id": indicator,
            "summary": "",
            "synthetic": "true",
        }
        for p, a, b in SCENARIOS[scenario]
    ]
    pd.concat([c, pd.DataFrame(rows)]).to_csv(d / "consultation.csv", index=False)
    return Store(d, cache=tmp / f"cache-{scenario}-{indicator}")


def _ward_totals(store, indicator: str, ward: str, horizon: str) -> list[tuple[str, str, str, bool]]:
    """(first month, last month counted, published label, from a survey) of every total printed for the ward."""
    from safer import queries

    out = []
    cycles = store.sql(
        "SELECT cycle_id, strftime(start_month, '%Y-%m') a, strftime(end_month, '%Y-%m') b FROM plan_cycles"
    )
    span = {r.cycle_id: (r.a, min(r.b, horizon)) for r in cycles.itertuples()}
    names, rows = queries.run_rows(store, "cycle_summary", indicator=indicator, area=ward)
    for r in (dict(zip(names, r)) for r in rows):
        if r["total"] is not None:
            out.append((*span[r["cycle_id"]], str(r["total"]), False))
    for a, b in store.sql(queries.PUBLISHED_WINDOWS_SQL, {"indicator": indicator}).itertuples(index=False):
        names, rows = queries.run_rows(store, "ward_rates", indicator=indicator, start_month=a, end_month=b)
        for r in (dict(zip(names, r)) for r in rows):
            if r["area_code"] == ward and r["total"] is not None:
                out.append((r["start_month"], r["end_month"], str(r["total"]), False))
    names, rows = queries.run_rows(store, "perception_vs_recorded", indicator=indicator, area=ward)
    for r in (dict(zip(names, r)) for r in rows):
        if r["recorded_total"] is not None:
            out.append((r["start_month"], min(r["end_month"], horizon), str(r["recorded_total"]), True))
    return out


def _attack_surveys(store, indicator: str) -> dict[bool, tuple[int, int]]:
    """{with the survey totals: (pinned, narrowed)} over every ward-month a total covers."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    from safer import queries

    horizon = queries.run(store, "total_horizon", indicator=indicator).horizon[0]
    wards = store.sql("SELECT area_code FROM areas WHERE area_type = 'ward' ORDER BY 1").area_code.tolist()
    result = {}
    for with_surveys in (False, True):
        pinned = narrowed = 0
        for w in wards:
            names, rows = queries.run_rows(store, "monthly", indicator=indicator, area=w)
            shown = {m: str(v) for m, v in rows if v is not None}
            true = queries.run_true(store, "monthly", indicator=indicator, area=w).set_index("month")["value"]
            months = list(shown)
            lo = np.array([_range(shown[m])[0] for m in months], float)
            hi = np.array([_range(shown[m])[1] for m in months], float)
            a_rows, a_lo, a_hi = [], [], []
            for a, b, label, survey in _ward_totals(store, indicator, w, horizon):
                if survey and not with_surveys:
                    continue
                row = np.array([1.0 if a <= m <= b else 0.0 for m in months])
                if row.any():
                    a_rows.append(row)
                    a_lo.append(_range(label)[0])
                    a_hi.append(_range(label)[1])
            if not a_rows:
                continue
            cons = [LinearConstraint(np.array(a_rows), a_lo, a_hi)]
            for i in np.nonzero(np.array(a_rows).sum(axis=0))[0]:
                got = []
                for sign in (1, -1):
                    c = np.zeros(len(months))
                    c[i] = sign
                    r = milp(c, constraints=cons, integrality=np.ones(len(months)), bounds=Bounds(lo, hi))
                    got.append(round(r.x[i]))
                v = int(true[months[i]])
                assert got[0] <= v <= got[1], (w, months[i])
                pinned += got[0] == got[1] and 1 <= v <= 4
                narrowed += got[1] - got[0] < hi[i] - lo[i]
        result[with_surveys] = (pinned, narrowed)
    return result


def surveys(scenarios: list[str], indicators: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-disclosure-") as tmp:
        for scenario in scenarios:
            for ind in indicators:
                s = _survey_store(Path(tmp), scenario, ind)
                try:
                    r = _attack_surveys(s, ind)
                finally:
                    s.close()
                print(
                    f"{scenario:16} {ind:17} without the survey totals: {r[False][0]} pinned, {r[False][1]} narrowed;"
                    f" with them: {r[True][0]} pinned, {r[True][1]} narrowed",
                    flush=True,
                )


# --------------------------------------------------------------------------- corrections and row counts


def _ward_months(data: Path):
    """{indicator: DataFrame month x ward of true counts (0 where no row)} of the small-number indicators."""
    import pandas as pd

    pm = pd.read_csv(data / "partner_monthly.csv")
    areas = pd.read_csv(data / "areas.csv")
    wards = sorted(areas[areas.area_type == "ward"].area_code)
    out = {}
    for ind in SENSITIVE:
        d = pm[pm.indicator_id == ind]
        grid = d.pivot_table(index="month", columns="area_code", values="value", aggfunc="sum")
        out[ind] = grid.reindex(columns=wards).fillna(0).astype(int)
    return out


def corrections(data: Path) -> None:
    for ind, grid in _ward_months(data).items():
        for d in (1, -1, 2, -2, 3, -3):
            tried = pinned = 0
            for x in grid.to_numpy().ravel():
                x = int(x)
                if x + d < 0:
                    continue
                tried += 1
                before, after = _label(x), _label(x + d)
                if before == after:
                    continue  # no ward figure moved: nothing says where the borough's change went
                # the one ward whose figure moved took k of the |d| records, 1 <= k <= |d|
                lo, hi = _range(before)
                lo2, hi2 = _range(after)
                sign = 1 if d > 0 else -1
                feasible = {v for v in range(lo, hi + 1) for k in range(1, abs(d) + 1) if lo2 <= v + sign * k <= hi2}
                moved = {v + d for v in feasible} if abs(d) == 1 else set()
                pinned += any(len(f) == 1 and 1 <= min(f) <= 4 for f in (feasible, moved))
            print(f"{ind:17} corrected by {d:+d} in one ward: {pinned} of {tried} corrections pin a count from 1 to 4")


def rows(data: Path) -> None:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    for ind, grid in _ward_months(data).items():
        pinned = narrowed = 0
        n = grid.shape[1]
        for _, x in grid.iterrows():
            x = x.to_numpy()
            k, total = int((x > 0).sum()), int(x.sum())
            lo = np.r_[[_range(_label(v))[0] for v in x], np.zeros(n)]
            hi = np.r_[[_range(_label(v))[1] for v in x], np.ones(n)]
            a = [np.r_[np.ones(n), np.zeros(n)], np.r_[np.zeros(n), np.ones(n)]]
            a_lo, a_hi = [total, k], [total, k]
            for i in range(n):  # z_i (a row for the ward) <= x_i <= 1000 z_i
                r = np.zeros(2 * n)
                r[i], r[n + i] = 1, -1
                a.append(r.copy())
                a_lo.append(0)
                a_hi.append(np.inf)
                r[n + i] = -1000
                a.append(r)
                a_lo.append(-np.inf)
                a_hi.append(0)
            cons = [LinearConstraint(np.array(a), a_lo, a_hi)]
            for i in range(n):
                if x[i] >= 5:
                    continue
                got = []
                for sign in (1, -1):
                    c = np.zeros(2 * n)
                    c[i] = sign
                    r = milp(c, constraints=cons, integrality=np.ones(2 * n), bounds=Bounds(lo, hi))
                    got.append(round(r.x[i]))
                pinned += got[0] == got[1] and 1 <= x[i] <= 4
                narrowed += got[0] != got[1] and got[1] - got[0] < 4
        print(f"{ind:17} row counts of each month: {pinned} ward-months shown as <5 pinned, {narrowed} narrowed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.disclosure", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("surveys")
    s.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    s.add_argument("--indicator", action="append", choices=SENSITIVE)
    for name in ("corrections", "rows"):
        sub.add_parser(name).add_argument("--data", type=Path, default=PROJECT / "data")
    args = ap.parse_args(argv)
    if args.what == "surveys":
        surveys(args.scenario or list(SCENARIOS), args.indicator or list(SENSITIVE))
    elif args.what == "corrections":
        corrections(args.data)
    else:
        rows(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
