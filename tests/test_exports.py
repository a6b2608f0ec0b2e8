"""Exports, suppression, citations and the SIA data pack."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import PROJECT
from openpyxl import load_workbook

from safer import export, pack, queries
from safer.cli import main

META = export.Meta(
    title="ASB, Testborough",
    period="2020-01 to 2020-07",
    source="police.uk",
    data_version="abc123",
    filters={"indicator": "asb", "area": "E08000099"},
    url="http://localhost/trends?indicator=asb",
    partnership="Testshire Safety Partnership",
    synthetic=True,
)


# --------------------------------------------------------------------------- suppression


def test_ward_counts_below_the_threshold_never_leave_the_store(store):
    # cse has suppress_below 5. North: 2 (Jan), 4 (Feb), missing (Mar), 0 (Apr).
    df = queries.run(store, "monthly", indicator="cse", area="E05000001")
    assert df.value.isna().tolist() == [True, True, True, True]
    # zero is withheld too, so that "0" can never be told from a small count (borough minus the other wards)
    assert df.value_suppressed.tolist() == [True, True, False, True]
    shown = export.display_table(df)
    assert shown.value.tolist()[:2] == ["<5", "<5"] and list(shown.columns) == ["month", "value"]
    assert shown.value.tolist()[3] == "<5" and pd.isna(shown.value.tolist()[2])  # 2020-03: no data at all
    # The borough is not suppressed.
    assert queries.run(store, "monthly", indicator="cse").value.tolist()[:2] == [3, 4]


def test_cli_prints_suppressed_counts_as_less_than(data_dir, capsys):
    assert main(["query", "monthly", "--indicator", "cse", "--area", "E05000002", "--data", str(data_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["month,value", "2020-01,<5", "2020-02,<5", "2020-03,", "2020-04,<5"]
    assert main(["query", "cycle_summary", "--indicator", "cse", "--area", "E05000002", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "c1,3,2,<5,,"  # total 1 over 2 months: the total and the mean are withheld


def test_suppressed_values_never_appear_in_exports(store):
    df = queries.run(store, "ward_rates", indicator="cse")  # the latest complete financial year: to March 2020
    assert (df.start_month.iloc[0], df.end_month.iloc[0]) == ("2019-04", "2020-03")
    south = df[df.area_code == "E05000002"].iloc[0]
    assert pd.isna(south.total) and pd.isna(south.rate_per_1000) and bool(south.total_suppressed)
    text = export.csv_bytes(df).decode()
    total, rate = "Total in the period", "Rate per 1,000 residents a year"
    rows = {r["Area code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["E05000002"][total] == "<5" and rows["E05000002"][rate] == ""
    assert rows["E05000001"][total] == "5"  # 2 + 4 = 6 over the covered months, published rounded to 5
    assert "suppressed" not in text
    wb = load_workbook(io.BytesIO(export.xlsx_bytes({"cse ward rates": df}, META)))
    rows = [[c.value for c in row] for row in wb["cse ward rates"].iter_rows(min_row=4)]
    header, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert body["E05000002"][total] == "<5" and body["E05000002"][rate] is None
    # South's true total is 1: it is in no cell of its row, and nowhere in the total column.
    assert 1 not in [body["E05000002"][c] for c in header if c not in ("Months with data", "Months in the period")]
    assert [r[total] for r in body.values()] == [5, "<5", 7]  # the borough (7) is exact


# --------------------------------------------------------------------------- stamps and citations


def test_citation_names_everything_an_sia_footnote_needs():
    import datetime as dt

    text = export.citation(META, accessed=dt.date(2026, 11, 23))
    assert text == (
        "Testshire Safety Partnership. ASB, Testborough (indicator: asb; area: E08000099). "
        "Data period 2020-01 to 2020-07. Source: police.uk. Data version abc123. "
        "Synthetic demo data, not real figures. Available at: http://localhost/trends?indicator=asb "
        "(accessed 23 November 2026)."
    )


def test_a_citation_has_one_full_stop_where_its_source_brings_its_own():
    """The Areas view's source ends with the boundaries' attribution ("... database right 2017."): its citation
    read "2017.. Data version" (an outside audit), pasted as it is into an SIA footnote."""
    import dataclasses
    import datetime as dt

    meta = dataclasses.replace(META, source="police.uk; Contains OS data © Crown copyright and database right 2017.")
    text = export.citation(meta, accessed=dt.date(2026, 11, 23))
    assert "right 2017. Data version abc123." in text and ".." not in text, text
    asked = dataclasses.replace(META, title="Is ASB falling?", filters={})
    assert export.citation(asked).startswith("Testshire Safety Partnership. Is ASB falling? Data period"), asked


def test_excel_has_the_stamp_and_an_about_sheet(store):
    df = queries.run(store, "monthly", indicator="asb")
    wb = load_workbook(io.BytesIO(export.xlsx_bytes({"asb monthly": df}, META)))
    assert wb.sheetnames == ["About", "asb monthly"]
    ws = wb["asb monthly"]
    assert ws["A1"].value == "ASB, Testborough: asb monthly"
    assert "Data period: 2020-01 to 2020-07" in ws["A2"].value and "Data version abc123" in ws["A2"].value
    assert [c.value for c in ws[4]] == ["Month", "Count in the month"]  # the headings the page shows
    # a month is an Excel date shown as one (an outside audit: months were text cells); the missing month's count
    # stays empty
    assert [c.value for c in ws[7]] == [dt.datetime(2020, 3, 1), None] and ws["A7"].number_format == "mmm yyyy"
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows()}
    assert about["Data version"] == "abc123" and "SYNTHETIC" in about["Note"]


def test_chart_images_carry_the_stamp(store):
    from safer import charts

    monthly = queries.run(store, "monthly", indicator="asb")
    fig = charts.trend_chart(
        monthly,
        None,
        None,
        None,
        None,
        {"label": "ASB", "unit": "incidents", "good_direction": "down"},
        "Testborough",
        False,
    )
    stamped = export.stamped_figure(fig, META)
    texts = [a.text for a in stamped.layout.annotations]
    assert any("Data version abc123" in t and "Data period: 2020-01 to 2020-07" in t for t in texts)
    svg = export.image_bytes(fig, "svg", META).decode()
    assert svg.startswith("<svg") or "<svg" in svg[:300]
    assert "abc123" in svg
    png = export.image_bytes(fig, "png", META)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # a page's width and a report column's, each at twice its pixels (the PNG's header holds its width)
    narrow = export.image_bytes(fig, "png", META, width=760)
    assert [int.from_bytes(p[16:20], "big") for p in (png, narrow)] == [2800, 1520]


def _titled(title: str):
    import plotly.graph_objects as go

    return go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": {"text": title}})


def test_sessions_exporting_at_once_each_get_their_own_image():
    """One Chromium draws every image: requests from several sessions at once are served one at a time, each
    caller receiving the image it asked for (kaleido's own shared server hands results back through one queue
    with no lock)."""
    from concurrent.futures import ThreadPoolExecutor

    titles = [f"Chart number {i} of eight" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        svgs = list(pool.map(lambda t: export.image_bytes(_titled(t), "svg", META).decode(), titles))
    for title, svg in zip(titles, svgs):
        assert title in svg
        assert sum(t in svg for t in titles) == 1


def test_a_browser_that_died_is_opened_again_for_the_next_image():
    """A Chromium killed between two exports (out of memory, say) costs the next image a new browser's start,
    not an error or a hang."""
    export.image_bytes(_titled("before"), "svg", META)
    browser = export._CHROMIUM._kaleido
    assert browser is not None and browser.subprocess.poll() is None
    browser.subprocess.kill()
    browser.subprocess.wait(10)
    assert "after the crash" in export.image_bytes(_titled("after the crash"), "svg", META).decode()
    assert export._CHROMIUM._kaleido is not browser


# --------------------------------------------------------------------------- narrative


# --------------------------------------------------------------------------- the SIA pack


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SAFER_CACHE_DIR", str(tmp_path_factory.mktemp("pack-cache")))
    from safer.store import Store

    s = Store(PROJECT / "data")
    out = tmp_path_factory.mktemp("pack") / "sia"
    done = pack.build_pack(s, "2022-25", out)
    yield s, out, done
    s.close()
    mp.undo()


def test_pack_has_every_priority_with_charts_tables_workbook_and_paragraphs(demo_pack):
    s, out, done = demo_pack
    prios = queries.run(s, "cycle_priorities", cycle="2022-25")
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(folders) == prios.priority_id.nunique() == done["priorities"]
    for _, r in prios.dropna(subset=["indicator_id"]).iterrows():
        (folder,) = out.glob(f"[0-9][0-9]-{export.slug(r.priority_title)}")  # named as the plan names it
        iid = export.slug(r.indicator_id)  # one spelling for every file of an indicator
        assert (folder / f"{iid}-trend.png").read_bytes()[:4] == b"\x89PNG"
        assert (folder / f"{iid}-plan-cycles.png").stat().st_size > 10_000
        assert (folder / f"{iid}-monthly.csv").exists() and (folder / f"{iid}-plan-cycles.csv").exists()
        assert (folder / f"{iid}.txt").read_text().count("\n") >= 3
        assert (folder / "tables.xlsx").exists()
    html = (out / "index.html").read_text()
    assert "SYNTHETIC DEMO DATA" in html and "<img src=" in html and "<script" not in html


def test_the_pack_is_laid_out_from_the_same_view_objects_as_the_pages(demo_pack):
    """Change a view once and the page, the slide and the pack change with it: the pack's tables and charts
    are the trend and plan-cycle views' own objects, and its files are exactly those objects written out."""
    from safer import views

    s, out, _ = demo_pack
    v = views.sia_pack(s, "2022-25")
    part = next(p for sec in v.data["sections"] for p in sec.parts if p.indicator["indicator_id"] == "burglary")
    trend, cyc = views.trend(s, "burglary", None), views.cycle_comparison(s, "burglary", None)
    assert part.tables["burglary monthly"] is trend.tables["monthly"]
    assert part.tables["burglary plan cycles"] is cyc.tables["plan cycles"]
    assert part.figures["burglary-trend"] is trend.figures["trend chart"]
    (folder,) = out.glob("*-safer-neighbourhoods")  # public-safety's title in 2022-25
    assert (folder / "burglary-monthly.csv").read_bytes() == export.csv_bytes(
        trend.tables["monthly"], part.meta_of("burglary monthly")
    )
    # each table stamped with its page's months (an audit: one plan-cycle table said three periods, the pack's
    # CSV the monthly series', its workbook the plan cycle's own span, which runs past the data)
    assert part.meta_of("burglary plan cycles").period == cyc.meta.period
    assert part.meta_of("burglary monthly").period == trend.meta.period
    assert part.meta_of("burglary-plan-cycles").period == cyc.meta.period
    assert part.meta.filters == trend.meta.filters | {"plan cycle": "2022-25"}
    html = (out / "index.html").read_text()
    assert html.count("<h3>") == sum(len(sec.parts) for sec in v.data["sections"])


