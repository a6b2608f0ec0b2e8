"""Compare: the partnership's rate per 1,000 residents against similar areas (a funnel plot), and over time."""

import streamlit as st

from safer import charts, export, stats, ui

p = ui.header(
    "Compare", "Is our rate per 1,000 residents unusual among similar areas, or within what chance would give?"
)
synthetic = bool(p["synthetic"])

inds = ui.run("comparator_indicators")
if inds.empty:
    st.info(
        "No comparator data in the data directory: add `comparator_monthly.csv` and `comparator_population.csv` "
        "(see data/README.md) to compare with similar areas."
    )
    st.stop()
with st.container(horizontal=True):
    iid = ui.url_select("indicator", "Indicator", list(inds.indicator_id), dict(zip(inds.indicator_id, inds.label)))
    method = ui.url_select(
        "limits",
        "Funnel limits",
        list(stats.FUNNEL_METHODS),
        {"poisson": "Exact Poisson (default)", "normal": "Normal approximation"},
    )
indicator = inds.set_index("indicator_id").loc[iid].to_dict() | {"indicator_id": iid}

rates = ui.run("comparator_rates", indicator=iid)
f = stats.funnel(rates, method)
period = f"{rates.start_month.iloc[0]} to {rates.end_month.iloc[0]}" if len(rates) else "no data"
POSITION = {
    "above 99.8%": "above the 99.8% limit: higher than chance alone would explain",
    "above 95%": "above the 95% limit but within the 99.8% limit: possibly higher, worth a look",
    "within 95%": "within the 95% limits: no different from the group beyond chance",
    "below 95%": "below the 95% limit but within the 99.8% limit: possibly lower, worth a look",
    "below 99.8%": "below the 99.8% limit: lower than chance alone would explain",
}
mine = f["areas"][f["areas"].is_partnership.astype(bool)]
if len(mine):
    m = mine.iloc[0]
    st.markdown(
        f"**{m.area_name}: {m.rate:,.1f} {indicator['unit']} a year per 1,000 residents** "
        f"({period}, {m.months_with_data} of 12 months with data), against {f['group_rate']:,.1f} for "
        f"the {len(f['areas'])} areas together: **{POSITION[m.position]}**."
    )
else:
    st.info("The partnership's own area has no rows in comparator_monthly.csv, so only the other areas are shown.")

funnel_fig = charts.funnel_chart(f, indicator, synthetic, period)
st.plotly_chart(funnel_fig, width="stretch", theme=None)
st.caption(f["method"])
out = f["areas"][f["areas"].position != "within 95%"]
if len(out) > len(f["areas"]) / 2:
    st.caption(
        "More than half of the areas fall outside the 95% limits: the areas differ by more than Poisson chance "
        "(over-dispersion), so treat 'outside the limits' as a prompt to look, not as proof of a problem."
    )
ui.stamp(period, "comparator_monthly.csv and comparator_population.csv")

trend = ui.run("comparator_trend", indicator=iid)
trend_fig = charts.comparator_trend_chart(trend, indicator, synthetic)
st.plotly_chart(trend_fig, width="stretch", theme=None)
ui.stamp(
    f"{indicator['first_month']} to {indicator['last_month']}", "comparator_monthly.csv and comparator_population.csv"
)

table = f["areas"][["area_name", "total", "months_with_data", "population", "rate_per_1000", "position"]]
with st.expander("The same numbers as a table"):
    st.dataframe(export.display_table(table), hide_index=True, width="stretch")
ui.exports(
    {"comparator rates": table, "comparator trend": trend},
    {"funnel plot": funnel_fig, "comparator trend chart": trend_fig},
    ui.meta(
        f"{indicator['label']}: annual rate per 1,000 residents against similar areas",
        period,
        "comparator_monthly.csv and comparator_population.csv",
        {"indicator": iid, "limits": method},
    ),
)
