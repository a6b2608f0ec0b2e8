"""Areas: which wards have the highest rate per 1,000 residents, against the borough, on a map."""

from __future__ import annotations

import json

from .. import charts, fmt, queries
from . import comparisons
from .base import View, cached, stamp

RATE_NOTE = (
    "Rates are per 1,000 residents (or per 1,000 of the indicator's population group, such as children) a year: "
    "total ÷ person-years × 1,000, where each month with data adds its own year's population estimate ÷ 12 "
    "(the nearest year available where a year has none)."
)


@cached
def periods(store) -> tuple[list[str], dict[str, str]]:
    cycles = queries.run(store, "plan_cycles")
    options = ["latest"] + list(cycles.cycle_id)
    labels = {"latest": "Latest 12 months with data"} | {
        c: f"Plan cycle {c} (to its end or the latest month with data)" for c in cycles.cycle_id
    }
    return options, labels


def boundaries(store) -> tuple[dict | None, str]:
    """The ward boundaries in the data directory, and their attribution (empty when none)."""
    path = store.data_dir / "ward_boundaries.geojson"
    if not path.exists():
        return None, ""
    geo = json.loads(path.read_text(encoding="utf-8"))
    return geo, str(geo.get("attribution", ""))


@cached
def areas(store, indicator_id: str, period: str = "latest") -> View:
    ind = comparisons.indicator(store, indicator_id)
    per = ind.get("rate_per") or "residents"
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    notes: list[str] = []
    meta_period = "no data"
    if ind["geography"] != "ward":
        notes.append(
            f"{ind['label']} is recorded for the borough only, so wards cannot be compared. "
            "Pick an indicator recorded by ward."
        )
        rates = None
    elif period == "latest":
        rates = queries.run(store, "ward_rates", indicator=indicator_id)
    else:
        cyc = queries.run(store, "plan_cycles").set_index("cycle_id").loc[period]
        last = ind.get("last_month")
        if not isinstance(last, str) or cyc.start_month > last:
            notes.append(f"{ind['label']} has no data in plan cycle {period} yet.")
            rates = None
        else:
            rates = queries.run(
                store, "ward_rates", indicator=indicator_id, start_month=cyc.start_month,
                end_month=min(cyc.end_month, last),
            )  # fmt: skip
    tables, figures, sentences = {}, {}, []
    data = {"indicator": ind, "map": None, "attribution": ""}
    if rates is not None:
        wards = rates[rates.area_type == "ward"]
        borough = rates[rates.area_type == "borough"].iloc[0]
        meta_period = f"{borough.start_month} to {borough.end_month}"
        sentences.append(
            f"{ind['label']}, {fmt.period_label(borough.start_month, borough.end_month)} "
            f"({borough.months_with_data} of {borough.months_in_period} months with data). Borough: "
            f"{fmt.number(borough.rate_per_1000, 1)} {ind['unit']} a year per 1,000 {per}."
        )
        geo, attribution = boundaries(store)
        if geo is not None:
            data["map"] = charts.ward_map(wards, geo, ind, synthetic)
            data["attribution"] = attribution
        else:
            notes.append("No ward boundaries in the data directory (ward_boundaries.geojson), so no map is drawn.")
        figures["ward ranking chart"] = charts.ward_rank_chart(rates, ind, synthetic)
        sentences.append(charts.describe_ward_rates(rates, ind))
        if "total_suppressed" in rates and rates.total_suppressed.any():
            t = rates.attrs["suppress_below"]
            notes.append(
                f"{fmt.plural(int(rates.total_suppressed.sum()), 'ward')} recorded fewer than {t} {ind['unit']} in "
                f"the period: their counts and rates are suppressed (<{t})."
            )
        tables["ward rates"] = rates
    meta = stamp(
        store,
        f"{ind['label']}: annual rate per 1,000 {per} by ward",
        meta_period,
        str(ind["source"]) + f"; {per} from population.csv",
        {"indicator": indicator_id, "period": period},
    )
    return View(
        name="areas",
        title=meta.title,
        question="Where is the rate highest, per 1,000 residents?",
        meta=meta,
        tables=tables,
        figures=figures,
        sentences=sentences,
        detail=[RATE_NOTE],
        notes=notes,
        queries=[f"python -m safer query ward_rates --indicator {indicator_id}"]
        + ([] if period == "latest" else [f"    (--start_month and --end_month for plan cycle {period})"]),
        data=data,
    )
