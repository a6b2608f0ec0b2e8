"""Bad input is a message with file and line, never a crash; extract text is text on every chart."""

from __future__ import annotations

import gzip
import json

import pytest
from helpers import POLICE_ROWS, police_csv

from safer import charts, contract
from safer.contract import validate


def _problems(data_dir):
    return [str(p) for p in validate(data_dir).errors]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("٣", "is not a whole number"),  # an Arabic-Indic digit: Python's int() accepts it, DuckDB does not
        ("1_0", "is not a whole number"),  # Python's int() reads 10
        ("1e3", "is not a whole number"),
        ("+-2", "is not a whole number"),
        ("2,0", "is not a whole number (decimal comma?)"),
    ],
)
def test_counts_are_ascii_whole_numbers_as_duckdb_reads_them(data_dir, value, why):
    """A partner count's problem never quotes it (a ward's month may be a small number, and every screen shows
    the problems): its line and column find it."""
    path = data_dir / "partner_monthly.csv"
    quoted = f'"{value}"' if "," in value else value
    path.write_text(path.read_text().replace("cse,2020-01,E05000001,2", f"cse,2020-01,E05000001,{quoted}"))
    assert _problems(data_dir) == [f"partner_monthly.csv:2: value: {contract.SMALL_COUNT_SHOWN} {why}"]


def test_a_problem_with_a_partner_count_never_quotes_the_count(data_dir):
    """'2.0' (what pandas writes for a count in a column with a gap) or -3 would put a ward's small count on the
    banner every page shows and on the Data page: the message names the line and column, not the value."""
    path = data_dir / "partner_monthly.csv"
    path.write_text(
        path.read_text().replace("cse,2020-01,E05000001,2", "cse,2020-01,E05000001,2.0") + "cse,2020-05,E05000001,-3\n"
    )
    assert _problems(data_dir) == [
        f"partner_monthly.csv:2: value: {contract.SMALL_COUNT_SHOWN} is not a whole number",
        f"partner_monthly.csv:8: value: {contract.SMALL_COUNT_SHOWN} is below the minimum 0",
    ]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "Infinity"])
def test_targets_are_finite_numbers(data_dir, value):
    path = data_dir / "targets.csv"
    path.write_text(path.read_text().replace("c2,asb,5,", f"c2,asb,{value},"))
    (problem,) = _problems(data_dir)
    assert problem.startswith("targets.csv:2: baseline_monthly_mean: ") and value in problem


@pytest.mark.parametrize(
    ("month", "why"),
    [
        ("0000-01", "is not a month between 1990 and 2100"),
        ("2099-12", "is after next month"),
    ],
)
def test_months_of_data_are_neither_year_0_nor_in_the_future(data_dir, month, why):
    path = data_dir / "partner_monthly.csv"
    path.write_text(path.read_text().replace("slavery,2020-02,E08000099,2", f"slavery,{month},E08000099,2"))
    (problem,) = _problems(data_dir)
    assert problem.startswith("partner_monthly.csv:7: month: ") and why in problem


def test_a_police_month_before_the_first_release_is_refused(data_dir):
    (data_dir / "police_uk" / "2009-05-test-street.csv").write_text(police_csv("2009-05", POLICE_ROWS["2020-06"]))
    problems = _problems(data_dir)
    assert any(
        p.startswith("police_uk/2009-05-test-street.csv:2: Month: ") and "first police.uk release" in p
        for p in problems
    ), problems


def test_a_corrupt_gzip_stream_is_a_message_and_the_last_good_build_keeps_serving(data_dir):
    from safer.store import Store

    s = Store(data_dir)
    good = s.sql("SELECT count(*) AS n FROM police_uk_rows").n.iloc[0]
    data = gzip.compress(police_csv("2020-08", POLICE_ROWS["2020-06"]).encode())
    bad = data[:20] + bytes(b ^ 0x55 for b in data[20:40]) + data[40:]
    (data_dir / "police_uk" / "2020-08-test-street.csv.gz").write_bytes(bad)
    problems = _problems(data_dir)
    assert problems and problems[0].startswith("police_uk/2020-08-test-street.csv.gz:1: ")
    assert "cannot be decompressed" in problems[0]
    s.refresh()
    assert not s.status.current and s.status.problems
    assert s.sql("SELECT count(*) AS n FROM police_uk_rows").n.iloc[0] == good
    s.close()


HOSTILE = '<a href="https://evil.example">click</a> <b>bold</b><br>'


def test_extract_text_is_text_on_every_chart():
    """Plotly renders <a>, <b> and <br> in strings: names and labels from extracts are escaped."""
    import pandas as pd

    indicator = {"indicator_id": "x", "label": HOSTILE, "unit": HOSTILE, "good_direction": "down"}
    monthly = pd.DataFrame({"month": ["2020-01", "2020-02"], "value": [3.0, 4.0]})
    events = pd.DataFrame(
        {"event_date": ["2020-01-15"], "title": [HOSTILE], "category": ["service"], "description": [""]}
    )
    fig = charts.trend_chart(monthly, None, None, None, events, indicator, HOSTILE, False)
    spec = json.dumps(fig.to_plotly_json())
    assert "<a href" not in spec and "<b>bold" not in spec
    assert "&lt;a href" in spec  # still there, as text
    wards = pd.DataFrame(
        {
            "area_code": ["E05000001", "E08000099"],
            "area_name": [HOSTILE, "Borough"],
            "area_type": ["ward", "borough"],
            "rate_per_1000": [2.0, 1.5],
            "total": [10, 20],
            "months_with_data": [12, 12],
            "population": [1000, 4000],
        }
    )
    spec = json.dumps(charts.ward_rank_chart(wards, indicator, False).to_plotly_json())
    assert "<a href" not in spec and "&lt;a href" in spec


