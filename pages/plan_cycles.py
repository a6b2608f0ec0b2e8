"""Plan cycles: did the indicator move between plan cycles, and is the change beyond chance?"""

import streamlit as st

from safer import charts, export, stats, ui

p = ui.header("Plan cycles", "How did this indicator move from one plan cycle to the next, and is the change real?")

indicator, area = ui.indicator_and_area()
iid, code = indicator["indicator_id"], area["area_code"]

summary = ui.run("cycle_summary", indicator=iid, area=code)
months = ui.run("cycle_months", indicator=iid, area=code)
comparison = stats.compare_cycles(summary, months)
synthetic = bool(p["synthetic"])

means_fig = charts.cycle_means_chart(comparison, indicator, synthetic)
st.plotly_chart(means_fig, width="stretch", theme=None)
st.caption(charts.describe_cycles(comparison, indicator))

lines = []
for r in comparison.itertuples():
    cover = f"{r.months_with_data} of {r.months_in_cycle} months with data"
    if r.months_with_data == 0:
        lines.append(f"- **{r.cycle_id}**: no months with data yet.")
        continue
    if r.monthly_mean != r.monthly_mean:  # withheld: fewer than the suppression threshold in the whole cycle
        lines.append(
            f"- **{r.cycle_id}**: fewer than {summary.attrs.get('suppress_below')} {indicator['unit']} in "
            f"the cycle ({cover}): suppressed."
        )
        continue
    text = f"- **{r.cycle_id}**: {r.monthly_mean:,.1f} {indicator['unit']} a month ({cover})"
    if r.Index > 0 and r.rate_ratio == r.rate_ratio:
        v = stats.verdict(r.change_vs_previous_pct, indicator["good_direction"], bool(r.beyond_chance))
        chance = "beyond chance" if r.beyond_chance else "within chance variation"
        text += (
            f"; {r.change_vs_previous_pct:+.1f}% on the previous cycle, {chance} "
            f"(p = {r.p_adjusted:.3g}): {v['symbol']} {v['word']}"
        )
    lines.append(text + ".")
st.markdown("\n".join(lines))
st.markdown("**Method.** " + comparison["method"].iloc[0])
st.caption(
    "Monthly means are total ÷ months with data, so a cycle with missing months is not pulled down by them. "
    "Error bars are 95% intervals of the monthly mean: exact Poisson (Garwood), widened by the dispersion "
    "when months vary more than Poisson."
)
ui.stamp(f"{months.month.min()} to {months.month.max()} (plan cycles)", indicator["source"])

st.subheader("Month by month, cycles lined up")
lines_fig = charts.cycle_lines_chart(months, indicator, synthetic)
st.plotly_chart(lines_fig, width="stretch", theme=None)
st.caption(charts.describe_cycle_months(months, indicator))
with st.expander("Month by month as a table"):
    st.dataframe(export.display_table(months), hide_index=True, width="stretch")

table = comparison[
    [
        "cycle_id",
        "months_in_cycle",
        "months_with_data",
        "total",
        "monthly_mean",
        "ci_low",
        "ci_high",
        "change_vs_previous_pct",
        "rate_ratio",
        "p_value",
        "dispersion",
        "p_adjusted",
        "beyond_chance",
    ]
]
table.attrs = summary.attrs
if "total_suppressed" in summary:
    table = table.assign(total_suppressed=summary["total_suppressed"])
with st.expander("The same numbers as a table"):
    st.dataframe(export.display_table(table), hide_index=True, width="stretch")
ui.exports(
    {"plan cycles": table, "month by month": months},
    {"cycle means chart": means_fig, "cycles lined up chart": lines_fig},
    ui.meta(
        f"{indicator['label']} in {area['area_name']}, by plan cycle",
        f"{months.month.min()} to {months.month.max()}",
        indicator["source"],
        {"indicator": iid, "area": code},
    ),
)
