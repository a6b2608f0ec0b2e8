"""`python -m safer explain`: every verdict reproducible outside the dashboard, as JSON Lines."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest
from helpers import PROJECT

from safer import queries, verdicts
from safer.store import Store

KEYS = {
    "indicator_id", "area_code", "compare", "current_period", "previous_period", "current_months_with_data",
    "previous_months_with_data", "current_mean", "previous_mean", "change_pct", "p_value", "verdict", "method",
}  # fmt: skip
WORDS = {"better", "worse", "no clear change", "not enough data"}
NEUTRAL = {"up", "down", "no clear change", "not enough data"}


def explain(*args, data=None, cache=None, process=False):
    """`python -m safer explain ARGS`: its exit code, standard output and standard error. Run in this process
    (`safer.cli.main`, as `python -m safer` runs it; a new Python for each took a minute of the suite in
    imports), or as a process of its own with `process` (one test does, so the command itself is tested)."""
    argv = ["explain", *args] + (["--data", str(data)] if data else [])
    if process:
        env = dict(os.environ)
        if cache:
            env["SAFER_CACHE_DIR"] = str(cache)
        cmd = [sys.executable, "-m", "safer", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT, env=env)
    from safer import cli

    if cache:
        os.environ["SAFER_CACHE_DIR"] = str(cache)  # put back after the test (conftest's monkeypatch)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's own errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return PROJECT / "data", cache


@pytest.mark.parametrize("compare", ["latest12", "cycle"])
def test_every_line_is_json_with_the_required_keys_and_words(demo, compare):
    data, cache = demo
    # as a process of its own once: the command itself, not only its function
    r = explain(
        "--indicator", "all", "--compare", compare, "--json", data=data, cache=cache, process=compare == "cycle"
    )
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["indicator_id"] for x in lines] == ["asb", "burglary", "cse", "missing_episodes", "modern_slavery"]
    for x in lines:
        assert KEYS <= set(x), KEYS - set(x)
        assert x["compare"] == compare and x["area_code"] == "E08000007"
        assert x["verdict"] in (NEUTRAL if x["good_direction"] == "neither" else WORDS)
        assert x["family_verdict"] in WORDS | NEUTRAL and 0 <= x["family_p_value"] <= 1
        assert x["family_p_value"] >= x["p_value"]  # adjusting for many tests never makes p smaller
        assert len(x["current_period"]) == len("2025-10 to 2026-09")
    if compare == "cycle":
        assert all(x["current_period"] == "2025-04 to 2026-09" for x in lines)
        assert all(x["basis"].endswith("first 18 months of each cycle") for x in lines)


def test_explain_equals_the_engine_on_true_counts(demo):
    data, cache = demo
    r = explain("--indicator", "asb", data=data, cache=cache)
    (line,) = [json.loads(x) for x in r.stdout.splitlines()]
    s = Store(data, cache=cache / "own")
    try:
        q = queries.get("monthly")
        monthly = s.sql(q.sql, queries.bind(s, q, {"indicator": "asb", "area": None}))
        pop = s.sql(
            "SELECT year, population FROM population WHERE area_code = 'E08000007' AND population_group = 'all'"
        )
    finally:
        s.close()
    residents = dict(zip(pop.year, pop.population.astype(float)))  # by year, as population.csv gives them
    c = verdicts.compare_latest12(
        monthly, indicator_id="asb", area_code="E08000007", good_direction="down", population=residents
    )
    assert line["verdict_alone"] == c.verdict and line["p_value"] == pytest.approx(c.p_value)
    assert line["rate_ratio"] == pytest.approx(c.rate_ratio) and "per resident: " in line["method"]
    # per resident: the count ratio less the residents' growth (mean over the months compared)
    growth = residents[2026] * 9 / 12 + residents[2025] * 3 / 12
    growth /= residents[2025] * 9 / 12 + residents[2024] * 3 / 12
    assert line["rate_ratio"] == pytest.approx(c.current_mean / c.previous_mean / growth, rel=1e-3)
    assert line["current_mean"] == pytest.approx(c.current_mean) and line["change_pct"] == pytest.approx(c.change_pct)
    counts = monthly.set_index("month")["value"]
    assert line["current_mean"] == pytest.approx(counts.loc["2025-10":"2026-09"].mean())
    assert line["previous_mean"] == pytest.approx(counts.loc["2024-10":"2025-09"].mean())


def test_areas_lines_place_every_comparator(demo):
    data, cache = demo
    r = explain("--indicator", "asb", "--compare", "areas", data=data, cache=cache)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 10 and sum(x["is_partnership"] for x in lines) == 1
    for x in lines:
        assert {"area_code", "area_name", "rate_per_1000", "position", "method"} <= set(x)
        assert x["position"] in {"above", "within", "below"}
        # the centre the positions are judged against, named, and the pooled rate beside it
        assert x["centre"] == "typical rate" and x["centre_rate_per_1000"] != x["pooled_rate_per_1000"]
        assert f"the typical rate {x['centre_rate_per_1000']:,.1f} per 1,000" in x["method"]


def test_a_ward_verdict_on_a_small_number_indicator_withholds_its_means(demo):
    data, cache = demo
    r = explain("--indicator", "cse", "--area", "E05000784", data=data, cache=cache)
    (x,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert x["verdict"] in WORDS and x["current_mean"] is None and x["change_pct"] is None
    assert "rate ratio" not in x["method"] and "figures withheld" in x["method"]
    # an exact test's p-value (0.25 = 0 against 3) or "no events" would give the counts away
    assert x["p_value"] is None and x["dispersion"] is None and "no events" not in x["method"]
    assert "Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025" in x["method"]  # still names the months compared
    # read to the end of the latest complete financial year, as the ward's totals are: a word read to the latest
    # month moved with each release and could turn on one month published as `<5`
    assert (x["current_period"], x["previous_period"]) == ("2025-04 to 2026-03", "2024-04 to 2025-03")
    borough = json.loads(explain("--indicator", "cse", "--json", data=data, cache=cache).stdout)
    assert borough["current_period"] == "2025-10 to 2026-09"  # the borough's reads to its latest month


def test_a_withheld_verdict_does_not_name_a_month_left_out_as_out_of_line():
    """Which month of a ward's small counts was far out of line says something about that month's count: below
    borough level a small-number indicator's basis and method do not name it."""
    import dataclasses

    from safer import verdicts
    from safer.views import comparisons

    c = verdicts.Comparison(
        indicator_id="cse", area_code="W", compare="latest12", good_direction="up", current_period="2025-10 to 2026-09",
        previous_period="2024-10 to 2025-09",
        basis="the latest 12 months against the same months a year before; compared without Mar 2026, far out of "
        "line with the others",
        current_months=tuple(f"2025-{m:02d}" for m in range(1, 13) if m != 3),
        previous_months=tuple(f"2024-{m:02d}" for m in range(1, 13) if m != 3),
        left_out=(("2025-03", "2024-03"),),
        per_resident_change_pct=99.0,
        current_months_with_data=12, previous_months_with_data=12, current_mean=2.0, previous_mean=1.0,
        change_pct=100.0, rate_ratio=2.0, ci_low=1.0, ci_high=4.0, p_value=0.04, dispersion=1.0, verdict="better",
        method="Quasi-Poisson ...; Mar 2026 against Mar 2025 (9 against 1) is far out of line ... left out.",
        model="Quasi-Poisson ...; Mar 2026 against Mar 2025 (9 against 1) is far out of line",
    )  # fmt: skip
    shown = comparisons._shown(c, hide=True)
    assert "Mar 2026" not in shown.basis + shown.method + shown.model and shown.p_value is None
    assert shown.basis == "the latest 12 months against the same months a year before"
    # the months with data in both are published, not the 11 the test used: the missing one would name it
    assert len(shown.current_months) == 12 and "2025-03" in shown.current_months and shown.left_out == ()
    assert "12 matched months" in shown.method
    assert shown.per_resident_change_pct is None  # a change per resident would give the counts' change away
    assert comparisons._shown(c, hide=False) == c and dataclasses.asdict(shown)["verdict"] == "better"


