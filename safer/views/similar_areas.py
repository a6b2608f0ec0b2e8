"""Compare: the partnership's rate per 1,000 residents against similar areas, on a funnel plot and over time.

The areas are a comparator group's (`comparator_groups.csv`; without it, every area of `comparator_monthly.csv`):
police.uk indicators are counted from the police.uk files for the areas in `area_lookup.csv`, the rest come from
`comparator_monthly.csv` (the `comparator_counts` model table). The funnel's limits and every area's position come
from the engine (`verdicts.funnel`: Spiegelhalter 2005, widened for over-dispersion between areas when the areas
differ more than chance), the same object `python -m safer explain --compare areas` prints.
"""

from __future__ import annotations

from .. import charts, fmt, queries, verdicts
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp, table

POSITION_WORDS = {
    "above": "above the 99.8% limit: higher than the variation between similar areas would explain",
    "within": "within the limits: no different from similar areas beyond the variation between them",
    "below": "below the 99.8% limit: lower than the variation between similar areas would explain",
    verdicts.NOT_JUDGED: (
        f"not judged: a group needs at least {verdicts.MIN_FUNNEL_AREAS} areas expecting "
        f"{verdicts.SMALL_EXPECTED:g} events or more to tell how much similar areas differ beyond chance"
    ),
}
NO_RATE = "no rate: no population estimate"


def _position_label(a) -> str:
    """Where an area falls, as the chart's hover and its labels say it: the 99.8% limits first, then the 95%."""
    if a.position == verdicts.NOT_JUDGED:
        return "not judged (too few areas)"
    return {"above": "above 99.8%", "below": "below 99.8%"}.get(a.position, a.position_95 + " 95%")


def comparator_groups(store):
    """Every comparator group and its areas (one row per group and area), first group first (run once per data
    version and shared: never mutate it)."""
    return table(store, "comparator_groups")


def group_choices(store) -> tuple[list[str], dict[str, str], str | None]:
    """The comparator groups offered (ids in file order, their names) and the one shown when none is asked for:
    the first (`comparisons.comparator_group`); None when there is no comparator data."""
    groups = comparator_groups(store).drop_duplicates("group_id")
    ids = [str(g) for g in groups.group_id]
    return ids, dict(zip(ids, map(str, groups.group_name))), comparisons.comparator_group(store)


@cached
def comparator_indicators(store, group_id: str | None = None):
    return queries.run(store, "comparator_indicators", group=group_id)


def _source(members) -> str:
    parts = []
    if members["from_police_uk"].any():
        parts.append("police.uk street files (areas placed by area_lookup.csv)")
    if not members["from_police_uk"].all() or not parts:
        parts.append("comparator_monthly.csv")
    # the partnership's own population is its population.csv's, as the Areas page's is (an SIA analyst: the stamp
    # named only comparator_population.csv, which does not hold it)
    return ", ".join(parts) + "; populations from comparator_population.csv and, for the partnership, population.csv"


def _gaps(members, rates) -> list[str]:
    """Sentences naming the group's areas without a rate (no population) or without data in the period."""
    out = []
    shown = set(rates["area_code"])
    none = members[~members["area_code"].isin(shown)]
    if len(none):
        out.append(
            f"No data in the period for {fmt.plural(len(none), 'area')} of the group: "
            f"{', '.join(none['area_name'])} (a month without a police.uk file for an area's force is missing, "
            "not 0)."
        )
    short = rates[rates["months_with_data"] < 12]
    if len(short):
        listed = ", ".join(f"{r.area_name} {r.months_with_data}" for r in short.itertuples())
        out.append(
            f"Months with data out of 12: {listed}. A missing month (no police.uk file for the area's force, or "
            "no comparator_monthly.csv row) adds neither count nor population, never 0."
        )
    no_pop = rates[rates["rate_per_1000"].isna()]
    if len(no_pop):
        out.append(
            f"{', '.join(no_pop['area_name'])}: no population estimate in comparator_population.csv, so no rate "
            "per 1,000; the counts are in the table, and the area is left off the funnel plot."
        )
    return out


