"""Trends: one indicator in one area, month by month, across plan cycles."""

import streamlit as st

from safer import charts, export, stats, ui

p = ui.header("Trends", "How has this indicator moved month by month, and which months stand out?")

indicator, area = ui.indicator_and_area()

iid, code = indicator["indicator_id"], area["area_code"]
monthly = ui.run("monthly", indicator=iid, area=code)
cycles = ui.run("plan_cycles")
events = ui.run("events", indicator=iid)
mark = ui.url_mark()
if mark:
    st.caption(f"The solid black line marks {mark['date']}, the date in the link you followed, labelled:")
    st.text(mark["label"])

suppressed = monthly["value_suppressed"] if "value_suppressed" in monthly else None
n_suppressed = int(suppressed.sum()) if suppressed is not None else 0
if n_suppressed:
    # Small numbers are withheld at ward level: a rolling mean or limits over them would be biased.
    st.info(
        f"{n_suppressed} months with fewer than {monthly.attrs['suppress_below']} {indicator['unit']} in this ward are "
        "suppressed (shown as <N in the table and marked on the chart), so no rolling mean or control limits "
        "are drawn for this ward."
    )
    monthly["rolling_12_mean"] = float("nan")
    limits = None
else:
    monthly["rolling_12_mean"] = stats.rolling_mean(monthly["value"])
    limits = stats.control_limits(monthly[["month", "value"]], cycles)

fig = charts.trend_chart(
    monthly[["month", "value"]],
    monthly["rolling_12_mean"],
    limits,
    cycles,
    events,
    indicator,
    area["area_name"],
    bool(p["synthetic"]),
    suppressed=suppressed,
    suppress_below=monthly.attrs.get("suppress_below"),
)
if mark:
    charts.add_marked_date(fig, mark["date"], mark["plotly_label"])
st.plotly_chart(fig, width="stretch", theme=None)
st.caption(charts.describe_trend(monthly, indicator, area["area_name"]))
period = f"{monthly.month.iloc[0]} to {monthly.month.iloc[-1]}" if len(monthly) else "no data"
ui.stamp(period, indicator["source"])

st.markdown(
    "**How to read it.** Points are monthly counts; gaps are months with no data (never zero). "
    "The dashed orange line is the mean of the last 12 months, shown only where all 12 have data. "
    "Marked points lie outside the control limits: unusual against the series' own month-to-month variation."
)
st.caption("Control limits: " + stats.LIMITS_METHODS["laney"] + ".")
if isinstance(indicator.get("caveats"), str) and indicator["caveats"]:
    st.markdown("**Caveats for this indicator**")
    st.text(indicator["caveats"])

table = (
    monthly
    if limits is None
    else monthly.merge(limits[["month", "phase", "centre", "lower", "upper", "signal"]], on="month", how="left")
)
table.attrs = monthly.attrs
with st.expander("The same numbers as a table", expanded=False):
    st.dataframe(export.display_table(table), hide_index=True, width="stretch")
ui.exports(
    {"monthly": table},
    {"trend chart": fig},
    ui.meta(
        f"{indicator['label']} in {area['area_name']}, by month",
        period,
        indicator["source"],
        {"indicator": iid, "area": code},
    ),
)