def test_check_value_agrees_with_python_only_on_ascii():
    col = contract.Column("value", "int", minimum=0)
    assert contract.check_value(col, "12") is None
    assert contract.check_value(col, "１２")  # full-width digits


def test_the_same_force_month_with_a_trailing_space_is_still_counted_once(data_dir):
    text = police_csv("2020-01", POLICE_ROWS["2020-01"]).replace("Test Police,Test Police", "Test Police,Test Police ")
    (data_dir / "police_uk" / "2020-01-again-street.csv").write_text(text)
    problems = _problems(data_dir)
    assert any("2020-01 for Test Police is also in" in p and "counted twice" in p for p in problems), problems


def test_a_period_that_ends_before_it_starts_is_refused(store):
    from safer import queries

    with pytest.raises(queries.QueryError, match="is after --end_month"):
        queries.run(store, "ward_rates", indicator="asb", start_month="2020-05", end_month="2020-02")


def test_an_unterminated_quote_is_reported_at_the_line_it_opens(data_dir):
    """The reader only gives up at the end of the file; the line to fix is where the quote opened."""
    (data_dir / "events.csv").write_text(
        "event_date,title,category,indicator_id,description\n"
        "2020-01-01,fine,plan,,ok\n"
        '2020-02-01,"never closed,plan,,runs on\n'
        "2020-03-01,after,plan,,x\n"
        "2020-04-01,after again,plan,,y\n"
    )
    problems = [str(p) for p in contract.validate(data_dir).errors]
    assert problems == [
        "events.csv:3: -: cannot be parsed: a quoted value opened on this line is never closed (unexpected end of data)"
    ]


# --------------------------------------------------------------------------- counts, control characters, links


def test_counts_are_capped_at_1e12_so_no_sum_overflows(data_dir):
    """Two counts of 2**62 for one indicator and month passed validation and the build, then every page failed
    on the query (BIGINT overflow). A count is within ±1e12 like every other number; 1e12 itself is fine, and
    sums of such counts are exact."""
    from safer import queries
    from safer.store import Store

    path = data_dir / "partner_monthly.csv"
    good = path.read_text()
    big = "cse,2020-05,E05000001,4611686018427387903\ncse,2020-05,E05000002,4611686018427387903\n"
    path.write_text(good + big + "cse,2020-06,E05000001,1000000000001\n")
    assert _problems(data_dir) == [
        f"partner_monthly.csv:8: value: {contract.SMALL_COUNT_SHOWN} is not a whole number within ±1e+12",
        f"partner_monthly.csv:9: value: {contract.SMALL_COUNT_SHOWN} is not a whole number within ±1e+12",
        f"partner_monthly.csv:10: value: {contract.SMALL_COUNT_SHOWN} is not a whole number within ±1e+12",
    ]
    path.write_text(good + "cse,2020-06,E05000002," + "9" * 5000 + "\n")  # int() refuses 4,300 digits or more
    assert _problems(data_dir) == [
        f"partner_monthly.csv:8: value: {contract.SMALL_COUNT_SHOWN} is not a whole number within ±1e+12"
    ]
    path.write_text(good + "cse,2020-05,E05000001,1000000000000\ncse,2020-05,E05000002,1000000000000\n")
    assert _problems(data_dir) == []
    s = Store(data_dir)
    monthly = queries.run(s, "monthly", indicator="cse")
    assert dict(zip(monthly.month, monthly.value))["2020-05"] == 2 * 10**12
    s.close()


