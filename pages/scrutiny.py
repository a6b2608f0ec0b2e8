"""Scrutiny: concerns raised at scrutiny, the response, the follow-up asked for, and the evidence for each."""

import datetime as dt

import streamlit as st

from safer import ui

p = ui.header(
    "Scrutiny", "What concerns did scrutiny raise, what was said, what is still owed, and what do the figures show?"
)

concerns = ui.run("scrutiny_concerns")
if concerns.empty:
    st.info("There are no scrutiny concerns in the data directory (scrutiny_concerns.csv).")
    st.stop()

FOLLOW_UP = {"open": "⚠ OPEN follow-up: still owed", "answered": "✔ Follow-up answered", "closed": "✔ Follow-up closed"}

open_ = concerns[concerns.follow_up_status == "open"]
if len(open_):
    st.warning(
        f"**{len(open_)} open follow-up{'s' if len(open_) != 1 else ''}** (marked ⚠ OPEN below): "
        + "; ".join(ui.md_escape(t) for t in open_.topic),
        icon=":material/pending_actions:",
    )

shown = ui.url_select(
    "follow_up",
    "Show",
    ["all", "open", "answered", "closed"],
    {
        "all": "Every concern",
        "open": "⚠ Open follow-ups",
        "answered": "Answered follow-ups",
        "closed": "Closed follow-ups",
    },
)
view = concerns if shown == "all" else ui.run("scrutiny_concerns", follow_up_status=shown)
if view.empty:
    st.info("No concern has a follow-up with this status.")

for c in view.to_dict("records"):
    day = dt.date.fromisoformat(c["meeting_date"])
    with st.container(border=True):
        # A few markdown blocks per concern (one element per line made this page 90 elements, the browser's
        # cost of a page switch); text from the extract is escaped line by line (`ui.md_text`), shown literally.
        response = c["response"] if isinstance(c["response"], str) and c["response"] else "Not recorded in the extract."
        has_follow_up = isinstance(c["follow_up"], str) and c["follow_up"].strip()
        st.markdown(
            f"### {ui.md_escape(c['topic'])}\n\n"
            + ui.small(f"{day:%-d %B %Y} · " + ui.md_escape(c["committee"]))
            + "\n\n**Concern**  \n"
            + ui.md_text(c["concern"])
            + "\n\n**Response**  \n"
            + ui.md_text(response)
            + "\n\n**Follow-up asked for**"
            + ("" if has_follow_up else "  \nNone asked for.")
        )
        if has_follow_up:
            word = FOLLOW_UP.get(c["follow_up_status"], "Follow-up status not given")
            if c["follow_up_status"] == "open":
                st.warning(f"**{word}**", icon=":material/pending_actions:")
            else:
                st.success(word, icon=":material/check_circle:")
        evidence = isinstance(c["indicator_id"], str) and c["indicator_id"]
        st.markdown(
            (ui.md_text(c["follow_up"]) + "\n\n" if has_follow_up else "")
            + "**Evidence**"
            + ("" if evidence else "  \nNo indicator in the catalogue answers this concern.")
        )
        if evidence:
            with st.container(horizontal=True):
                st.page_link(
                    "pages/trends.py",
                    icon=":material/show_chart:",
                    label=f"{ui.md_escape(c['label'])}: the trend, with this meeting marked",
                    query_params={
                        "indicator": c["indicator_id"],
                        "mark": c["meeting_date"],
                        "mark_label": f"Scrutiny {day:%-d %b %Y}",
                    },
                )
                if c["has_consultation"]:
                    st.page_link(
                        "pages/consultation.py",
                        icon=":material/forum:",
                        label="What residents say against what is recorded",
                        query_params={"indicator": c["indicator_id"]},
                    )
        notes = []
        if c["illustrative"]:
            notes.append(
                "Illustrative: some of this row (wording, response or follow-up status) is not from the minutes."
            )
        if isinstance(c["source"], str) and c["source"]:
            notes.append("Source: " + ui.md_escape(c["source"]))
        if notes:
            st.caption("  \n".join(notes))

with ui.on_demand("Every concern as a table", "table:scrutiny") as shown:
    if shown:
        ui.table(view)
ui.exports(
    {"scrutiny concerns": view},
    {},
    ui.meta(
        "Concerns raised at scrutiny",
        f"meetings {concerns.meeting_date.min()} to {concerns.meeting_date.max()}",
        "scrutiny_concerns.csv",
        {},
    ),
)
ui.stamp(f"meetings {concerns.meeting_date.min()} to {concerns.meeting_date.max()}", "scrutiny_concerns.csv")
