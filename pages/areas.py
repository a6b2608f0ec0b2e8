"""Areas: which wards have the highest rates, against the borough."""

import json

import streamlit as st

from safer import charts, export, ui

p = ui.header("Areas", "Where is the rate highest, per 1,000 residents?")

cycles = ui.run("plan_cycles")
with st.container(horizontal=True):
    indicator = ui.indicator_picker()
    period_choice = ui.url_select(
        "period",
        "Period",
        ["latest"] + list(cycles.cycle_id),
        {"latest": "Latest 12 months with data"}
        | {c: f"Plan cycle {c} (to its end or the latest month with data)" for c in cycles.cycle_id},
    )
iid = indicator["indicator_id"]
synthetic = bool(p["synthetic"])

if indicator["geography"] != "ward":
    st.info(
        f"{indicator['label']} is recorded for the borough only, so wards cannot be compared. "
        "Pick an indicator recorded by ward."
    )
    st.stop()

if period_choice == "latest":
    rates = ui.run("ward_rates", indicator=iid)
else:
    cyc = cycles.set_index("cycle_id").loc[period_choice]
    if not isinstance(indicator.get("last_month"), str) or cyc.start_month > indicator["last_month"]:
        st.info(f"{indicator['label']} has no data in plan cycle {period_choice} yet.")
        st.stop()
    rates = ui.run(
        "ward_rates", indicator=iid, start_month=cyc.start_month, end_month=min(cyc.end_month, indicator["last_month"])
    )
wards = rates[rates.area_type == "ward"]
borough = rates[rates.area_type == "borough"].iloc[0]
period = f"{borough.start_month} to {borough.end_month}"
st.markdown(
    f"**{indicator['label']}, {period}** ({borough.months_with_data} of {borough.months_in_period} months with data). "
    f"Borough: {borough.rate_per_1000:,.1f} {indicator['unit']} a year per 1,000 residents."
)

geojson_path = ui.store().data_dir / "ward_boundaries.geojson"
if geojson_path.exists():
    left, right = st.columns([3, 2])
    with right:
        st.plotly_chart(
            charts.ward_map(wards, json.loads(geojson_path.read_text()), indicator, synthetic),
            width="stretch",
            theme=None,
        )
else:
    left = st.container()
    st.caption("No ward boundaries in the data directory (ward_boundaries.geojson), so no map is drawn.")
with left:
    rank_fig = charts.ward_rank_chart(rates, indicator, synthetic)
    st.plotly_chart(rank_fig, width="stretch", theme=None)
    st.caption(charts.describe_ward_rates(rates, indicator))
ui.stamp(period, indicator["source"] + "; residents from population.csv")
st.caption(
    "Rates are annualised: total ÷ months with data × 12 ÷ residents × 1,000, using the population estimate "
    "for the period's last year (or the nearest year available)."
)

if "total_suppressed" in rates and rates.total_suppressed.any():
    st.caption(
        f"{int(rates.total_suppressed.sum())} wards recorded fewer than {rates.attrs['suppress_below']} "
        f"{indicator['unit']} in the period: their counts and rates are suppressed (<{rates.attrs['suppress_below']})."
    )
with st.expander("The same numbers as a table"):
    st.dataframe(export.display_table(rates), hide_index=True, width="stretch")
ui.exports(
    {"ward rates": rates},
    {"ward ranking chart": rank_fig},
    ui.meta(
        f"{indicator['label']}: annual rate per 1,000 residents by ward",
        period,
        indicator["source"] + "; residents from population.csv",
        {"indicator": iid},
    ),
)
