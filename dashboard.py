"""Community safety dashboard: `streamlit run dashboard.py [-- --data DIR]`.

Registers the pages with st.navigation; each page lives in pages/ and only lays out
widgets and calls into safer/.
"""

from pathlib import Path

import streamlit as st

from safer import ui

# The tab's icon is a file served by the dashboard itself: a Material icon here would be fetched from Google.
ICON = Path(__file__).parent / "assets" / "favicon.png"
st.set_page_config(page_title="Community safety dashboard", page_icon=str(ICON), layout="wide")

# The default page lives at the root URL only: Streamlit serves it at "/" and at no path of its own (a
# `url_path` given to it is never served). Its own address (/overview, as in a copied link) is a hidden entry
# for the same file; /home (an old bookmark, or what a user types) is pages/home.py, which shows the Overview
# (a file of its own: on a server that has not yet run this script, Streamlit looks an address up among the
# files in pages/, and /home would say "Page not found").
root = st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True, url_path="")
pages = [
    st.Page("pages/overview.py", title="Overview", url_path="overview", visibility="hidden"),
    st.Page("pages/home.py", title="Overview", url_path="home", visibility="hidden"),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/plan_cycles.py", title="Plan cycles", icon=":material/compare_arrows:", url_path="plan_cycles"),
    st.Page("pages/areas.py", title="Areas", icon=":material/map:", url_path="areas"),
    st.Page("pages/compare.py", title="Compare", icon=":material/leaderboard:", url_path="compare"),
    st.Page("pages/priorities.py", title="Priorities", icon=":material/flag:", url_path="priorities"),
    st.Page("pages/scrutiny.py", title="Scrutiny", icon=":material/gavel:", url_path="scrutiny"),
    st.Page("pages/consultation.py", title="Consultation", icon=":material/forum:", url_path="consultation"),
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]
briefings = st.Page("pages/briefing.py", title="Briefings", icon=":material/slideshow:", url_path="briefing")
# `?briefing=NAME` opens a briefing: one view per screen, no navigation (see pages/briefing.py)
briefing_open = bool(st.query_params.get("briefing"))
# In briefing mode the briefing is the default (root) page and /briefing?briefing=NAME reaches it too; the other
# pages stay registered, hidden with the navigation, so the browser's Back button from a slide goes back to the page
# it came from (with the briefing alone registered, Back to /trends showed the Overview).
briefing_mode = [
    st.Page("pages/briefing.py", title="Briefings", url_path="briefings", default=True),
    st.Page("pages/briefing.py", title="Briefings", url_path="briefing", visibility="hidden"),
    *pages,
]
ui.start_run()  # pages check this (see ui.header); the store is checked once per run
try:
    if briefing_open:
        page = st.navigation(briefing_mode, position="hidden")
    else:
        page = st.navigation([root, *pages, briefings], position="sidebar")
    ui.on_page(page.url_path)  # a page's filters are its own widgets, set from the session's choices on arrival
    page.run()
finally:
    ui.end_run()
