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
