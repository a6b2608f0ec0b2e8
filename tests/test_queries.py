"""Named queries against the hand-countable fixture in conftest.py (gaps included)."""

from __future__ import annotations

import pandas as pd
import pytest

from safer import queries
from safer.cli import main


def as_rows(df):
    """Rows as plain tuples, with every kind of missing value as None."""
    return [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)]


def test_every_query_file_declares_what_it_answers_its_grain_and_params():
    qs = queries.list_queries()
    assert {"monthly", "cycle_summary", "cycle_months", "ward_rates", "headline_indicators"} <= {q.name for q in qs}
    for q in qs:
        assert q.description and q.grain
        assert q.sql.startswith("-- ")


def test_monthly_borough_counts_rows_in_area_and_leaves_the_missing_month_empty(store):
    df = queries.run(store, "monthly", indicator="asb")
    # 2020-01: 3 North + 2 South in area; one outside, one without location are left out.
    assert as_rows(df) == [
        ("2020-01", 5),
        ("2020-02", 4),
        ("2020-03", None),
        ("2020-04", 6),
        ("2020-05", 1),
        ("2020-06", 2),
        ("2020-07", 7),
    ]


def test_monthly_ward_has_zero_in_a_month_with_data_but_none_recorded(store):
    df = queries.run(store, "monthly", indicator="burglary", area="E05000001")
    assert as_rows(df) == [
        ("2020-01", 1),
        ("2020-02", 0),
        ("2020-03", None),
        ("2020-04", 1),
        ("2020-05", 0),
        ("2020-06", 0),
        ("2020-07", 0),
    ]


def test_monthly_partner_indicator_gap_and_bounds(store):
    df = queries.run(store, "monthly", indicator="cse")
    assert as_rows(df) == [("2020-01", 3), ("2020-02", 4), ("2020-03", None), ("2020-04", 3)]


def test_borough_only_indicator_has_no_ward_values(store):
    df = queries.run(store, "monthly", indicator="slavery", area="E05000001")
    assert as_rows(df) == [("2020-01", None), ("2020-02", None)]
    assert as_rows(queries.run(store, "monthly", indicator="slavery")) == [("2020-01", 1), ("2020-02", 2)]


def test_cycle_summary_by_hand(store):
    df = queries.run(store, "cycle_summary", indicator="asb")
    # c1 = Jan-Mar: 5 + 4, March missing -> 2 months, mean 4.5
    # c2 = Apr-Jun: 6 + 1 + 2 = 9 over 3 months, mean 3.0, change (3 - 4.5) / 4.5 = -33.3%
    # c3 = Jul-Dec: 7 over 1 month with data, mean 7.0, change (7 - 3) / 3 = +133.3%
    assert as_rows(df) == [("c1", 3, 2, 9, 4.5, None), ("c2", 3, 3, 9, 3.0, -33.3), ("c3", 6, 1, 7, 7.0, 133.3)]


def test_cycle_summary_cycle_without_data_is_empty_not_zero(store):
    df = queries.run(store, "cycle_summary", indicator="cse")
    assert as_rows(df) == [("c1", 3, 2, 7, 3.5, None), ("c2", 3, 1, 3, 3.0, -14.3), ("c3", 6, 0, None, None, None)]


def test_cycle_months_align_by_month_of_cycle(store):
    df = queries.run(store, "cycle_months", indicator="asb", area="E05000002")
    rows = as_rows(df)
    assert rows[:3] == [("c1", 1, "2020-01", 2), ("c1", 2, "2020-02", 0), ("c1", 3, "2020-03", None)]
    assert rows[3] == ("c2", 1, "2020-04", 6)
    assert len(rows) == 12 and rows[-1] == ("c3", 6, "2020-12", None)


def test_ward_rates_annualised_per_1000_with_borough(store):
    df = queries.run(store, "ward_rates", indicator="asb", start_month="2020-01", end_month="2020-02")
    # North: 3 + 4 = 7 over 2 months, pop 1000 -> 7/2*12/1000*1000 = 42.0
    # South: 2 over 2 months, pop 3000 -> 2/2*12/3000*1000 = 4.0
    # Borough: 9 over 2 months; 2020 estimate missing -> nearest earlier year 2019 (3900) -> 13.85
    got = [(r.area_code, r.total, r.months_with_data, r.population, r.rate_per_1000) for r in df.itertuples()]
    assert got == [("E05000001", 7, 2, 1000, 42.0), ("E05000002", 2, 2, 3000, 4.0), ("E08000099", 9, 2, 3900, 13.85)]


def test_ward_rates_default_period_is_the_last_12_months_with_the_gap_counted_out(store):
    df = queries.run(store, "ward_rates", indicator="asb")
    assert set(df.start_month) == {"2019-08"} and set(df.end_month) == {"2020-07"}
    assert list(df.months_with_data) == [6, 6, 6]


def test_unknown_values_are_refused_with_the_known_ones(store):
    with pytest.raises(queries.QueryError, match="--indicator 'nope' is not known .*asb"):
        queries.run(store, "monthly", indicator="nope")
    with pytest.raises(queries.QueryError, match="needs --indicator"):
        queries.run(store, "monthly")
    with pytest.raises(queries.QueryError, match="no parameter --colour"):
        queries.run(store, "monthly", indicator="asb", colour="red")
    with pytest.raises(queries.QueryError, match="not a query name"):
        queries.run(store, "monthly; DROP TABLE areas")
    with pytest.raises(queries.QueryError, match="not a month"):
        queries.run(store, "ward_rates", indicator="asb", end_month="2020-13")


