"""Areas: which wards have the highest rate per 1,000 residents, against the borough, on a map."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from .. import charts, export, fmt, queries, verdicts
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp

RATE_NOTE = (
    "Rates are per 1,000 residents (or per 1,000 of the indicator's population group, such as children) a year: "
    "total ÷ person-years × 1,000, where each month with data adds its own year's population estimate ÷ 12 "
    "(the nearest year available where a year has none)."
)


@cached
def periods(store) -> tuple[list[str], dict[str, str]]:
    cycles = queries.run(store, "plan_cycles")
    options = ["latest"] + list(cycles.cycle_id)
    # short, so a select box a third of a 1,024 px screen wide shows them whole (an outside audit: "Latest 12
    # months (small numbers: lates"); what each covers is under its ? (`PERIODS_HELP`), and the page's first
    # sentence names the months
    labels = {"latest": "Latest 12 months"} | {c: f"Plan cycle {c}" for c in cycles.cycle_id}
    return options, labels


PERIODS_HELP = (
    "Latest 12 months: the latest 12 calendar months with data (an indicator of small numbers: its latest "
    "complete financial year, so a ward's count is published for set periods only). A plan cycle: its months, to "
    "its end or the latest month with data. The sentence under the choices names the months."
)


@cached
def boundaries(store) -> tuple[dict | None, str]:
    """The ward boundaries of the build being served (ward_boundaries.geojson as validation checked it, never
    the file on disk: one broken since leaves the last good build's boundaries drawn), and their attribution
    (empty when none)."""
    try:
        df = queries.run(store, "ward_boundaries")
    except duckdb.CatalogException:  # a build from before boundaries were kept in it: no map, never a crash
        return None, ""
    if df.empty or not isinstance(df.geojson.iloc[0], str):
        return None, ""
    geo = json.loads(df.geojson.iloc[0])
    return geo, str(geo.get("attribution", ""))


def _judge_wards(rates: pd.DataFrame, indicator_id: str, period: str):
    """Which wards' rates differ from the rest by more than chance and the usual variation between wards: the
    engine's funnel (`verdicts.funnel`) over the wards with a published count and a population. Returns the
    rates with a `funnel_position` column (above / within / below the 99.8% limits), and (sentence, method,
    whether any ward was judged); None when too few wards have a rate to judge."""
    wards = rates[(rates.area_type == "ward") & rates.total.notna() & (rates.person_years > 0)]
    if len(wards) < verdicts.MIN_FUNNEL_AREAS:
        return rates, None
    f = verdicts.funnel(
        wards.assign(is_partnership=False)[["area_code", "area_name", "is_partnership", "total", "person_years"]],
        indicator_id=indicator_id,
        period=period,
    )
    where = {a.area_code: a.position for a in f.areas}
    rates = rates.assign(funnel_position=rates.area_code.map(where))
    if f.not_judged:  # never "all within the usual spread": none was set against it (an outside audit)
        why = f.not_judged.replace("similar areas", "wards").replace("areas", "wards")
        return rates, (
            f"No ward is judged to stand out or not: {why}. The limits drawn show chance alone.",
            f.method.replace("similar areas", "wards") + ".",
            False,
        )
    above = [a.area_name for a in f.areas if a.position == "above"]
    below = [a.area_name for a in f.areas if a.position == "below"]
    within = len(f.areas) - len(above) - len(below)
    # In plain words for a cabinet member: the 99.8% funnel limits, the over-dispersion and the winsorised
    # z-scores are the method (`f.method`, shown one click away, in the exports and the SIA pack).
    parts = [f"above: {', '.join(above)}" if above else "", f"below: {', '.join(below)}" if below else ""]
    said = "; ".join(p for p in parts if p)
    if said:
        sentence = (
            f"Allowing for chance and for how much wards normally differ, {len(above) + len(below)} of the "
            f"{len(f.areas)} wards with a rate {'stands' if len(above) + len(below) == 1 else 'stand'} out from the "
            f"usual spread ({said}): chance alone would rarely "
            f"put a ward that far out. The other {within} are within it."
        )
    else:
        sentence = (
            f"No ward stands out: allowing for chance and for how much wards normally differ, the {within} wards "
            "with a rate are all within the usual spread."
        )
    flag = "total" + export.SUPPRESSED_SUFFIX
    withheld = int(rates[(rates.area_type == "ward")][flag].fillna(False).astype(bool).sum()) if flag in rates else 0
    if withheld:  # the lowest wards: leaving them out raises the rate the others are set against
        sentence += (
            f" {fmt.plural(withheld, 'ward')} with fewer than {rates.attrs.get('suppress_below', 5)} in the period "
            f"{'is' if withheld == 1 else 'are'} not judged (the count is withheld), so the rate of all the wards "
            "here leaves out the lowest and reads a little high."
        )
    rated = [a for a in f.areas if a.rate_per_1000 is not None]
    top = max(rated, key=lambda a: a.rate_per_1000) if rated else None
    if top is not None and top.position == "within" and f.group_rate_per_1000:
        # the highest ward is not flagged: say why, or a ward at several times the rest looks overlooked
        whole = rates[rates.area_type != "ward"].get("rate_per_1000", pd.Series(dtype=float)).dropna()
        rounded = int(rates.attrs.get("suppress_below") or 0) > 1  # small numbers: wards' counts as published
        group = fmt.number(f.group_rate_per_1000, 1)
        # all the wards' counts together differ from the whole area's true one by rounding alone (the typical
        # ward's rate is another figure: the method says what)
        differs = rounded and f.centre == "group rate" and len(whole) and fmt.number(float(whole.iloc[0]), 1) != group
        sentence += (
            f" The highest, {top.area_name} at {fmt.number(top.rate_per_1000, 1)} a year per 1,000 "
            f"({top.rate_per_1000 / f.group_rate_per_1000:.1f} times "
            + (f"the typical ward's {group}" if f.centre == "typical rate" else f"the {group} of all the wards")
            + (
                f", from their counts as published, rounded: the whole area's own rate, from its true count, is "
                f"{fmt.number(float(whole.iloc[0]), 1)}"
                if differs
                else ""
            )
            + "), is within the usual spread: wards differ this much from one another routinely, so that alone does "
            "not mark it out."
        )
    return rates, (sentence, f.method.replace("similar areas", "wards") + ".", True)


def _boundaries_credit(attribution: str) -> str:
    """The boundaries' attribution as a stamp's source names it: 'ward boundaries: ...' unless it says so."""
    return attribution if attribution.lower().startswith("ward boundaries") else f"ward boundaries: {attribution}"


@cached
def areas(store, indicator_id: str, period: str = "latest") -> View:
    ind = comparisons.indicator(store, indicator_id)
    per = ind.get("rate_per") or "residents"
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    whole = fmt.whole_area(p["area_code"])  # 'borough' for Stockport, 'district' for a shire district
    notes: list[str] = []
    left_out = None  # a note that small counts look left out of the partner's extract
    meta_period = "no data"
    first = last = None  # the months the rates are for, named in the view's command
    if ind["geography"] != "ward":
        notes.append(
            f"{ind['label']} is recorded for the whole {whole} only, so wards cannot be compared. "
            "Pick an indicator recorded by ward."
        )
        rates = None
    else:
        # up to which month ward totals are published: the last month with data, or a financial year's end
        h = comparisons.total_horizon(store, indicator_id)
        if bool(h.small_numbers):
            notes.append(
                f"Small numbers: ward totals of {ind['label'].lower()} are published for complete financial years "
                f"only (the latest to {fmt.month_label(h.horizon)}), and plan cycles up to the end of one: "
                f"{comparisons.MOVING_WINDOWS}. The Trends page shows each ward's months since, rounded."
            )
        if period == "latest":
            rates = queries.run(store, "ward_rates", indicator=indicator_id)
        else:
            cyc = queries.run(store, "plan_cycles").set_index("cycle_id").loc[period]
            if not isinstance(h.horizon, str) or cyc.start_month > h.horizon:
                started = isinstance(h.last_month, str) and cyc.start_month <= h.last_month
                notes.append(
                    f"No financial year of plan cycle {period} is complete yet, so {ind['label'].lower()} has no "
                    "ward totals for it (small numbers)."
                    if started
                    else f"{ind['label']} has no data in plan cycle {period} yet."
                )
                rates = None
            else:
                rates = queries.run(
                    store, "ward_rates", indicator=indicator_id, start_month=cyc.start_month,
                    end_month=min(cyc.end_month, h.horizon),
                )  # fmt: skip
    tables, figures, sentences, detail = {}, {}, [], [RATE_NOTE]
    method = ""  # what was worked out, for the citation: rates, and wards judged against the funnel, if they were
    data = {"indicator": ind, "map": None, "attribution": ""}
    if rates is not None:
        wards = rates[rates.area_type == "ward"]
        borough = rates[rates.area_type == "borough"].iloc[0]
        first, last = str(borough.start_month), str(borough.end_month)
        meta_period = f"{first} to {last}"
        sentences.append(
            f"{ind['label']}, {fmt.period_label(borough.start_month, borough.end_month)} "
            f"({borough.months_with_data} of {borough.months_in_period} months with data). Whole {whole}: "
            f"{fmt.number(borough.rate_per_1000, 1)} {ind['unit']} a year per 1,000 {per}."
        )
        geo, attribution = boundaries(store)
        if geo is not None:
            # a figure of the view, so it downloads as the ranking does, its stamp crediting the boundaries
            data["map"] = figures["ward map"] = charts.ward_map(wards, geo, ind, synthetic)
            data["attribution"] = attribution
        else:
            notes.append("No ward boundaries in the data (ward_boundaries.geojson), so no map is drawn.")
        figures["ward ranking chart"] = charts.ward_rank_chart(rates, ind, synthetic, whole)
        sentences.append(charts.describe_ward_rates(rates, ind, whole=whole))
        rates, judged = _judge_wards(rates, indicator_id, meta_period)
        method = METHODS["ward rates"]
        if judged is not None:
            sentences.append(judged[0])
            detail.append(judged[1])
            if judged[2]:
                method += "; " + METHODS["wards judged"]
        if published := queries.published_note(rates.attrs):  # as the table's downloads say it too
            few = int(rates.total_suppressed.sum()) if "total_suppressed" in rates else 0
            t = rates.attrs["suppress_below"]
            notes.append(
                (f"{fmt.plural(few, 'ward')} recorded fewer than {t} {ind['unit']} in the period. " if few else "")
                + published
            )
        if left_out := comparisons.small_counts_left_out(store, indicator_id):
            notes.append(left_out)
        populations, uneven = comparisons.estimate_years(rates, str(borough.end_month), per)
        detail.insert(1, populations)  # after how a rate is worked out, before how wards are judged
        if uneven:
            notes.append(uneven)
        rates.attrs["rate_per"] = per  # its headings say whom the rates are per (children, for some)
        rates.attrs["unit"] = str(ind["unit"])  # and what it counts
        tables["ward rates"] = rates
    figures = dict(sorted(figures.items(), key=lambda kv: kv[0] != "ward ranking chart"))  # the ranking first
    meta = stamp(
        store,
        f"{ind['label']}: annual rate per 1,000 {per} by ward",
        meta_period,
        str(ind["source"])
        + f"; {per} from population.csv"
        + (f"; {_boundaries_credit(data['attribution'])}" if data["map"] is not None and data["attribution"] else ""),
        {"indicator": indicator_id, "period": period},
        method=method,
    )
    return View(
        name="areas",
        title=meta.title,
        question="Where is the rate highest, per 1,000 people?",
        meta=meta,
        tables=tables,
        figures=figures,
        sentences=sentences,
        detail=detail,
        notes=notes,
        # the months the figures are for, named: the query's default (the latest period) moves on with the data
        queries=[query_command("ward_rates", indicator=indicator_id, start_month=first, end_month=last)]
        + (["python -m safer query ward_boundaries"] if data["map"] is not None else [])
        + ([query_command("small_counts_left_out", indicator=indicator_id)] if left_out else []),
        data=data,
    )
