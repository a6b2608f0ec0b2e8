"""Priorities across plan cycles: carried forward, new or dropped, each with its indicators and status."""

import streamlit as st

from safer import ui, views

p = ui.header("Priorities", "Which priorities did each plan carry forward, add or drop, and is each on track?")
v = views.priorities(ui.store())
changes = v.data["changes"]
if changes.empty:
    st.info("There are no priorities in priorities.csv.")
    st.stop()
if v.data["illustrative_note"]:
    ui.caption(v.data["illustrative_note"])

ui.section("The plans side by side")
st.caption(
    '→ carried forward (the same priority in the previous plan; "reworded" when its title changed) · ✚ new · '
    "✖ dropped (in the previous plan, "
    "not in this one) · ● in the first plan shown."
)
ui.text_table(v.data["matrix"])

ui.section("Each plan's priorities, indicators and status")
ui.caption(*v.notes)
with st.expander("How a status is worked out"):
    ui.caption(*v.detail)
plans = v.data["columns"]
for col, cyc in zip(st.columns(len(plans)), plans):
    with col:
        st.markdown(f"### {ui.md_escape(cyc['cycle_title'])}")
        for r in cyc["kept"]:
            with st.container(border=True):
                # One markdown block per priority (a page of 19 indicators drew 180 elements, the browser's
                # cost of a page switch): the title, where it came from, each indicator's status and reasons.
                # A paragraph for the priority and one for each indicator; lines within a paragraph.
                head = [f"**{ui.md_escape(r['title'])}**" + (" (illustrative)" if r["illustrative"] else "")]
                head.append(ui.small(ui.md_escape(r["note"])))
                if not r["indicators"]:
                    head.append(ui.small("No indicator evidences this priority in priority_indicators.csv."))
                paragraphs = ["  \n".join(head)] + [
                    "  \n".join(
                        [
                            f"{a['symbol']} **{a['status']}** · {ui.md_escape(a['label'])}",
                            ui.small(ui.md_escape(a["reason"])),
                            ui.small(ui.md_escape(a["card_line"])),
                        ]
                    )
                    for a in r["indicators"]
                ]
                st.markdown("\n\n".join(paragraphs))
                if not r["indicators"]:
                    continue
                key = f"rule:{cyc['cycle_id']}:{r['priority_id']}"
                with ui.on_demand("Rules, figures and uncertainty", key) as shown:
                    if not shown:
                        continue
                    for a in r["indicators"]:
                        st.markdown(f"**{ui.md_escape(a['label'])}**  \n" + ui.small(ui.md_escape(a["interval_line"])))
                        if a["rule_id"] == a["rule_id"] and a["rule_id"] is not None:
                            st.caption(f"Rule {ui.md_escape(a['rule_id'])} (status_rules.csv):")
                            st.text(a["rule_description"])
                        ui.trend_link(a["label"], {"indicator": a["indicator_id"]}, icon=":material/show_chart:")
        for r in cyc["dropped"]:
            with st.container(border=True):
                st.markdown(
                    f"✖ **Dropped:** {ui.md_escape(r['title'])}  \n"
                    + ui.small(ui.md_escape(f"In {cyc['previous_cycle_id']}, not in {cyc['cycle_id']}."))
                )

ui.view_tables(v, label="Every target's status as a table")
ui.stamp(v.meta.period, v.meta.source)
ui.view_sources(v)
