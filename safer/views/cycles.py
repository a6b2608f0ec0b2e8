"""Plan cycles: how one indicator moved from one plan cycle to the next, and whether the change is real.

Each cycle's bar is its mean per month over the months that have data so far; each cycle is tested against
the one before it on matched months (the first n months of each while a cycle is under way), by the same
engine as every other verdict. Months that have not happened yet are counted as such, never as missing.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import charts, fmt, queries, stats
from . import comparisons
from .base import View, cached, stamp


@cached
def cycle_comparison(store, indicator_id: str, area_code: str | None = None) -> View:
    ind = comparisons.indicator(store, indicator_id)
    a = comparisons.area(store, area_code)
    code = a["area_code"]
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    summary = queries.run(store, "cycle_summary", indicator=indicator_id, area=code)  # may be suppressed
    months = queries.run(store, "cycle_months", indicator=indicator_id, area=code)
    cycles = queries.run(store, "plan_cycles")
    last = ind.get("last_month") if isinstance(ind.get("last_month"), str) else None
    hide = comparisons.withheld(store, indicator_id, code)
    rows, verdict_lines = [], []
    for i, r in enumerate(summary.to_dict("records")):
        cyc = cycles[cycles.cycle_id == r["cycle_id"]].iloc[0]
        span = fmt.months_between(cyc.start_month, cyc.end_month)
        not_yet = sum(1 for m in span if last is None or m > last)
        total = r["total"]
        n = int(r["months_with_data"] or 0)
        shown = not pd.isna(total)  # a suppressed total stays hidden, and so does its mean
        mean = float(total) / n if (n and shown) else math.nan
        lo, hi = stats.garwood_interval(float(total), n) if shown and n else (math.nan, math.nan)
        row = {
            "cycle_id": r["cycle_id"],
            "months_in_cycle": int(r["months_in_cycle"]),
            "months_not_yet": not_yet,
            "months_with_data": n,
            "total": total,
            "monthly_mean": mean,
            "ci_low": lo,
            "ci_high": hi,
            "dispersion": 1.0,
            "change_vs_previous_pct": math.nan,
            "rate_ratio": math.nan,
            "p_adjusted": math.nan,
            "beyond_chance": False,
            "compared_on": "",
            "verdict": "",
        }
        if i > 0:
            c = comparisons.cycle(store, indicator_id, code, r["cycle_id"])
            row["compared_on"] = c.basis.split(", ", 1)[-1] if c.basis else c.note
            row["verdict"] = c.verdict
            if c.verdict != "not enough data" and not hide:
                row["change_vs_previous_pct"] = c.change_pct if c.change_pct is not None else math.nan
                row["rate_ratio"] = c.rate_ratio if c.rate_ratio is not None else math.nan
                row["p_adjusted"] = c.p_value if c.p_value is not None else math.nan
                row["beyond_chance"] = c.verdict not in ("no clear change", "not enough data")
            verdict_lines.append((r["cycle_id"], c))
        rows.append(row)
    comparison = pd.DataFrame(rows)
    comparison.attrs = summary.attrs
    means_fig = charts.cycle_means_chart(comparison, ind, synthetic)
    lines_fig = charts.cycle_lines_chart(months, ind, synthetic)
    sentences = []
    for cid, c in verdict_lines:
        if c.verdict == "not enough data":
            sentences.append(f"{cid}: not enough data to compare with the plan before ({c.note}).")
        elif hide:
            sentences.append(f"{cid} against the plan before ({c.basis.split(', ', 1)[-1]}): {c.verdict}.")
        else:
            sentences.append(
                f"{cid} against the plan before ({c.basis.split(', ', 1)[-1]}): "
                f"{fmt.number(c.current_mean)} against {fmt.number(c.previous_mean)} {ind['unit']} a month, "
                f"{fmt.percent_change(c.change_pct)}: {c.verdict}."
            )
    for r in rows:
        if r["months_not_yet"]:
            sentences.append(
                f"{r['cycle_id']} is under way: {fmt.plural(r['months_not_yet'], 'month')} of "
                f"{r['months_in_cycle']} have not happened yet (not missing data)."
            )
    table = pd.DataFrame(
        {
            "Plan cycle": comparison["cycle_id"],
            "Months in cycle": comparison["months_in_cycle"],
            "Months not yet happened": comparison["months_not_yet"],
            "Months with data": comparison["months_with_data"],
            "Total": comparison["total"],
            "Mean per month": comparison["monthly_mean"].round(2),
            "95% interval, low": comparison["ci_low"].round(2),
            "95% interval, high": comparison["ci_high"].round(2),
            "Against the plan before": comparison["compared_on"],
            "Change, %": comparison["change_vs_previous_pct"].round(1),
            "p-value": comparison["p_adjusted"],
            "Verdict": comparison["verdict"],
        }
    )
    if "total_suppressed" in summary:
        table["Total_suppressed"] = summary["total_suppressed"].to_numpy()
    table.attrs = summary.attrs
    period = f"{months.month.min()} to {months.month.max()}" if len(months) else "no data"
    meta = stamp(
        store,
        f"{ind['label']} in {a['area_name']}, by plan cycle",
        period,
        str(ind["source"]),
        {"indicator": indicator_id, "area": code},
    )
    detail = [c.method for _cid, c in verdict_lines if c.method] + [
        "Bars: mean per month over the months with data so far; error bars: exact Poisson (Garwood) 95% intervals."
    ]
    return View(
        name="cycle_comparison",
        title=meta.title,
        question="How did this indicator move from one plan cycle to the next, and is the change real?",
        meta=meta,
        tables={"plan cycles": table, "month by month": months},
        figures={"cycle means chart": means_fig, "cycles lined up chart": lines_fig},
        sentences=sentences,
        detail=detail,
        notes=[charts.describe_cycles(comparison, ind), charts.describe_cycle_months(months, ind)],
        queries=[
            f"python -m safer query cycle_summary --indicator {indicator_id} --area {code}",
            f"python -m safer query cycle_months --indicator {indicator_id} --area {code}",
            f"python -m safer explain --indicator {indicator_id} --area {code} --compare cycle --json",
        ],
        data={"indicator": ind, "area": a, "comparisons": dict(verdict_lines)},
    )