@pytest.mark.parametrize(
    ("char", "named"),
    [
        ("\x00", "U+0000 (null)"),
        ("\x07", "U+0007 (bell)"),
        ("\u202e", "U+202E (right-to-left override)"),  # shows the rest of the name reversed on screen
        ("\u2066", "U+2066 (left-to-right isolate)"),
        ("\u200f", "U+200F (right-to-left mark)"),
    ],
)
def test_control_and_bidi_characters_are_refused_in_text_and_ordinary_text_is_not(data_dir, char, named):
    """Every text column of a contract file, required or not, refuses control characters (but a tab, and a
    line break inside a quoted value) and Unicode's bidirectional controls, naming the code point; Welsh names,
    dashes and curly quotes are text like any other. The message never echoes the character itself."""
    areas = data_dir / "areas.csv"
    areas.write_text(
        areas.read_text().replace(",North,", ",Ynys Môn,").replace(",South,", ",Castell-nedd Port Talbot,"),
        encoding="utf-8",
    )
    events = data_dir / "events.csv"
    fine = (
        '2020-04-01,Launch — “Safer Streets” ‘week’,service,,"Two lines,\r\nand a\ttab"\r\n'
        '2020-05-01,Pont-y-pŵl review,plan,,"one\nmore"\n'
    )
    bad = f"2020-06-01,Plan{char}name,plan,,\n2020-07-01,ok,plan,,note{char}\n"
    events.write_text(events.read_text() + fine + bad, encoding="utf-8", newline="")
    problems = _problems(data_dir)
    assert problems == [
        f"events.csv:8: title: holds the control character {named}",  # lines 4-7: two records of two lines
        f"events.csv:9: description: holds the control character {named}",  # a column that may be blank too
    ]
    assert not any(char in p for p in problems)
    events.write_bytes(events.read_bytes().replace(bad.encode(), b""))
    rep = validate(data_dir)
    assert rep.problems == []
    names = [r["area_name"] for _, r in rep.tables["areas.csv"].rows]
    assert names == ["Testborough", "Ynys Môn", "Castell-nedd Port Talbot"]
    rows = [r for _, r in rep.tables["events.csv"].rows]
    assert rows[2]["title"] == "Launch — “Safer Streets” ‘week’"
    assert rows[2]["description"] == "Two lines,\r\nand a\ttab"
    assert rows[3]["description"] == "one\nmore"


def test_a_code_or_month_holds_no_line_break_and_a_lone_carriage_return_is_refused(data_dir):
    """A quoted '2020-01\\n' matched the month pattern ('$' matches before a final line break); codes, ids,
    months and numbers hold no control character at all. In text a lone \\r (not a line ending) is refused."""
    path = data_dir / "partner_monthly.csv"
    path.write_text(path.read_text().replace("cse,2020-01,E05000001,2", 'cse,"2020-01\n",E05000001,2'))
    events = data_dir / "events.csv"
    events.write_text(events.read_text() + '2020-04-01,"a\rb",plan,,\n', newline="")
    assert _problems(data_dir) == [
        "events.csv:4: title: holds the control character U+000D (carriage return)",
        "partner_monthly.csv:3: month: holds the control character U+000A (line feed)",
    ]


def test_a_header_or_value_in_a_message_is_clipped_and_its_control_characters_escaped(data_dir):
    path = data_dir / "population.csv"
    path.write_text(path.read_text().replace("source\n", "source,x\u202e" + "y" * 200 + "\n", 1))
    (problem,) = _problems(data_dir)
    column = "x\\u202e" + "y" * 78 + "…"  # 80 characters, then escaped
    assert problem.startswith(f"population.csv:1: {column}: column is not in the contract (")
    assert "\u202e" not in problem and "y" * 81 not in problem
    areas = data_dir / "areas.csv"
    areas.write_text(areas.read_text().replace("E05000002,South,ward,", "E05000002,South,w" + "d" * 99 + ","))
    assert f"areas.csv:4: area_type: 'w{'d' * 79}…' is not one of borough, ward" in _problems(data_dir)
    # police.uk values are not checked for control characters (read as published), but a message escapes them
    pol = data_dir / "police_uk" / "2020-05-test-street.csv"
    pol.write_text(pol.read_text().replace(",2020-05,", ",2020-0\u202e5,", 1))
    assert "police_uk/2020-05-test-street.csv:2: Month: '2020-0\\u202e5' is not a month (YYYY-MM, month 01-12)" in (
        _problems(data_dir)
    )


SECRET = "root:x:0:0:root:/root:/bin/bash\nsecret-marker,line\n"


@pytest.mark.parametrize(
    "name", ["events.csv", "partner_monthly.csv", "police_uk/2020-09-test-street.csv", "ward_boundaries.geojson"]
)
def test_a_link_to_a_file_outside_the_data_directory_is_refused_and_never_read(data_dir, tmp_path, name, capsys):
    """`ln -s /etc/passwd events.csv` put that file's lines in the messages on every page. A link outside the
    data directory is refused, by name, and not read; links inside it and hard links are files like any other."""
    import os
    from pathlib import Path

    from safer.cli import main

    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    (data_dir / "kept").mkdir()
    path = data_dir / name
    path.unlink(missing_ok=True)
    path.symlink_to(secret)
    # inside the directory: a symbolic link (relative and absolute) and a hard link, all read as usual
    (data_dir / "areas.csv").rename(data_dir / "kept" / "areas.csv")
    (data_dir / "areas.csv").symlink_to(Path("kept") / "areas.csv")
    pol = data_dir / "police_uk"
    (pol / "2020-07-test-street.csv").rename(data_dir / "kept" / "2020-07-test-street.csv")
    (pol / "2020-07-test-street.csv").symlink_to(data_dir / "kept" / "2020-07-test-street.csv")
    os.link(pol / "2020-06-test-street.csv", data_dir / "kept" / "june.csv")
    (pol / "2020-06-test-street.csv").unlink()
    os.link(data_dir / "kept" / "june.csv", pol / "2020-06-test-street.csv")

    rep = validate(data_dir)
    assert [str(p) for p in rep.problems] == [
        f"{name}:0: -: is a link to a file outside the data directory: it is not read; put the file itself "
        "(or a hard link to it) in the data directory"
    ]
    assert len(rep.tables["areas.csv"].rows) == 3
    assert {t.rel for t in rep.police_files} >= {
        "police_uk/2020-06-test-street.csv",
        "police_uk/2020-07-test-street.csv",
    }
    assert path not in contract.extract_files(data_dir) and path not in contract.police_files(data_dir)
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr()
    assert "root:" not in out.out + out.err and "secret-marker" not in out.out + out.err
    assert f"{name}:0: -: is a link to a file outside the data directory" in out.out


