"""Every page, run in-process with Streamlit's AppTest, on the demo data and on the small fixture."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time

import pytest
from helpers import PROJECT, REAL
from streamlit.testing.v1 import AppTest

from safer import ui

PAGES = {
    "pages/overview.py": 3,  # at least this many charts (sparklines)
    "pages/trends.py": 1,
    "pages/plan_cycles.py": 2,
    "pages/areas.py": 1,
}


def open_page(page: str | None = None, params: dict | None = None, details: bool = True) -> AppTest:
    """A page as a user sees it after opening every expander whose content is drawn on demand (tables,
    citations, the commands behind the numbers): `details=False` leaves them closed, as a page first opens."""
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        for k, v in (params or {}).items():
            at.query_params[k] = v
        at.switch_page(page).run()
    if details:
        open_details(at)
    return at


def open_details(at: AppTest) -> AppTest:
    """Open every on-demand expander of the page (`safer.ui.on_demand`), as clicking each would, and rerun."""
    keys = [k for k in at.session_state.keys() if str(k).startswith(ui.ON_DEMAND)]
    if keys:
        for k in keys:
            at.session_state[k] = True
        at.run()
    return at


def csv_caveats(indicator_id: str) -> str:
    """An indicator's caveats as indicators.csv of the demo data holds them."""
    with open(PROJECT / "data" / "indicators.csv", newline="", encoding="utf-8") as f:
        return next(r["caveats"] for r in csv.DictReader(f) if r["indicator_id"] == indicator_id)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_its_charts_and_says_the_data_is_synthetic(demo_env, monkeypatch, page):
    monkeypatch.setenv("SAFER_CACHE_DIR", __import__("os").environ["SAFER_CACHE_DIR"])
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= PAGES[page]
    assert any("Synthetic demo data" in w.value for w in at.warning)
    for fig in figures(at):
        texts = [a.get("text", "") for a in fig.get("layout", {}).get("annotations", [])]
        if fig["layout"].get("height", 500) > 120:  # sparklines are too small to carry it
            assert any("SYNTHETIC" in t for t in texts), fig["layout"].get("title")


def test_trends_filters_come_from_the_url(demo_env):
    at = open_page("pages/trends.py", {"indicator": "burglary", "area": "E05000784"})
    assert not at.exception
    assert at.selectbox(key="url_indicator").value == "burglary"
    assert at.selectbox(key="url_area").value == "E05000784"
    # the chart's title is the page's own text above it (wrapping to the screen), not the figure's
    assert any("Cheadle and Gatley, by month" in m.value.replace("\\", "") for m in at.markdown)
    assert not figures(at)[0]["layout"].get("title", {}).get("text")
    assert at.query_params["indicator"] == ["burglary"] or at.query_params["indicator"] == "burglary"


def test_trends_chart_shows_the_police_gap_as_missing_not_zero(demo_env):
    at = open_page("pages/trends.py", {"indicator": "asb"})
    fig = figures(at)[0]
    monthly = next(t for t in fig["data"] if t.get("name", "").endswith("(monthly)"))
    ys = dict(zip(monthly["x"], monthly["y"]))
    gap = [v for x, v in ys.items() if "2019-07" <= x[:7] <= "2020-12"]
    assert len(gap) == 18 and all(v is None for v in gap)
    assert fig["data"][0].get("connectgaps") in (False, None)


def test_changing_a_filter_updates_the_url(demo_env):
    at = open_page("pages/plan_cycles.py")
    at.selectbox(key="url_indicator").set_value("cse").run()
    assert not at.exception
    assert at.query_params["indicator"] in ("cse", ["cse"])
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    # the current cycle is compared with the same months of the one before, and says so
    assert "2025-28 against the plan before (first 18 months of each cycle)" in text
    assert "18 months of 36 have not happened yet (not missing data)" in text


def test_borough_only_indicator_offers_only_the_borough(demo_env):
    at = open_page("pages/trends.py", {"indicator": "modern_slavery", "area": "E05000784"})
    assert not at.exception
    assert at.selectbox(key="url_area").options == ["Stockport (whole borough)"]


def test_areas_page_draws_the_shipped_ward_map_with_its_attribution(demo_env):
    at = open_page("pages/areas.py", {"indicator": "burglary"})
    assert not at.exception
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(figs) == 2  # the map and the ranking
    assert max(sum(1 for t in f["data"] if t.get("fill") == "toself") for f in figs) == 21  # a shape per ward
    captions = " ".join(c.value for c in at.caption)
    assert "Open Government Licence" in captions and "OS data" in captions


