"""Trends: one indicator in one area, month by month, across plan cycles."""

import streamlit as st

from safer import ui, views

p = ui.header("Trends", "How has this indicator moved month by month, and which months stand out?")

indicator, area = ui.indicator_and_area()
v = views.trend(ui.store(), indicator["indicator_id"], area["area_code"])

# the verdict first, in plain words: on a phone it would otherwise come a screen or two below the chart
st.markdown(ui.md_escape(v.data["plain"]))
fig = v.figures["trend chart"]
mark = ui.url_mark()
if mark:
    fig, marked = ui.with_marked_date(fig, mark)
    if marked:
        st.caption(f"The solid black line marks {mark['date']}, the date in the link you followed, labelled:")
        st.text(mark["label"])
    else:
        st.caption(f"The date in the link you followed, {mark['date']}, is outside this chart's months: not marked.")
ui.chart(fig)
ui.event_list(v.data["events"])  # the latest few, the earlier ones in an expander
ui.caption(*v.sentences[1:])
for note in v.notes:
    ui.info(note)
ui.stamp(v.meta.period, v.meta.source)
st.markdown("**How to read it.** " + v.data["how_to_read"])
with st.expander("How the verdict and the limits were worked out (for analysts)"):
    ui.caption(v.sentences[0])
    for d in v.detail:
        ui.caption(d)
if v.data["caveats"]:
    st.markdown("**Caveats for this indicator**")
    st.text(v.data["caveats"])
ui.view_tables(v, figures={"trend chart": fig})
ui.view_sources(v)