def test_a_police_uk_folder_linked_from_outside_is_refused_and_not_listed(data_dir, tmp_path):
    outside = tmp_path / "national"
    (data_dir / "police_uk").rename(outside)
    (outside / "2020-08-test-street.csv").write_text(SECRET)
    (data_dir / "police_uk").symlink_to(outside)
    rep = validate(data_dir)
    assert [str(p) for p in rep.errors] == [
        "police_uk:0: -: is a link to a directory outside the data directory: it is not read; put its files (or "
        "hard links to them) in the data directory"
    ]
    assert contract.police_files(data_dir) == [] and rep.police_files == []


def test_a_survey_period_from_an_extract_is_text_in_the_hover():
    """consultation.csv's `period` reaches the perception chart's hover box, which Plotly reads as HTML."""
    import pandas as pd

    indicator = {"indicator_id": "asb", "label": "ASB", "unit": "incidents", "good_direction": "down"}
    survey = pd.DataFrame(
        {
            "question": ["Q"],
            "answer": ["Yes"],
            "period": [HOSTILE],
            "start_month": ["2020-01"],
            "end_month": ["2020-03"],
            "percent": [40.0],
            "ci_low_pct": [35.0],
            "ci_high_pct": [45.0],
            "small_base": [False],
            "respondents": [300],
        }
    )
    monthly = pd.DataFrame({"month": ["2020-01", "2020-02"], "value": [3.0, 4.0]})
    spec = json.dumps(charts.perception_chart(survey, monthly, indicator, False).to_plotly_json())
    assert "<a href" not in spec and "&lt;a href" in spec


# --------------------------------------------------------------------------- ward boundaries (GeoJSON)


def _square(lon: float, lat: float) -> list:
    return [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat]]]


def _boundaries(**geometry_of) -> dict:
    """The fixture's two wards as a FeatureCollection (Polygons near the police rows' points); `geometry_of`
    replaces a ward's geometry."""
    feats = [
        {
            "type": "Feature",
            "properties": {"area_code": code, "area_name": name},
            "geometry": geometry_of.get(code, {"type": "Polygon", "coordinates": _square(-2.11 + i / 50, 53.39)}),
        }
        for i, (code, name) in enumerate((("E05000001", "North"), ("E05000002", "South")))
    ]
    return {
        "type": "FeatureCollection",
        "attribution": "Test boundaries (Open Government Licence v3.0)",
        "features": feats,
    }


def _ring(*points) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


