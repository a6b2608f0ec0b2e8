"""Compare: the partnership's rate per 1,000 residents against similar areas (a funnel plot), and over time."""

import streamlit as st

from safer import ui, views

p = ui.header(
    "Compare", "Is our rate per 1,000 residents unusual among similar areas, or within the variation between them?"
)
s = ui.store()
ids, names, gid = views.group_choices(s)
if not ids:
    st.info(
        "No comparator data in the data directory: add `area_lookup.csv` and `comparator_groups.csv` (counts from "
        "the police.uk files), or `comparator_monthly.csv`, with `comparator_population.csv` (see data/README.md), "
        "to compare with similar areas."
    )
    st.stop()
if len(ids) > 1:
    gid = ui.url_select("group", "Comparator group", ids, names, default=gid)
inds = views.comparator_indicators(s, gid)
if inds.empty:
    st.info(
        "This comparator group has no counts yet: none of its areas has police.uk rows or comparator_monthly.csv rows."
    )
    st.stop()
iid = ui.url_select(
    "indicator", "Indicator", list(inds.indicator_id), dict(zip(inds.indicator_id, inds.label)), said_by_page=True
)
v = views.compare(s, iid, gid)
if asked := ui.unavailable("indicator"):
    known = views.indicator_choices(s).set_index("indicator_id")["label"]
    st.info(
        f"{ui.md_escape(known.get(asked, asked))} is not counted for the similar areas of this group, so "
        f"{ui.md_escape(v.data['indicator']['label'])} is shown here; the other pages keep your choice."
    )

if v.data["funnel"].areas and not any(a.is_partnership for a in v.data["funnel"].areas):
    st.info("The partnership's own area has no counts in this comparator group, so only the other areas are shown.")
st.markdown("**" + ui.md_escape(v.sentences[0]) + "**")
ui.chart(v.figures["funnel plot"])
for sentence in v.sentences[1:]:
    ui.caption(sentence)
ui.caption(*v.detail)  # the method, and the years of the population estimates
ui.stamp(v.meta.period, v.meta.source)

ui.section("Over time")
ui.chart(v.figures["comparator trend chart"])
ui.stamp(v.meta_of("comparator trend chart").period, v.meta.source)
ui.view_tables(v)
ui.view_sources(v)
