"""Plan cycles: how one indicator moved from one plan cycle to the next, and whether the change is real.

Each cycle's bar is its mean per month over the months that have data so far; each cycle is tested against
the one before it on matched months (the first n months of each while a cycle is under way), by the same
engine as every other verdict. Months that have not happened yet are counted as such, never as missing.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import charts, fmt, queries, stats, verdicts
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp


def _dispersion(monthly: pd.DataFrame, cycles: pd.DataFrame, breaks=()) -> float:
    """φ of the seasonal model with a level for each plan cycle and each recording change within one (at least 1;
    1 with too few months to tell)."""
    known = monthly[pd.to_numeric(monthly["value"], errors="coerce").notna()]
    if len(known) < verdicts.MIN_MONTHS_FOR_LIMITS:
        return 1.0
    phi = verdicts.control_limits(known, cycles, breaks=breaks)["dispersion"]
    return max(1.0, float(phi.iloc[0])) if len(phi) and pd.notna(phi.iloc[0]) else 1.0


def _horizon_note(store, indicator_id: str, code: str, ind: dict) -> list[str]:
    """Below borough level a small-number indicator's cycle totals count complete financial years only: say so
    when months since then are left out of them."""
    cut = comparisons.horizon(store, indicator_id, code)
    last = comparisons.total_horizon(store, indicator_id).last_month
    if cut is None or not isinstance(last, str) or cut >= last:
        return []
    return [
        f"Small numbers: a ward's plan-cycle totals and verdicts of {ind['label'].lower()} count complete financial "
        f"years only (to {fmt.month_label(cut)}); {fmt.period_label(fmt.shift_month(cut, 1), last)} is not in "
        f"them, and is in the month-by-month chart, rounded: {comparisons.MOVING_WINDOWS}."
    ]


@cached
def cycle_comparison(store, indicator_id: str, area_code: str | None = None) -> View:
    ind = comparisons.indicator(store, indicator_id)
    a = comparisons.area(store, area_code)
    code = a["area_code"]
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    summary = queries.run(store, "cycle_summary", indicator=indicator_id, area=code)  # may be suppressed
    months = queries.run(store, "cycle_months", indicator=indicator_id, area=code)
    months.attrs["unit"] = str(ind["unit"])  # its headings name what it counts (`fmt.column_label`)
    cycles = queries.run(store, "plan_cycles")
    last = comparisons.data_end(store)  # months after the data's last month have not happened (any indicator's)
    hide = comparisons.withheld(store, indicator_id, code)
    # how much more months vary than Poisson, after the season and each cycle's level (the Trends model): the
    # bars' intervals are widened by its square root; for a ward of a small-number indicator, from the counts as
    # published
    series = (
        months[["month", "value"]].sort_values("month") if hide else comparisons.true_monthly(store, indicator_id, code)
    )
    phi = _dispersion(series, cycles, [m for m, _t in comparisons.recording(store, indicator_id)])
    # the months with data (a withheld count is data): a cycle's months not yet happened are not in the period
    has = months[pd.to_numeric(months["value"], errors="coerce").notna() | months.get("value_suppressed", False)]
    # below borough level a small-number indicator's totals stop at the latest complete financial year: its months
    # with data after that are withheld from the totals (small numbers), not missing
    cut = comparisons.horizon(store, indicator_id, code)
    held = has[has.month > cut].groupby("cycle_id").size() if cut is not None else pd.Series(dtype=int)
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
        lo_adj, hi_adj = mean - (mean - lo) * math.sqrt(phi), mean + (hi - mean) * math.sqrt(phi)
        row = {
            "cycle_id": r["cycle_id"],
            "months_in_cycle": int(r["months_in_cycle"]),
            "months_not_yet": not_yet,
            "months_with_data": n,
            "months_withheld": int(held.get(r["cycle_id"], 0)),
            "total": total,
            "total_withheld": bool(r.get("total_suppressed", False)),  # fewer than the threshold: not "no data"
            "monthly_mean": mean,
            "ci_low": lo,
            "ci_high": hi,
            "ci_low_adjusted": max(lo_adj, 0.0) if not math.isnan(lo_adj) else math.nan,
            "ci_high_adjusted": hi_adj,
            "dispersion": phi,
            "change_vs_previous_pct": math.nan,
            "rate_ratio": math.nan,
            "p_adjusted": math.nan,
            "beyond_chance": False,
            "compared_on": "",
            "verdict": "",
        }
        if i > 0:
            # as shown among every indicator of this cycle (Benjamini–Hochberg): the Overview, the pack and
            # `explain` show this comparison so, and one comparison never gets two verdicts
            c = comparisons.in_family(store, "cycle", indicator_id, code, r["cycle_id"])
            row["compared_on"] = c.basis.split(", ", 1)[-1] if c.basis else c.note
            row["verdict"] = c.shown_verdict
            if c.shown_verdict != "not enough data" and not hide:
                row["change_vs_previous_pct"] = c.change_pct if c.change_pct is not None else math.nan
                row["rate_ratio"] = c.rate_ratio if c.rate_ratio is not None else math.nan
                # withheld in a ward whose family holds a small-number indicator (it would give that one's away)
                row["p_adjusted"] = c.family_p_value if c.family_p_value is not None else math.nan
                row["beyond_chance"] = c.shown_verdict not in ("no clear change", "not enough data")
            verdict_lines.append((r["cycle_id"], c))
        rows.append(row)
    comparison = pd.DataFrame(rows)
    comparison.attrs = summary.attrs
    # Every mean the view shows (the bars, and each verdict's two) is written with the same decimals: the bar
    # labelled 747.6 was "748" in the sentence beside it
    bars = comparison["monthly_mean"].tolist() if len(comparison) else []
    shown_means = [m for _cid, c in verdict_lines for m in (c.current_mean, c.previous_mean)]
    decimals = fmt.shared_decimals(*bars, *shown_means)
    means_fig = charts.cycle_means_chart(comparison, ind, synthetic, decimals)
    lines_fig = charts.cycle_lines_chart(months, ind, synthetic)
    sentences = []
    bars_apart = {}  # cycle -> the bars' two means, where the verdict's are other months'
    for cid, c in verdict_lines:
        if c.shown_verdict == "not enough data":
            sentences.append(f"{cid}: not enough data to compare with the plan before ({c.note}).")
        elif hide:
            sentences.append(f"{cid} against the plan before ({c.basis.split(', ', 1)[-1]}): {c.shown_verdict}.")
        else:
            cur, prev = fmt.number(c.current_mean, decimals), fmt.number(c.previous_mean, decimals)
            sentence = (
                f"{cid} against the plan before ({c.basis.split(', ', 1)[-1]}): "
                f"{cur} against {prev} {ind['unit']} a month, {comparisons.change_words(c)}: {c.shown_verdict}."
            )
            ids = list(comparison["cycle_id"])
            i = ids.index(cid) if cid in ids else -1
            now, before = (fmt.number(bars[i], decimals), fmt.number(bars[i - 1], decimals)) if i > 0 else ("", "")
            if i > 0 and (now, before) != (cur, prev):
                # the bars are whole cycles so far, the verdict the months both have: say which is which
                bars_apart[cid] = (now, before)
                sentence += (
                    f" The bars show each cycle's mean over all its months with data ({now} and {before}); the "
                    + (
                        "verdict compares only the calendar months both cycles have recorded alike "
                        f"({verdicts.recording_words(c.recording_changes)})."
                        if c.recording_changes
                        else "verdict compares only the calendar months both cycles have."
                    )
                )
            sentences.append(sentence)
    under_way = [
        f"{r['cycle_id']} is under way: {fmt.plural(r['months_not_yet'], 'month')} of "
        f"{r['months_in_cycle']} have not happened yet (not missing data)."
        for r in rows
        if r["months_not_yet"]
    ]
    with_figures = list(sentences)  # each verdict with its means and change, beside the method
    plain, on_slide = (
        {
            cid: comparisons.plain_verdict(
                c, str(ind["unit"]), f"{cid} against the plan before ({c.basis.split(', ', 1)[-1]})", decimals, sized
            )
            for cid, c in verdict_lines
        }
        for sized in (True, False)  # a slide, short of room, has the usual moves' size one click away
    )

    def by_bars(said: dict) -> dict:
        """Beside the bars (the page, its slide), what the bars are where the verdict's means are other months'
        (an audit: 513 on the bar, 531 in the sentence beside it, and nothing on the screen to say why)."""
        return {
            cid: words + (f" (The bars, {bars_apart[cid][0]} and {bars_apart[cid][1]}, are means over all months "
                          "with data.)" if cid in bars_apart else "")
            for cid, words in said.items()
        }  # fmt: skip

    sentences += under_way
    total = fmt.with_unit("Total", str(ind["unit"]))
    table = pd.DataFrame(
        {
            "Plan cycle": comparison["cycle_id"],
            "Months in cycle": comparison["months_in_cycle"],
            "Months not yet happened": comparison["months_not_yet"],
            "Months with data": comparison["months_with_data"],
            total: comparison["total"],
            fmt.with_unit("Mean per month (all its months with data)", str(ind["unit"])): comparison[
                "monthly_mean"
            ].round(2),
            fmt.with_unit("95% interval of the mean, low", str(ind["unit"])): comparison["ci_low_adjusted"].round(2),
            fmt.with_unit("95% interval of the mean, high", str(ind["unit"])): comparison["ci_high_adjusted"].round(2),
            "Against the plan before": comparison["compared_on"],
            "Change on the months compared, %": comparison["change_vs_previous_pct"].round(1),
            "p-value adjusted for many tests": comparison["p_adjusted"].map(fmt.significant).astype(float),
            "Verdict": comparison["verdict"],
        }
    )
    if cut is not None:  # a ward's small-number months after the latest complete financial year
        table.insert(4, "Months withheld from the total (small numbers)", comparison["months_withheld"])
    if "total_suppressed" in summary:
        table[total + "_suppressed"] = summary["total_suppressed"].to_numpy()
    table.attrs = summary.attrs
    period = f"{has.month.min()} to {has.month.max()}" if len(has) else "no data"
    meta = stamp(
        store,
        f"{ind['label']} in {a['area_name']}, by plan cycle",
        period,
        str(ind["source"]),
        {"indicator": indicator_id, "area": code},
        method=METHODS["cycles"] + comparisons.months_compared_clause(verdict_lines),
    )
    detail = [comparisons.method_line(c) for _cid, c in verdict_lines if c.method] + [
        "Bars: mean per month over the months with data so far; error bars: exact Poisson (Garwood) 95% intervals"
        + (
            f", widened by √φ for months varying {phi:.1f} times as much as chance (after the season and each "
            "cycle's level)."
            if phi > 1
            else "."
        )
        + " They show how precisely each cycle's own mean is known from its months; whether two cycles differ is "
        "the verdict's question, which compares the same calendar months and allows for how much whole years "
        'differ on their own, so bars that do not overlap can still be "no clear change".'
    ]
    return View(
        name="cycle_comparison",
        title=meta.title,
        question="How did this indicator move from one plan cycle to the next, and is the change real?",
        meta=meta,
        tables={"plan cycles": table, "month by month": months},
        figures={"cycle means chart": means_fig, "cycles lined up chart": lines_fig},
        # a ward's totals of a small-number indicator stop at the latest complete financial year: the table and the
        # bars drawn from it are stamped with the months they count, not the months shown (an SIA analyst)
        periods={name: f"{has.month.min()} to {cut}" for name in ("plan cycles", "cycle means chart")}
        if cut is not None and int(held.sum())
        else {},
        sentences=sentences,
        detail=detail,
        notes=_horizon_note(store, indicator_id, code, ind),
        queries=[
            query_command("cycle_summary", indicator=indicator_id, area=code),
            query_command("cycle_months", indicator=indicator_id, area=code),
            f"python -m safer explain --indicator {indicator_id} --area {code} --compare cycle --json",
        ],
        data={
            "indicator": ind,
            "area": a,
            # each chart in words, by the figure's name (beside the chart, and a slide's alternative text)
            "described": {
                "cycle means chart": charts.describe_cycles(comparison, ind, decimals),
                "cycles lined up chart": charts.describe_cycle_months(months, ind, last),
            },
            "comparisons": dict(verdict_lines),
            # each verdict in plain words, as a cabinet member first meets it; `sentences` give the figures
            "plain": list(plain.values()) + under_way,
            # the same, each verdict saying what the bars beside it are where its means are other months' (the
            # page's bullets; a slide, short of room, has the bars' figures one click away in `with_figures`)
            "beside bars": list(by_bars(plain).values()) + under_way,
            # the same, by the plan cycle compared with the one before
            "plain by cycle": plain,
            # as a slide says them, short of room: without the usual yearly moves' size (in its method)
            "beside bars on a slide": list(by_bars(on_slide).values()) + under_way,
            "plain by cycle on a slide": on_slide,  # (a trend slide says the current one's)
            "under way": under_way,  # the notes on a cycle's months not yet happened (the last of "plain")
            "with_figures": with_figures,
        },
    )
