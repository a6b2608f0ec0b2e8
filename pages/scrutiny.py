"""Scrutiny: concerns raised at scrutiny, the response, the follow-up asked for, and the evidence for each."""

import streamlit as st

from safer import ui, views

p = ui.header("Scrutiny", views.SCRUTINY_QUESTION)

everything = views.scrutiny(ui.store())
if not everything.data["any"]:
    st.info("There are no scrutiny concerns in the data directory (scrutiny_concerns.csv).")
    st.stop()
if everything.notes:
    st.warning(
        f"**{everything.notes[0]}**: " + "; ".join(ui.md_escape(t) for t in everything.data["open_topics"]),
        icon=":material/pending_actions:",
    )

shown = ui.url_select("follow_up", "Show", list(views.SCRUTINY_SHOWN), views.SCRUTINY_SHOWN)
v = views.scrutiny(ui.store(), shown)
if not v.data["concerns"]:
    st.info("No concern has a follow-up with this status.")

for c in v.data["concerns"]:
    with st.container(border=True):
        # A few markdown blocks per concern (one element per line made this page 90 elements, the browser's
        # cost of a page switch); text from the extract is escaped line by line (`ui.md_text`), shown literally.
        st.markdown(
            f"## {ui.md_escape(c['topic'])}\n\n"
            + ui.small(ui.md_escape(c["meeting"]))
            + "\n\n**Concern**  \n"
            + ui.md_text(c["concern"])
            + "\n\n**Response**  \n"
            + ui.md_text(c["response"])
            + "\n\n**Follow-up asked for**"
            + ("" if c["follow_up"] else "  \n" + c["follow_up_word"])
        )
        if c["follow_up_status"] == "open":
            st.warning(f"**{c['follow_up_word']}**", icon=":material/pending_actions:")
        elif c["follow_up"]:
            st.success(c["follow_up_word"], icon=":material/check_circle:")
        st.markdown(
            (ui.md_text(c["follow_up"]) + "\n\n" if c["follow_up"] else "")
            + "**Evidence**"
            + ("" if c["trend_link"] else "  \nNo indicator in the catalogue answers this concern.")
        )
        if c["trend_link"]:
            with st.container(horizontal=True):
                st.page_link(
                    "pages/trends.py",
                    icon=":material/show_chart:",
                    label=f"{ui.md_escape(c['label'])}: the trend, with this meeting marked",
                    query_params=c["trend_link"],
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
        if c["source"]:
            notes.append("Source: " + ui.md_escape(c["source"]))
        if notes:
            st.caption("  \n".join(notes))

ui.view_tables(v, label="Every concern as a table")
ui.stamp(v.meta.period, v.meta.source)
ui.view_sources(v)