def test_pack_numbers_match_the_queries(demo_pack):
    s, out, _ = demo_pack
    (folder,) = out.glob("*-safer-neighbourhoods")  # public-safety's title in 2022-25
    got = list(csv.DictReader(open(folder / "burglary-plan-cycles.csv")))
    want = queries.run(s, "cycle_summary", indicator="burglary")
    assert [r["Plan cycle"] for r in got] == list(want.cycle_id)
    assert [int(r["Total (crimes)"]) for r in got] == [int(v) for v in want.total]  # headings name the unit
    assert [float(r["Mean per month (crimes, all its months with data)"]) for r in got] == list(want.monthly_mean)
    monthly = list(csv.DictReader(open(folder / "burglary-monthly.csv")))
    want_m = queries.run(s, "monthly", indicator="burglary")
    assert [r["Count in the month (crimes)"] for r in monthly] == [
        "" if pd.isna(v) else str(int(v)) for v in want_m.value
    ]
    para = (folder / "burglary.txt").read_text()
    from safer import views
    from safer.views import comparisons

    c = comparisons.in_family(s, "latest12", "burglary", None, end_month="2025-03")  # 2022-25 ended in March 2025
    assert f"{c.current_mean:,.0f} crimes a month from Apr 2024 to Mar 2025" in para
    assert "Benjamini–Hochberg" in para and "Quasi-Poisson GLM" in para
    # the paragraph an analyst pastes carries its citation: source, period, data version and method (an outside
    # audit: only the images and tables named a source)
    part = next(
        p
        for sec in views.sia_pack(s, "2022-25").data["sections"]
        for p in sec.parts
        if p.indicator["indicator_id"] == "burglary"
    )
    cite = para.strip().splitlines()[-1]
    assert cite.startswith("Cite as: ") and cite.removeprefix("Cite as: ").startswith(part.meta.partnership)
    for said in (f"Source: {part.meta.source}", f"Data version {s.data_version}.", "Method: verdicts compare"):
        assert said in cite, (said, cite)
    # its changes per resident rest on population.csv: the source says so (an outside audit)
    assert "residents from population.csv" in cite, cite
    from safer.views.base import METHODS

    pack_view = views.sia_pack(s, "2022-25")  # the pack's own citation names the method, as every part's does
    assert pack_view.meta.method == METHODS["change"] and f"Method: {METHODS['change']}." in pack_view.citation
    assert html.escape(cite) in (out / "index.html").read_text()
    # a long unbroken word (a URL in a caveat) wraps, never widening the page (an outside audit: 4,409 px wide)
    assert "overflow-wrap:anywhere" in (out / "index.html").read_text()
    about = {r[0].value: r[1].value for r in load_workbook(folder / "tables.xlsx")["About"].iter_rows()}
    assert about["Data version"] == s.data_version and about["Method"].startswith("verdicts compare")
    wb = load_workbook(folder / "tables.xlsx")
    assert "burglary plan cycles" in wb.sheetnames
    # each sheet stamped as its CSV is: its own period and source, not the section's (an audit: CSE's monthly sheet
    # of 2016-04 to 2026-09 said 2022-04 to 2025-03 and "see each indicator")
    v = views.sia_pack(s, "2022-25")
    part = next(p for sec in v.data["sections"] for p in sec.parts if p.indicator["indicator_id"] == "burglary")
    trend = views.trend(s, "burglary", None)
    assert wb["burglary monthly"]["A2"].value == part.meta_of("burglary monthly").stamp()
    assert wb["burglary plan cycles"]["A2"].value == part.meta_of("burglary plan cycles").stamp()
    assert f"Data period: {trend.meta.period} ·" in wb["burglary monthly"]["A2"].value
    about = dict(r[:2] for r in wb["About"].iter_rows(values_only=True))
    last = max(m.period.split(" to ")[1] for sec in v.data["sections"] for p in sec.parts for m in p.metas.values())
    assert about["Data period"].split(" to ")[1] <= last  # never the plan cycle's end, months not yet happened


