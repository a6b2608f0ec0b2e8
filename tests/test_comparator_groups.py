"""Comparator groups counted from the police.uk files: area_lookup.csv (ONS layout) + comparator_groups.csv.

Hand-countable fixture (tests/helpers.py): Testborough (E08000099, the partnership) holds E01000001-3; the
rows outside it lie in E01099999 (2020-01, anti-social behaviour) and E01099998 (2020-07, burglary), both in
Otherton (E08000098) here. A second force ("Other Police") has one file, 2020-02, with three rows in Elsewhere
(E06000097); Nowhere (E07000096) has no rows at all. No file for 2020-03.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil

import pandas as pd
import pytest
from helpers import PROJECT, REAL, police_csv

from safer import queries, views
from safer.contract import validate
from safer.store import Store

LOOKUP = (
    "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\n"
    "E01000001,Testborough 001A,E08000099,Testborough\n"
    "E01000002,Testborough 001B,E08000099,Testborough\n"
    "E01000003,Testborough 002A,E08000099,Testborough\n"
    "E01099999,Otherton 001A,E08000098,Otherton\n"
    "E01099998,Otherton 001B,E08000098,Otherton\n"
    "E01088888,Elsewhere 001A,E06000097,Elsewhere\n"
    "E01077777,Nowhere 001A,E07000096,Nowhere\n"
)
GROUPS = (
    "group_id,group_name,area_code,area_name\n"
    "g1,Nearest neighbours,E08000099,Testborough\n"
    "g1,Nearest neighbours,E08000098,Otherton\n"
    "g1,Nearest neighbours,E06000097,Elsewhere\n"
    "g1,Nearest neighbours,E07000096,Nowhere\n"
    "g2,Just Otherton,E08000098,Otherton\n"
    "g2,Just Otherton,E08000099,Testborough\n"
)
POPULATION = (
    "area_code,year,population,source\nE08000098,2020,2000,test\nE06000097,2020,500,test\nE07000096,2020,800,test\n"
)


def _other_force(month: str, rows: list[tuple[str, str]]) -> str:
    return police_csv(month, rows).replace("Test Police,Test Police", "Other Police,Other Police")


@pytest.fixture
def groups_dir(data_dir):
    (data_dir / "area_lookup.csv").write_text(LOOKUP, encoding="utf-8")
    (data_dir / "comparator_groups.csv").write_text(GROUPS, encoding="utf-8")
    (data_dir / "comparator_population.csv").write_text(POPULATION, encoding="utf-8")
    rows = [("E01088888", "Anti-social behaviour")] * 2 + [("E01088888", "Burglary")]
    (data_dir / "police_uk" / "2020-02-other-street.csv").write_text(_other_force("2020-02", rows), encoding="utf-8")
    return data_dir


def _monthly(store, indicator: str, group: str | None = None) -> dict[str, dict[str, int]]:
    t = queries.run_true(store, "comparator_trend", indicator=indicator, group=group)
    out: dict[str, dict[str, int]] = {}
    for r in t.itertuples():
        out.setdefault(r.area_name, {})[r.month] = int(r.value)
    return out


def test_counts_from_the_files_by_hand_with_missing_months_missing(groups_dir):
    rep = validate(groups_dir)
    assert rep.ok, [str(p) for p in rep.errors]
    s = Store(groups_dir)
    asb, burglary = _monthly(s, "asb"), _monthly(s, "burglary")
    # Test Police has files for every month but 2020-03: Otherton's months are those, 0 where nothing fell.
    assert asb["Otherton"] == {"2020-01": 1, "2020-02": 0, "2020-04": 0, "2020-05": 0, "2020-06": 0, "2020-07": 0}
    assert burglary["Otherton"] == {"2020-01": 0, "2020-02": 0, "2020-04": 0, "2020-05": 0, "2020-06": 0, "2020-07": 1}
    # Elsewhere's force (Other Police) has one file: every other month is missing, not 0.
    assert asb["Elsewhere"] == {"2020-02": 2} and burglary["Elsewhere"] == {"2020-02": 1}
    # No police.uk row at all: no force, no months, no counts.
    assert "Nowhere" not in asb
    # The partnership counted through the area lookup is exactly its own series on every other page.
    own = queries.run_true(s, "monthly", indicator="asb").dropna(subset=["value"])
    assert asb["Testborough"] == dict(zip(own.month, own.value.astype(int)))
    assert asb["Testborough"] == {"2020-01": 5, "2020-02": 4, "2020-04": 6, "2020-05": 1, "2020-06": 2, "2020-07": 7}
    # The second group holds only its own areas.
    assert set(_monthly(s, "asb", "g2")) == {"Otherton", "Testborough"}
    s.close()


def test_comparator_monthly_fills_a_month_without_a_file_but_never_doubles_one(groups_dir):
    monthly = groups_dir / "comparator_monthly.csv"
    monthly.write_text(
        "area_code,area_name,indicator_id,month,value\n"
        "E08000098,Otherton,asb,2020-03,5\n"  # no police.uk file that month: fills the gap
        "E08000098,Otherton,cse,2020-01,2\n",  # a partner indicator: always from here
        encoding="utf-8",
    )
    s = Store(groups_dir)
    assert _monthly(s, "asb")["Otherton"]["2020-03"] == 5
    assert _monthly(s, "cse")["Otherton"] == {"2020-01": 2}
    s.close()
    monthly.write_text(monthly.read_text() + "E08000098,Otherton,asb,2020-01,1\n", encoding="utf-8")
    rep = validate(groups_dir)
    assert [str(p) for p in rep.errors] == [
        "comparator_monthly.csv:4: month: E08000098 asb 2020-01 is counted from police_uk/ (the area is in "
        "comparator_groups.csv and area_lookup.csv); it would be counted twice: remove this row"
    ]


def test_ons_layout_any_year_and_the_contract_names_read_the_same(groups_dir):
    s = Store(groups_dir)
    want = _monthly(s, "asb")
    s.close()
    lookup = groups_dir / "area_lookup.csv"
    for header in (
        "LSOA11CD,LSOA11NM,LAD22CD,LAD22NM",
        "lsoa_code,lsoa_name,lad_code,lad_name",
        "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM,LAD24NMW,ObjectId",
    ):
        body = LOOKUP.splitlines()[1:]
        if header.endswith("ObjectId"):
            body = [f"{r},,{i}" for i, r in enumerate(body, 1)]
        lookup.write_text(header + "\n" + "\n".join(body) + "\n", encoding="utf-8")
        s = Store(groups_dir)
        assert s.status.current, [str(p) for p in s.status.problems]
        assert _monthly(s, "asb") == want, header
        s.close()


@pytest.mark.parametrize(
    ("lookup", "groups", "expected"),
    [
        (
            LOOKUP + "E01000001,Testborough 001A,E08000099,Testborough\n",
            GROUPS,
            ["area_lookup.csv:9: LSOA21CD: duplicate of line 2 (E01000001)"],
        ),
        (
            LOOKUP.replace("E01077777,Nowhere 001A,E07000096", "E01077777,Nowhere 001A,E05000096"),
            GROUPS.replace("E07000096,Nowhere", "E08000098,Otherton").replace(
                "g1,Nearest neighbours,E08000098,Otherton\n", "", 1
            ),
            [
                "area_lookup.csv:8: LAD24CD: 'E05000096' is not a local authority code (E06, E07, E08, E09 or W06 "
                "and 6 digits)"
            ],
        ),
        (
            LOOKUP.replace("LSOA21NM", "LSOA11NM"),
            GROUPS,
            ["area_lookup.csv:1: LSOA11NM: its year (11) differs from LSOA21CD's (21)"],
        ),
        (
            LOOKUP.replace("LSOA21NM", "LSOA11CD"),
            GROUPS,
            [
                "area_lookup.csv:1: LSOA11CD: gives lsoa_code as LSOA21CD does: keep one of them",
                "area_lookup.csv:1: LSOA11CD: its year (11) differs from LSOA21CD's (21)",
            ],
        ),
        (
            LOOKUP.replace("E01099998,Otherton 001B,E08000098,Otherton", "E01099998,Otherton 001B,E08000098,Other"),
            GROUPS,
            ["area_lookup.csv:6: LAD24NM: 'Other' differs from 'Otherton' (line 5) for the same E08000098"],
        ),
        (
            LOOKUP.replace(
                "E01000003,Testborough 002A,E08000099,Testborough", "E01000003,Testborough 002A,E08000098,Otherton"
            ),
            GROUPS,
            [
                "area_lookup.csv:4: LAD24CD: E01000003 is the partnership's (lsoa_ward_lookup.csv line 4), but here "
                "it is in E08000098, not the partnership's own area E08000099"
            ],
        ),
        (
            LOOKUP.replace(
                "E01099999,Otherton 001A,E08000098,Otherton", "E01099999,Otherton 001A,E08000099,Testborough"
            ),
            GROUPS,
            [
                "area_lookup.csv:5: LAD24CD: E01099999 is in the partnership's area E08000099 here but not in "
                "lsoa_ward_lookup.csv: the partnership's LSOAs must be the same in both lookups, or the Compare "
                "page's count and every other page's would differ (and the difference would show a count below "
                "ward level)"
            ],
        ),
        (
            LOOKUP,
            GROUPS + "g3,No partnership,E08000098,Otherton\n",
            [
                "comparator_groups.csv:8: group_id: group 'g3' does not include the partnership's own area "
                "E08000099: add a row for it"
            ],
        ),
        (
            LOOKUP,
            GROUPS + "g2,Just Otherton,E09000001,City of London\n",
            [
                "comparator_groups.csv:8: area_code: 'E09000001' is not a local authority in area_lookup.csv nor "
                "an area of comparator_monthly.csv"
            ],
        ),
        (
            LOOKUP,
            GROUPS + "g2,Other name,E06000097,Elsewhere\n",
            ["comparator_groups.csv:8: group_name: 'Other name' differs from 'Just Otherton' (line 6)"],
        ),
        (
            LOOKUP,
            GROUPS + "g2,Just Otherton,E08000098,Otherton\n",
            ["comparator_groups.csv:8: group_id,area_code: duplicate of line 6 (g2, E08000098)"],
        ),
    ],
)
def test_bad_lookups_and_groups_name_file_and_line_and_keep_the_last_good_build(groups_dir, lookup, groups, expected):
    s = Store(groups_dir)
    good = s.status.serving
    before = _monthly(s, "asb")
    (groups_dir / "area_lookup.csv").write_text(lookup, encoding="utf-8")
    (groups_dir / "comparator_groups.csv").write_text(groups, encoding="utf-8")
    st = s.refresh()
    assert sorted(str(p) for p in st.problems if p.severity == "error") == sorted(expected)
    assert not st.current and st.serving == good
    assert _monthly(s, "asb") == before
    s.close()


def test_a_group_area_without_a_population_is_shown_without_a_rate(groups_dir, monkeypatch):
    pop = groups_dir / "comparator_population.csv"
    pop.write_text(POPULATION.replace("E06000097,2020,500,test\n", ""), encoding="utf-8")
    rep = validate(groups_dir)
    assert rep.ok and [str(p) for p in rep.warnings] == [
        "comparator_groups.csv:4: area_code: warning: 'E06000097' has no row in comparator_population.csv: the "
        "Compare page shows its counts but no rate"
    ]
    s = Store(groups_dir)
    v = views.compare(s, "asb", "g1")
    t = v.tables["comparator rates"].set_index("Area")
    assert t.loc["Elsewhere", "Total (incidents)"] == 2
    assert pd.isna(t.loc["Elsewhere", "Rate per 1,000 residents a year (incidents)"])
    assert t.loc["Elsewhere", "Against the 99.8% limits"] == "no rate: no population estimate"
    assert "Elsewhere" not in {a.area_name for a in v.data["funnel"].areas}
    assert any(x.startswith("Elsewhere: no population estimate in comparator_population.csv") for x in v.sentences)
    # Nowhere has no police.uk rows, so no data in the period: said, not shown as 0.
    assert any("No data in the period for 1 area of the group: Nowhere" in x for x in v.sentences)
    # The group's name is quoted mid-sentence, whatever it is ("the 2 areas of Local authorities of Kent Police").
    assert "against 8.8 for the 2 areas of the group “Nearest neighbours” together: not judged" in v.sentences[0]
    # The view takes the group as a filter and is cached per group.
    assert views.compare(s, "asb", "g1") is v
    assert set(views.compare(s, "asb", "g2").tables["comparator rates"]["Area"]) == {"Otherton", "Testborough"}
    s.close()


def test_compare_shows_nothing_below_borough_level_for_a_small_number_indicator(groups_dir):
    """Suppression applies below borough level; the Compare page shows local authorities only, and the
    partnership's count there is its borough count on every other page (the lookups must agree), so no
    difference between pages reveals a count below ward level."""
    ind = groups_dir / "indicators.csv"
    ind.write_text(
        ind.read_text().replace(
            "asb,Anti-social behaviour,incidents,down,0,", "asb,Anti-social behaviour,incidents,down,5,"
        )
    )
    s = Store(groups_dir)
    v = views.compare(s, "asb", "g1")
    lads = set(pd.read_csv(groups_dir / "area_lookup.csv").LAD24CD)
    assert set(v.tables["comparator trend"].area_code) <= lads
    published = queries.run(s, "monthly", indicator="asb").dropna(subset=["value"])
    mine = v.tables["comparator trend"].query("is_partnership")
    assert dict(zip(mine.month, mine.value)) == dict(zip(published.month, published.value.astype(int)))
    # Ward figures of the same indicator are still withheld or rounded.
    north = queries.run(s, "monthly", indicator="asb", area="E05000001").set_index("month")
    assert bool(north.loc["2020-01", "value_suppressed"]) and pd.isna(north.loc["2020-01", "value"])  # 3: '<5'
    s.close()


def test_the_demo_neighbours_group_counts_equal_an_independent_count_of_the_files(demo_env):
    data = PROJECT / "data"
    lookup = pd.read_csv(data / "area_lookup.csv", dtype=str)
    frames = []
    for path in sorted((data / "police_uk").glob("*.csv.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        frames.append(
            pd.read_csv(io.StringIO(text), dtype=str, usecols=["Month", "Falls within", "LSOA code", "Crime type"])
        )
    rows = pd.concat(frames).merge(lookup, left_on="LSOA code", right_on="LSOA21CD")
    s = Store(data)
    v = views.compare(s, "burglary", "neighbours")
    start, end = v.meta.period.split(" to ")
    window = rows[(rows["Crime type"] == "Burglary") & rows.Month.between(start, end)]
    expected = window.groupby("LAD24NM").size().to_dict()
    got = v.tables["comparator rates"].set_index("Area")["Total (crimes)"].to_dict()
    assert got == expected
    # Derbyshire has no file for 2026-01: High Peak's month is missing, not 0.
    t = v.tables["comparator trend"]
    assert "2026-01" not in set(t[t.area_name == "High Peak"].month)
    assert "2026-01" in set(t[t.area_name == "Cheshire East"].month)
    assert v.tables["comparator rates"].set_index("Area").loc["High Peak", "Months with data"] == 11
    assert any(x.startswith("Months with data out of 12: High Peak 11.") for x in v.sentences)
    s.close()


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent (bench.gm checks its populations)")
def test_every_gm_borough_counted_from_force_wide_files_equals_pandas(tmp_path):
    from bench import gm

    force = tmp_path / "force"
    made = gm.generate(force, months=3, last_month="2026-03", rows_per_month=4000)
    d = gm.make_borough_dir("E08000003", force, tmp_path / "manchester")
    # One month's file taken away: that month is missing for every borough, never 0.
    gone = made["months"][1]
    (d / "police_uk" / f"{gone}-greater-manchester-street.csv").unlink()
    lookup = pd.read_csv(d / "area_lookup.csv", dtype=str)
    files = sorted((d / "police_uk").glob("*.csv"))
    rows = pd.concat(pd.read_csv(p, dtype=str) for p in files).merge(lookup, left_on="LSOA code", right_on="LSOA21CD")
    s = Store(d, cache=tmp_path / "cache")
    assert s.status.current, [str(p) for p in s.status.problems[:5]]
    groups = views.comparator_groups(s)
    assert set(groups.area_code) == set(lookup.LAD24CD) and len(set(groups.area_code)) == 10
    for indicator, ctype in (("asb", "Anti-social behaviour"), ("burglary", "Burglary")):
        got = _monthly(s, indicator)
        want = rows[rows["Crime type"] == ctype].groupby(["LAD24NM", "Month"]).size()
        for la in set(lookup.LAD24NM):
            months = {m: int(want.get((la, m), 0)) for m in made["months"] if m != gone}
            assert got[la] == months, (indicator, la)
    v = views.compare(s, "asb")
    assert len(v.data["funnel"].areas) == 10
    assert [a.area_name for a in v.data["funnel"].areas if a.is_partnership] == ["Manchester"]
    s.close()


def test_a_copy_of_the_demo_with_groups_validates_and_the_bench_stockport_dir_too(tmp_path):
    """The demo's groups as shipped, and bench.gm's Stockport directory, validate with no warning."""
    rep = validate(PROJECT / "data")
    assert rep.ok and not rep.warnings
    ids = [r["group_id"] for r in csv.DictReader(open(PROJECT / "data" / "comparator_groups.csv", encoding="utf-8"))]
    assert list(dict.fromkeys(ids)) == ["gm-boroughs", "neighbours"]
    d = shutil.copytree(PROJECT / "data", tmp_path / "d")
    (d / "comparator_groups.csv").write_text(
        (d / "comparator_groups.csv").read_text().replace("neighbours,", "near,"), encoding="utf-8"
    )
    assert validate(d).ok


def test_compare_page_offers_the_groups_and_keeps_the_choice_in_the_url(demo_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    at.run()
    at.query_params["group"] = "neighbours"
    at.query_params["indicator"] = "burglary"
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    box = next(s for s in at.selectbox if s.label == "Comparator group")
    assert box.value == "neighbours" and len(box.options) == 2
    funnel = json.loads(at.get("plotly_chart")[0].proto.spec)
    others = next(t for t in funnel["data"] if t.get("name") == "Other areas")
    assert len(others["x"]) == 2  # Cheshire East and High Peak
    text = (" ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)).replace("\\", "")
    assert "Stockport and its neighbours outside Greater Manchester" in text
    assert "police.uk street files (areas placed by area_lookup.csv)" in text
    # Three areas: too few to estimate the variation between them, so none is judged, and the page says so.
    text = text.replace("\\", "")  # the page escapes Markdown
    assert "No area is called unusual: with 3 of the 3 areas expecting 5 events or more, fewer than 10" in text
    assert "not judged: a group needs at least 10 areas" in text
    assert "fall outside the 99.8% limits" not in text
    # the chart's subtitle is the page's own caption above it
    assert "no area is judged above or below them" in text and "Points outside the funnel" not in text
    assert sorted(others["text"]) == ["Cheshire East", "High Peak"]  # a small group: every area named


def test_ingest_keeps_the_rows_of_the_comparator_areas_counted_from_the_files(groups_dir, tmp_path, capsys):
    from safer.cli import main

    s = Store(groups_dir)
    f = tmp_path / "2020-08-test-street.csv"
    rows = [("E01000001", "Anti-social behaviour")] * 4 + [("E01099999", "Anti-social behaviour")] * 2
    f.write_text(police_csv("2020-08", rows + [("E01066666", "Burglary")]), encoding="utf-8")
    assert main(["ingest", str(f), "--data", str(groups_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "added    2020-08 test-police: 6 rows" in out  # the partnership's 4 and Otherton's 2
    s.refresh()
    asb = _monthly(s, "asb")
    assert asb["Otherton"]["2020-08"] == 2 and asb["Testborough"]["2020-08"] == 4
    assert _monthly(s, "burglary")["Otherton"]["2020-08"] == 0
    s.close()


def test_explain_compares_within_the_group_asked_for(groups_dir, capsys):
    from safer.cli import main

    assert (
        main(["explain", "--indicator", "asb", "--compare", "areas", "--group", "g2", "--data", str(groups_dir)]) == 0
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {x["area_name"] for x in lines} == {"Otherton", "Testborough"} and {x["group_id"] for x in lines} == {"g2"}
    assert (
        main(["explain", "--indicator", "asb", "--compare", "areas", "--group", "nope", "--data", str(groups_dir)]) == 1
    )
    assert "unknown comparator group 'nope' (known: g1, g2)" in capsys.readouterr().err


def test_a_comparator_area_counts_by_the_partnership_s_force_rule(groups_dir):
    """Comparator areas took the one force with most of their rows: Elsewhere's force renamed in its latest files
    ("Other Police Service" from 2020-06) lost those months, and a British Transport Police row there in 2020-05
    was counted (a step). A comparator area now counts as the partnership does (police_uk_forces): every force
    with at least a fifth of its rows a month, under each name, and no other force's rows."""
    pol = groups_dir / "police_uk"
    for month in ("2020-04", "2020-05", "2020-06", "2020-07"):
        text = _other_force(month, [("E01088888", "Anti-social behaviour")] * 8 + [("E01088888", "Burglary")] * 2)
        if month >= "2020-06":
            text = text.replace(",Other Police,Other Police,", ",Other Police,Other Police Service,")
        (pol / f"{month}-other-street.csv").write_text(text, encoding="utf-8")
    btp = police_csv("2020-05", [("E01088888", "Anti-social behaviour")]).replace(
        "Test Police,Test Police", "British Transport Police,British Transport Police"
    )
    (pol / "2020-05-btp-street.csv").write_text(btp, encoding="utf-8")
    s = Store(groups_dir)
    try:
        assert s.status.current, [str(p) for p in s.status.problems]
        asb = _monthly(s, "asb")
        assert asb["Elsewhere"] == {"2020-02": 2, "2020-04": 8, "2020-05": 8, "2020-06": 8, "2020-07": 8}
        assert _monthly(s, "burglary")["Elsewhere"] == {
            "2020-02": 1,
            "2020-04": 2,
            "2020-05": 2,
            "2020-06": 2,
            "2020-07": 2,
        }
        forces = s.sql(
            "SELECT force, counted FROM police_uk_forces WHERE scope = 'comparator' AND area_code = 'E06000097'"
            " ORDER BY force"
        ).values.tolist()
        assert forces == [["british-transport-police", False], ["other-police", True], ["other-police-service", True]]
        # The partnership's own counts are untouched by the other forces' files.
        assert asb["Testborough"] == {
            "2020-01": 5,
            "2020-02": 4,
            "2020-04": 6,
            "2020-05": 1,
            "2020-06": 2,
            "2020-07": 7,
        }
    finally:
        s.close()


