"""Compare: the partnership's rate per 1,000 residents against similar areas, on a funnel plot and over time.

The funnel's limits and every area's position come from the engine (`verdicts.funnel`: Spiegelhalter 2005,
widened for over-dispersion between areas when the areas differ more than chance), the same object
`python -m safer explain --compare areas` prints.
"""

from __future__ import annotations

from .. import charts, fmt, queries
from . import comparisons
from .base import View, cached, stamp

POSITION_WORDS = {
    "above": "above the 99.8% limit: higher than the variation between similar areas would explain",
    "within": "within the limits: no different from similar areas beyond the variation between them",
    "below": "below the 99.8% limit: lower than the variation between similar areas would explain",
}


@cached
def comparator_indicators(store):
    return queries.run(store, "comparator_indicators")


@cached
def compare(store, indicator_id: str) -> View:
    inds = comparator_indicators(store).set_index("indicator_id")
    ind = inds.loc[indicator_id].to_dict() | {"indicator_id": indicator_id}
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    rates = queries.run_true(store, "comparator_rates", indicator=indicator_id)
    f = comparisons.areas(store, indicator_id)
    pos = {a.area_code: a for a in f.areas}
    areas = rates.assign(
        rate=rates["total"] / rates["person_years"] * 1000,
        position=[
            {"above": "above 99.8%", "below": "below 99.8%"}.get(pos[c].position, pos[c].position_95 + " 95%")
            for c in rates["area_code"]
        ],
    )
    chart_input = {"group_rate": f.group_rate_per_1000, "curve": f.curve, "areas": areas, "method": f.method}
    funnel_fig = charts.funnel_chart(chart_input, ind, synthetic, f.period)
    trend = queries.run(store, "comparator_trend", indicator=indicator_id)
    trend_fig = charts.comparator_trend_chart(trend, ind, synthetic)
    mine = [a for a in f.areas if a.is_partnership]
    sentences = []
    if mine:
        m = mine[0]
        sentences.append(
            f"{m.area_name}: {fmt.number(m.rate_per_1000, 1)} {ind['unit']} a year per 1,000 residents "
            f"({fmt.period_label(*f.period.split(' to '))}), against {fmt.number(f.group_rate_per_1000, 1)} for "
            f"the {len(f.areas)} areas together: {POSITION_WORDS[m.position]}."
        )
    outside = sum(a.position != "within" for a in f.areas)
    sentences.append(f"{outside} of {len(f.areas)} areas fall outside the 99.8% limits as drawn.")
    table = rates[["area_name", "total", "months_with_data", "population", "person_years", "rate_per_1000"]].assign(
        position=[pos[c].position for c in rates["area_code"]]
    )
    table.columns = [
        "Area",
        "Total",
        "Months with data",
        "Population",
        "Person-years",
        "Rate per 1,000 a year",
        "Against the 99.8% limits",
    ]
    meta = stamp(
        store,
        f"{ind['label']}: annual rate per 1,000 residents against similar areas",
        f.period,
        "comparator_monthly.csv and comparator_population.csv",
        {"indicator": indicator_id},
    )
    return View(
        name="compare",
        title=meta.title,
        question="Is our rate per 1,000 residents unusual among similar areas, or within the variation between them?",
        meta=meta,
        tables={"comparator rates": table, "comparator trend": trend},
        figures={"funnel plot": funnel_fig, "comparator trend chart": trend_fig},
        sentences=sentences,
        detail=[f.method + "."],
        queries=[
            f"python -m safer query comparator_rates --indicator {indicator_id}",
            f"python -m safer query comparator_trend --indicator {indicator_id}",
            f"python -m safer explain --indicator {indicator_id} --compare areas --json",
        ],
        data={"indicator": ind, "funnel": f},
    )