def test_pack_zip_and_cli(data_dir, tmp_path, capsys):
    from safer.store import Store

    s = Store(data_dir)
    z = zipfile.ZipFile(io.BytesIO(pack.pack_zip(s, "c2", images=False)))
    names = z.namelist()
    assert "sia-pack-c2/index.html" in names and any(n.endswith("asb-monthly.csv") for n in names)
    assert main(["pack", "--cycle", "c2", "--out", str(tmp_path / "p"), "--no-images", "--data", str(data_dir)]) == 0
    assert (tmp_path / "p" / "index.html").exists()
    assert main(["pack", "--cycle", "nope", "--out", str(tmp_path / "q"), "--data", str(data_dir)]) == 2
    assert "'nope' is not known" in capsys.readouterr().err
    # an earlier pack's folder: refused, not mixed with the new one (files of another data version beside it)
    (tmp_path / "p" / "mine.csv").write_text("kept")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "p").rglob("*"))
    assert main(["pack", "--cycle", "c2", "--out", str(tmp_path / "p"), "--no-images", "--data", str(data_dir)]) == 2
    assert "is not empty: give a new or empty folder" in capsys.readouterr().err
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "p").rglob("*")) == before
    # a folder under a file: one line, not a traceback (an outside audit)
    under = tmp_path / "p" / "mine.csv" / "pack"
    assert main(["pack", "--cycle", "c2", "--out", str(under), "--no-images", "--data", str(data_dir)]) == 2
    assert capsys.readouterr().err == f"pack: cannot write the pack to {under}: Not a directory\n"
    s.close()


