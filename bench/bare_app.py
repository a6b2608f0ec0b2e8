"""The reference for bench/interaction.py: a bare Streamlit app with the same pages' charts and nothing else.

    SAFER_BARE_FIGURES=DIR streamlit run bench/bare_app.py

DIR holds one JSON file per page (`overview.json`, `trends.json`, ...), each a list of the Plotly figures that
page of the dashboard sends (written by `bench/interaction.py` from an AppTest run of the dashboard, so the
figures are the same size, traces and points). Each page here shows its title and those figures with
`st.plotly_chart`, as the dashboard does, with no store, no query, no statistics and no widget: what a page
switch costs Streamlit and the browser alone. Run by hand (bench/interaction.py starts it), never in CI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

FIGURES = Path(os.environ.get("SAFER_BARE_FIGURES", "/tmp/safer-bench/bare-figures"))
ORDER = json.loads((FIGURES / "pages.json").read_text())  # [[url_path, title], ...] in the dashboard's order


@st.cache_resource
def _figures(name: str) -> list[dict]:
    return json.loads((FIGURES / f"{name}.json").read_text())


def _page(name: str, title: str):
    def show() -> None:
        st.title(title)
        st.caption("A bare page: the dashboard's charts for this page, with no engine behind them.")
        for i, fig in enumerate(_figures(name)):
            st.plotly_chart(fig, width="stretch", theme=None, key=f"{name}-{i}")

    show.__name__ = f"page_{name}"
    return show


st.set_page_config(page_title="Bare reference app", layout="wide")
pages = [
    st.Page(_page(name, title), title=title, url_path=name, default=(i == 0)) for i, (name, title) in enumerate(ORDER)
]
st.navigation(pages, position="sidebar").run()