GOOD_RING = [(-2.1, 53.4), (-2.09, 53.4), (-2.09, 53.41), (-2.1, 53.4)]
BOUNDARY_ERRORS = {
    "truncated": (
        '{"type":"FeatureCollection","features":[',
        "ward_boundaries.geojson:1: column 41: is not valid JSON: Expecting value",
    ),
    "a list": (
        "[]",
        "ward_boundaries.geojson:1: type: is not a GeoJSON FeatureCollection: the file holds a list, not an object "
        'whose type is "FeatureCollection"',
    ),
    "deep nesting": (
        "[" * 5000,
        "ward_boundaries.geojson:1: -: is nested too deeply to be read (a thousand or more levels of [ or {): ward "
        "boundaries nest fewer than ten",
    ),
    "a point": (
        json.dumps(_boundaries(E05000002={"type": "Point", "coordinates": [-2.1, 53.4]})),
        "ward_boundaries.geojson:1: features[1].geometry.type: ward E05000002: is 'Point'; a ward's boundary is a "
        "Polygon or MultiPolygon",
    ),
    "latitude out of range": (
        json.dumps(_boundaries(E05000001=_ring(*GOOD_RING[:2], (-2.09, 95), GOOD_RING[3]))),
        "ward_boundaries.geojson:1: features[0].geometry.coordinates[0][2]: ward E05000001: latitude 95 is outside "
        "-90 to 90: coordinates are WGS84 longitude and latitude (EPSG:4326), in that order, not British National "
        "Grid",
    ),
    "British National Grid": (
        json.dumps(_boundaries(E05000001=_ring((389000, 390000), *GOOD_RING[1:]))),
        "ward_boundaries.geojson:1: features[0].geometry.coordinates[0][0]: ward E05000001: longitude 389000 is "
        "outside -180 to 180: coordinates are WGS84 longitude and latitude (EPSG:4326), in that order, not British "
        "National Grid",
    ),
    "a whole number too large": (
        json.dumps(_boundaries(E05000001=_ring((10**30, 53.4), *GOOD_RING[1:]))),
        "ward_boundaries.geojson:1: features[0].geometry.coordinates[0][0]: ward E05000001: longitude "
        "1000000000000000000000000000000 is outside -180 to 180: coordinates are WGS84 longitude and latitude "
        "(EPSG:4326), in that order, not British National Grid",
    ),
    "an attribution that is not text": (
        json.dumps(_boundaries() | {"attribution": ["ONS"]}),
        "ward_boundaries.geojson:1: attribution: is a list, not text",
    ),
    "an attribution too long": (
        json.dumps(_boundaries() | {"attribution": "x" * 1001}),
        "ward_boundaries.geojson:1: attribution: is 1,001 characters: an attribution (shown under the map) is at "
        "most 1,000",
    ),
    "a coordinate that is not a number": (
        json.dumps(_boundaries(E05000002=_ring(GOOD_RING[0], ("-2.09", 53.4), *GOOD_RING[2:]))),
        "ward_boundaries.geojson:1: features[1].geometry.coordinates[0][1]: ward E05000002: a longitude is the text "
        "'-2.09', not a number",
    ),
    "NaN": (
        json.dumps(_boundaries(E05000002=_ring(GOOD_RING[0], (float("nan"), 53.4), *GOOD_RING[2:]))),
        "ward_boundaries.geojson:1: features[1].geometry.coordinates[0][1]: ward E05000002: a longitude is NaN, not "
        "a number",
    ),
    "no ward code": (
        json.dumps(_boundaries()).replace('"area_code": "E05000002"', '"WD17CD": "E05000002"'),
        "ward_boundaries.geojson:1: features[1].properties.area_code: is missing: each feature names its ward's code "
        "from areas.csv in the property area_code",
    ),
    "over the point limit": (
        json.dumps(_boundaries(), indent=1),  # 8 points, over the limit of 7 set below
        "ward_boundaries.geojson:1: coordinates: holds more than 7 points: use generalised boundaries (such as ONS's "
        "generalised clipped layer) of the partnership's wards only",
    ),
}
PRETTY = json.dumps(_boundaries(), indent=2)
AT = PRETTY.index('"E05000002"')
BOUNDARY_ERRORS["a value without quotes, on its own line"] = (
    PRETTY.replace('"E05000002"', "E05000002"),
    f"ward_boundaries.geojson:{PRETTY[:AT].count(chr(10)) + 1}: column {AT - PRETTY.rindex(chr(10), 0, AT)}: "
    "is not valid JSON: Expecting value",
)


def _map_wards(store) -> int:
    """How many wards the Areas view's map draws (a filled shape each); 0 when it draws none."""
    from safer import views

    views.base.clear_cache()  # drawn again from the build being served, not from a view kept from before
    fig = views.areas(store, "asb").data["map"]
    return 0 if fig is None else sum(1 for t in fig.data if t.fill == "toself")


@pytest.mark.parametrize("variant", list(BOUNDARY_ERRORS))
def test_broken_ward_boundaries_are_a_message_and_the_last_good_build_keeps_drawing_the_map(
    data_dir, variant, monkeypatch
):
    """A truncated file, `[]` or 5,000 nested `[` passed validation and crashed the Areas page for every indicator;
    now each broken variant is one FILE:LINE message, and the last good build (with its boundaries) serves."""
    from safer import catalog
    from safer.store import Store

    path = data_dir / "ward_boundaries.geojson"
    path.write_text(json.dumps(_boundaries()), encoding="utf-8")
    rep = validate(data_dir)
    assert rep.ok and not rep.problems and rep.boundaries.features == 2
    s = Store(data_dir)
    assert s.status.current and _map_wards(s) == 2
    text, message = BOUNDARY_ERRORS[variant]
    monkeypatch.setattr(contract, "MAX_BOUNDARY_POINTS", 7 if variant == "over the point limit" else 1_000_000)
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in validate(data_dir).problems] == [message]
    s.refresh()
    assert not s.status.current and [str(p) for p in s.status.problems] == [message]
    assert _map_wards(s) == 2  # the last good build's boundaries: the file on disk is never read by the view
    files = catalog.extract_files_info(data_dir).set_index("file")
    assert files.loc["ward_boundaries.geojson", "status"] == "1 error"
    s.close()


def test_a_file_over_the_size_limit_is_refused_by_its_size(data_dir, monkeypatch):
    assert contract.MAX_BOUNDARY_BYTES == 20 * 2**20  # 20 MB, as messages and data/README.md say
    monkeypatch.setattr(contract, "MAX_BOUNDARY_BYTES", 2**20)
    geo = _boundaries()
    geo["attribution"] = "x" * 2**20  # valid, but over 1 MB
    (data_dir / "ward_boundaries.geojson").write_text(json.dumps(geo), encoding="utf-8")
    assert _problems(data_dir) == [
        "ward_boundaries.geojson:1: -: is larger than 1 MB: use generalised boundaries (such as ONS's generalised "
        "clipped layer) of the partnership's wards only"
    ]