def test_a_csv_download_carries_its_stamp_in_every_row(store):
    """A CSV copied out of its folder still says its period, source, data version and partnership."""
    df = queries.run(store, "monthly", indicator="asb")
    meta = export.Meta(
        title="ASB",
        period="2020-01 to 2020-07",
        source="police.uk",
        data_version=store.data_version,
        partnership="Test Partnership",
        synthetic=True,
    )
    rows = list(csv.DictReader(io.StringIO(export.csv_bytes(df, meta).decode())))
    # the headings the page shows, with what each column holds, not the query's names (`value`)
    assert list(rows[0]) == ["Month", "Count in the month", "View title", "View filters", "Data period",
                             "Data source", "Data version", "Partnership"]  # fmt: skip
    assert {(r["View title"], r["View filters"]) for r in rows} == {("ASB", "")}
    assert {r["Data version"] for r in rows} == {store.data_version} and len(store.data_version) == 10
    assert {r["Partnership"] for r in rows} == {"Test Partnership (SYNTHETIC DEMO DATA)"}
    assert [r["Count in the month"] for r in rows][:3] == ["5", "4", ""]  # the numbers unchanged, the gap still empty


def test_the_overview_table_names_each_row_s_own_source_and_illustrative_priorities(demo_pack):
    """The Overview's CSV stamped every row with all four sources (the view's stamp): each row now also names its
    own, and a priority whose wording is illustrative says so, as its card does."""
    from safer import views

    s, _out, _done = demo_pack
    v = views.overview(s)
    t = v.tables["headline indicators"].set_index("Indicator")
    ind = queries.run(s, "indicators").set_index("label")
    assert t["Source"].to_dict() == {label: ind.loc[label, "source"] for label in t.index}
    assert t["Source"].nunique() > 1
    cards = {c.label: c for c in v.data["cards"]}
    for label, row in t.iterrows():
        assert row["Priority"].endswith(" (illustrative)") == cards[label].illustrative


