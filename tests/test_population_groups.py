"""Rates per 1,000 of an indicator's own population: children for child indicators, residents otherwise."""

from __future__ import annotations

import csv

import pytest
from helpers import PROJECT

from safer import queries
from safer.contract import validate
from safer.store import Store


def test_a_data_directory_without_population_groups_keeps_working(store):
    inds = queries.run(store, "indicators").set_index("indicator_id")
    assert set(inds.population_group) == {"all"} and set(inds.rate_per) == {"residents"}
    rates = queries.run(store, "ward_rates", indicator="asb", start_month="2020-01", end_month="2020-04")
    assert rates[rates.area_type == "borough"].person_years.iloc[0] == pytest.approx(975.0)


def test_a_group_an_indicator_names_needs_its_own_population_rows(data_dir):
    path = data_dir / "indicators.csv"
    lines = path.read_text().splitlines()
    lines[0] += ",population_group"
    lines[1:] = [line + ("," if not line.startswith("cse,") else ",children") for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n")
    problems = [str(p) for p in validate(data_dir).errors]
    assert problems == [
        "indicators.csv:4: population_group: 'children' has no rows for the partnership's area in population.csv, "
        "so no rate per 1,000 children can be worked out"
    ]
    pop = data_dir / "population.csv"
    pop.write_text(
        pop.read_text()
        .replace("population,source\n", "population,source,population_group\n")
        .replace(",test\n", ",test,all\n")
        + "E08000099,2019,800,test,children\nE05000001,2020,200,test,children\nE05000002,2020,600,test,children\n"
    )
    assert not validate(data_dir).errors
    s = Store(data_dir)
    try:
        inds = queries.run(s, "indicators").set_index("indicator_id")
        assert inds.loc["cse", "rate_per"] == "children" and inds.loc["asb", "rate_per"] == "residents"
        r = queries.run_true(s, "ward_rates", indicator="cse", start_month="2020-01", end_month="2020-04")
        b = r[r.area_type == "borough"].iloc[0]
        # a small-number indicator's totals stop at the end of its latest complete financial year (March 2020):
        # cse months with data to then: 2020-01, 2020-02; children 800 (2019, the nearest earlier year): 2 × 800 / 12
        assert b.end_month == "2020-03"
        assert b.person_years == pytest.approx(2 * 800 / 12) and b.rate_per_1000 == pytest.approx(
            round(b.total / (2 * 800 / 12) * 1000, 2)
        )
        asb = queries.run(s, "ward_rates", indicator="asb", start_month="2020-01", end_month="2020-04")
        assert asb[asb.area_type == "borough"].person_years.iloc[0] == pytest.approx(975.0)  # residents, as before
    finally:
        s.close()


def test_duplicate_population_rows_are_caught_per_group(data_dir):
    pop = data_dir / "population.csv"
    pop.write_text(
        pop.read_text()
        .replace("population,source\n", "population,source,population_group\n")
        .replace(",test\n", ",test,all\n")
        + "E05000001,2020,200,test,children\nE05000001,2020,210,test,children\n"
    )
    problems = [str(p) for p in validate(data_dir).errors]
    assert len(problems) == 1 and problems[0].startswith("population.csv:7:")


def test_the_demo_child_indicators_are_per_1000_children(demo_env):
    with open(PROJECT / "data" / "population.csv", encoding="utf-8") as f:
        children = {
            (r["area_code"], int(r["year"])): int(r["population"])
            for r in csv.DictReader(f)
            if r["population_group"] == "children"
        }
    s = Store()
    try:
        r = queries.run(s, "ward_rates", indicator="cse")
        b = r[r.area_type == "borough"].iloc[0]
        months = [  # the latest complete financial year: a small-number indicator's totals stop at its end
            f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13) if "2025-04" <= f"{y}-{m:02d}" <= "2026-03"
        ]
        assert (b.start_month, b.end_month) == ("2025-04", "2026-03")
        py = sum(children[("E08000007", int(m[:4]))] for m in months) / 12
        assert b.person_years == pytest.approx(py, abs=0.1)
        assert b.rate_per_1000 == pytest.approx(b.total / py * 1000, abs=0.01)
        assert queries.run(s, "indicators").set_index("indicator_id").loc["cse", "rate_per"] == "children"
    finally:
        s.close()