def test_a_ward_code_not_in_areas_csv_and_a_ward_without_a_boundary_are_warnings(data_dir):
    """The map draws the wards of areas.csv only: another code is left out of the build, with a warning."""
    from safer.store import Store

    geo = _boundaries()
    geo["features"][1]["properties"]["area_code"] = "E05999999"
    (data_dir / "ward_boundaries.geojson").write_text(json.dumps(geo), encoding="utf-8")
    rep = validate(data_dir)
    assert rep.ok and [str(p) for p in rep.problems] == [
        "ward_boundaries.geojson:1: properties.area_code: warning: 1 of 2 wards in areas.csv have no boundary "
        "(e.g. E05000002): they are not drawn on the map",
        "ward_boundaries.geojson:1: properties.area_code: warning: 'E05999999' (features[1]) is not a ward in "
        "areas.csv: its boundary is not drawn on the map",
    ]
    assert [f["properties"] for f in rep.boundaries.geojson["features"]] == [{"area_code": "E05000001"}]
    s = Store(data_dir)
    assert s.status.current and _map_wards(s) == 1
    s.close()


def test_broken_boundaries_leave_the_areas_and_data_pages_working(data_dir, monkeypatch):
    from test_pages import open_page

    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    (data_dir / "ward_boundaries.geojson").write_text(json.dumps(_boundaries()), encoding="utf-8")
    at = open_page("pages/areas.py", {"indicator": "asb"})
    assert not at.exception and len(at.get("plotly_chart")) == 2  # the map and the ranking
    (data_dir / "ward_boundaries.geojson").write_text("[" * 5000, encoding="utf-8")
    import time

    time.sleep(1.05)  # the extracts on disk are checked at most once a second (SAFER_DISK_CHECK_SECONDS)
    for indicator in ("asb", "burglary", "cse"):
        at = open_page("pages/areas.py", {"indicator": indicator})
        assert not at.exception, [e.value for e in at.exception]
        assert len(at.get("plotly_chart")) == 2  # the last good build still draws the map
        assert any("ward_boundaries.geojson:1: -: is nested too deeply" in c.value for c in at.code)
    at = open_page("pages/data.py")
    assert not at.exception, [e.value for e in at.exception]
    probs = next(el.value for el in at.dataframe if "Problem" in el.value.columns)
    assert list(probs[["File", "Line", "Column"]].itertuples(index=False, name=None)) == [
        ("ward_boundaries.geojson", 1, "-")
    ]


def test_the_demo_boundaries_validate_and_the_map_draws_every_ward_from_the_build(demo_env):
    from safer import views
    from safer.store import Store
    from safer.views import comparisons

    rep = validate(demo_env)
    assert not [p for p in rep.problems if p.file == "ward_boundaries.geojson"]
    assert rep.boundaries.features == 21 and len(rep.boundaries.geojson["features"]) == 21
    assert rep.boundaries.attribution.startswith("Ward boundaries: ONS Wards (December 2017)")
    s = Store(demo_env)
    fig = views.areas(s, "burglary").data["map"]
    assert sum(1 for t in fig.data if t.fill == "toself") == 21
    # the same map as one drawn from the file itself: the build keeps every ward's geometry as it was
    on_disk = json.loads((demo_env / "ward_boundaries.geojson").read_text(encoding="utf-8"))
    wards = views.areas(s, "burglary").tables["ward rates"]
    from_file = charts.ward_map(wards[wards.area_type == "ward"], on_disk, comparisons.indicator(s, "burglary"), True)
    assert [(t.x, t.y) for t in fig.data] == [(t.x, t.y) for t in from_file.data]
    s.close()


def test_a_file_of_countless_small_lists_is_refused_before_it_is_parsed(data_dir, monkeypatch):
    """49 MB of `[],[],…` took 1.3 GB to parse (Python's lists weigh about 25 times their text), and heights on
    one point were not counted as points: lists and values are counted in the text first, and a file with more
    than the points allow is refused without parsing it."""
    monkeypatch.setattr(contract, "MAX_BOUNDARY_VALUES", 1000)
    geo = _boundaries()
    geo["x"] = [[] for _ in range(1001)]
    (data_dir / "ward_boundaries.geojson").write_text(json.dumps(geo), encoding="utf-8")
    parsed = []
    monkeypatch.setattr(contract.json, "loads", lambda *a, **k: parsed.append(1))
    assert _problems(data_dir) == [
        "ward_boundaries.geojson:1: -: holds 1,015 lists or values, more than 1,000 (1,000,000 points at most): use "
        "generalised boundaries of the partnership's wards only"
    ]
    assert parsed == []  # refused from its text alone


def _in_thread(fn, pipes, seconds=60):
    """`fn()` in a thread, given `seconds`; a named pipe it waits on is then opened and closed for writing, so a
    reader stuck on it ends (the test fails rather than hangs). Returns (finished in time, result)."""
    import os
    import threading

    out = {}
    t = threading.Thread(target=lambda: out.setdefault("result", fn()), daemon=True)
    t.start()
    t.join(seconds)
    finished = not t.is_alive()
    while t.is_alive():
        for p in pipes:
            try:
                os.close(os.open(p, os.O_WRONLY | os.O_NONBLOCK))  # EOF for a reader waiting on it
            except OSError:
                pass
        t.join(1)
    return finished, out.get("result")