def test_values_are_bound_not_pasted(store):
    # A hostile value is just an unknown indicator; the tables are intact afterwards.
    with pytest.raises(queries.QueryError):
        queries.run(store, "monthly", indicator="asb' OR 1=1 --")
    assert len(queries.run(store, "areas")) == 3


def test_cli_query_prints_csv_with_empty_missing_values(data_dir, capsys):
    assert main(["query", "monthly", "--indicator", "asb", "--data", str(data_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "month,value",
        "2020-01,5",
        "2020-02,4",
        "2020-03,",
        "2020-04,6",
        "2020-05,1",
        "2020-06,2",
        "2020-07,7",
    ]
    assert main(["query", "cycle_summary", "--indicator=asb", "--data", str(data_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "cycle_id,months_in_cycle,months_with_data,total,monthly_mean,change_in_whole_cycle_means_pct",
        "c1,3,2,9,4.5,",
        "c2,3,3,9,3.0,-33.3",
        "c3,6,1,7,7.0,133.3",
    ]


def test_cli_query_list_and_errors(data_dir, capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    assert "monthly: Monthly count of one indicator" in out
    assert "--indicator (required)" in out and "--area (optional)" in out
    assert main(["query", "monthly", "--indicator", "zzz", "--data", str(data_dir)]) == 2
    assert "'zzz' is not known" in capsys.readouterr().err


def test_a_suppress_line_defines_derived_columns_or_withholds_them(tmp_path):
    """`Suppress: count (also name = round(count / denominator [* k], dp), other)`: `name` is recomputed from the
    published count below borough level, `other` is withheld there; a formula that cannot be read, or one built
    on a column the line does not suppress, is refused when the file is read."""
    head = "-- A question.\n-- Grain: one row.\n-- Reads: series\n-- Params:\n--   $indicator (required): x\n"
    body = "SELECT $indicator AS total\n"
    f = tmp_path / "q.sql"
    line = "-- Suppress: total (also rate = round(total / years * 1000, 2), pct)\n"
    f.write_text(head.replace("-- Reads", line + "-- Reads") + body)
    q = queries.parse(f)
    assert q.suppress == ("total",) and q.suppress_also == ("rate", "pct")
    assert q.derived == (queries.Derived("rate", "total", "years", 1000.0, 2),)
    for bad in ("rate = total / years", "rate = round(total * years, 2)", "rate = round(other / years, 2)"):
        f.write_text(head.replace("-- Reads", f"-- Suppress: total (also {bad})\n-- Reads") + body)
        with pytest.raises(queries.QueryError):
            queries.parse(f)


def test_a_month_only_another_force_has_a_file_for_is_missing_not_zero(tmp_path):
    """A neighbouring force's file for 2020-03 (with a crime in one of our LSOAs, recorded across the border) does
    not make 2020-03 a month with data: our force (the one with most of our rows) published nothing for it."""
    from helpers import police_csv, write_data_dir

    from safer.store import Store

    data = write_data_dir(tmp_path / "data")
    other = police_csv("2020-03", [("E01099999", "Anti-social behaviour"), ("E01000001", "Burglary")])
    (data / "police_uk" / "2020-03-other-street.csv").write_text(
        other.replace("Test Police,Test Police", "Other Police,Other Police"), encoding="utf-8"
    )
    s = Store(data)
    try:
        assert as_rows(queries.run(s, "monthly", indicator="asb"))[2] == ("2020-03", None)
        assert as_rows(queries.run(s, "monthly", indicator="burglary", area="E05000001"))[2] == ("2020-03", None)
        cov = queries.run(s, "extract_coverage").set_index("indicator_id")
        assert cov.loc["asb", "missing_ranges"] == "2020-03"
    finally:
        s.close()


def test_a_parameter_given_twice_on_the_command_line_is_refused(data_dir, capsys):
    """`query monthly --indicator asb --indicator cse` answered for cse alone, without a word: refused, naming both."""
    assert main(["query", "monthly", "--data", str(data_dir), "--indicator", "asb", "--indicator=cse"]) == 2
    assert "query: --indicator is given twice ('asb' and 'cse'): give it once" in capsys.readouterr().err


def test_a_renamed_force_keeps_its_months_and_another_force_s_few_rows_make_no_step(tmp_path):
    """Two ways the one-force rule failed an outside audit: the force renamed in its latest files ("Test Police
    Service" from 2020-06) lost those months; a British Transport Police file with a row in our wards, in one
    month only, put that row in the counts (a step). The counted forces are those with at least a fifth of the
    area's rows a month (police_uk_forces): both names, not the transport police."""
    from helpers import police_csv, write_data_dir

    from safer.store import Store

    data = write_data_dir(tmp_path / "data")
    for month in ("2020-06", "2020-07"):
        f = data / "police_uk" / f"{month}-test-street.csv"
        f.write_text(
            f.read_text(encoding="utf-8").replace(",Test Police,Test Police,", ",Test Police,Test Police Service,")
        )
    btp = police_csv("2020-05", [("E01000001", "Anti-social behaviour")]).replace(
        "Test Police,Test Police", "British Transport Police,British Transport Police"
    )
    (data / "police_uk" / "2020-05-btp-street.csv").write_text(btp, encoding="utf-8")
    s = Store(data)
    try:
        assert as_rows(queries.run(s, "monthly", indicator="asb")) == [
            ("2020-01", 5), ("2020-02", 4), ("2020-03", None), ("2020-04", 6), ("2020-05", 1), ("2020-06", 2),
            ("2020-07", 7),
        ]  # fmt: skip
        forces = s.sql(
            "SELECT force, counted FROM police_uk_forces WHERE scope = 'partnership' ORDER BY force"
        ).values.tolist()
        assert forces == [["british-transport-police", False], ["test-police", True], ["test-police-service", True]]
    finally:
        s.close()
