"""The Overview: is each priority of a plan cycle improving, and is the change real?

For the current cycle the cards compare the latest 12 months with the same months a year before; for a
past cycle, that cycle's own last 12 months with the 12 before them, and the cycle with the one before
it. Each card says in one line why its direction is good or bad. The verdicts are one family adjusted
for many tests (Benjamini–Hochberg), the same family `python -m safer explain --indicator all` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import charts, fmt, queries, stats, verdicts
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp

VERDICT_STYLE = {
    "better": ("▲▼", stats.COLOUR_BETTER),
    "worse": ("▲▼", stats.COLOUR_WORSE),
    "no clear change": ("●", stats.COLOUR_NEUTRAL),
    "not enough data": ("○", stats.COLOUR_NEUTRAL),
    "up": ("▲", stats.COLOUR_NEUTRAL),
    "down": ("▼", stats.COLOUR_NEUTRAL),
}


@dataclass(frozen=True)
class Card:
    priority_id: str
    priority_title: str
    illustrative: bool
    indicator_id: str
    label: str
    unit: str
    headline: str  # "419" (the mean a month), "No data" or "Withheld"
    metric_label: str  # "Incidents a month": short, so four cards in a row do not cut it
    period: str  # "Oct 2025 to Sep 2026"
    months_line: str  # the months the headline covers: "Oct 2025 to Sep 2026 (9 of 12 months with data)"
    change: str  # "−6.9% on the same months a year before"
    plain: str  # the verdict in plain words (`comparisons.plain_verdict`): what a cabinet member reads first
    verdict: str  # the family verdict shown
    symbol: str
    colour: str
    why: str  # one line: why this direction is good or bad
    detail: str  # the method, months compared, p-values (one click away)
    cycle_line: str  # against the previous plan cycle, in one line
    comparison: verdicts.Comparison
    sparkline: object  # a Plotly figure
    trend_link: dict  # query params for the Trends page
    # what the sparkline draws, in words: its months (not the verdict's 12 beside it) and where it ends
    sparkline_caption: str = ""


def _spark_words(months: pd.DataFrame, unit: str) -> str:
    """The sparkline's months and what it draws: "Line: incidents each month, Oct 2023 to Sep 2026"."""
    if months.empty:
        return ""
    first, last = str(months["month"].iloc[0]), str(months["month"].iloc[-1])
    return f"Line: {unit} each month, {fmt.period_label(first, last)}"


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(float(x), digits)


def _left_out(store, cycle: str | None, cards: list) -> list[str]:
    """A note naming the plan's priorities and indicators that have no card: only headline indicators
    (`headline` in priority_indicators.csv) are cards; the Priorities page lists every one."""
    if not cycle:
        return []
    every = queries.run(store, "cycle_priorities", cycle=cycle)
    shown = {(k.priority_id, k.indicator_id) for k in cards}
    titles = list(dict.fromkeys(every.priority_title))
    with_cards = {k.priority_title for k in cards}
    missing = [t for t in titles if t not in with_cards]
    others = sum(
        1
        for r in every.itertuples()
        if isinstance(r.indicator_id, str) and (r.priority_id, r.indicator_id) not in shown
    )
    if not missing and not others:
        return []
    words = f"The cards show the plan's headline indicators only: {len(cards)} of its {len(cards) + others} indicators"
    if missing:
        words += (
            f"; {fmt.plural(len(missing), 'priority has', 'priorities have')} no headline indicator "
            f"({'; '.join(missing)})"
        )
    return [words + ": the Priorities page lists every priority and indicator of the plan."]


def why_line(indicator: dict) -> str:
    """Why a rise or a fall is good news for this indicator, in one line, from its good direction."""
    gd = str(indicator.get("good_direction") or "neither")
    unit = str(indicator.get("unit", "cases"))
    if gd == "up":
        return (
            f"More {unit} is good news here: this has long been under-reported, so a rise mostly means better "
            "recognition and reporting."
        )
    if gd == "down":
        return f"Fewer {unit} is good news here: a fall means fewer {unit} recorded."
    return "Neither direction is good or bad in itself: the change is shown as up or down."


