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
        ("٣", "'٣' is not a whole number"),  # an Arabic-Indic digit: Python's int() accepts it, DuckDB does not
        ("1_0", "'1_0' is not a whole number"),  # Python's int() reads 10
        ("1e3", "'1e3' is not a whole number"),
        ("+-2", "'+-2' is not a whole number"),
    ],
)
def test_counts_are_ascii_whole_numbers_as_duckdb_reads_them(data_dir, value, why):
    path = data_dir / "partner_monthly.csv"
    path.write_text(path.read_text().replace("cse,2020-01,E05000001,2", f"cse,2020-01,E05000001,{value}"))
    assert _problems(data_dir) == [f"partner_monthly.csv:2: value: {why}"]


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
        "partner_monthly.csv:8: value: '4611686018427387903' is not a whole number within ±1e+12",
        "partner_monthly.csv:9: value: '4611686018427387903' is not a whole number within ±1e+12",
        "partner_monthly.csv:10: value: '1000000000001' is not a whole number within ±1e+12",
    ]
    path.write_text(good + "cse,2020-06,E05000002," + "9" * 5000 + "\n")  # int() refuses 4,300 digits or more
    assert _problems(data_dir) == [f"partner_monthly.csv:8: value: '{'9' * 80}…' is not a whole number within ±1e+12"]
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