@cached
def compare(store, indicator_id: str, group_id: str | None = None) -> View:
    group_id = comparisons.comparator_group(store, group_id)
    groups = comparator_groups(store)
    members = groups[groups["group_id"] == group_id]
    group_name = str(members["group_name"].iloc[0])
    inds = comparator_indicators(store, group_id).set_index("indicator_id")
    ind = inds.loc[indicator_id].to_dict() | {"indicator_id": indicator_id}
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    rates = queries.run_true(store, "comparator_rates", indicator=indicator_id, group=group_id)
    f = comparisons.areas(store, indicator_id, group_id=group_id)
    pos = {a.area_code: a for a in f.areas}
    rated = rates[rates["area_code"].isin(pos)]
    areas = rated.assign(
        rate=rated["total"] / rated["person_years"] * 1000,
        position=[_position_label(pos[c]) for c in rated["area_code"]],
    )
    chart_input = {
        "group_rate": f.group_rate_per_1000, "centre": f.centre, "curve": f.curve, "areas": areas, "method": f.method
    }  # fmt: skip
    funnel_fig = charts.funnel_chart(chart_input, ind, synthetic, f.period)
    trend = queries.run(store, "comparator_trend", indicator=indicator_id, group=group_id)
    trend.attrs["unit"] = str(ind["unit"])  # its headings name what it counts (`fmt.column_label`)
    trend_fig = charts.comparator_trend_chart(trend, ind, synthetic)
    trend_period = f"{trend.month.min()} to {trend.month.max()}" if len(trend) else "no data"
    mine = [a for a in f.areas if a.is_partnership]
    sentences = []
    if mine:
        m = mine[0]
        sentences.append(
            f"{m.area_name}: {fmt.number(m.rate_per_1000, 1)} {ind['unit']} a year per 1,000 residents "
            f"({fmt.period_label(*f.period.split(' to '))}), against "
            + (
                f"a typical rate of {fmt.number(f.group_rate_per_1000, 1)} among the {len(f.areas)} areas of the "
                f"group “{group_name}” ({fmt.number(f.pooled_rate_per_1000, 1)} for all of them together)"
                if f.centre == "typical rate"
                else f"{fmt.number(f.group_rate_per_1000, 1)} for the {len(f.areas)} areas of the group "
                f"“{group_name}” together"
            )
            + f": {POSITION_WORDS[m.position]}."
        )
    if f.not_judged:
        sentences.append(
            f"No area is called unusual: {f.not_judged}. The limits drawn show chance variation alone; most real "
            "groups of areas differ by more than that."
        )
    else:
        outside = sum(a.position != "within" for a in f.areas)
        sentences.append(f"{outside} of {len(f.areas)} areas fall outside the 99.8% limits as drawn.")
    sentences += _gaps(members, rates)
    end = str(rates["end_month"].iloc[0]) if len(rates) else str(f.period).split(" to ")[-1]
    populations, uneven = comparisons.estimate_years(rates, end)
    if uneven:  # the areas' estimates of different years, or old: said on the page, beside the funnel
        sentences.append(uneven)
    cols = ["area_name", "total", "months_with_data", "population", "estimate_year", "person_years", "rate_per_1000"]
    table = rates[cols].assign(position=[pos[c].position if c in pos else NO_RATE for c in rates["area_code"]])
    table.columns = [
        "Area",
        fmt.with_unit("Total", str(ind["unit"])),
        "Months with data",
        "Population",
        fmt.column_label("estimate_year"),
        "Person-years",
        fmt.column_label("rate_per_1000", unit=str(ind["unit"])),
        "Against the 99.8% limits",
    ]
    filters = {"indicator": indicator_id} | ({"group": group_id} if len(groups.group_id.unique()) > 1 else {})
    meta = stamp(
        store,
        f"{ind['label']}: annual rate per 1,000 residents against similar areas ({group_name})",
        f.period,
        _source(members),
        filters,
        method=METHODS["funnel"],
    )
    g = f" --group {group_id}" if "group" in filters else ""
    return View(
        name="compare",
        title=meta.title,
        question="Is our rate per 1,000 residents unusual among similar areas, or within the variation between them?",
        meta=meta,
        tables={"comparator rates": table, "comparator trend": trend},
        figures={"funnel plot": funnel_fig, "comparator trend chart": trend_fig},
        sentences=sentences,
        detail=[f.method + "."] + ([] if uneven else [populations]),  # an uneven note is among the sentences
        queries=[
            query_command("comparator_rates", indicator=indicator_id, group=group_id if g else None),
            query_command("comparator_trend", indicator=indicator_id, group=group_id if g else None),
            f"python -m safer explain --indicator {indicator_id} --compare areas{g} --json",
        ],
        data={"indicator": ind, "funnel": f, "group": {"group_id": group_id, "group_name": group_name}},
        periods=dict.fromkeys(("comparator trend", "comparator trend chart"), trend_period),
    )