@pytest.mark.parametrize(
    "args",
    [
        ("--indicator", "nope"),
        ("--indicator", "asb", "--area", "E00000000"),
        ("--indicator", "asb", "--compare", "sideways"),
        ("--indicator", "asb", "--compare", "cycle", "--cycle", "1999-01"),
        ("--indicator", "modern_slavery", "--area", "E05000784"),
        (),
    ],
)
def test_a_bad_argument_exits_1_with_one_line(demo, args):
    data, cache = demo
    r = explain(*args, data=data, cache=cache)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("explain: ")


def test_on_the_small_fixture(data_dir, tmp_path):
    r = explain("--indicator", "all", data=data_dir, cache=tmp_path / "c")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    # six months of data: no 12-month window has a year before it, so nothing is guessed
    assert {x["verdict"] for x in lines} == {"not enough data"}


def test_a_past_cycle_s_overview_is_reproduced_with_end_month(demo):
    """The Overview of a past plan cycle judges the 12 months ending at that cycle's end; the command it prints
    (`--end-month`) gives the same verdicts, and a bad month or kind is one line of error."""
    from safer import views

    data, cache = demo
    os.environ["SAFER_CACHE_DIR"] = str(cache)
    s = Store(data)
    try:
        v = views.overview(s, "2022-25")
    finally:
        s.close()
    (cmd,) = [q for q in v.queries if "--compare latest12" in q]
    assert cmd == "python -m safer explain --indicator all --compare latest12 --end-month 2025-03 --json"
    r = explain(*cmd.split()[4:], data=data, cache=cache)
    assert r.returncode == 0, r.stderr
    lines = {x["indicator_id"]: x for x in map(json.loads, r.stdout.splitlines())}
    for card in v.data["cards"]:
        x = lines[card.indicator_id]
        assert x["current_period"] == "2024-04 to 2025-03"
        assert x["verdict"] == (x["family_verdict"] or x["verdict_alone"]) == card.verdict, card.indicator_id
    # a month after the data (a mistyped year) gave "not enough data" on "the 0 of 12 months": an outside audit
    after = "--end-month 9999-01 is after the last month with data (2026-09): give 2026-09 or an earlier month"
    for bad, message in (("2025-13", "--end-month must be a month YYYY-MM"), ("x", "--end-month must be"),
                         ("9999-01", after), ("2026-10", "--end-month 2026-10 is after the last month")):  # fmt: skip
        r = explain("--indicator", "asb", "--end-month", bad, data=data, cache=cache)
        assert r.returncode == 1 and r.stderr.startswith(f"explain: {message}"), r.stderr
    r = explain("--indicator", "asb", "--compare", "cycle", "--end-month", "2025-03", data=data, cache=cache)
    assert r.stderr == "explain: --end-month goes with --compare latest12\n"