def test_areas_page_draws_a_map_with_the_real_boundaries(tmp_path, monkeypatch):
    if not REAL.is_dir():
        pytest.skip("../shared/data/real is not present")
    d = tmp_path / "data"
    shutil.copytree(PROJECT / "data", d)
    shutil.copy(REAL / "stockport_wards_2017_generalised.geojson", d / "ward_boundaries.geojson")
    monkeypatch.setenv("SAFER_DATA_DIR", str(d))
    at = open_page("pages/areas.py", {"indicator": "asb"})
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2


def test_real_partnership_data_has_no_synthetic_banner(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    for page in PAGES:
        at = open_page(page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not any("Synthetic" in w.value for w in at.warning)


def test_broken_extract_shows_a_banner_and_keeps_the_last_good_data(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    at = open_page("pages/trends.py")
    assert not at.exception
    (data_dir / "areas.csv").write_text((data_dir / "areas.csv").read_text() + "E05000009,Bad,ward,E0800\n")
    time.sleep(1.05)  # the extracts on disk are checked at most once a second (SAFER_DISK_CHECK_SECONDS)
    at = open_page("pages/trends.py")
    assert not at.exception
    assert any("last good data" in e.value for e in at.error)
    assert any("areas.csv:5: parent_code" in c.value for c in at.code)
    assert len(at.get("plotly_chart")) == 1


def test_ward_trend_with_suppressed_months_marks_them_and_draws_no_limits(demo_env):
    at = open_page("pages/trends.py", {"indicator": "cse", "area": "E05000794"})
    assert not at.exception, [e.value for e in at.exception]
    fig = figures(at)[0]
    names = [t.get("name", "") for t in fig["data"]]
    assert "Fewer than 5 (withheld: 0 to 4)" in names
    # withheld months are shaded from 0 to 4 (where their counts lie), not a mark on the axis read as zero
    marks = next(t for t in fig["data"] if t.get("name", "").startswith("Fewer than 5"))
    assert set(marks["y"]) == {2.0} and len(marks["x"]) >= 1
    bands = [sh for sh in fig["layout"]["shapes"] if sh.get("yref") == "y" and sh.get("y1") == 4]
    assert bands and all(sh["y0"] == 0 for sh in bands)
    assert not any("limit" in n.lower() or "expected" in n.lower() for n in names)
    assert any("suppressed" in i.value for i in at.info)
    # every note the view holds is shown (the ward's small-number notes), and the indicator's caveats once, as written
    infos = [i.value for i in at.info]
    assert sum("suppressed" in i for i in infos) == 1 and any("Small numbers" in i for i in infos)
    assert not any("under-reported" in i for i in infos)
    assert [t.value for t in at.text if "under-reported" in t.value] == [csv_caveats("cse")]
    assert any("somewhere in that band" in m.value for m in at.markdown)  # "How to read it" says what is drawn
    table = at.dataframe[0].value
    assert "<5" in set(table["Count in the month (reports)"].astype(str)) and not any(
        "suppressed" in c for c in table.columns
    )
    monthly = next(t for t in fig["data"] if t.get("name", "").endswith("(monthly)"))
    assert all(y is None or y >= 5 or y == 0 for y in monthly["y"])  # nothing from 1 to 4 reaches the browser


def test_areas_page_for_a_plan_cycle_counts_the_police_gap_out(demo_env):
    at = open_page("pages/areas.py", {"indicator": "asb", "period": "2018-21"})
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Apr 2018 to Mar 2021" in text and "(18 of 36 months with data)" in text
    table = at.dataframe[0].value
    assert set(table["Months with data"]) == {18}


def test_tables_citations_and_commands_are_drawn_only_when_their_expander_is_opened(demo_env):
    """A page first sends no table grid and no code block for what sits in its on-demand expanders (a new
    session's first page stays light); opening one draws its content, with the same numbers, and it stays
    open when the filters change."""
    at = open_page("pages/trends.py", {"indicator": "asb"}, details=False)
    assert not at.exception, [e.value for e in at.exception]
    labels = [e.label for e in at.expander]
    downloads = "Download tables (CSV, Excel) and charts (PNG, SVG), or cite this view"
    assert "The same numbers as a table: monthly" in labels and downloads in labels, labels
    assert len(at.dataframe) == 0 and len(at.code) == 0 and len(at.get("download_button")) == 0
    key = ui.ON_DEMAND + "table:trend:monthly"
    assert at.session_state[key] is False
    at.session_state[key] = True
    at.run()
    assert len(at.dataframe) == 1 and len(at.code) == 0  # that one table, nothing else opened
    table = at.dataframe[0].value
    assert "month" in " ".join(map(str, table.columns)).lower() and len(table) > 24
    box = next(b for b in at.selectbox if b.key == "url_indicator")
    box.select_index(1).run()
    assert not at.exception and len(at.dataframe) == 1 and at.session_state[key] is True
    # the downloads and the citation: sent once their expander is opened, and for the view shown
    at.session_state[ui.ON_DEMAND + "exports:trend"] = True
    at.run()
    buttons = [b.proto.label for b in at.get("download_button")]
    assert buttons[:2] == ["CSV: monthly", "CSV: events"] and "Excel workbook" in buttons, buttons
    assert any(x.endswith(": PNG") for x in buttons) and any(x.endswith(": SVG") for x in buttons), buttons
    assert "trend chart: PNG for a report column (760 px)" in buttons, buttons
    assert len(at.code) == 1, [c.value for c in at.code]
    assert "Data version" in at.code[0].value and "Synthetic demo data" in at.code[0].value


@pytest.mark.parametrize(
    "page",
    [
        "pages/trends.py",
        "pages/plan_cycles.py",
        "pages/areas.py",
        "pages/priorities.py",
        "pages/scrutiny.py",
        "pages/consultation.py",
        "pages/data.py",
    ],
)
def test_every_table_page_offers_csv_and_excel(demo_env, page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(x == "Download CSV" or x.startswith("CSV: ") for x in labels), labels
    assert "Excel workbook" in labels, labels


@pytest.mark.parametrize("page", sorted(p.name for p in (PROJECT / "pages").glob("*.py")))
def test_every_table_on_every_page_has_headings_people_read(demo_env, page):
    """No `priority_id` or `rate_per_1000` on screen: every table's headings are words (`Rate per 1,000`)."""
    params = {"indicator": "cse", "area": "E05000794"} if page == "trends.py" else {}
    at = open_page(f"pages/{page}", params)
    assert not at.exception, [e.value for e in at.exception]
    for df in (el.value for el in at.dataframe):
        raw = [c for c in df.columns if "_" in str(c) or re.fullmatch(r"[a-z0-9]+", str(c))]
        assert not raw, f"{page}: raw column names on screen: {raw}"


def test_the_overview_offers_a_few_plan_cycles_as_buttons_and_many_as_a_select_box(data_dir, monkeypatch):
    """Up to four plan cycles are one row of buttons named by their ids, the chosen plan's title above the
    cards; a partnership with more gets a select box of the plans' titles. Either way the choice is in the URL."""
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    row = next(b for b in at.get("button_group") if b.key == "url_cycle")
    assert [o.content for o in row.proto.options] == ["c1", "c2", "c3"] and not at.selectbox
    row.set_value("c2").run()
    assert not at.exception and at.query_params["cycle"] == "c2"
    assert any(m.value.startswith("Plan two  \n") for m in at.markdown), [m.value for m in at.markdown][:5]

    cycles = data_dir / "plan_cycles.csv"
    cycles.write_text(cycles.read_text() + "c4,Plan four,2021-01,2021-06,,\nc5,Plan five,2021-07,2021-12,,\n")
    time.sleep(1.05)  # the extracts on disk are checked at most once a second (SAFER_DISK_CHECK_SECONDS)
    at = open_page(params={"cycle": "c2"})
    assert not at.exception, [e.value for e in at.exception]
    box = at.selectbox(key="url_cycle")
    assert box.options == ["Plan one", "Plan two", "Plan three", "Plan four", "Plan five"]
    assert box.value == "c2" and not at.get("button_group")


def test_home_shows_the_overview_and_every_address_is_a_file_a_fresh_server_finds(demo_env):
    """/home (an old bookmark, or what a user types) shows the Overview, not "Page not found". A server that has
    not yet run dashboard.py looks an address up among the files in pages/ (Streamlit's pages directory), so
    every address dashboard.py serves is also a file there, or its first visitor is told the page does not exist."""
    import browser_support as bs

    served = {p.url_path for p in bs.registered_pages()}
    assert {"home", "overview", "trends"} <= served, served
    missing = sorted(u for u in served if not (PROJECT / "pages" / f"{u}.py").exists())
    assert not missing, f"addresses with no file in pages/: {missing}"
    at = open_page("pages/home.py", details=False)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"
    assert len(at.get("plotly_chart")) >= PAGES["pages/overview.py"]


# The method's words: an analyst cites them (one click away, in the exports, `explain` and the SIA pack); a cabinet
# member first meets a verdict without them.
JARGON = ("dispersion", "poisson", "glm", "welch", "satterthwaite", "degrees of freedom", "winsor", "p = ", "p < ",
          "benjamini", "funnel", "z-score", "rate ratio", "spiegelhalter")  # fmt: skip


def _text_outside_expanders(node) -> list[str]:
    from streamlit.testing.v1.element_tree import Block, Expander

    out = []
    for child in node.children.values():
        if isinstance(child, Expander):
            continue
        if isinstance(child, Block):
            out += _text_outside_expanders(child)
        elif isinstance(getattr(child.proto, "body", None), str):  # markdown, captions, alerts
            out.append(child.proto.body)
    return out


def _text_in_expanders(node, inside: bool = False) -> list[str]:
    from streamlit.testing.v1.element_tree import Block, Expander

    out = []
    for child in node.children.values():
        if isinstance(child, Block):
            out += _text_in_expanders(child, inside or isinstance(child, Expander))
        elif inside and isinstance(getattr(child.proto, "body", None), str):
            out.append(child.proto.body)
    return out


@pytest.mark.parametrize(
    "page, plain",
    [
        ("pages/overview.py", ("The last 12 months against the same months a year before: ", "usual ups and downs")),
        ("pages/trends.py", ("The last 12 months (", ") against the same months a year before: ", "ups and downs")),
        (
            "pages/plan_cycles.py",
            ("against the plan before (first 18 months of each cycle): ", "usual yearly moves"),
        ),
        ("pages/areas.py", ("allowing for chance and for how much wards normally differ", "the usual spread")),
    ],
)
def test_a_verdict_is_met_in_plain_words_with_the_method_one_click_away(demo_env, page, plain):
    """Where a cabinet member first meets a verdict (the Overview's cards, the Trends verdict, Plan cycles, the
    Areas sentence) it is said in plain words: what was compared, against the usual ups and downs, how sure. The
    model, the test and the p-values are in an expander ("How this was worked out"), for analysts to cite."""
    at = open_page(page)  # every on-demand expander opened, as an analyst would
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(_text_outside_expanders(at.main)).replace("\\", "")
    assert all(words.lower() in shown.lower() for words in plain), shown[:2000]  # a sentence may begin with them
    said = [j for j in JARGON if j in shown.lower()]
    assert not said, (said, [t for t in _text_outside_expanders(at.main) if any(j in t.lower() for j in said)][:3])
    behind = " ".join(_text_in_expanders(at.main)).lower()
    assert any(w in behind for w in ("poisson", "funnel")), behind[:500]


def test_trends_on_a_phone_stacks_its_filters_and_leaves_its_chart_narrow_margins(demo_env):
    """At 390 px the indicator and area select boxes side by side cut their choices to a few letters and the
    chart's margins (90 and 40 px) left its plot two thirds of the width: the filters are columns (Streamlit
    stacks them below 640 px) and the one chart has narrow side margins (the left one holds the axis's labels of
    up to five characters, "1,600", so the browser draws the chart once), the y axis's labels pushing it out as
    far as longer ones need."""
    at = open_page("pages/trends.py", details=False)
    assert not at.exception, [e.value for e in at.exception]
    assert [sb.key for col in at.columns for sb in col.selectbox] == ["url_indicator", "url_area"]
    (fig,) = figures(at)
    assert fig["layout"]["margin"]["l"] <= 66 and fig["layout"]["margin"]["r"] <= 30
    assert fig["layout"]["yaxis"]["automargin"] is True


def test_the_events_under_a_time_chart_are_a_few_lines_with_every_one_a_tap_away():
    """The Trends page listed every event under its chart, a screen long on a 390x844 phone: the latest three
    are listed, the earlier ones in an expander named by their numbers on the chart; every event is there, in
    order; a short list is shown whole."""

    def page(n: int) -> None:
        from safer import ui

        ui.event_list([f"{i}. Mar 20{10 + i}: Event {i} at www.example.org" for i in range(1, n + 1)])

    at = AppTest.from_function(page, args=(7,), default_timeout=30).run()
    assert not at.exception
    assert [e.label for e in at.expander] == ["Events 1 to 4, earlier"]
    folded = at.expander[0].markdown[0].value
    latest = [m.value for m in at.markdown if m.value.startswith("- ")]  # the expander's list, then the latest
    assert latest[0] == folded and len(latest) == 2
    latest = latest[1:]
    shown = (folded + "\n" + latest[0]).replace(ui.NO_AUTOLINK, "").replace("\\", "").splitlines()
    assert shown == [f"- {i}. Mar 20{10 + i}: Event {i} at www.example.org" for i in range(1, 8)]
    assert latest[0].count("\n- ") == ui.EVENTS_SHOWN - 1  # three lines under the chart
    at = AppTest.from_function(page, args=(4,), default_timeout=30).run()  # one more than three: all listed
    assert not at.expander and [m.value.count("- ") for m in at.markdown][-1] == 4