def test_a_children_s_indicator_s_ward_table_is_headed_per_child_in_every_export():
    """The page, chart and citation said "per 1,000 children" while the CSV and Excel headings said "Residents"
    and "Rate per 1,000 residents a year" (an outside audit): an analyst would cite a rate per child as one per
    resident."""
    from pathlib import Path

    from safer import views
    from safer.store import Store

    store = Store(Path(PROJECT) / "data")
    try:
        for ind, per, unit in (("cse", "children", "reports"), ("asb", "residents", "incidents")):
            v = views.areas(store, ind)
            t = v.tables["ward rates"]
            head = export.csv_bytes(t, v.meta).decode().splitlines()[0]
            # the estimate's year beside the population it gives (an outside audit: rates on old estimates, unsaid)
            year = "Year of the population estimate"
            assert f'{per.capitalize()},{year},Person-years,"Rate per 1,000 {per} a year ({unit})"' in head, head
            wb = load_workbook(io.BytesIO(export.xlsx_bytes(v.tables, v.meta)))
            cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
            assert f"Rate per 1,000 {per} a year ({unit})" in cells
            other = "residents" if per == "children" else "children"
            assert not any(c.startswith(f"Rate per 1,000 {other} a year") for c in cells)
    finally:
        store.close()


def test_every_column_of_counts_names_what_it_counts_on_screen_and_in_every_export(demo_env):
    """A CSV's count column said "Count in the month" with nothing naming the unit: copied into an SIA draft,
    incidents, crimes and referrals read alike. Each view's columns of counts, and of means, limits and rates
    made from them, name the indicator's unit in the page's headings, the CSV and the workbook; a query run
    from the command line keeps the code's names for scripts."""
    from pathlib import Path

    from safer import views
    from safer.store import Store

    store = Store(Path(PROJECT) / "data")
    try:
        monthly = views.trend(store, "burglary").tables["monthly"]
        head = export.csv_bytes(monthly, views.trend(store, "burglary").meta).decode().splitlines()[0]
        assert head.startswith(
            "Month,Count in the month (crimes),Mean of the 12 months to this month (crimes),Plan cycle of the "
            'limits,Expected count (crimes),"Lower control limit (crimes, 99.73%)","Upper control limit (crimes, '
            '99.73%)",Outside the limits,View title,View filters,Data period,'
        ), head
        cyc = views.cycle_comparison(store, "missing_episodes")
        assert {
            "Total (episodes)",
            "Mean per month (episodes, all its months with data)",
            "95% interval of the mean, low (episodes)",
            "95% interval of the mean, high (episodes)",
        } <= set(cyc.tables["plan cycles"].columns)
        assert (
            export.csv_bytes(cyc.tables["month by month"])
            .decode()
            .startswith("Plan cycle,Month of the plan cycle,Month,Count in the month (episodes)\r\n")
        )
        cmp = views.compare(store, "asb")
        assert {"Total (incidents)", "Rate per 1,000 residents a year (incidents)"} <= set(
            cmp.tables["comparator rates"].columns
        )
        wb = load_workbook(io.BytesIO(export.xlsx_bytes(cmp.tables, cmp.meta)))
        cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}
        assert "Rate per 1,000 residents a year (incidents, 12 months to this month)" in cells
        ov = views.overview(store).tables["headline indicators"].set_index("Indicator")["Unit"]
        labels = queries.run(store, "indicators").set_index("label")["unit"]
        assert ov.to_dict() == {label: labels[label] for label in ov.index}
        assert list(queries.run(store, "monthly", indicator="asb").columns[:2]) == ["month", "value"]
    finally:
        store.close()


