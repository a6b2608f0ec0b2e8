"""Priorities across plan cycles: carried forward, new or dropped, each with its indicators and status."""

import streamlit as st

from safer import ui, views

p = ui.header("Priorities", "Which priorities did each plan carry forward, add or drop, and is each on track?")
v = views.priorities(ui.store())
changes, cycles, assessed = v.data["changes"], v.data["cycles"], v.data["assessed"]
if changes.empty:
    st.info("There are no priorities in priorities.csv.")
    st.stop()
if changes.illustrative.any():
    st.caption("Priorities marked (illustrative) are worded for the demo where the plan's exact wording is not known.")

st.subheader("The plans side by side")
st.caption(
    "→ carried forward (the same priority in the previous plan) · ✚ new · ✖ dropped (in the previous plan, "
    "not in this one) · ● in the first plan shown."
)
ui.table(v.data["matrix"])

st.subheader("Each plan's priorities, indicators and status")
st.caption(v.notes[0])
with st.expander("How a status is worked out"):
    st.caption(v.notes[1])
columns = st.columns(len(cycles))
for col, cyc in zip(columns, cycles):
    with col:
        st.markdown(f"#### {ui.md_escape(cyc['cycle_title'])}")
        rows = changes[changes.cycle_id == cyc["cycle_id"]]
        for r in rows[rows.change != "dropped"].to_dict("records"):
            with st.container(border=True):
                st.markdown(f"**{ui.md_escape(r['title'])}**" + (" (illustrative)" if r["illustrative"] else ""))
                if r["change"] == "carried forward":
                    note = f"→ Carried forward from {cyc['previous_cycle_id']}"
                    if r["reworded"]:
                        note += " (reworded; was: " + str(r["previous_title"]) + ")"
                elif r["change"] == "new":
                    note = f"✚ New in {cyc['cycle_id']}"
                else:
                    note = "● In the first plan shown"
                st.caption(ui.md_escape(note))
                inds = (
                    assessed[(assessed.cycle_id == cyc["cycle_id"]) & (assessed.priority_id == r["priority_id"])]
                    if len(assessed)
                    else assessed
                )
                if inds.empty:
                    st.caption("No indicator evidences this priority in priority_indicators.csv.")
                for a in inds.to_dict("records"):
                    st.markdown(f"{a['symbol']} **{a['status']}** · {ui.md_escape(a['label'])}")
                    st.caption(ui.md_escape(a["reason"]))
                    st.caption(ui.md_escape(a["card_line"]))
                    with st.expander("Rule, figures and uncertainty"):
                        st.caption(ui.md_escape(a["interval_line"]))
                        if a["rule_id"] == a["rule_id"] and a["rule_id"] is not None:
                            st.caption(f"Rule {ui.md_escape(a['rule_id'])} (status_rules.csv):")
                            st.text(a["rule_description"])
                        st.page_link(
                            "pages/trends.py",
                            label="See the trend",
                            icon=":material/show_chart:",
                            query_params={"indicator": a["indicator_id"]},
                        )
        for r in rows[rows.change == "dropped"].to_dict("records"):
            with st.container(border=True):
                st.markdown(f"✖ **Dropped:** {ui.md_escape(r['title'])}")
                st.caption(f"In {cyc['previous_cycle_id']}, not in {cyc['cycle_id']}.")

ui.view_tables(v, label="Every target's status as a table")
ui.stamp(v.meta.period, v.meta.source)
ui.view_sources(v)
