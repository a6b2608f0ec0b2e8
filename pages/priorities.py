"""Priorities across plan cycles: carried forward, new or dropped, each with its indicators and status."""

import pandas as pd
import streamlit as st

from safer import status, ui

p = ui.header("Priorities", "Which priorities did each plan carry forward, add or drop, and is each on track?")

changes = ui.run("priority_cycles")
targets = ui.run("priority_targets")
if changes.empty:
    st.info("There are no priorities in priorities.csv.")
    st.stop()
if changes.illustrative.any():
    st.caption("Priorities marked (illustrative) are worded for the demo where the plan's exact wording is not known.")

CHANGE_SYMBOL = {"first plan": "●", "carried forward": "→", "new": "✚", "dropped": "✖"}
cycles = changes.drop_duplicates("cycle_id")[["cycle_id", "cycle_title", "previous_cycle_id"]].to_dict("records")


def _title(row) -> str:
    return str(row["title"]) + (" (illustrative)" if row["illustrative"] else "")


st.subheader("The plans side by side")
st.caption(
    "→ carried forward (the same priority in the previous plan) · ✚ new · ✖ dropped (in the previous plan, "
    "not in this one) · ● in the first plan shown."
)
matrix = (
    changes.assign(
        cell=[f"{CHANGE_SYMBOL[c]} {c}: {_title(r)}" for c, r in zip(changes.change, changes.to_dict("records"))]
    )
    .pivot(index="priority_id", columns="cycle_id", values="cell")
    .reindex(index=list(dict.fromkeys(changes.priority_id)), columns=[c["cycle_id"] for c in cycles])
    .fillna("")
    .reset_index()
)
st.dataframe(matrix, hide_index=True, width="stretch")

# The status of every target, from the stored rule.
monthly_cache: dict[str, pd.DataFrame] = {}
assessed = []
for t in targets.to_dict("records"):
    iid = t["indicator_id"]
    if iid not in monthly_cache:
        monthly_cache[iid] = ui.run("monthly", indicator=iid)
    rule = None if t["rule_id"] is None or t["rule_id"] != t["rule_id"] else t
    a = status.assess(
        monthly_cache[iid],
        t["baseline_monthly_mean"],
        t["target_monthly_mean"],
        rule,
        t["good_direction"],
        t["cycle_start"],
        t["cycle_end"],
    )
    assessed.append(t | a)
assessed = pd.DataFrame(assessed)


def _num(x, unit: str = "") -> str:
    if x is None or x != x:
        return "no data"
    return f"{x:,.1f}" + (f" {unit}" if unit else "")


st.subheader("Each plan's priorities, indicators and status")
st.caption(
    "Status follows from the rule stored in status_rules.csv, never typed in: open “Rule and figures” under an "
    "indicator to see the rule and the numbers behind it. " + status.RULE_METHOD
)
columns = st.columns(len(cycles))
for col, cyc in zip(columns, cycles):
    with col:
        st.markdown(f"#### {ui.md_escape(cyc['cycle_title'])}")
        rows = changes[changes.cycle_id == cyc["cycle_id"]]
        for r in rows[rows.change != "dropped"].to_dict("records"):
            with st.container(border=True):
                st.markdown(f"**{ui.md_escape(_title(r))}**")
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
                    prog = (
                        ""
                        if a["progress_pct"] != a["progress_pct"]
                        else (
                            f" · progress {a['progress_pct']:+.0f}%"
                            + (" (target passed)" if a["progress_pct"] >= 100 else "")
                        )
                    )
                    st.caption(
                        f"Latest {_num(a['latest_mean'])} a month · baseline {_num(a['baseline_monthly_mean'])}"
                        f" · target {_num(a['target_monthly_mean'])}{prog}"
                    )
                    with st.expander("Rule and figures"):
                        st.markdown(f"**Status: {a['symbol']} {a['status']}.** " + ui.md_escape(a["reason"]))
                        if a["rule_id"] == a["rule_id"] and a["rule_id"] is not None:
                            st.caption(f"Rule {ui.md_escape(a['rule_id'])} (status_rules.csv):")
                            st.text(a["rule_description"])
                        figures = pd.DataFrame(
                            [
                                ("Latest: mean per month", _num(a["latest_mean"], a["unit"])),
                                (
                                    "Latest: months",
                                    f"{a['latest_first_month'] or '–'} to {a['latest_last_month'] or '–'}",
                                ),
                                ("Latest: months with data", f"{a['latest_months_with_data']} of 12"),
                                ("Baseline: mean per month", _num(a["baseline_monthly_mean"], a["unit"])),
                                (
                                    "Baseline period",
                                    a["baseline_period"] if isinstance(a["baseline_period"], str) else "not given",
                                ),
                                ("Target: mean per month", _num(a["target_monthly_mean"], a["unit"])),
                                ("Target note", a["target_note"] if isinstance(a["target_note"], str) else ""),
                                (
                                    "Progress",
                                    "not worked out"
                                    if a["progress_pct"] != a["progress_pct"]
                                    else f"{a['progress_pct']:+.1f}%",
                                ),
                            ],
                            columns=["figure", "value"],
                        )
                        st.dataframe(figures, hide_index=True, width="stretch")
                        st.page_link(
                            "pages/trends.py",
                            label="See the trend",
                            icon=":material/show_chart:",
                            query_params={"indicator": a["indicator_id"]},
                        )
        dropped = rows[rows.change == "dropped"]
        for r in dropped.to_dict("records"):
            with st.container(border=True):
                st.markdown(f"✖ **Dropped:** {ui.md_escape(_title(r))}")
                st.caption(f"In {cyc['previous_cycle_id']}, not in {cyc['cycle_id']}.")

if len(assessed):
    table = assessed[
        [
            "cycle_id",
            "priority_id",
            "priority_title",
            "illustrative",
            "indicator_id",
            "label",
            "baseline_monthly_mean",
            "baseline_period",
            "target_monthly_mean",
            "latest_first_month",
            "latest_last_month",
            "latest_months_with_data",
            "latest_mean",
            "progress_pct",
            "status",
            "reason",
            "rule_id",
        ]
    ]
    with st.expander("Every target's status as a table"):
        st.dataframe(table, hide_index=True, width="stretch")
    ui.exports(
        {"priority status": table},
        {},
        ui.meta(
            "Priorities: status of every target",
            "latest 12 months with data for each indicator",
            "priorities.csv, targets.csv, status_rules.csv",
            {},
        ),
    )
ui.stamp(
    "latest 12 months with data for each indicator (to the cycle's end for a finished cycle)",
    "priorities.csv, targets.csv, status_rules.csv and the indicators' monthly counts",
)
