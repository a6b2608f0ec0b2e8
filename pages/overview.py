"""Overview: each priority's headline indicators, the latest 12 months against the 12 before."""

import streamlit as st

from safer import charts, stats, ui

p = ui.header("Overview", "Is each priority improving: the latest 12 months against the 12 before?")

cycles = ui.run("plan_cycles")
headlines_default = ui.run("headline_indicators")
default_cycle = headlines_default.cycle_id.iloc[0] if len(headlines_default) else cycles.cycle_id.iloc[-1]
cycle = ui.url_select(
    "cycle", "Plan cycle", list(cycles.cycle_id), dict(zip(cycles.cycle_id, cycles.title)), default=default_cycle
)
headlines = ui.run("headline_indicators", cycle=cycle)
if headlines.empty:
    st.info("This plan cycle has no headline indicators in priority_indicators.csv.")
    st.stop()
if headlines.illustrative.any():
    st.caption("Priorities marked (illustrative) are worded for the demo where the plan's exact wording is not known.")

st.caption(
    "Each card compares the mean per month of the latest 12 months with data against the 12 months before, "
    "so months with no data do not count as zero. ▲/▼ show the direction; the word says whether that is "
    "better or worse for this indicator and whether it is beyond chance (E-test for two Poisson rates, "
    "adjusted for over-dispersion)."
)

series_cache: dict[str, object] = {}
for (pid, ptitle, illustrative), group in headlines.groupby(
    ["priority_id", "priority_title", "illustrative"], sort=False
):
    st.subheader(ptitle + (" (illustrative)" if illustrative else ""))
    cols = st.columns(max(len(group), 3))
    for col, ind in zip(cols, group.to_dict("records")):
        iid = ind["indicator_id"]
        if iid not in series_cache:
            series_cache[iid] = ui.run("monthly", indicator=iid)
        monthly = series_cache[iid]
        ch = stats.change_between(monthly)
        v = stats.verdict(ch["change_pct"], ind["good_direction"], ch["comparison"].beyond_chance)
        with col.container(border=True):
            st.markdown(f"**{ind['label']}**")
            if ch["last_month"] is None:
                st.write("No months with data.")
                continue
            change = "n/a" if ch["change_pct"] != ch["change_pct"] else f"{ch['change_pct']:+.1f}%"
            st.metric(
                f"{ind['unit'].capitalize()} a month, 12 months to {ch['last_month']}",
                f"{ch['latest_mean']:,.1f}",
                f"{change} · {v['symbol']} {v['word']}",
                delta_color="off"
                if v["word"] in ("no clear change", "up", "down")
                else ("normal" if (v["word"] == "better") == (ch["change_pct"] > 0) else "inverse"),
            )
            st.plotly_chart(
                charts.sparkline(monthly.tail(36), v["colour"]),
                width="stretch",
                theme=None,
                config={"displayModeBar": False},
                key=f"spark-{pid}-{iid}",
            )
            st.caption(
                f"Line: the last 36 months. Previous 12 months: {ch['previous_mean']:,.1f} a month. Months with data: "
                f"{ch['latest_months_with_data']} of 12 latest, {ch['previous_months_with_data']} of 12 previous."
            )
            st.page_link("pages/trends.py", label="See the trend", query_params={"indicator": iid})

st.subheader("SIA data pack")
st.caption(
    "For the Strategic Intelligence Assessment: for each priority of this plan cycle, its charts (PNG), its tables "
    "(CSV, and one Excel workbook per priority) and a plain-English paragraph per indicator, tied together by an "
    "index.html. It takes up to a minute to make. The same pack: `python -m safer pack --cycle "
    f"{cycle} --out DIR`."
)
ui.pack_download(cycle)