def test_one_current_cycle_for_every_indicator_even_where_an_extract_lags(store):
    """The fixture's data ends in 2020-07 (police.uk) while CSE ends in 2020-04 and modern slavery in 2020-02:
    plan cycle c3 (2020-07 to 2020-12) is current for all of them, so a family compares one pair of cycles, and
    c3's months up to 2020-07 have happened for every indicator (a lagging extract's are missing, not "not yet")."""
    from safer.views import comparisons

    assert comparisons.data_end(store) == "2020-07"
    assert {comparisons.current_cycle_id(store, i) for i in ("asb", "cse", "slavery")} == {"c3"}
    # c3's plan names no indicator, so each is judged on its own (no family), all against c2
    assert comparisons.family(store, "cycle") == ()
    fam = [comparisons.in_family(store, "cycle", i) for i in ("asb", "burglary", "cse", "slavery")]
    assert {c.family_size for c in fam} == {None}
    # c3 starts in July, c2 ran April to June: no calendar month to pair, which is not "not started yet"
    assert all(c.months_not_yet == 5 and c.verdict == "not enough data" for c in fam)
    assert {c.note for c in fam} == {
        "plan cycle c2 (Apr 2020 to Jun 2020) has none of the calendar months c3 has reached (Jul 2020) to compare "
        "them with"
    }


def test_the_family_is_the_plans_indicators_and_holds_only_real_tests(tmp_path):
    """Benjamini–Hochberg adjusts the tests shown together: the indicators of the plan's priorities (the Overview's
    cards and the SIA pack). Indicators added to indicators.csv in no priority (here five, four with a big change
    and one all zeros) change no card's adjusted p-value or family, are judged on their own, and the one with no
    events says there is nothing to test."""
    import numpy as np

    from safer import fmt
    from safer.views import comparisons, headlines

    def cards(data):
        s = Store(data, cache=tmp_path / f"cache-{data.name}")
        try:
            shown = {i: comparisons.in_family(s, "latest12", i) for i in comparisons.plan_indicators(s, "2025-28")}
            known = set(comparisons.indicators(s).indicator_id)
            extra = {i: comparisons.in_family(s, "latest12", i) for i in ("step1", "zeros") if i in known}
            ov = {c.indicator_id: c.plain for c in headlines.overview(s).data["cards"]}
            return shown, extra, ov
        finally:
            s.close()

    before, _, ov_before = cards(PROJECT / "data")
    tested = [c for c in before.values() if c.tested]
    assert len(tested) >= 3 and {c.family_size for c in tested} == {len(tested)}

    data = tmp_path / "more"
    import shutil

    shutil.copytree(PROJECT / "data", data)
    months = fmt.months_between("2016-04", "2026-09")
    rng = np.random.default_rng(3)
    with open(data / "indicators.csv", "a", encoding="utf-8") as f:
        for i in range(1, 5):
            f.write(f"step{i},Step {i},cases,down,0,borough,,Test,,all\n")
        f.write("zeros,Zeros,cases,down,0,borough,,Test,,all\n")
    with open(data / "partner_monthly.csv", "a", encoding="utf-8") as f:
        for i in range(1, 5):
            for k, m in enumerate(months):
                f.write(f"step{i},{m},E08000007,{rng.poisson(80 if k < len(months) - 12 else 40)}\n")
        for m in months:
            f.write(f"zeros,{m},E08000007,0\n")
    after, extra, ov_after = cards(data)
    assert {i: (c.family_size, c.family_p_value, c.shown_verdict) for i, c in after.items()} == {
        i: (c.family_size, c.family_p_value, c.shown_verdict) for i, c in before.items()
    }
    assert ov_after == ov_before
    assert extra["step1"].family_size is None and extra["step1"].shown_verdict == "better"
    z = extra["zeros"]
    assert not z.tested and z.p_value is None and z.family_size is None
    assert comparisons.plain_verdict(z, "cases").endswith(": 0 cases a month against 0. " + comparisons.NOTHING_TO_TEST)
    assert "chance" not in comparisons.verdict_sentence(z, "cases")