@pytest.mark.parametrize(
    "name", ["events.csv", "partner_monthly.csv", "police_uk/2020-09-test-street.csv", "ward_boundaries.geojson"]
)
def test_a_named_pipe_in_the_data_directory_is_refused_and_never_opened(data_dir, name):
    """`mkfifo events.csv` (or a pipe named like a police.uk file): validation opened it and waited for a writer
    for ever, so `validate`, the build and the Data page hung; a pipe named like a police.uk file was left out
    without a word. It is refused by name, never opened, and the last good build keeps serving."""
    import os

    from safer import catalog
    from safer.store import Store

    s = Store(data_dir)
    assert s.status.current
    rows = s.sql("SELECT count(*) FROM partner_monthly").iloc[0, 0]
    path = data_dir / name
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    message = f"{name}:0: -: {contract.NOT_A_FILE}"

    finished, rep = _in_thread(lambda: validate(data_dir), [path])
    assert finished, f"validation waited on the named pipe {name}"
    assert message in [str(p) for p in rep.errors]
    assert path not in contract.extract_files(data_dir)
    finished, status = _in_thread(s.refresh, [path])
    assert finished and not status.current and message in [str(p) for p in status.problems]
    assert s.sql("SELECT count(*) FROM partner_monthly").iloc[0, 0] == rows  # the last good build serves
    finished, info = _in_thread(lambda: catalog.extract_files_info(data_dir), [path])
    assert finished
    assert info.set_index("file").loc[name, "status"] == "refused: not a regular file"
    s.close()


def test_a_folder_or_a_link_to_nothing_named_as_an_extract_is_refused(data_dir):
    (data_dir / "events.csv").unlink()
    (data_dir / "events.csv").mkdir()
    (data_dir / "police_uk" / "2020-09-test-street.csv").symlink_to(data_dir / "gone.csv")
    assert [str(p) for p in validate(data_dir).errors] == [
        f"events.csv:0: -: {contract.NOT_A_FILE}",
        f"police_uk/2020-09-test-street.csv:0: -: {contract.NOT_A_FILE}",
    ]


def test_a_police_file_named_like_a_pattern_is_read_as_itself_and_no_other_file_twice(data_dir):
    """DuckDB's file readers take `*`, `?` and `[` in a path as a pattern: `2020-0[1]-test-street.csv.gz` read
    `2020-01-test-street.csv.gz` (a second time, so January counted double, with no message) and never itself.
    Such a file is checked and loaded by Python, as itself."""
    from safer import queries
    from safer.store import Store

    pol = data_dir / "police_uk"
    jan = pol / "2020-01-test-street.csv"
    (pol / "2020-01-test-street.csv.gz").write_bytes(gzip.compress(jan.read_bytes()))
    jan.unlink()
    odd = pol / "2020-0[1]-test-street.csv.gz"  # the gzipped files pass the byte checks in Python: DuckDB reads them
    odd.write_bytes(gzip.compress(police_csv("2020-03", [("E01000001", "Burglary")] * 2).encode()))
    s = Store(data_dir)  # a new cache: both files are read in one batch
    assert s.status.current, s.status.problems
    asb = queries.run(s, "monthly", indicator="asb").set_index("month")["value"]
    burglary = queries.run(s, "monthly", indicator="burglary").set_index("month")["value"]
    assert asb["2020-01"] == 5 and burglary["2020-01"] == 1  # not 10 and 2
    assert burglary["2020-03"] == 2 and asb["2020-03"] == 0  # the file itself, read
    s.close()


