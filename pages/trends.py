"""Trends: one indicator in one area, month by month, across plan cycles."""
import streamlit as st

from safer import charts, stats, ui

p = ui.header("Trends", "How has this indicator moved month by month, and which months stand out?")

with st.container(horizontal=True):
    indicator = ui.indicator_picker()
    area = ui.area_picker(indicator)

iid, code = indicator["indicator_id"], area["area_code"]
monthly = ui.run("monthly", indicator=iid, area=code)
cycles = ui.run("plan_cycles")
events = ui.run("events", indicator=iid)

monthly["rolling_12_mean"] = stats.rolling_mean(monthly["value"])
limits = stats.control_limits(monthly[["month", "value"]], cycles)

fig = charts.trend_chart(monthly[["month", "value"]], monthly["rolling_12_mean"], limits, cycles, events,
                         indicator, area["area_name"], bool(p["synthetic"]))
st.plotly_chart(fig, width="stretch")
st.caption(charts.describe_trend(monthly, indicator, area["area_name"]))
period = f"{monthly.month.iloc[0]} to {monthly.month.iloc[-1]}" if len(monthly) else "no data"
ui.stamp(period, indicator["source"])

st.markdown(
    "**How to read it.** Points are monthly counts; gaps are months with no data (never zero). "
    "The dashed orange line is the mean of the last 12 months, shown only where all 12 have data. "
    "Marked points lie outside the control limits: unusual against the series' own month-to-month variation.")
st.caption("Control limits: " + stats.LIMITS_METHODS["laney"] + ".")
if isinstance(indicator.get("caveats"), str) and indicator["caveats"]:
    st.markdown("**Caveats for this indicator**")
    st.text(indicator["caveats"])

table = monthly.merge(limits[["month", "phase", "centre", "lower", "upper", "signal"]], on="month", how="left")
with st.expander("The same numbers as a table", expanded=False):
    st.dataframe(table, hide_index=True, width="stretch")
ui.download_csv(table, f"{iid}-{code}-monthly.csv")