def _symbol(c: verdicts.Comparison) -> tuple[str, str]:
    v = c.shown_verdict
    sym, colour = VERDICT_STYLE.get(v, ("●", stats.COLOUR_NEUTRAL))
    if sym == "▲▼":
        sym = "▲" if (c.change_pct or 0) > 0 or ((c.current_mean or 0) > (c.previous_mean or 0)) else "▼"
    return sym, colour


@cached
def cycle_choices(store) -> pd.DataFrame:
    return queries.run(store, "plan_cycles")


@cached
def default_cycle(store) -> str | None:
    h = queries.run(store, "headline_indicators")
    if len(h):
        return str(h.cycle_id.iloc[0])
    cyc = cycle_choices(store)
    return str(cyc.cycle_id.iloc[-1]) if len(cyc) else None


@cached
def overview(store, cycle: str | None = None) -> View:
    """The cards of one plan cycle's headline indicators, grouped by priority."""
    cyc = cycle_choices(store)
    cycle = cycle or default_cycle(store)
    p = queries.run(store, "partnership").iloc[0].to_dict()
    headlines = queries.run(store, "headline_indicators", cycle=cycle)
    row = cyc.set_index("cycle_id").loc[cycle] if cycle in set(cyc.cycle_id) else None
    inds = comparisons.indicators(store).set_index("indicator_id")
    last_data = inds["last_month"].dropna().max() if len(inds) else None
    # A past cycle is judged on its own months: its last 12 months, and against the cycle before it.
    end = None
    if row is not None and isinstance(last_data, str) and row.end_month < last_data:
        end = str(row.end_month)
    is_past = end is not None
    cards: list[Card] = []
    area_code = str(p["area_code"])
    for h in headlines.to_dict("records"):
        iid = h["indicator_id"]
        c = comparisons.in_family(store, "latest12", iid, area_code, end_month=end)
        cyc_c = comparisons.in_family(store, "cycle", iid, area_code, cycle_id=cycle)
        sym, colour = _symbol(c)
        unit = str(h["unit"])
        start, stop = c.current_period.split(" to ") if " to " in c.current_period else ("", "")
        period = fmt.period_label(start, stop) if start else "no months"
        monthly = queries.run(store, "monthly", indicator=iid)
        n = c.current_months_with_data
        gaps = verdicts.no_data_words([m for m in c.no_data if start <= m <= stop])
        months_line = period + (f" ({n} of 12 months with data" + (f"; {gaps})" if gaps else ")") if n < 12 else "")
        metric_label = f"{unit.capitalize()} a month"
        # The headline is the latest 12 months' own mean over every month with data (the figure the Priorities
        # page shows for the same months); the change compares only the calendar months with data in both years.
        window = pd.to_numeric(
            monthly[(monthly["month"] >= start) & (monthly["month"] <= stop)]["value"], errors="coerce"
        ).dropna()
        if c.verdict != "not enough data" and c.current_mean is None:
            headline = "Withheld"
            metric_label = "small numbers"
        else:
            # written as the verdict beside it writes its means: the card said "26" above "26.0 reports a month"
            headline = (
                fmt.number_beside(float(window.mean()), c.current_mean, c.previous_mean) if len(window) else "No data"
            )
            if len(window) and not stats.enough_months(len(window), 12):
                metric_label += f" ({len(window)} months only)"  # a few months' mean is not the year's: say so
        both = len(c.current_months) + len(c.left_out)
        out = " and ".join(fmt.month_label(m) for m, _p in c.left_out)
        if c.recording_changes:  # months left out as recorded differently, not for want of data
            which = f" ({comparisons.recorded_alike(c)}" + (f"; less {out}: far out of line)" if out else ")")
        elif both < n and out:
            which = f" (the {both} months with data in both years, less {out}: far out of line)"
        elif out:
            which = f" ({out} left out: far out of line with the other months)"
        else:
            which = f" (the {both} months with data in both years)" if both < n else ""
        change = (
            f"{comparisons.change_words(c)} on the same months a year before{which}"
            if c.change_pct is not None
            else c.note or "no change can be worked out"
        )
        detail = comparisons.method_line(c)
        cycle_line = comparisons.cycle_sentence(cyc_c)
        if end:
            monthly = monthly[monthly["month"] <= end]
        cards.append(
            Card(
                priority_id=str(h["priority_id"]),
                priority_title=str(h["priority_title"]),
                illustrative=bool(h["illustrative"]),
                indicator_id=iid,
                label=str(h["label"]),
                unit=unit,
                headline=headline,
                metric_label=metric_label,
                period=period,
                months_line=months_line,
                change=change,
                # the months are the line above it on the card
                plain=comparisons.plain_verdict(
                    c, unit, what="The last 12 months against the same months a year before"
                ),
                verdict=c.shown_verdict,
                symbol=sym,
                colour=colour,
                why=why_line(h),
                detail=detail,
                cycle_line=cycle_line,
                comparison=c,
                sparkline=charts.sparkline(monthly.tail(36), colour),
                trend_link={"indicator": iid},
                sparkline_caption=_spark_words(monthly.tail(36), unit),
            )
        )
    title = f"Headline indicators of the {cycle} plan" if cycle else "Headline indicators"
    if is_past:
        question = (
            f"How did each priority of {cycle} move by the end of that plan ({fmt.month_label(end)}): its last "
            "12 months against the 12 before, and against the plan before it?"
        )
    else:
        question = "Is each priority improving: the latest 12 months against the same months a year before?"
    table = pd.DataFrame(
        [
            {
                "Priority": k.priority_title + (" (illustrative)" if k.illustrative else ""),
                "Indicator": k.label,
                "Unit": str(inds.loc[k.indicator_id, "unit"]),  # what the figures of its row count
                "Verdict": k.verdict,  # what a reader looks for first, before the figures behind it
                "Change, %": _round(k.comparison.change_pct, 1),
                "A month now (months compared)": _round(k.comparison.current_mean, 1),
                "A month a year before": _round(k.comparison.previous_mean, 1),
                "Months compared": k.period,
                "p-value adjusted for many tests": fmt.significant(k.comparison.family_p_value),
                "p-value": fmt.significant(k.comparison.p_value),
                "Against the previous plan": k.cycle_line,
                "Source": str(inds.loc[k.indicator_id, "source"]),  # the stamp names every source of the table
            }
            for k in cards
        ]
    )
    meta = stamp(
        store,
        title,
        ", ".join(sorted({k.period for k in cards})) or "no data",
        "; ".join(sorted({str(s) for s in inds.loc[[k.indicator_id for k in cards], "source"]})) if cards else "",
        {"cycle": cycle or ""},
        method=METHODS["change"],
    )
    return View(
        name="overview",
        title=title,
        question=question,
        meta=meta,
        tables={"headline indicators": table},
        sentences=[f"{k.label}: {k.verdict} ({k.change})." for k in cards],
        detail=[verdicts.FAMILY_NOTE],
        notes=([comparisons.ILLUSTRATIVE] if any(k.illustrative for k in cards) else [])
        + _left_out(store, cycle, cards),
        queries=[
            "python -m safer explain --indicator all --compare latest12"
            + (f" --end-month {end}" if end else "")
            + " --json",
            f"python -m safer explain --indicator all --compare cycle --cycle {cycle}",
            query_command("headline_indicators", cycle=cycle),
        ],
        data={
            "cards": cards,
            "cycle": cycle,
            "cycles": cyc,
            "past": is_past,
            "end_month": end,
            "how": HOW_CARDS_COMPARE,  # in plain words, above the cards; the technical note is `detail`
        },
    )


HOW_CARDS_COMPARE = (
    "Each card compares the same calendar months, so the time of year and missing months cannot make a change. "
    "Several indicators are looked at together, so a change has to be clearer than it would alone to count as "
    "real. How each verdict was worked out is one click away on its card."
)
