"""Areas: which wards have the highest rates, against the borough."""

import streamlit as st

from safer import ui, views

p = ui.header("Areas", "Where is the rate highest, per 1,000 people?")
s = ui.store()
options, labels = views.area_periods(s)
left, right = st.columns(2)  # one above the other on a phone, where side by side each choice was cut short
with left:
    indicator = ui.indicator_picker()
with right:
    period = ui.url_select("period", "Period", options, labels, help=views.AREA_PERIODS_HELP)
v = views.areas(s, indicator["indicator_id"], period)
if not v.tables:
    for note in v.notes:
        ui.info(note)
    st.stop()

st.markdown("**" + ui.md_escape(v.sentences[0]) + "**")
if "ward map" in v.figures:  # the boundaries' attribution is in the stamp below
    left, right = ui.columns_wide([3, 2], "areas_charts")
    with right:
        ui.chart(v.figures["ward map"])
else:
    left = st.container()
with left:
    ui.chart(v.figures["ward ranking chart"])
    ui.caption(*v.sentences[1:])
for note in v.notes:
    ui.caption(note)
ui.stamp(v.meta.period, v.meta.source)
with st.expander("How this was worked out (for analysts)"):
    ui.caption(*v.detail)
ui.view_tables(v)
ui.view_sources(v)