def test_the_packs_zip_is_made_once_per_cycle_and_data_version(store, monkeypatch):
    import threading
    import time

    from safer import pack

    made = []

    def fake_build(store, cycle_id, root, images=True):
        made.append(cycle_id)
        time.sleep(0.3)  # a pack takes seconds: the others ask meanwhile
        root.mkdir(parents=True)
        (root / "index.html").write_text(f"pack {cycle_id} {len(made)}")

    monkeypatch.setattr(pack, "build_pack", fake_build)
    got = []
    sessions = [threading.Thread(target=lambda: got.append(pack.pack_zip(store, "2022-25"))) for _ in range(4)]
    for t in sessions:
        t.start()
    for t in sessions:
        t.join(30)
    assert made == ["2022-25"] and len(got) == 4 and all(g is got[0] for g in got)
    assert pack.pack_zip(store, "2018-21") is not got[0] and made == ["2022-25", "2018-21"]


def test_the_areas_map_downloads_as_an_image_crediting_its_boundaries(demo_env):
    """The README promises every chart as PNG and SVG: the Areas map is one of the view's figures (after the
    ranking), and its stamp, like the view's, credits the ward boundaries' source."""
    from safer import views
    from safer.store import Store

    s = Store(demo_env)
    try:
        v = views.areas(s, "asb")
    finally:
        s.close()
    assert list(v.figures) == ["ward ranking chart", "ward map"]
    assert v.data["attribution"].startswith("Ward boundaries: ONS Wards")
    assert v.meta.source.endswith(f"; {v.data['attribution']}")  # said once, not "ward boundaries: Ward boundaries"
    svg = export.image_bytes(v.figures["ward map"], "svg", v.meta).decode()
    assert "Ward boundaries: ONS Wards" in svg and v.meta.data_version in svg


