"""The comparison engine on simulated series (fixed seeds) and on the demo data.

Simulations: seasonal, over-dispersed monthly counts (gamma–Poisson) with and without a real change,
gaps, partial cycles, and areas that differ more than chance allows. They check what a statistician
would: false alarms near the nominal rate, power of the correctly specified seasonal model, limits that
do not flag the season, and funnel limits that allow for between-area variation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from helpers import PROJECT

from safer import fmt, verdicts

SEASON = 1 + 0.3 * np.cos((np.arange(12) - 6) / 12 * 2 * np.pi)  # summer peak, ±30%


def _series(
    rng,
    months: int,
    mean: float,
    phi: float = 1.0,
    change: float = 1.0,
    change_at: int | None = None,
    first: str = "2020-01",
) -> pd.DataFrame:
    """Monthly counts: mean × season × (change after `change_at`), gamma–Poisson with variance ≈ φ × mean."""
    mus = np.array([mean * SEASON[(fmt.month_index(first) + i) % 12] for i in range(months)])
    if change_at is not None:
        mus[change_at:] *= change
    if phi > 1:
        shape = mus / (phi - 1)  # gamma mixing: variance = mu + mu(phi-1) = phi·mu
        lam = rng.gamma(shape, (phi - 1), size=months)
    else:
        lam = mus
    values = rng.poisson(lam)
    month = [fmt.shift_month(first, i) for i in range(months)]
    return pd.DataFrame({"month": month, "value": values.astype(float)})


def _latest(df, gd="down"):
    return verdicts.compare_latest12(df, indicator_id="x", area_code="A", good_direction=gd)


# --------------------------------------------------------------------------- latest 12 months


@pytest.mark.slow
def test_false_alarms_near_the_nominal_rate_with_season_and_over_dispersion():
    rng = np.random.default_rng(20261123)
    alarms = sum(_latest(_series(rng, 24, 60, phi=2.0)).verdict != "no clear change" for _ in range(400))
    # nominal 5%; binomial sd at n=400 is 1.1 points
    assert alarms / 400 <= 0.08, alarms


@pytest.mark.slow
def test_a_flat_mean_model_would_cry_wolf_where_the_seasonal_one_does_not():
    """The seasonal pairing is what keeps false alarms down: the same series compared on shifted windows
    (different calendar months) would differ by the season alone."""
    rng = np.random.default_rng(7)
    df = _series(rng, 24, 200, phi=1.0)
    c = _latest(df)
    assert c.dispersion < 2.0  # seasonal terms absorb the ±30% season
    assert c.rate_ratio == pytest.approx(c.current_mean / c.previous_mean)


@pytest.mark.slow
def test_power_to_detect_a_real_fall_of_15_percent():
    rng = np.random.default_rng(11)
    hits = sum(
        _latest(_series(rng, 24, 150, phi=1.5, change=0.85, change_at=12)).verdict == "better" for _ in range(200)
    )
    assert hits / 200 >= 0.8, hits


def test_fewer_than_nine_matched_months_is_not_enough_data():
    rng = np.random.default_rng(3)
    df = _series(rng, 24, 100)
    df.loc[df.index[:4], "value"] = np.nan  # 4 of the previous year's months missing: 8 matched months
    c = _latest(df)
    assert c.verdict == "not enough data" and c.p_value is None
    assert len(c.current_months) == 8 and c.current_months_with_data == 12 and c.previous_months_with_data == 8
    assert "at least 9" in c.note and "No test" in c.method
    df.loc[df.index[3], "value"] = 100.0  # 9 matched months: a verdict
    assert _latest(df).verdict != "not enough data"


def test_across_a_gap_different_calendar_months_are_never_compared():
    """police.uk's GMP gap: data Jan–Mar 2021 and before Jul 2019 only. The latest 12 months (Apr 2020–Mar
    2021) have 3 months with data, their matches a year before none: not enough data, never Jan–Mar 2021
    against Apr–Jun 2019."""
    rng = np.random.default_rng(5)
    df = _series(rng, 36, 300, first="2018-04")
    gap = df["month"].between("2019-07", "2020-12")
    df.loc[gap, "value"] = np.nan
    c = _latest(df)
    assert c.current_period == "2020-04 to 2021-03" and c.previous_period == "2019-04 to 2020-03"
    assert c.verdict == "not enough data" and c.current_months == () and c.change_pct is None


def test_matched_months_pair_the_same_calendar_month():
    rng = np.random.default_rng(9)
    df = _series(rng, 24, 80)
    df.loc[df["month"] == "2021-05", "value"] = np.nan  # the current May is missing
    c = _latest(df)
    assert "2021-05" not in c.current_months and "2020-05" not in c.previous_months
    assert [m[5:] for m in c.current_months] == [m[5:] for m in c.previous_months]
    cur = df.set_index("month")["value"]
    assert c.current_mean == pytest.approx(np.mean([cur[m] for m in c.current_months]))
    assert c.previous_mean == pytest.approx(np.mean([cur[m] for m in c.previous_months]))


def test_one_period_with_no_events_uses_the_exact_test():
    df = pd.DataFrame({"month": [fmt.shift_month("2020-01", i) for i in range(24)], "value": [0.0] * 12 + [3.0] * 12})
    c = _latest(df, gd="up")
    assert c.verdict == "better" and c.p_value < 0.001 and "Exact conditional test" in c.method


def test_neutral_indicators_say_up_or_down():
    rng = np.random.default_rng(13)
    df = _series(rng, 24, 300, change=1.4, change_at=12)
    assert _latest(df, gd="neither").verdict == "up"


def test_explain_fields_are_json_ready():
    rng = np.random.default_rng(1)
    d = _latest(_series(rng, 24, 50)).to_json()
    assert set(d) >= {
        "indicator_id", "area_code", "compare", "current_period", "previous_period", "current_months_with_data",
        "previous_months_with_data", "current_mean", "previous_mean", "change_pct", "p_value", "verdict", "method",
    }  # fmt: skip
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in d.values())


# --------------------------------------------------------------------------- many tests


def test_benjamini_hochberg_against_hand_values():
    base = _latest(_series(np.random.default_rng(2), 24, 50))
    ps = [0.01, 0.04, 0.03, 0.2]
    fam = verdicts.adjust_family([dataclasses.replace(base, p_value=p, change_pct=-10.0, verdict="better") for p in ps])
    # sorted 0.01, 0.03, 0.04, 0.2 -> ×4/1, ×4/2, ×4/3, ×4/4 = 0.04, 0.06, 0.0533, 0.2 -> step-up minimum
    assert [round(c.family_p_value, 4) for c in fam] == [0.04, 0.0533, 0.0533, 0.2]
    assert [c.family_verdict for c in fam] == ["better", "no clear change", "no clear change", "no clear change"]
    assert [c.shown_verdict for c in fam][0] == "better" and fam[0].family_size == 4
    assert fam[1].verdict == "better"  # the unadjusted verdict is kept beside it


# --------------------------------------------------------------------------- plan cycles

CYCLES = pd.DataFrame(
    {
        "cycle_id": ["2018-21", "2022-25", "2025-28"],
        "title": ["a", "b", "c"],
        "start_month": ["2018-04", "2022-04", "2025-04"],
        "end_month": ["2021-03", "2025-03", "2028-03"],
    }
)


def test_a_cycle_under_way_is_compared_on_its_first_n_months():
    rng = np.random.default_rng(17)
    df = _series(rng, 90, 100, first="2019-04")  # to 2026-09: 18 months into 2025-28
    c = verdicts.compare_cycle(df, CYCLES, "2025-28", indicator_id="x", area_code="A", good_direction="down")
    assert c.basis == "2025-28 against 2022-25, first 18 months of each cycle"
    assert c.current_period == "2025-04 to 2026-09" and c.previous_period == "2022-04 to 2023-09"
    assert c.months_not_yet == 18 and c.current_months_with_data == 18
    assert c.current_months[0] == "2025-04" and c.previous_months[0] == "2022-04"


def test_a_complete_cycle_is_compared_whole_and_one_not_started_says_so():
    rng = np.random.default_rng(19)
    df = _series(rng, 90, 100, first="2019-04")
    c = verdicts.compare_cycle(df, CYCLES, "2022-25", indicator_id="x", area_code="A", good_direction="down")
    assert c.basis == "2022-25 against 2018-21, whole cycles" and c.months_not_yet == 0
    assert c.previous_months_with_data == 24  # 2018-21 has data from 2019-04 only
    c = verdicts.compare_cycle(
        df, CYCLES, "2025-28", indicator_id="x", area_code="A", good_direction="down", last_month="2025-02"
    )
    assert c.verdict == "not enough data" and "not started" in c.note and c.months_not_yet == 36


# --------------------------------------------------------------------------- control limits


@pytest.mark.slow
def test_control_limits_do_not_flag_the_season():
    rng = np.random.default_rng(23)
    flagged = total = 0
    for _ in range(40):
        df = _series(rng, 96, 120, phi=1.8, first="2018-04")
        lim = verdicts.control_limits(df, CYCLES)
        flagged += int((lim["signal"] != "").sum())
        total += int(lim["value"].notna().sum())
    assert flagged / total <= 0.01, (flagged, total)  # nominal 0.27%


def test_control_limits_flag_a_real_spike_and_centre_on_the_season():
    rng = np.random.default_rng(29)
    df = _series(rng, 72, 200, first="2019-04")
    df.loc[40, "value"] = df.loc[40, "value"] * 2 + 100
    lim = verdicts.control_limits(df, CYCLES)
    assert lim.loc[40, "signal"] == "above"
    summer = lim[lim["month"].str.endswith("-07")]["centre"].mean()
    winter = lim[lim["month"].str.endswith("-01")]["centre"].mean()
    assert summer > 1.3 * winter  # the expectation follows the season


# --------------------------------------------------------------------------- funnel


def _areas(rng, n_areas: int, between_sd: float) -> pd.DataFrame:
    py = rng.uniform(20_000, 300_000, n_areas)
    true_rate = 0.02 * np.exp(rng.normal(0, between_sd, n_areas))
    return pd.DataFrame(
        {
            "area_code": [f"A{i}" for i in range(n_areas)],
            "area_name": [f"Area {i}" for i in range(n_areas)],
            "is_partnership": [i == 0 for i in range(n_areas)],
            "total": rng.poisson(true_rate * py),
            "person_years": py,
        }
    )


def test_winsorised_dispersion_against_a_hand_worked_example():
    z = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 6.0])
    lo, hi = np.quantile(z, [0.1, 0.9])  # -1.2 and 2.85 (numpy's linear interpolation)
    assert (lo, hi) == pytest.approx((-1.2, 2.85))
    expected = np.mean(np.clip(z, lo, hi) ** 2)
    assert verdicts._winsorised_phi(z) == pytest.approx(expected)
    assert expected == pytest.approx((1.44 + 1 + 0.25 + 0 + 0.25 + 1 + 2.25 + 4 + 6.25 + 8.1225) / 10)


def test_funnel_allows_for_between_area_over_dispersion():
    rng = np.random.default_rng(31)
    outside = n = 0
    for _ in range(30):
        f = verdicts.funnel(_areas(rng, 30, 0.2), indicator_id="x", period="p")
        assert f.dispersion > 1 and "over-dispersion" in f.method
        outside += sum(a.position != "within" for a in f.areas)
        n += len(f.areas)
    assert outside / n <= 0.05, (outside, n)  # without the adjustment most areas would be outside


def test_funnel_without_over_dispersion_keeps_exact_poisson_limits():
    rng = np.random.default_rng(37)
    f = verdicts.funnel(_areas(rng, 30, 0.0), indicator_id="x", period="p")
    assert "exact Poisson" in f.method
    assert sum(a.position != "within" for a in f.areas) <= 1
    assert {a.position for a in f.areas} <= {"above", "within", "below"}


def test_a_group_too_small_to_estimate_the_variation_between_areas_is_drawn_but_not_judged():
    """With fewer than MIN_FUNNEL_AREAS areas φ is not estimated: exact Poisson limits are drawn, and no area is
    called above or below them, however far out it lies (here with between-area variation no Poisson limit
    allows for, so Poisson limits alone would call most areas unusual)."""
    rng = np.random.default_rng(41)
    small = _areas(rng, verdicts.MIN_FUNNEL_AREAS - 1, 0.3)
    f = verdicts.funnel(small, indicator_id="x", period="p")
    assert f.dispersion is None
    assert {a.position for a in f.areas} == {a.position_95 for a in f.areas} == {verdicts.NOT_JUDGED}
    assert f"with {verdicts.MIN_FUNNEL_AREAS - 1} areas, fewer than {verdicts.MIN_FUNNEL_AREAS}" in f.method
    assert "no area is judged" in f.method
    # The limits drawn are the exact Poisson ones around the group rate.
    from safer import stats

    p0 = small["total"].sum() / small["person_years"].sum()
    lo, hi = stats.funnel_limits(p0, f.curve["exposure"].to_numpy(), 0.998, "poisson")
    assert np.allclose(f.curve["lo_998"], lo * 1000) and np.allclose(f.curve["hi_998"], hi * 1000)
    # One more area and the group is judged, with the over-dispersion allowed for.
    f10 = verdicts.funnel(_areas(rng, verdicts.MIN_FUNNEL_AREAS, 0.3), indicator_id="x", period="p")
    assert f10.dispersion is not None and f10.dispersion > 1
    assert {a.position for a in f10.areas} <= {"above", "within", "below"}


# --------------------------------------------------------------------------- the demo data


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from safer.store import Store

    s = Store(PROJECT / "data", cache=tmp_path_factory.mktemp("cache"))
    yield s
    s.close()


def _true(store, indicator):
    from safer import queries

    q = queries.get("monthly")
    return store.sql(q.sql, queries.bind(store, q, {"indicator": indicator, "area": None}))


@pytest.mark.parametrize(("indicator", "change"), [("asb", -21.3), ("cse", 17.9)])
def test_demo_cycles_line_up_on_their_first_18_months(demo_store, indicator, change):
    cycles = demo_store.sql("SELECT * FROM plan_cycles")
    cycles["start_month"] = cycles["start_month"].astype(str).str.slice(0, 7)
    cycles["end_month"] = cycles["end_month"].astype(str).str.slice(0, 7)
    c = verdicts.compare_cycle(
        _true(demo_store, indicator), cycles, "2025-28", indicator_id=indicator, area_code="E08000007",
        good_direction="down",
    )  # fmt: skip
    assert c.basis.endswith("first 18 months of each cycle")
    assert round(c.change_pct, 1) == change


def test_control_limits_at_poisson_dispersion_are_the_exact_poisson_quantiles():
    """Twelve months at exactly 100 vary less than Poisson: the limits are Poisson's 0.135% and 99.865%
    quantiles of 100, i.e. 71 and 131 (the exact c-chart for mean ± 3 sigma)."""
    df = pd.DataFrame({"month": [fmt.shift_month("2020-04", i) for i in range(12)], "value": [100.0] * 12})
    lim = verdicts.control_limits(df, CYCLES)
    assert (lim["lower"] == 71).all() and (lim["upper"] == 131).all() and (lim["signal"] == "").all()
    # 95 and 105 around a mean of 100 vary less than Poisson (dispersion 3/11): the same limits
    df["value"] = [95.0, 105.0] * 6
    lim = verdicts.control_limits(df, CYCLES)
    assert (lim["upper"] == 131).all() and (lim["signal"] == "").all()