def _append_rows(path, month: str, rows: list[tuple[str, str]], force: str = "Test Police") -> None:
    """Rows added to a police.uk file as its force publishes them (the rows of `police_csv`, under `force`)."""
    lines = police_csv(month, rows).replace("Test Police,Test Police", f"{force},{force}").splitlines()[1:]
    if not path.exists():
        path.write_text(POLICE_HEADER_LINE + "\n", encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")


POLICE_HEADER_LINE = police_csv("2020-01", []).splitlines()[0]
NOWHERE_LSOAS = [f"E0107777{i}" for i in range(8)]  # Nowhere with eight LSOAs (E01077777 among them)


def _nowhere_of_eight(groups_dir) -> None:
    lookup = groups_dir / "area_lookup.csv"
    extra = "".join(f"{c},Nowhere 00{i}B,E07000096,Nowhere\n" for i, c in enumerate(NOWHERE_LSOAS) if c != "E01077777")
    lookup.write_text(LOOKUP + extra, encoding="utf-8")


def test_a_neighbour_s_border_rows_are_never_an_area_s_counts(groups_dir):
    """An outside audit: with no file of High Peak's own force, three Greater Manchester rows a month in three of
    its LSOAs were its counts (a rate of 0.25 per 1,000 against about 14, called 'below' on the funnel). Test
    Police (the partnership's force) has one row a month in Nowhere (80,000 residents), and no file of Nowhere's
    force was downloaded: Nowhere has no data, not Test Police's rows (per resident, under a hundredth of the
    partnership's); Otherton, in the same force with about an eighth of Testborough's rows per resident, is
    counted as before."""
    (groups_dir / "comparator_population.csv").write_text(
        POPULATION.replace("E07000096,2020,800", "E07000096,2020,80000")
    )
    for month in ("2020-01", "2020-02", "2020-04", "2020-05", "2020-06", "2020-07"):
        _append_rows(groups_dir / "police_uk" / f"{month}-test-street.csv", month, [("E01077777", "Burglary")])
    s = Store(groups_dir)
    try:
        assert s.status.current, [str(p) for p in s.status.problems]
        assert "Nowhere" not in _monthly(s, "burglary") and "Nowhere" not in _monthly(s, "asb")
        f = s.sql("SELECT area_code, per_resident_ratio, counted FROM police_uk_forces WHERE scope = 'comparator'")
        ratio = {a: (None if r != r else round(r, 4), c) for a, r, c in f.itertuples(index=False) if a != "E08000099"}
        # Nowhere 6 rows / 80,000 residents, Otherton 2 / 2,000, against Testborough's 33 / 3,900 (other forces:
        # no ratio)
        assert ratio == {"E07000096": (0.0091, False), "E08000098": (0.1212, True), "E06000097": (None, True)}
        assert _monthly(s, "burglary")["Otherton"]["2020-07"] == 1
    finally:
        s.close()


def test_a_neighbour_s_rows_over_more_months_than_the_area_s_own_force_make_no_step(groups_dir):
    """An outside audit: the neighbour's files ran ten years, the area's own force's two; the neighbour's rows,
    a fifth of the area's rows a month over all its months, were counted, and the area read 3-10 a month for
    years, then 110. Its share is now taken in the months both forces have files (here 1 in 21): Nowhere's counts
    are its own force's, in its own force's months, though Test Police's rows lie in six of its eight LSOAs."""
    _nowhere_of_eight(groups_dir)
    months = ("2020-01", "2020-02", "2020-04", "2020-05", "2020-06", "2020-07")
    for i, month in enumerate(months):
        _append_rows(groups_dir / "police_uk" / f"{month}-test-street.csv", month, [(NOWHERE_LSOAS[i], "Burglary")])
    for month in ("2020-06", "2020-07"):
        rows = [(c, "Anti-social behaviour") for c in NOWHERE_LSOAS] + [(NOWHERE_LSOAS[0], "Burglary")] * 2
        _append_rows(groups_dir / "police_uk" / f"{month}-nowhere-street.csv", month, rows, force="Nowhere Police")
    s = Store(groups_dir)
    try:
        assert s.status.current, [str(p) for p in s.status.problems]
        assert _monthly(s, "asb")["Nowhere"] == {"2020-06": 8, "2020-07": 8}
        assert _monthly(s, "burglary")["Nowhere"] == {"2020-06": 2, "2020-07": 2}
        f = s.sql("SELECT force, counted FROM police_uk_forces WHERE area_code = 'E07000096' ORDER BY force")
        assert f.values.tolist() == [["nowhere-police", True], ["test-police", False]]
    finally:
        s.close()


def test_an_area_two_forces_share_is_missing_where_either_force_s_files_stop_or_start(groups_dir):
    """An outside audit: of two forces sharing an area, the one missing from the latest release left that month
    counted from the other alone (High Peak 61 against 116). Other Police and Third Police share Elsewhere, Third
    Police's files from 2020-04 to 2020-06: 2020-07 (and 2020-02, before its first) are missing, never half
    counts; where both have files the counts are both forces'."""
    pol = groups_dir / "police_uk"
    for month in ("2020-04", "2020-05", "2020-06", "2020-07"):
        _append_rows(pol / f"{month}-other-street.csv", month, [("E01088888", "Burglary")] * 3, force="Other Police")
        if month != "2020-07":
            _append_rows(
                pol / f"{month}-third-street.csv", month, [("E01088888", "Burglary")] * 2, force="Third Police"
            )
    s = Store(groups_dir)
    try:
        assert s.status.current, [str(p) for p in s.status.problems]
        assert _monthly(s, "burglary")["Elsewhere"] == {"2020-04": 5, "2020-05": 5, "2020-06": 5}
        f = s.sql("SELECT force, counted FROM police_uk_forces WHERE area_code = 'E06000097' ORDER BY force")
        assert f.values.tolist() == [["other-police", True], ["third-police", True]]
    finally:
        s.close()
