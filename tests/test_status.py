"""Status from a stored rule, carried/new/dropped priorities, and the contract rules of the new files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from safer import queries, status
from safer.contract import validate
from safer.store import Store

RULE = {"on_track_min_progress_pct": 100, "at_risk_min_progress_pct": 0, "min_months_with_data": 9}


def months(first: str, values: list) -> pd.DataFrame:
    start = pd.Period(first, "M")
    return pd.DataFrame({"month": [str(start + i) for i in range(len(values))], "value": values})


def test_beyond_the_target_with_large_counts_is_on_track():
    a = status.assess(months("2020-01", [760] * 12), baseline=1000, target=800, rule=RULE, good_direction="down")
    assert a["latest_mean"] == 760 and a["progress_pct"] == pytest.approx(120)
    assert a["status"] == "on track" and a["symbol"] == "✔"
    assert 100 < a["progress_low"] < 120 < a["progress_high"] < 140  # the interval is one click away


def test_bands_follow_the_rule_in_both_directions():
    down = months("2020-01", [900] * 12)  # halfway from 1000 to 800
    assert status.assess(down, 1000, 800, RULE)["status"] == "at risk"
    assert status.assess(down, 1000, 800, RULE)["progress_pct"] == pytest.approx(50)
    assert status.assess(months("2020-01", [1100] * 12), 1000, 800, RULE)["status"] == "off track"
    # A target above the baseline (more reports are good): the same formula.
    a = status.assess(months("2020-01", [1200] * 12), 1000, 1100, RULE, "up")
    assert a["progress_pct"] == pytest.approx(200) and a["status"] == "on track"
    assert status.assess(months("2020-01", [900] * 12), 1000, 1100, RULE, "up")["status"] == "off track"


def test_a_status_whose_interval_spans_two_bands_is_too_early_to_tell():
    # 8 a month against a baseline of 10 and a target of 8: exactly on target, but with counts this small
    # chance alone could put progress anywhere from about +12% to +175%.
    a = status.assess(months("2020-01", [8] * 12), baseline=10, target=8, rule=RULE, good_direction="down")
    assert a["progress_pct"] == 100.0 and a["status"] == "too early to tell" and a["symbol"] == "?"
    assert 0 < a["progress_low"] < 100 < a["progress_high"]  # at risk or on track: cannot tell
    assert "95% interval" in a["reason"] and "spans more than one status" in a["reason"]
    # right at a threshold, even large counts cannot say which side it is on
    assert status.assess(months("2020-01", [1000] * 12), 1000, 800, RULE)["status"] == "too early to tell"


def test_progress_far_beyond_the_target_is_capped_in_words():
    a = status.assess(months("2020-01", [5000] * 12), baseline=1000, target=1010, rule=RULE, good_direction="up")
    assert a["progress_pct"] == pytest.approx(40000) and a["status"] == "on track"
    assert a["reason"] == (
        "The target is already passed: the latest 12 months' mean (5,000.0 a month) is beyond the target (1,010.0), "
        "from a baseline of 1,000.0, and so is the whole of its 95% interval (on track from 100%, at risk from 0%, "
        "off track below)."
    )
    assert "40000" not in a["reason"] and "+200%" not in a["reason"]
    # part of the way there, with an interval reaching beyond the target: still in progress words, capped
    b = status.assess(months("2020-01", [1008] * 12), baseline=1000, target=1010, rule=RULE, good_direction="up")
    assert b["reason"].startswith("Progress +80% of the way") and "over +200%" in b["reason"], b["reason"]


def test_no_baseline_no_target_no_rule_are_never_guessed():
    m = months("2020-01", [8] * 12)
    a = status.assess(m, None, 8, RULE)
    assert a["status"] == "no baseline" and math.isnan(a["progress_pct"]) and a["latest_mean"] == 8
    assert status.assess(m, float("nan"), 8, RULE)["status"] == "no baseline"
    assert status.assess(m, 10, None, RULE)["status"] == "no target"
    assert status.assess(m, 10, 8, None)["status"] == "no rule"


def test_a_cycle_ending_in_a_month_without_data_is_judged_on_its_last_12_calendar_months():
    """A finished cycle whose last month has no data is judged on the 12 calendar months to its end, as a gap
    anywhere else is (an outside statistician: 11 of 12 months read "no data", 8 of 12 ending in a month with data
    "not enough data"); "no data" only where none of those 12 months has any."""
    m = months("2020-01", [8] * 11 + [None])
    a = status.assess(m, 10, 8, RULE)
    assert a["status"] == "too early to tell" and a["latest_months_with_data"] == 11
    assert "anywhere from +7% to +179% (95% interval)" in a["reason"]  # as where the first month is the gap
    assert status.assess(months("2020-01", [None] + [8] * 11), 10, 8, RULE)["progress_pct"] == a["progress_pct"]
    assert (a["latest_first_month"], a["latest_last_month"]) == ("2020-01", "2020-12")  # not reaching back to 2019-12
    assert a["latest_mean"] == 8 and "no data for Dec 2020" in a["reason"], a["reason"]
    # the rule still counts the missing last month
    short = status.assess(m, 10, 8, dict(RULE, min_months_with_data=12))
    assert short["status"] == "not enough data" and "Only 11 of the 12 months 2020-01 to 2020-12" in short["reason"]
    # a cycle cut at a month after a year without data: no current value
    m = months("2019-01", [8] * 12 + [None] * 12 + [9])
    none = status.assess(m, 10, 8, RULE, cycle_end="2020-12")
    assert none["status"] == "no data" and "None of the 12 months 2020-01 to 2020-12 has data" in none["reason"]
    assert math.isnan(none["latest_mean"]) and none["latest_last_month"] == "2020-12"


def test_too_few_months_with_data_is_not_enough_data_and_gaps_are_not_zero():
    """Some months, fewer than the rule needs: "not enough data", the verdicts' word (an outside audit read the
    Priorities page's "no data" beside a mean of 554 a month, and the Overview's "not enough data" for the same)."""
    # 8 of the latest 12 months have data: the rule needs 9.
    m = months("2020-01", [8] * 4 + [None] * 4 + [8] * 4)
    a = status.assess(m, 10, 8, RULE)
    assert a["status"] == "not enough data" and a["latest_months_with_data"] == 8
    assert a["latest_mean"] == 8  # the gaps are left out, not counted as 0
    ok = status.assess(m, 10, 8, dict(RULE, min_months_with_data=8))
    assert ok["status"] == "too early to tell" and ok["latest_mean"] == 8


def test_the_latest_12_months_are_calendar_months_never_filled_from_earlier_ones():
    """The method on the page says what is computed (an outside statistician's audit: it read "the latest 12 months
    with data", which would reach back past a gap): the latest 12 calendar months, those with data, and a month
    without data is not replaced by an earlier one."""
    m = months("2019-01", [900] * 12 + [None] * 9 + [500] * 3)  # 2019 full; 2020 has only its last 3 months
    a = status.assess(m, 1000, 800, RULE)
    assert a["latest_months_with_data"] == 3 and a["status"] == "not enough data"  # not 12 months reaching into 2019
    assert a["latest_mean"] == 500
    assert "latest 12 calendar months" in status.RULE_METHOD and "12 months with data" not in status.RULE_METHOD


def test_a_finished_cycle_uses_its_own_last_12_months():
    m = months("2020-01", [700] * 12 + [2000] * 12)  # 2020 beyond target, 2021 far worse
    assert status.assess(m, 1000, 800, RULE, cycle_end="2020-12")["status"] == "on track"
    assert status.assess(m, 1000, 800, RULE)["status"] == "off track"
    assert status.assess(m, 1000, 800, RULE, cycle_start="2022-01")["status"] == "not started"


def test_target_equal_to_baseline_holds_steady():
    assert status.assess(months("2020-01", [10] * 12), 10, 10, RULE, "down")["status"] == "on track"
    assert status.assess(months("2020-01", [9] * 12), 10, 10, RULE, "down")["status"] == "on track"
    # worse than the level, judged by the latest mean's 95% interval as progress is (an outside audit: 162.58 a
    # month against a level of 162.5, one event a year, read "off track"): 132 in 12 months, Garwood 110.4 to 156.5
    # (9.2 to 13.0 a month), could be the level; 168 (12.0 to 16.3 a month) could not
    a = status.assess(months("2020-01", [11] * 12), 10, 10, RULE, "down")
    assert a["status"] == "too early to tell"
    assert "mean 11.0 a month (95% interval 9.2 to 13.0) is worse than the target, but chance" in a["reason"]
    assert status.assess(months("2020-01", [14] * 12), 10, 10, RULE, "down")["status"] == "off track"
    assert status.assess(months("2020-01", [163] * 12), 162.5, 162.5, RULE, "down")["status"] == "too early to tell"
    assert status.assess(months("2020-01", [6] * 12), 10, 10, RULE, "up")["status"] == "off track"
    assert status.assess(months("2020-01", [11] * 12), 10, 10, RULE, "neither")["status"] == "on track"
    assert status.assess(months("2020-01", [14] * 12), 10, 10, RULE, "neither")["status"] == "off track"
    # a mean that rounds to the target is written to as many decimals as tell them apart (an outside audit: "6.6 a
    # month ... is worse than the target" of 6.6, the mean 79 ÷ 12 = 6.58, up being good)
    a = status.assess(months("2020-01", [7, 6, 7, 6, 7, 7, 6, 7, 6, 7, 6, 7]), 6.6, 6.6, RULE, "up")
    assert a["status"] == "too early to tell"
    assert "(hold steady at 6.60 a month): the latest 12 months' mean 6.58 a month" in a["reason"], a["reason"]


# --------------------------------------------------------------------------- queries on the fixture


def test_carried_new_and_dropped_between_consecutive_cycles(store):
    df = queries.run(store, "priority_cycles")
    got = {(r.cycle_id, r.priority_id): r.change for r in df.itertuples()}
    assert got == {
        ("c1", "safety"): "first plan",
        ("c2", "safety"): "carried forward",
        ("c2", "vulnerable"): "new",
        ("c3", "safety"): "dropped",
        ("c3", "vulnerable"): "dropped",
    }
    dropped = df[(df.cycle_id == "c3") & (df.priority_id == "vulnerable")].iloc[0]
    assert dropped.title == "Vulnerable people" and bool(dropped.illustrative)
    assert not df.reworded.any()


RULES = (
    "rule_id,cycle_id,indicator_id,description,on_track_min_progress_pct,at_risk_min_progress_pct,min_months_with_data\n"
    "everything,,,All,75,0,9\n"
    "c2-only,c2,,Cycle two,80,0,6\n"
    "asb-only,,asb,ASB,90,-10,3\n"
    "c2-asb,c2,asb,Cycle two ASB,100,0,1\n"
)


def test_the_most_specific_rule_applies(data_dir):
    (data_dir / "status_rules.csv").write_text(RULES)
    (data_dir / "priority_indicators.csv").write_text(
        (data_dir / "priority_indicators.csv").read_text() + "c1,safety,cse,false\n"
    )
    s = Store(data_dir)
    try:
        df = queries.run(s, "priority_targets")
    finally:
        s.close()
    got = {(r.cycle_id, r.priority_id, r.indicator_id): r.rule_id for r in df.itertuples()}
    assert got == {
        ("c1", "safety", "asb"): "asb-only",
        ("c1", "safety", "cse"): "everything",
        ("c2", "safety", "asb"): "c2-asb",
        ("c2", "safety", "burglary"): "c2-only",
        ("c2", "vulnerable", "cse"): "c2-only",
    }
    row = df[(df.cycle_id == "c2") & (df.indicator_id == "asb")].iloc[0]
    assert row.baseline_monthly_mean == 5 and row.target_monthly_mean == 4 and row.min_months_with_data == 1


def test_without_rules_every_rule_column_is_empty(store):
    df = queries.run(store, "priority_targets", cycle="c2")
    assert len(df) == 3 and df.rule_id.isna().all()


def test_status_of_a_fixture_target_from_the_query(data_dir):
    (data_dir / "status_rules.csv").write_text(RULES)
    s = Store(data_dir)
    try:
        t = queries.run(s, "priority_targets", cycle="c2")
        t = t[t.indicator_id == "asb"].iloc[0].to_dict()
        monthly = queries.run(s, "monthly", indicator="asb")
    finally:
        s.close()
    # ASB months to c2's end (2020-06): 5, 4, (2020-03 missing), 6, 1, 2 -> 18 / 5 = 3.6 a month.
    a = status.assess(
        monthly,
        t["baseline_monthly_mean"],
        t["target_monthly_mean"],
        t,
        t["good_direction"],
        t["cycle_start"],
        t["cycle_end"],
    )
    assert a["latest_mean"] == pytest.approx(3.6) and a["latest_months_with_data"] == 5
    assert a["progress_pct"] == pytest.approx(140)  # (3.6 - 5) / (4 - 5)
    assert a["status"] == "too early to tell"  # 18 incidents in 5 months cannot tell on track from off track


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize(
    "name,text,where",
    [
        (
            "status_rules.csv",
            RULES.replace("c2-only,c2,", "c2-only,c9,"),
            "status_rules.csv:3: cycle_id: 'c9' is not a cycle",
        ),
        (
            "status_rules.csv",
            RULES.replace("Cycle two,80,0", "Cycle two,80,90"),
            "status_rules.csv:3: at_risk_min_progress_pct",
        ),
        ("status_rules.csv", RULES + "again,c2,asb,Duplicate,1,0,1\n", "status_rules.csv:6: cycle_id,indicator_id"),
        (
            "status_rules.csv",
            RULES.replace("ASB,90,-10,3", "ASB,90,-10,13"),
            "status_rules.csv:4: min_months_with_data",
        ),
        (
            "scrutiny_concerns.csv",
            "concern_id,meeting_date,committee,topic,indicator_id,concern,response,follow_up,follow_up_status,source,illustrative\n"
            "a,2017-12-04,C,T,nope,X,,,,,false\n",
            "scrutiny_concerns.csv:2: indicator_id: 'nope'",
        ),
        (
            "scrutiny_concerns.csv",
            "concern_id,meeting_date,committee,topic,indicator_id,concern,response,follow_up,follow_up_status,source,illustrative\n"
            "a,2017-12-04,C,T,asb,X,,Come back,,,false\n",
            "scrutiny_concerns.csv:2: follow_up_status: is empty",
        ),
        (
            "scrutiny_concerns.csv",
            "concern_id,meeting_date,committee,topic,indicator_id,concern,response,follow_up,follow_up_status,source,illustrative\n"
            "a,2017-12-04,C,T,asb,X,,Come back,pending,,false\n",
            "scrutiny_concerns.csv:2: follow_up_status: 'pending'",
        ),
        (
            "consultation.csv",
            "source,source_type,period,start_month,end_month,theme,question,answer,respondents,agreeing,indicator_id,summary,synthetic\n"
            "S,survey,2020,2020-01,2020-12,T,Q,A,100,101,,,true\n",
            "consultation.csv:2: agreeing: 101 is more than respondents",
        ),
        (
            "consultation.csv",
            "source,source_type,period,start_month,end_month,theme,question,answer,respondents,agreeing,indicator_id,summary,synthetic\n"
            "S,survey,2020,2020-01,2020-12,T,Q,A,,,,,true\n",
            "consultation.csv:2: agreeing: is empty",
        ),
        (
            "consultation.csv",
            "source,source_type,period,start_month,end_month,theme,question,answer,respondents,agreeing,indicator_id,summary,synthetic\n"
            "S,event,2020,2020-01,2020-12,T,Q,,,,,,true\n",
            "consultation.csv:2: summary: is empty",
        ),
    ],
)
def test_new_files_are_checked_with_file_line_and_column(data_dir, name, text, where):
    (data_dir / name).write_text(text)
    rep = validate(data_dir)
    assert any(str(p).startswith(where) for p in rep.errors), [str(p) for p in rep.errors]


def test_the_new_files_are_optional(data_dir):
    rep = validate(data_dir)
    assert rep.ok, [str(p) for p in rep.errors]


def test_a_recording_change_after_the_baseline_makes_progress_not_comparable():
    """A new definition counting 35% more from March 2026 turned a target "too early to tell" into "off track" (an
    outside audit: 97.4 a month against a baseline of 68.7 recorded the old way). A recording change after the
    baseline began and by the latest month: "not comparable", saying which and why; one before the baseline, or
    after the latest month, changes nothing."""
    m = months("2025-04", [70] * 11 + [95] * 7)  # to 2026-09
    rec = [("2026-03", "New missing-episode definition")]
    args = dict(rule=RULE, good_direction="down", cycle_start="2025-04", cycle_end="2028-03")
    a = status.assess(m, 68.7, 60, recording=rec, baseline_period="April 2024 to March 2025", **args)
    assert a["status"] == "not comparable" and a["symbol"] == "○"
    assert a["reason"] == (
        "Recording changed in Mar 2026 (“New missing-episode definition”), after the baseline (April 2024 to March "
        "2025) began: the latest months are not recorded as the baseline was, so progress towards the target "
        "cannot be measured."
    )
    assert a["latest_mean"] == pytest.approx((70 + 95 * 7 + 70 * 4) / 12)  # the figures are still given
    no_period = status.assess(m, 68.7, 60, recording=rec, **args)  # no period: the 12 months before the cycle
    assert no_period["status"] == "not comparable"
    for other in ([("2024-01", "Earlier")], [("2026-10", "Later")], []):
        b = status.assess(m, 68.7, 60, recording=other, baseline_period="2024-04 to 2025-03", **args)
        assert b["status"] not in ("not comparable",), other
        assert b["status"] == status.assess(m, 68.7, 60, **args)["status"]


def test_months_missing_from_the_latest_12_are_allowed_for_by_the_season():
    """An unchanged seasonal series with its three busiest months of the latest 12 blank: the plain mean of the 9
    left read an unchanged level as +46% of the way to the target (an outside statistician). Each month weighted
    by its calendar month's share of a year in the 3 years before, the mean is the level; the reason says which
    months were missing and how the mean was made. Under a year of earlier data it is not adjusted, and says so."""
    import numpy as np

    from safer import fmt

    all_months = fmt.months_between("2021-10", "2026-09")
    season = {m: 1 + 0.3 * math.sin(2 * math.pi * (int(m[5:]) - 4) / 12) for m in all_months}
    values = [420 * season[m] for m in all_months]
    level = float(np.mean(values[-12:]))
    busy = sorted(all_months[-12:], key=lambda m: -season[m])[:3]
    gapped = pd.DataFrame(
        {"month": all_months, "value": [None if m in busy else v for m, v in zip(all_months, values)]}
    )
    plain = sum(v for m, v in zip(all_months[-12:], values[-12:]) if m not in busy) / 9
    assert plain < level * 0.95  # what the plain mean would have said: lower, so "progress" towards a lower target
    a = status.assess(gapped, level, level * 0.9, RULE, "down")
    assert a["latest_mean"] == pytest.approx(level) and a["progress_pct"] == pytest.approx(0, abs=1e-6)
    assert a["latest_months_with_data"] == 9
    assert "no data for Jun 2026, Jul 2026 and Aug 2026: the mean is of the 9 with data, each weighted" in a["reason"]
    short = gapped[gapped.month >= "2025-10"]  # the latest 12 months alone: no earlier year to weigh them by
    b = status.assess(short, level, level * 0.9, RULE, "down")
    assert b["latest_mean"] == pytest.approx(plain) and "not adjusted for the season" in b["reason"]
    full = status.assess(pd.DataFrame({"month": all_months, "value": values}), level, level * 0.9, RULE, "down")
    assert "no data for" not in full["reason"]  # all 12 months: their plain mean, nothing to say


def test_a_gap_in_the_earlier_years_does_not_tilt_the_seasonal_shares():
    """Jan-Mar 2021 missing from the earlier years and Feb-Apr 2023 from the latest 12, a seasonal series with no
    change: the shares were each month's mean over the mean of every earlier month, which a calendar month with
    fewer years tilts (97.13 for a true 100, "+29% of the way to the target": an outside statistician). Over the
    mean of the calendar months' means they average 1, and the mean is the level."""
    from safer import fmt

    all_months = fmt.months_between("2020-04", "2023-09")
    values = [100 * (1 + 0.4 * math.sin(2 * math.pi * int(m[5:]) / 12)) for m in all_months]
    gone = {"2021-01", "2021-02", "2021-03", "2023-02", "2023-03", "2023-04"}
    df = pd.DataFrame({"month": all_months, "value": [None if m in gone else v for m, v in zip(all_months, values)]})
    a = status.assess(df, 100, 90, RULE, "down")
    assert a["latest_mean"] == pytest.approx(100.0) and a["progress_pct"] == pytest.approx(0.0, abs=1e-6)
