"""Consultation: what residents and partners said, by source and theme, and perception against recorded."""

import streamlit as st

from safer import charts, stats, ui

p = ui.header("Consultation", "What do residents and partners say, and does it match what is recorded?")
synthetic = bool(p["synthetic"])

everything = ui.run("consultation")
if everything.empty:
    st.info("There are no consultation inputs in the data directory (consultation.csv).")
    st.stop()
if everything.synthetic.any():
    st.caption(
        "Rows marked synthetic in consultation.csv are demo figures, not real survey results or real consultation."
    )

sources = list(dict.fromkeys(everything.source))
themes = sorted(set(everything.theme))
with st.container(horizontal=True):
    source = ui.url_select("source", "Source", ["all"] + sources, {"all": "All sources"})
    theme = ui.url_select("theme", "Theme", ["all"] + themes, {"all": "All themes"})
rows = ui.run("consultation", source=None if source == "all" else source, theme=None if theme == "all" else theme)

st.subheader("Survey results")
survey = stats.survey_estimates(rows[rows.source_type == "survey"])
if survey.empty:
    st.info("No survey results for this source and theme.")
else:
    st.caption(stats.SURVEY_METHOD)
    table = survey.assign(
        base_note=[f"⚠ small base (under {stats.SMALL_BASE})" if s else "" for s in survey.small_base]
    )
    table = table[
        [
            "source",
            "period",
            "theme",
            "question",
            "answer",
            "respondents",
            "agreeing",
            "percent",
            "ci_low_pct",
            "ci_high_pct",
            "base_note",
            "synthetic",
        ]
    ]
    if survey.small_base.any():
        st.warning(
            f"{int(survey.small_base.sum())} result{'s have' if survey.small_base.sum() != 1 else ' has'} a base "
            f"under {stats.SMALL_BASE}: the interval is wide, so compare with care.",
            icon=":material/warning:",
        )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "respondents": st.column_config.NumberColumn("base (respondents)", format="%d"),
            "agreeing": st.column_config.NumberColumn("giving the answer", format="%d"),
            "percent": st.column_config.NumberColumn("%", format="%.1f"),
            "ci_low_pct": st.column_config.NumberColumn("95% CI low (%)", format="%.1f"),
            "ci_high_pct": st.column_config.NumberColumn("95% CI high (%)", format="%.1f"),
            "base_note": st.column_config.TextColumn("base"),
        },
    )
    ui.exports(
        {"survey results": table},
        {},
        ui.meta(
            "Consultation: survey results with 95% intervals",
            f"{table.period.min()} to {table.period.max()}",
            "consultation.csv",
            {},
        ),
        cite=False,
    )

st.subheader("What residents say against what is recorded")
linked = everything[(everything.source_type == "survey") & everything.indicator_id.notna()]
if linked.empty:
    st.info("No survey question in consultation.csv is set against an indicator (indicator_id).")
else:
    inds = ui.run("indicators")
    inds = inds[inds.indicator_id.isin(set(linked.indicator_id))]
    iid = ui.url_select("indicator", "Indicator", list(inds.indicator_id), dict(zip(inds.indicator_id, inds.label)))
    indicator = inds.set_index("indicator_id").loc[iid].to_dict() | {"indicator_id": iid}
    pv = stats.survey_estimates(ui.run("perception_vs_recorded", indicator=iid))
    monthly = ui.run("monthly", indicator=iid)
    perception_fig = charts.perception_chart(pv, monthly, indicator, synthetic)
    st.plotly_chart(perception_fig, width="stretch", theme=None)
    first, last = pv.iloc[0], pv.iloc[-1]
    st.caption(
        f"Residents: {first.percent:.1f}% in {first.period} (95% CI {first.ci_low_pct:.1f}–{first.ci_high_pct:.1f}%) and "
        f"{last.percent:.1f}% in {last.period} ({last.ci_low_pct:.1f}–{last.ci_high_pct:.1f}%). Recorded: "
        + (
            f"{first.recorded_monthly_mean:,.1f}"
            if first.recorded_monthly_mean == first.recorded_monthly_mean
            else "no data"
        )
        + f" a month in {first.period} ({first.months_with_data} of {first.months_in_period} months with data) and "
        + (
            f"{last.recorded_monthly_mean:,.1f}"
            if last.recorded_monthly_mean == last.recorded_monthly_mean
            else "no data"
        )
        + f" in {last.period} ({last.months_with_data} of {last.months_in_period} months with data). "
        "Where the intervals of two years do not overlap the change in what residents say is beyond chance."
    )
    ui.stamp(f"{pv.start_month.min()} to {pv.end_month.max()}", f"consultation.csv; {indicator['source']}")
    with st.expander("The same numbers as a table"):
        st.dataframe(pv, hide_index=True, width="stretch")
    ui.exports(
        {"perception against recorded": pv},
        {"perception chart": perception_fig},
        ui.meta(
            f"{indicator['label']}: what residents say against what is recorded",
            f"{pv.start_month.min()} to {pv.end_month.max()}",
            f"consultation.csv; {indicator['source']}",
            {"indicator": iid},
        ),
    )

st.subheader("What partners, groups and events said")
said = rows[rows.source_type != "survey"][
    ["source", "source_type", "period", "theme", "question", "summary", "synthetic"]
]
if said.empty:
    st.info("No event or group inputs for this source and theme.")
else:
    st.dataframe(said.rename(columns={"question": "point raised"}), hide_index=True, width="stretch")