def test_a_headline_of_a_few_months_says_so(demo):
    """2018-21's last 12 months (Apr 2020 to Mar 2021) hold police.uk data for 3 months only (the GMP gap): the
    card's headline is those months' mean, marked as such, and the change line says no month can be compared."""
    from safer import views

    data, cache = demo
    os.environ["SAFER_CACHE_DIR"] = str(cache)
    s = Store(data)
    try:
        cards = {c.indicator_id: c for c in views.overview(s, "2018-21").data["cards"]}
    finally:
        s.close()
    asb = cards["asb"]
    assert asb.metric_label == "Incidents a month (3 months only)" and asb.headline.isdigit()  # the number alone
    # the months without data named (an outside audit: a card said how many, not which)
    assert asb.months_line.endswith("(3 of 12 months with data; no data for Apr 2020 to Dec 2020)")
    assert asb.change.startswith("no calendar month has data in both periods")
    assert cards["cse"].metric_label == "Reports a month"  # partner data: 12 of 12 months


def test_a_children_s_indicator_is_compared_per_child_and_verdict_is_what_screens_show(demo):
    """CSE and missing episodes are rates of children (population group `children`): their change is "per child",
    not "per resident". `verdict` is the verdict every screen shows (adjusted among the indicators shown
    together); `verdict_alone` the test's own."""
    data, cache = demo
    r = explain("--indicator", "all", "--json", data=data, cache=cache)
    lines = {x["indicator_id"]: x for x in map(json.loads, r.stdout.splitlines())}
    assert lines["cse"]["per"] == "child" and "per child: " in lines["cse"]["method"]
    assert " children against " in lines["cse"]["method"] and "residents" not in lines["cse"]["method"]
    assert lines["asb"]["per"] == "resident" and "per resident: " in lines["asb"]["method"]
    for x in lines.values():
        assert x["verdict"] == (x.get("family_verdict") or x["verdict_alone"])


def test_a_past_window_of_a_small_number_indicator_is_refused_below_borough_level(demo):
    """`--end-month` gives a verdict word for any 12-month window; below borough level, release after release,
    those words would slide as the published totals no longer do: refused there for small-number indicators."""
    data, cache = demo
    r = explain("--indicator", "cse", "--area", "E05000783", "--end-month", "2025-10", data=data, cache=cache)
    assert r.returncode == 1 and "small-number indicator" in r.stderr and r.stdout == ""
    ok = explain(
        "--indicator", "asb", "--area", "E05000783", "--end-month", "2025-10", "--json", data=data, cache=cache
    )
    assert ok.returncode == 0, ok.stderr  # not a small-number indicator
    ok = explain("--indicator", "cse", "--end-month", "2025-10", "--json", data=data, cache=cache)
    assert ok.returncode == 0, ok.stderr  # the borough


def test_the_same_12_months_have_one_family_whether_or_not_their_end_is_named(tmp_path):
    """Data ending between two plans: without an end month the family was the last plan started, with the same
    end month named it was none at all, so one question had two adjusted verdicts. Both now take the plan before
    the gap (`cycle_at`)."""
    from helpers import write_data_dir

    from safer.views import comparisons

    data = write_data_dir(tmp_path / "data")
    cycles = data / "plan_cycles.csv"
    cycles.write_text(cycles.read_text(encoding="utf-8").replace("c3,Plan three,2020-07,", "c3,Plan three,2020-09,"))
    s = Store(data)
    try:
        assert comparisons.data_end(s) == "2020-07"
        assert comparisons.cycle_at(s, "2020-07") == "c2"  # between c2 (to June) and c3 (from September)
        assert comparisons.family_plan(s, "latest12") == comparisons.family_plan(s, "latest12", None, "2020-07") == "c2"
        assert comparisons.cycle_at(s, "2019-06") == "c1" and comparisons.cycle_at(s, "2021-06") == "c3"
    finally:
        s.close()
