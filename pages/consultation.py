"""Consultation: what residents and partners said, by source and theme, and perception against recorded."""

import streamlit as st

from safer import ui, views

p = ui.header("Consultation", "What do residents and partners say, and does it match what is recorded?")
s = ui.store()
sources, themes, linked = views.consultation_choices(s)
if not sources:
    st.info("There are no consultation inputs in the data directory (consultation.csv).")
    st.stop()
with st.container(horizontal=True):
    source = ui.url_select("source", "Source", ["all"] + sources, {"all": "All sources"})
    theme = ui.url_select("theme", "Theme", ["all"] + themes, {"all": "All themes"})
    iid = (
        ui.url_select("indicator", "Indicator", list(linked.indicator_id), dict(zip(linked.indicator_id, linked.label)))
        if len(linked)
        else None
    )
v = views.consultation(s, source, theme, iid)
for note in v.notes:
    ui.caption(note)

ui.section("Survey results")
if "survey results" not in v.tables:
    st.info("No survey results for this source and theme.")
else:
    ui.caption(v.detail[0], v.data["survey same"])
    asked = None
    for n, (question, answer, table) in enumerate(v.data["survey by question"]):
        if question != asked:
            st.markdown("**" + ui.md_escape(question) + "**")
            asked = question
        ui.caption(answer)
        ui.table(table, column_config=v.data["survey columns"], rows_on_phone=(f"survey_{n}", "Period"))

ui.section("What residents say against what is recorded")
if v.data["indicator"] is None:
    ui.info(
        v.data.get("perception_missing")
        or "No survey question in consultation.csv is set against an indicator (indicator_id)."
    )
else:
    ui.chart(v.figures["perception chart"])
    ui.caption(v.sentences[0], v.detail[1])
    drawn = v.meta_of("perception chart")  # its own months and sources (the survey's and the counts')
    ui.stamp(drawn.period, drawn.source)

ui.section("What partners, groups and events said")
if v.data["said"].empty:
    st.info("No event or group inputs for this source and theme.")
else:
    ui.text_table(v.data["said"], key="said", heading="Point raised", body="What was said")  # text on a phone
ui.view_tables(v)
ui.view_sources(v)