@pytest.mark.parametrize("raw", ["abc", "-1", "inf", "nan", "1e999", "3 s"])
def test_a_malformed_seconds_setting_is_named_and_its_default_used_never_a_traceback(data_dir, raw, monkeypatch):
    """SAFER_BUILD_WAIT_SECONDS=abc stopped every command (`validate` included) with a traceback at import, and
    SAFER_DISK_CHECK_SECONDS=abc every page at every rerun; `inf` made a page's wait for a build overflow."""
    import os
    import subprocess
    import sys

    from helpers import PROJECT

    from safer import config

    monkeypatch.setenv("SAFER_DISK_CHECK_SECONDS", raw)
    assert config.seconds("SAFER_DISK_CHECK_SECONDS", 1) == 1
    monkeypatch.setenv("SAFER_DISK_CHECK_SECONDS", "0.5")
    assert config.seconds("SAFER_DISK_CHECK_SECONDS", 1) == 0.5
    env = dict(os.environ, SAFER_BUILD_WAIT_SECONDS=raw, PYTHONPATH=str(PROJECT))
    done = subprocess.run(
        [sys.executable, "-m", "safer", "validate", "--data", str(data_dir)],
        capture_output=True, text=True, env=env, cwd=PROJECT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"SAFER_BUILD_WAIT_SECONDS={raw!r} is not a number of seconds" in done.stderr


@pytest.mark.parametrize("name", ["2020-03-test-street.CSV", "2020-03.zip", "2020-03-test-street.csv.GZ"])
def test_a_police_download_that_is_not_read_is_named_in_a_warning_not_left_out_silently(data_dir, name):
    """A data.police.uk zip dropped into police_uk/ (or a file named `.CSV`) was left out without a word: its
    months showed as missing and the build said it was current. It is named, and the build sees it arrive."""
    from safer.store import Store

    s = Store(data_dir)
    assert s.status.current and not s.status.warnings
    (data_dir / "police_uk" / name).write_bytes(b"PK\x03\x04" if name.endswith(".zip") else b"x\n")
    rep = validate(data_dir)
    assert rep.ok
    assert [str(p) for p in rep.warnings if p.file.startswith("police_uk/")] == [
        f"police_uk/{name}:0: -: warning: {contract.NOT_READ}"
    ]
    status = s.refresh()
    assert status.current and f"police_uk/{name}:0: -: warning: {contract.NOT_READ}" in status.warnings
    s.close()


def test_the_prefetch_script_takes_only_plain_script_names(tmp_path):
    """`ui.prefetch_parts` writes the names of Streamlit's own script files into a script run in the page: a name
    that could close the string or the tag (a quote, '<', '/') is never put there, whatever the folder holds; the
    installed Streamlit's names are all of the plain shape."""
    from safer import ui

    names = ["Selectbox.7rsxE6LC.js", "Table.CGMoNb2f.js", 'Table.x"+alert(1)+".js', "DataFrame.<script>.js",
             "Selectbox.a b.js", "remark-emoji.CE8lxIK6.js"]  # fmt: skip
    for n in names:
        (tmp_path / n).write_text("")
    assert ui._lazy_scripts(tmp_path) == ("Selectbox.7rsxE6LC.js", "Table.CGMoNb2f.js", "remark-emoji.CE8lxIK6.js")
    installed = ui._lazy_scripts()
    assert installed and all(ui.SCRIPT_NAME.fullmatch(n) for n in installed), installed


def test_the_prefetch_asks_for_every_module_a_part_imports_at_once_and_only_plain_names(tmp_path):
    """The parts' own imports were found by the browser one level at a time (six round trips); the prefetch lists
    every module they import, directly or not, less those the page's entry has loaded: it follows static imports
    only (a part's `import("./x.js")` is what it draws later), and a name that could close the script's string
    is never followed or listed."""
    from safer import ui

    files = {
        "index.AAA.js": 'import{a}from"./shared.S1.js";import"./entry-only.E1.js";',
        "shared.S1.js": "export const a=1;",
        "entry-only.E1.js": "",
        "Selectbox.B1.js": 'import{a}from"./shared.S1.js";import{u}from"./useField.F1.js";',
        "useField.F1.js": 'import"./deep.esm.D_1.js";const later=()=>import("./lazy.L1.js");',
        "deep.esm.D_1.js": 'import"./x"+alert(1)+".js";',
        "lazy.L1.js": "",
        "Table.T1.js": 'import"./useField.F1.js";',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert ui._lazy_modules(tmp_path) == ("Selectbox.B1.js", "Table.T1.js", "deep.esm.D_1.js", "useField.F1.js")
    installed = ui._lazy_modules()
    assert set(ui._lazy_scripts()) <= set(installed) and len(installed) > len(ui._lazy_scripts()), installed
    assert all(ui.SCRIPT_NAME.fullmatch(n) for n in installed), installed


def test_an_indicator_label_or_unit_too_long_for_a_chart_title_is_refused_at_its_line(data_dir):
    """A 400-character label squeezed a slide's chart under its title (an outside audit); a label or a unit that
    long is refused at its line and column, naming its length and the limit, and one at the limit is valid."""
    path = data_dir / "indicators.csv"
    text = path.read_text()
    long_label, long_unit = "B" * (contract.LABEL_MAX + 1), "u" * (contract.UNIT_MAX + 1)
    path.write_text(text.replace("burglary,Burglary,crimes,", f"burglary,{long_label},{long_unit},"))
    assert _problems(data_dir)[:2] == [
        f"indicators.csv:3: label: is {contract.LABEL_MAX + 1} characters long: at most {contract.LABEL_MAX} (it is "
        "shown in chart and slide titles)",
        f"indicators.csv:3: unit: is {contract.UNIT_MAX + 1} characters long: at most {contract.UNIT_MAX} (it is "
        "shown in chart and slide titles)",
    ]
    path.write_text(text.replace("burglary,Burglary,crimes,", f"burglary,{long_label[1:]},{long_unit[1:]},"))
    assert _problems(data_dir) == []


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_named_as_such_once(data_dir, sep, name):
    """Excel in a locale with a decimal comma saves 'CSV' with semicolons: a new user saw four 'column is missing'
    lines and one 'not in the contract' (an outside audit). One problem at line 1 says what the file is and how
    to save it; the last good data is kept as for any error."""
    path = data_dir / "partner_monthly.csv"
    path.write_text(path.read_text().replace(",", sep))
    assert _problems(data_dir) == [
        f"partner_monthly.csv:1: -: the file's values are separated by {name}, not commas: save it as comma-separated "
        "CSV (in Excel: 'CSV UTF-8 (Comma delimited)')"
    ]
