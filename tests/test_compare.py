"""The Compare page (funnel plot against similar areas), its queries, and any borough from the same force files."""

from __future__ import annotations

import csv
import json

import pytest
from helpers import PROJECT
from streamlit.testing.v1 import AppTest

from safer import queries
from safer.contract import validate
from safer.store import Store

COMPARATOR_MONTHLY = (
    "area_code,area_name,indicator_id,month,value\n"
    "E08000099,Testborough,asb,2020-01,40\n"
    "E08000099,Testborough,asb,2020-02,20\n"
    "E08000098,Otherton,asb,2020-01,100\n"
    "E08000098,Otherton,asb,2020-02,110\n"
    "E08000098,Otherton,burglary,2020-02,9\n"
)
COMPARATOR_POPULATION = (
    "area_code,year,population,source\nE08000099,2019,3900,test\nE08000099,2021,4100,test\nE08000098,2020,10000,test\n"
)


def _open(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(page).run()
    return at


def test_comparator_rates_by_hand(data_dir):
    (data_dir / "comparator_monthly.csv").write_text(COMPARATOR_MONTHLY)
    (data_dir / "comparator_population.csv").write_text(COMPARATOR_POPULATION)
    s = Store(data_dir)
    df = queries.run(s, "comparator_rates", indicator="asb").set_index("area_name")
    # Period 2019-03 to 2020-02 (12 months ending at the last comparator month); 2 months with data.
    # Testborough: 60 in 2 months, population for 2020 = nearest earlier year 2019 = 3900:
    # 60 / 2 * 12 / 3900 * 1000 = 92.31; person-years = 3900 * 2 / 12 = 650.
    t = df.loc["Testborough"]
    assert (t.total, t.months_with_data, t.population, t.person_years, t.rate_per_1000, bool(t.is_partnership)) == (
        60,
        2,
        3900,
        650.0,
        92.31,
        True,
    )
    o = df.loc["Otherton"]
    assert (o.total, o.population, o.rate_per_1000, bool(o.is_partnership)) == (210, 10000, 126.0, False)
    assert (t.estimate_year, o.estimate_year) == (2019, 2020)  # the year of each area's estimate for 2020
    assert df.index.tolist() == ["Otherton", "Testborough"]  # highest rate first
    trend = queries.run(s, "comparator_trend", indicator="asb")
    assert trend.rate_12m_per_1000.isna().all()  # never 12 months of data: no rolling rate, never a guess
    assert queries.run(s, "comparator_indicators").indicator_id.tolist() == ["asb", "burglary"]
    s.close()


def test_comparator_area_without_population_is_an_error(data_dir):
    (data_dir / "comparator_monthly.csv").write_text(COMPARATOR_MONTHLY)
    (data_dir / "comparator_population.csv").write_text(
        COMPARATOR_POPULATION.replace("E08000098,2020,10000,test\n", "")
    )
    msgs = [str(p) for p in validate(data_dir).errors]
    assert msgs == ["comparator_monthly.csv:4: area_code: 'E08000098' has no row in comparator_population.csv"]


def test_compare_page_draws_the_funnel_with_the_partnership_labelled(demo_env):
    at = _open("pages/compare.py", {"indicator": "asb"})
    assert not at.exception, [e.value for e in at.exception]
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(figs) == 2
    funnel = figs[0]
    names = [t.get("name") for t in funnel["data"]]
    assert {"95% limits", "99.8% limits", "This partnership", "Other areas"} <= set(names)
    mine = next(t for t in funnel["data"] if t.get("name") == "This partnership")
    assert mine["marker"]["symbol"] == "diamond"
    label = [a for a in funnel["layout"]["annotations"] if a.get("name") == "partnership label"]
    assert [a["text"] for a in label] == ["<b>Stockport</b><br>(this partnership)"] and label[0]["showarrow"]
    assert (label[0]["x"], label[0]["y"]) == (mine["x"][0], mine["y"][0])  # its arrow points at the diamond
    others = next(t for t in funnel["data"] if t.get("name") == "Other areas")
    assert len(others["x"]) == 9
    assert "per 1,000 residents" in funnel["layout"]["yaxis"]["title"]["text"]
    assert "Residents" in funnel["layout"]["xaxis"]["title"]["text"]
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # captions keep extract text literal
    # the demo's boroughs differ far more than Poisson chance: the limits are widened, and the page says so
    assert "widened for the real variation between similar areas" in captions and "Spiegelhalter (2005)" in captions
    assert any("Synthetic" in w.value for w in at.warning)


def test_the_partnership_s_label_is_not_set_across_the_funnel_from_its_point(demo_env):
    """Burglary among its neighbours: Stockport above the upper limits near the plot's top had its label set below
    the funnel, its arrow the plot's height across both limits and the group rate, read as a line of its own (an
    outside audit). The rate axis now makes room above the point: the label and its arrow stay on the point's
    side of every line (above the 99.8% upper limit at each end of the arrow)."""
    import numpy as np

    from safer import views

    store = Store(PROJECT / "data")
    try:
        fig = views.compare(store, "burglary", "neighbours").figures["funnel plot"]
    finally:
        store.close()
    (label,) = [a for a in fig.layout.annotations if a.name == "partnership label"]
    upper = max((t for t in fig.data if t.name == "99.8% limits"), key=lambda t: np.nanmean(np.array(t.y, float)))
    xs, ys = np.array(upper.x, dtype=float), np.array(upper.y, dtype=float)
    assert label.y > np.interp(label.x, xs, ys)  # the point: above the upper limit
    for x, y in ((label.ax, label.ay), ((label.x + label.ax) / 2, (label.y + label.ay) / 2)):
        assert y > np.interp(x, xs, ys), (x, y)  # the label and its arrow: above it too
    assert fig.layout.yaxis.range[1] > label.ay > label.y


def test_compare_page_positions_are_the_ones_explain_prints(demo_env):
    from safer.store import Store
    from safer.views import comparisons

    at = _open("pages/compare.py", {"indicator": "burglary"})
    assert not at.exception, [e.value for e in at.exception]
    funnel = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = {}
    for t in funnel["data"]:
        for cd in t.get("customdata") or []:
            drawn[cd[0]] = cd[3]
    s = Store()
    lines = comparisons.explain_lines(s, "burglary", compare="areas")
    assert len(drawn) == len(lines) == 10
    for line in lines:
        page = drawn[line["area_name"]]
        assert page.split(" ")[0] == line["position"] or (line["position"] == "within" and "95%" in page)
    headline = " ".join(m.value for m in at.markdown)
    mine = next(x for x in lines if x["is_partnership"])
    assert f"{mine['rate_per_1000']:,.1f}" in headline.replace("\\", "")


def test_compare_page_without_comparator_data_says_so(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    at = _open("pages/compare.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("No comparator data" in i.value for i in at.info)


# --------------------------------------------------------------------------- any borough, same force files


def test_two_boroughs_over_the_same_force_files_count_only_their_own_lsoas(tmp_path):
    from bench import gm

    force = tmp_path / "force"
    gm.generate(force, months=3, rows_per_month=3000)
    files = sorted((force / "police_uk").glob("*.csv"))
    # Independent count of the force-wide files, by the LSOA codes of each borough.
    geo = gm.geography()
    expected = {}
    for code in ("E08000007", "E08000003"):
        lsoas = {x[0] for x in geo[code]["lsoas"]}
        n = 0
        for f in files:
            with open(f, encoding="utf-8") as fh:
                n += sum(
                    1
                    for r in csv.DictReader(fh)
                    if r["LSOA code"] in lsoas and r["Crime type"] == "Anti-social behaviour"
                )
        expected[code] = n
    got = {}
    for code in ("E08000007", "E08000003"):
        d = gm.make_borough_dir(code, force, tmp_path / code)
        rep = validate(d)
        assert rep.ok, [str(p) for p in rep.errors[:5]]
        s = Store(d)
        assert queries.run(s, "partnership").area_code.iloc[0] == code
        monthly = queries.run(s, "monthly", indicator="asb")
        got[code] = int(monthly[monthly.month >= "2026-07"].value.sum())
        wards = queries.run(s, "ward_rates", indicator="asb")
        assert (wards.area_type == "ward").sum() == len(geo[code]["wards"])
        files_q = queries.run(s, "police_uk_files")
        assert int(files_q.rows.sum()) == sum(sum(1 for _ in open(f)) - 1 for f in files)  # every row read
        s.close()
    assert got == expected and got["E08000003"] > got["E08000007"] > 0


def test_one_denominator_person_years_from_each_months_year(store):
    """Rates divide by person-years: each month with data adds its year's population / 12."""
    df = queries.run(store, "ward_rates", indicator="asb", start_month="2020-01", end_month="2020-04")
    b = df[df.area_type == "borough"].iloc[0]
    # months with data: 2020-01, 2020-02, 2020-04 (2020-03 has no file); 2020 has no estimate, the nearest
    # earlier one is 2019's 3,900: 3 × 3,900 / 12 = 975 person-years
    assert b.months_with_data == 3 and b.person_years == pytest.approx(975.0)
    assert b.rate_per_1000 == pytest.approx(round(b.total / 975.0 * 1000, 2))
    north = df[df.area_code == "E05000001"].iloc[0]
    assert north.person_years == pytest.approx(3 * 1000 / 12)


def test_the_partnership_has_the_same_rate_on_areas_and_compare(demo_env):
    from safer.store import Store
    from safer.views import comparisons

    s = Store()
    try:
        areas = queries.run(s, "ward_rates", indicator="asb")
        borough = areas[areas.area_type == "borough"].iloc[0]
        lines = comparisons.explain_lines(s, "asb", compare="areas")
        mine = next(x for x in lines if x["is_partnership"])
        assert mine["rate_per_1000"] == pytest.approx(borough.rate_per_1000, abs=0.01)
    finally:
        s.close()


def test_the_group_s_line_over_time_is_missing_where_any_area_lacks_the_month_never_the_rest_alone(data_dir):
    """An outside audit: in the month one force published no file, the group's 12-month rate was the other
    force's area alone (Cardiff's 2.74 against the group's 8.01: the dashed line fell by two thirds). Three
    areas, 120 + 240 + 720 a year over 3,900 + 2,000 + 3,000 residents; Thirdton has no row for 2020-03: the
    group's rate is 121.35 through 2020-02 and missing from 2020-03 (never 61.02, the other two alone)."""
    months = [f"{y}-{m:02d}" for y in (2019, 2020) for m in range(1, 13)][:18]
    rows = ["area_code,area_name,indicator_id,month,value"]
    for code, name, n in (
        ("E08000099", "Testborough", 10),
        ("E08000098", "Otherton", 20),
        ("E08000097", "Thirdton", 60),
    ):
        rows += [f"{code},{name},asb,{m},{n}" for m in months if not (name == "Thirdton" and m == "2020-03")]
    (data_dir / "comparator_monthly.csv").write_text("\n".join(rows) + "\n")
    (data_dir / "comparator_population.csv").write_text(
        "area_code,year,population,source\nE08000099,2019,1000,test\nE08000098,2019,2000,test\nE08000097,2019,3000,test\n"
    )
    s = Store(data_dir)
    try:
        t = queries.run(s, "comparator_trend", indicator="asb")
        g = t.drop_duplicates("month").set_index("month")["group_rate_12m_per_1000"]
        assert g.loc["2019-12"] == 121.35 and g.loc["2020-02"] == 121.35
        assert g.loc[["2020-03", "2020-04", "2020-06"]].isna().all()
        assert g.loc[:"2019-11"].isna().all()  # fewer than 12 months
    finally:
        s.close()


def test_rates_say_the_year_of_their_population_estimates_and_when_areas_differ(demo_env):
    """The demo's comparators had 2021 estimates beside Stockport's 2026 and nothing said so (an outside audit: a
    new partnership's comparators on estimates years older than its own): the Compare page names each area's
    estimate year in its table and says the rates rest on estimates of different years; the Areas page says the
    year its rates use."""
    import pandas as pd

    from safer import views
    from safer.views import comparisons

    s = Store(demo_env)
    try:
        v = views.compare(s, "asb", None)
        t = v.tables["comparator rates"].set_index("Area")
        assert t.loc["Stockport", "Year of the population estimate"] == 2026
        # each population's file is named where the figures are cited (the partnership's: population.csv)
        assert v.meta.source.endswith("populations from comparator_population.csv and, for the partnership, "
                                      "population.csv"), v.meta.source  # fmt: skip
        assert set(t.drop(index="Stockport")["Year of the population estimate"]) == {2021}
        assert (
            "Rates per 1,000 residents rest on population estimates of different years: 2026 (Stockport); "
            "2021 (9 areas)." in v.sentences[-1]
        )
        w = views.areas(s, "asb", views.area_periods(s)[0][0])
        assert "Rates per 1,000 residents use population estimates for 2026." in w.detail and not any(
            "population estimates" in n for n in w.notes
        )
    finally:
        s.close()
    one = pd.DataFrame({"area_name": ["A", "B"], "estimate_year": [2024, 2024]})
    assert comparisons.estimate_years(one, "2026-09") == (
        "Rates per 1,000 residents use population estimates for 2024, the newest given, for months to Sep 2026.",
        "Rates per 1,000 residents use population estimates for 2024, the newest given, for months to Sep 2026: "
        "2 years older than the period's end.",
    )
    assert comparisons.estimate_years(one, "2025-03")[1] is None  # a year's lag, as ONS's estimates come
    none = pd.DataFrame({"area_name": ["A"], "estimate_year": [None]})
    assert comparisons.estimate_years(none, "2025-03", "children") == (
        "No population estimate for these areas: no rate per 1,000 children.",
        None,
    )
