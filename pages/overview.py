"""Overview: each priority's headline indicators, for the plan cycle chosen."""

import streamlit as st

from safer import ui, views

p = ui.header("Overview", "Is each priority improving, and is the change real?")

s = ui.store()
cycles = views.overview_cycles(s)
titles = dict(zip(cycles.cycle_id, cycles.title))
few = len(cycles) <= 4  # then the plan cycles side by side, one click apart, named by their years
cycle = ui.url_select(
    "cycle", "Plan cycle", list(cycles.cycle_id), None if few else titles, default=views.default_cycle(s), buttons=few
)
v = views.overview(s, cycle)
cards = v.data["cards"]
if not cards:
    st.info("This plan cycle has no headline indicators in priority_indicators.csv.")
    st.stop()
st.markdown(f"{ui.md_escape(titles[cycle])}  \n**{v.question}**")
ui.caption(*v.notes, v.data["how"])

for (_pid, ptitle, illustrative), group in ui.group_cards(cards):
    ui.subheader(ptitle + (" (illustrative)" if illustrative else ""))
    cols = st.columns(max(len(group), 3))
    for col, card in zip(cols, group):
        with col.container(border=True):
            st.markdown(f"**{ui.md_escape(card.label)}**")
            st.metric(
                ui.md_escape(card.metric_label),
                card.headline,
                f"{card.symbol} {card.verdict}",
                delta_color="off",
                delta_arrow="off",
            )
            ui.caption(card.months_line)
            st.markdown(ui.md_escape(card.plain))
            ui.caption(card.why)
            st.plotly_chart(
                card.sparkline,
                width="stretch",
                theme=None,
                config={"displayModeBar": False},
                key=f"spark-{card.priority_id}-{card.indicator_id}",
            )
            ui.caption(card.sparkline_caption, card.cycle_line)
            with ui.on_demand(
                "How this was worked out (for analysts)", f"card:{card.priority_id}:{card.indicator_id}"
            ) as shown:
                if shown:
                    ui.caption(card.change, card.detail, v.detail[0])
            ui.trend_link(card.label, card.trend_link)

ui.view_tables(v)
ui.view_sources(v)

with ui.on_demand("SIA data pack: every chart, table and paragraph of this plan cycle", "pack") as shown:
    if shown:
        st.caption(
            "For the Strategic Intelligence Assessment: for each priority of this plan cycle, its charts (PNG), its "
            "tables (CSV, and one Excel workbook per priority) and a plain-English paragraph per indicator, tied "
            "together by an index.html. It takes up to a minute to make. The same pack from the command line:"
        )
        st.code(f"python -m safer pack --cycle {cycle} --out DIR", language=None)
        ui.pack_download(cycle)