def test_the_compare_trend_s_downloads_say_its_own_period_not_the_funnel_s(demo_env):
    """Compare's funnel reads the latest 12 months; its trend every month. The trend's CSV, Excel sheet and images
    said the funnel's 12 months (an outside audit: a table of 2020-04 to 2025-09 stamped 2024-10 to 2025-09). Each
    table and figure now carries its own period where it has one (`View.meta_of`)."""
    from safer import views
    from safer.store import Store

    s = Store(demo_env)
    try:
        _ids, _names, gid = views.group_choices(s)
        v = views.compare(s, "asb", gid)
        trend = v.tables["comparator trend"]
        own = f"{trend.month.min()} to {trend.month.max()}"
        assert v.meta.period == "2025-10 to 2026-09" and own == "2015-04 to 2026-09"
        assert v.meta_of("comparator trend").period == own == v.meta_of("comparator trend chart").period
        assert v.meta_of("funnel plot").period == v.meta_of("comparator rates").period == v.meta.period
        rows = list(csv.DictReader(io.StringIO(export.csv_bytes(trend, v.meta_of("comparator trend")).decode())))
        assert {r["Data period"] for r in rows} == {own}
        metas = {n: v.meta_of(n) for n in v.tables}
        wb = load_workbook(io.BytesIO(export.xlsx_bytes(v.tables, v.meta, metas)))
        assert f"Data period: {own} ·" in wb["comparator trend"]["A2"].value
        assert f"Data period: {v.meta.period} ·" in wb["comparator rates"]["A2"].value
        fig = export.stamped_figure(v.figures["comparator trend chart"], v.meta_of("comparator trend chart"))
        stamp = next(a.text for a in fig.layout.annotations if a.name == "stamp")
        assert f"Data period: {own}" in stamp.replace("<br>", " ")
    finally:
        s.close()


def test_every_view_s_citation_names_its_method_and_the_data_version(demo_env):
    """A citation named the title, period, source and data version but not how the figures were worked out, so a
    reader could not reproduce a verdict or a funnel from it (an outside audit). Each view with statistics names
    its method (`views.base.METHODS`) in its citation and its Excel About sheet; a view that only counts (Scrutiny)
    names none."""
    from safer import views
    from safer.store import Store
    from safer.views.base import METHODS

    s = Store(demo_env)
    try:
        said = {
            ("trend", "limits"): views.trend(s, "asb", None),
            # a ward of a small-number indicator: its verdict on financial years, no limits (an outside audit: its
            # citation named the 12 months and the limits of every other trend)
            ("trend by financial year", "no limits"): views.trend(s, "cse", "E05000779"),
            ("cycles",): views.cycle_comparison(s, "asb", None),
            ("ward rates", "wards judged"): views.areas(s, "burglary", "latest"),
            ("funnel",): views.compare(s, "burglary"),
            ("targets",): views.priorities(s),
            ("survey",): views.consultation(s),
            ("change",): views.overview(s),
        }
        for parts, v in said.items():
            # each part in its order (a verdict's adds the months it compares: `test_a_verdict_s_citation_names...`)
            assert f"Data version {s.data_version}. Method: {METHODS[parts[0]]}" in v.citation, (parts, v.citation)
            at = [v.citation.find(METHODS[p]) for p in parts]
            assert -1 not in at and at == sorted(at), (parts, v.citation)
            about = {r[0].value: r[1].value for r in load_workbook(io.BytesIO(export.xlsx_bytes({}, v.meta)))["About"]}
            assert about["Method"] == v.meta.method and all(METHODS[p] in about["Method"] for p in parts)
        # no method where nothing was worked out: Scrutiny's list, an indicator with no ward rates
        for v in (views.scrutiny(s), views.areas(s, "modern_slavery", "latest")):
            assert "Method:" not in v.citation, v.citation
    finally:
        s.close()


