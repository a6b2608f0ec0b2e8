"""Overview: each priority's headline indicators, for the plan cycle chosen."""

import streamlit as st

from safer import ui, views

p = ui.header("Overview", "Is each priority improving, and is the change real?")

s = ui.store()
cycles = views.overview_cycles(s)
cycle = ui.url_select(
    "cycle",
    "Plan cycle",
    list(cycles.cycle_id),
    dict(zip(cycles.cycle_id, cycles.title)),
    default=views.default_cycle(s),
)
v = views.overview(s, cycle)
cards = v.data["cards"]
if not cards:
    st.info("This plan cycle has no headline indicators in priority_indicators.csv.")
    st.stop()
st.markdown(f"**{v.question}**")
for note in v.notes:
    st.caption(note)
st.caption(
    "Each card compares matched calendar months, so the season and missing months cannot make a change. " + v.detail[0]
)

for (_pid, ptitle, illustrative), group in ui.group_cards(cards):
    st.subheader(ptitle + (" (illustrative)" if illustrative else ""))
    cols = st.columns(max(len(group), 3))
    for col, card in zip(cols, group):
        with col.container(border=True):
            st.markdown(f"**{ui.md_escape(card.label)}**")
            st.metric(
                card.metric_label, card.headline, f"{card.symbol} {card.verdict}", delta_color="off", delta_arrow="off"
            )
            st.caption(card.change)
            st.caption(card.why)
            st.plotly_chart(
                card.sparkline,
                width="stretch",
                theme=None,
                config={"displayModeBar": False},
                key=f"spark-{card.priority_id}-{card.indicator_id}",
            )
            st.caption(card.cycle_line)
            with st.expander("How this was worked out"):
                st.caption(card.detail)
            st.page_link("pages/trends.py", label="See the trend", query_params=card.trend_link)

ui.view_tables(v)
ui.view_sources(v)

st.subheader("SIA data pack")
st.caption(
    "For the Strategic Intelligence Assessment: for each priority of this plan cycle, its charts (PNG), its tables "
    "(CSV, and one Excel workbook per priority) and a plain-English paragraph per indicator, tied together by an "
    f"index.html. It takes up to a minute to make. The same pack: `python -m safer pack --cycle {cycle} --out DIR`."
)
ui.pack_download(cycle)
