"""Trends: one indicator in one area, month by month, across plan cycles, with limits around the season."""

from __future__ import annotations

from .. import charts, export, fmt, queries, stats, verdicts
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp

HOW_TO_READ = (
    "Points are monthly counts; gaps are months with no data (never zero). Each plan cycle is shaded and "
    "labelled at the top. The dotted grey line is the count expected for the time of year and the plan cycle "
    "(for the plan under way, the plan before's level carried forward, so a lasting change since it began shows "
    "as months beyond the limits); the dashed grey lines either side are the limits a month usually stays "
    "within, and a diamond (above) or a "
    "triangle (below) marks a month beyond them. The dash-dot orange line is the mean of the last 12 months, "
    "shown only where all 12 have data. A numbered box at the top marks an event (a change in recording, a "
    "campaign, a new service): the numbers are listed under the chart."
)
HOW_TO_READ_PLAIN = (  # too few months to fit an expected line and limits
    "Points are monthly counts; gaps are months with no data (never zero). Each plan cycle is shaded and "
    "labelled at the top. The dash-dot orange line is the mean of the last 12 months, shown only where all 12 have "
    "data. A numbered box at the top marks an event (a change in recording, a campaign, a new service): the numbers "
    "are listed under the chart."
)
HOW_TO_READ_WITHHELD = (
    "Points are monthly counts, rounded to the nearest 5; gaps are months with no data (never zero). Each plan "
    "cycle is shaded and labelled at the top. A grey band from 0 up to the threshold, with a dash in each month, "
    "marks months whose counts are withheld (small numbers): each lies somewhere in that band. No expected line, "
    "limits or rolling "
    "mean are drawn here: they would reveal the withheld counts. A numbered box at the top marks an event: the "
    "numbers are listed under the chart."
)