def test_two_wards_or_periods_of_a_view_download_under_their_own_names_and_say_which_they_are(demo_env):
    """An SIA analyst downloaded one view for two periods and two wards: the files had one name (the second
    overwrote the first or became "(1)"), the name's title was cut mid-word ("...-by-wa"), and a CSV did not say
    which indicator or ward it held. Each download is now named for its filters and carries the view's title and
    filters on every row."""
    from safer import views
    from safer.store import Store

    s = Store(Path(PROJECT) / "data")
    try:
        names, wards = set(), ("E05000784", "E05000785")
        for period in views.area_periods(s)[0]:
            v = views.areas(s, "missing_episodes", period)
            names.add(export.file_name(v.meta_of("ward rates"), "ward rates", "csv"))
        for ward in wards:
            v = views.trend(s, "missing_episodes", ward)
            name = export.file_name(v.meta, "monthly", "csv")
            assert f"-missing-episodes-{ward.lower()}-monthly-{s.data_version}.csv" in name, name
            names.add(name)
            rows = list(csv.DictReader(io.StringIO(export.csv_bytes(v.tables["monthly"], v.meta).decode())))
            assert {(r["View title"], r["View filters"]) for r in rows} == {
                (v.meta.title, f"indicator: missing_episodes; area: {ward}")
            } and v.meta.title.startswith("Missing from home or care episodes (children) in ")
        assert len(names) == len(views.area_periods(s)[0]) + len(wards)
        assert all(len(n) <= 200 and "--" not in n for n in names)
        png = export.file_name(v.meta, "trend chart", "png", "760px")
        assert png.endswith(f"-trend-chart-{s.data_version}-760px.png"), png
    finally:
        s.close()
    # a title cut between words, never inside one
    assert export.slug("Missing episodes annual rate per 1,000 children by ward", 50) == (
        "missing-episodes-annual-rate-per-1-000-children-by"
    )
    assert export.slug("x" * 90) == "x" * 80 and export.slug("") == "export"


def test_a_verdict_s_citation_names_the_months_it_compares(demo_env):
    """The citation named the method but not the months (an SIA analyst): a trend's says the two periods its
    verdict compares, a plan cycles view's each cycle's, as `explain` and the page say them."""
    from safer import views
    from safer.store import Store
    from safer.views import comparisons

    s = Store(Path(PROJECT) / "data")
    try:
        v = views.trend(s, "missing_episodes", "E05000784")
        c = v.data["comparison"] if "comparison" in v.data else None
        assert "compared here: Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025" in v.citation, v.citation
        cyc = views.cycle_comparison(s, "cse", "E05000784")
        assert "2025-28 compared here: Apr 2025 to Mar 2026 against Apr 2022 to Mar 2023" in cyc.citation
        assert "2022-25 compared here: Apr 2022 to Mar 2025 against Apr 2018 to Mar 2021" in cyc.citation
        assert c is None or comparisons.months_compared(c) in v.citation
        # the pack's paragraph on each indicator, as its page (its latest 12 months to the data's end: 2025-28 runs)
        part = next(p for sec in views.sia_pack(s, "2025-28").data["sections"] for p in sec.parts
                    if p.indicator["indicator_id"] == "missing_episodes")  # fmt: skip
        cite = export.citation(part.meta)
        assert "the latest 12 months compared here: Oct 2025 to Sep 2026 against Oct 2024 to Sep 2025" in cite, cite
        assert "; 2025-28 compared here: Apr 2025 to " in cite, cite
    finally:
        s.close()
