"""Plan cycles: did the indicator move between plan cycles, and is the change beyond chance?"""

import streamlit as st

from safer import ui, views

p = ui.header("Plan cycles", "How did this indicator move from one plan cycle to the next, and is the change real?")

indicator, area = ui.indicator_and_area()
v = views.cycle_comparison(ui.store(), indicator["indicator_id"], area["area_code"])

ui.chart(v.figures["cycle means chart"])
st.markdown("\n".join("- " + ui.md_escape(sentence) for sentence in v.data["beside bars"]))
for note in [*v.notes, v.data["described"]["cycle means chart"]]:  # a ward's small-number note, the chart in words
    ui.caption(note)
with st.expander("How the verdicts were worked out"):
    for d in v.data["with_figures"] + v.detail:
        ui.caption(d)
ui.stamp(f"{v.meta.period} (plan cycles)", v.meta.source)

ui.section("Month by month, cycles lined up")
ui.chart(v.figures["cycles lined up chart"])
ui.caption(v.data["described"]["cycles lined up chart"])
ui.view_tables(v)
ui.view_sources(v)