@cached
def trend(store, indicator_id: str, area_code: str | None = None) -> View:
    ind = comparisons.indicator(store, indicator_id)
    a = comparisons.area(store, area_code)
    code = a["area_code"]
    p = queries.run(store, "partnership").iloc[0].to_dict()
    monthly = queries.run(store, "monthly", indicator=indicator_id, area=code)  # what may be shown
    cycles = queries.run(store, "plan_cycles")
    events = queries.run(store, "events", indicator=indicator_id)
    suppressed = monthly["value_suppressed"] if "value_suppressed" in monthly else None
    n_suppressed = int(suppressed.sum()) if suppressed is not None else 0
    n_missing = int((monthly["value"].isna() & ~(suppressed if suppressed is not None else False)).sum())
    notes = []
    incomplete = queries.run(store, "incomplete_months", indicator=indicator_id)
    if len(incomplete):
        months = ", ".join(fmt.month_label(m) for m in incomplete.month)
        notes.append(
            f"{months} {'is' if len(incomplete) == 1 else 'are'} left out: partner_monthly.csv was last written in "
            f"{fmt.month_label(incomplete.written_month.iloc[0])}, before "
            f"{'that month' if len(incomplete) == 1 else 'those months'} ended, so the counts are incomplete (a "
            "part month would read as a fall). They appear once an extract written later holds whole months."
        )
    if left_out := comparisons.small_counts_left_out(store, indicator_id):
        notes.append(left_out)  # the rows behind it: query small_counts_left_out
    unfitted = False  # limits asked for, but too few months to fit them
    if n_suppressed:
        threshold = monthly.attrs.get("suppress_below")
        if n_suppressed * 4 >= 3 * (len(monthly) - n_missing):  # most months withheld: the chart says little
            notes.append(
                f"Too few {ind['unit']} a month in {a['area_name']} to show month by month: "
                f"{n_suppressed} of {len(monthly) - n_missing} months with data are withheld. The Areas page "
                f"shows this ward's rate over a year, and the whole {fmt.whole_area(p['area_code'])}'s trend shows "
                "every month."
            )
        notes.append(
            f"{fmt.plural(n_suppressed, 'month')} with fewer than {threshold} {ind['unit']} in this ward "
            f"{'is' if n_suppressed == 1 else 'are'} suppressed (marked on the chart, <{threshold} in the table); "
            f"{fmt.plural(n_missing, 'month')} {'has' if n_missing == 1 else 'have'} no data. No rolling mean or "
            "limits are drawn for this ward: they would reveal the suppressed counts."
        )
        # withheld, and said so, where its 12 months all have data (a withheld count is data): an empty cell is a
        # mean with a month of no data in its 12
        counted = (monthly["value"].notna() | monthly["value_suppressed"].astype(bool)).astype(int)
        full = counted.rolling(12, min_periods=12).sum().eq(12).to_numpy()
        monthly = monthly.assign(rolling_12_mean=float("nan"), **{"rolling_12_mean" + export.WITHHELD_SUFFIX: full})
        limits = None
    else:
        rolling = stats.rolling_mean(monthly["value"])
        # a 12-month mean is not drawn across a recording change (it would climb as the new way's months come in)
        for b, _title in comparisons.recording(store, indicator_id):
            across = monthly["month"].map(lambda m, b=b: fmt.shift_month(m, -11) < b <= m)
            rolling = rolling.where(~across.to_numpy())
        monthly = monthly.assign(rolling_12_mean=rolling)
        if n_missing:
            notes.append(f"{fmt.plural(n_missing, 'month')} of {len(monthly)} have no data: gaps, never zero.")
        # a GLM's expected counts add up to the counts it was fitted to in each plan cycle, so in a ward of a
        # small-number indicator they are fitted to the published (rounded) counts, not the true ones
        rounded = comparisons.withheld(store, indicator_id, code)
        source = monthly[["month", "value"]] if rounded else comparisons.true_monthly(store, indicator_id, code)
        breaks = [m for m, _t in comparisons.recording(store, indicator_id)]
        limits = verdicts.control_limits(source, cycles, comparisons.data_end(store), breaks)
        if not limits[["lower", "upper"]].notna().any().any():
            n_data = int(monthly["value"].notna().sum())
            notes.append(
                f"No expected line or limits are drawn: fitting them needs at least "
                f"{verdicts.MIN_MONTHS_FOR_LIMITS} months with data (in plan cycles with 6 or more) and some "
                f"{ind['unit']}; this series has {fmt.plural(n_data, 'month')} with data."
            )
            limits = None
            unfitted = True
    c = comparisons.in_family(store, "latest12", indicator_id, code)
    fig = charts.trend_chart(
        monthly[["month", "value"]],
        monthly["rolling_12_mean"],
        limits,
        cycles,
        events,
        ind,
        a["area_name"],
        bool(p["synthetic"]),
        suppressed=suppressed,
        suppress_below=monthly.attrs.get("suppress_below"),
        beside=(c.current_mean, c.previous_mean),  # the 12-month means read as the verdict's sentence writes them
    )
    marked = charts.numbered_events(events, monthly.month.iloc[0], monthly.month.iloc[-1]) if len(monthly) else None
    cut = comparisons.horizon(store, indicator_id, code)
    by_year = cut is not None and len(monthly) and cut < str(monthly.month.iloc[-1])
    if by_year:
        notes.append(
            f"Small numbers: in a ward the verdict compares the latest complete financial year (to "
            f"{fmt.month_label(cut)}) with the year before, as the ward's totals do: {comparisons.MOVING_WINDOWS}."
        )
    period = f"{monthly.month.iloc[0]} to {monthly.month.iloc[-1]}" if len(monthly) else "no data"
    # the 12-month mean to one decimal, as the expected count and the limits beside it (a CSV pasted into an SIA
    # table read 418.8333333333333)
    table = monthly.assign(rolling_12_mean=monthly["rolling_12_mean"].round(1))
    if limits is not None:
        lim = limits[["month", "phase", "centre", "lower", "upper", "signal"]].rename(
            columns={"centre": "expected", "lower": "lower_limit", "upper": "upper_limit"}
        )
        table = table.merge(lim, on="month", how="left").assign(expected=lambda t: t["expected"].round(1))
    table.attrs = monthly.attrs | {"unit": str(ind["unit"])}  # its headings name what it counts
    tables = {"monthly": table}
    event_lines = []
    if marked is not None and len(marked):
        tables["events"] = marked
        event_lines = [
            f"{r.number}. {fmt.month_label(r.event_date[:7])}: {r.title}" + (f" ({r.category})" if r.category else "")
            for r in marked.itertuples()
        ]
    detail = [comparisons.method_line(c)]
    if limits is not None:
        detail.append("Limits: " + verdicts.LIMITS_METHOD + ".")
        if rounded:
            detail.append(
                "In a ward the limits and expected counts are worked out from the counts as published (rounded to "
                "the nearest 5), so they give away no more than the counts shown."
            )
    meta = stamp(
        store,
        f"{ind['label']} in {a['area_name']}, by month",
        period,
        str(ind["source"]),
        {"indicator": indicator_id, "area": code},
        method="; ".join(
            [
                METHODS["trend by financial year" if by_year else "trend"]
                + comparisons.months_compared_clause([(None, c)]),
                METHODS["limits"] + (" from the counts as published" if rounded else "")
                if limits is not None
                else METHODS["no limits"],
            ]
        ),
    )
    caveats = ind.get("caveats") if isinstance(ind.get("caveats"), str) else ""
    return View(
        name="trend",
        title=meta.title,
        question="How has this indicator moved month by month, and which months stand out?",
        meta=meta,
        tables=tables,
        figures={"trend chart": fig},
        sentences=[
            comparisons.verdict_sentence(c, str(ind["unit"])),
            charts.describe_trend(monthly, ind, a["area_name"]),
        ],
        detail=detail,
        notes=notes,
        queries=[
            query_command("monthly", indicator=indicator_id, area=code),
            query_command("events", indicator=indicator_id),
            query_command("incomplete_months", indicator=indicator_id),
        ]
        + ([query_command("small_counts_left_out", indicator=indicator_id)] if left_out else [])
        + [
            f"python -m safer explain --indicator {indicator_id} --area {code} --json",
        ],
        data={
            "indicator": ind,
            "area": a,
            "comparison": c,
            # the verdict in plain words, as a cabinet member first meets it; the sentence with the figures and
            # the method are `sentences[0]` and `detail`
            "plain": comparisons.plain_verdict(c, str(ind["unit"])),
            "monthly": monthly,
            "limits": limits,
            "events": event_lines,  # numbered as on the chart, for the list beneath it
            "how_to_read": HOW_TO_READ
            if limits is not None
            else (HOW_TO_READ_PLAIN if unfitted else HOW_TO_READ_WITHHELD),
            "caveats": caveats,  # the indicator's caveats from indicators.csv, shown as written ("" if none)
        },
    )
