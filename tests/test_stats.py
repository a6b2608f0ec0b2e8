"""Tests for safer.stats, against numbers worked out by hand (gaps included)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from safer import stats

NAN = float("nan")


def months(start: str, n: int) -> list[str]:
    return pd.period_range(start, periods=n, freq="M").strftime("%Y-%m").tolist()


# --------------------------------------------------------------------------- rolling_mean


def test_rolling_mean_12_is_nan_for_every_window_containing_the_gap():
    # 14 months, values 1..14, month 5 missing. Every 12-month window (ending in
    # months 12, 13, 14) contains month 5, so all are NaN; so are months 1-11.
    v = pd.Series(np.arange(1, 15, dtype=float))
    v[4] = NAN
    r = stats.rolling_mean(v, 12)
    assert len(r) == 14
    assert r.isna().all()


def test_rolling_mean_12_values_after_the_gap_leaves_the_window():
    # Month 1 missing: the window ending at month 12 contains it (NaN); the
    # window ending at month 13 is months 2..13 = mean(2..13) = 7.5; month 14 -> 8.5.
    v = pd.Series(np.arange(1, 15, dtype=float))
    v[0] = NAN
    r = stats.rolling_mean(v, 12)
    assert r[:12].isna().all()
    assert r[12] == pytest.approx(7.5)
    assert r[13] == pytest.approx(8.5)


def test_rolling_mean_short_window_by_hand():
    v = pd.Series(np.arange(1, 15, dtype=float))
    v[4] = NAN  # month 5
    r = stats.rolling_mean(v, 3)
    # windows ending in months 5, 6, 7 contain month 5 -> NaN
    assert r[:2].isna().all()
    assert r[2] == pytest.approx(2.0)  # (1+2+3)/3
    assert r[3] == pytest.approx(3.0)  # (2+3+4)/3
    assert r[4:7].isna().all()
    assert r[7] == pytest.approx(7.0)  # (6+7+8)/3
    assert r[13] == pytest.approx(13.0)  # (12+13+14)/3


# --------------------------------------------------------------------------- poisson_limits


def test_poisson_limits_100():
    # scipy.stats.poisson.ppf(0.00135, 100) = 71 and ppf(0.99865, 100) = 131
    lo, hi = stats.poisson_limits(100)
    assert (lo, hi) == (71.0, 131.0)
    # the defining property of the quantiles
    assert st.poisson.cdf(70, 100) < 0.00135 <= st.poisson.cdf(71, 100)
    assert st.poisson.cdf(130, 100) < 0.99865 <= st.poisson.cdf(131, 100)


def test_poisson_limits_edge_cases():
    assert stats.poisson_limits(0) == (0.0, 0.0)
    lo, hi = stats.poisson_limits(NAN)
    assert math.isnan(lo) and math.isnan(hi)
    lo, hi = stats.poisson_limits(-1)
    assert math.isnan(lo) and math.isnan(hi)


# --------------------------------------------------------------------------- control_limits


def _control_fixture():
    ms = months("2018-01", 26)  # 2018-01 .. 2020-02
    cycles = pd.DataFrame(
        {
            "cycle_id": ["A", "B"],
            "title": ["Plan A", "Plan B"],
            "start_month": ["2018-04", "2019-01"],
            "end_month": ["2018-09", "2019-12"],
        }
    )
    v = pd.Series(100.0, index=range(26))
    # B (2019-01 .. 2019-12 = rows 12..23): one month of 150, one missing
    v[15] = 150.0  # 2019-04
    v[18] = NAN  # 2019-07
    return pd.DataFrame({"month": ms, "value": v}), cycles


def test_control_limits_phases_named():
    monthly, cycles = _control_fixture()
    out = stats.control_limits(monthly, cycles, method="poisson")
    ph = dict(zip(out["month"], out["phase"]))
    assert ph["2018-01"] == "before A"
    assert ph["2018-04"] == "A" and ph["2018-09"] == "A"
    assert ph["2018-10"] == "between A and B"
    assert ph["2019-06"] == "B"
    assert ph["2020-02"] == "after B"


def test_control_limits_per_phase_by_hand():
    monthly, cycles = _control_fixture()
    out = stats.control_limits(monthly, cycles, method="poisson").set_index("month")
    # A: six months of 100 -> centre 100, limits (71, 131)
    assert out.loc["2018-05", "centre"] == 100.0
    assert (out.loc["2018-05", "lower"], out.loc["2018-05", "upper"]) == (71.0, 131.0)
    # B: 10 months of 100 + one of 150, one missing -> centre 1150/11 (missing not zero)
    c = 1150 / 11
    assert out.loc["2019-01", "centre"] == pytest.approx(c)
    lo, hi = stats.poisson_limits(c)
    assert out.loc["2019-01", "upper"] == hi and out.loc["2019-01", "lower"] == lo
    assert hi < 150
    assert out.loc["2019-04", "signal"] == "above"
    assert out.loc["2019-07", "signal"] == ""  # missing month: no signal
    assert out.loc["2019-05", "signal"] == ""
    # 'before A' has 3 months, 'after B' 2: fewer than 6 -> NaN limits, no signals
    assert math.isnan(out.loc["2018-01", "upper"]) and math.isnan(out.loc["2020-01", "lower"])
    assert out.loc["2018-01", "centre"] == 100.0
    assert (out.loc[["2018-01", "2020-01"], "signal"] == "").all()


def test_control_limits_below_signal():
    ms = months("2018-04", 12)
    v = [100.0] * 12
    v[3] = 40.0
    cycles = pd.DataFrame({"cycle_id": ["A"], "title": ["x"], "start_month": ["2018-04"], "end_month": ["2019-03"]})
    out = stats.control_limits(pd.DataFrame({"month": ms, "value": v}), cycles, method="poisson")
    assert out["signal"].tolist().count("below") == 1
    assert out.loc[3, "signal"] == "below"


# --------------------------------------------------------------------------- compare_rates


def test_compare_rates_by_hand():
    r = stats.compare_rates(100, 10, 150, 10)
    assert r.rate1 == 10.0 and r.rate2 == 15.0
    assert r.rate_ratio == pytest.approx(1.5)
    assert r.change_pct == pytest.approx(50.0)
    # Clopper-Pearson for 150 successes of 250, by the beta-quantile formula:
    p_lo = st.beta.ppf(0.025, 150, 101)  # 0.53638...
    p_hi = st.beta.ppf(0.975, 151, 100)  # 0.66122...
    assert p_lo == pytest.approx(0.536382, abs=1e-6)
    assert p_hi == pytest.approx(0.661217, abs=1e-6)
    # RR = p/(1-p) * n1/n2, with n1 = n2
    assert r.ci_low == pytest.approx(p_lo / (1 - p_lo), rel=1e-6)  # 1.15697
    assert r.ci_high == pytest.approx(p_hi / (1 - p_hi), rel=1e-6)  # 1.95174
    assert r.p_value < 0.01  # E-test: 0.00153
    assert r.p_value == pytest.approx(0.0015341, abs=1e-6)
    assert r.dispersion == 1.0 and r.p_adjusted == r.p_value
    assert r.beyond_chance is True
    assert "E-test" in r.method and "Clopper-Pearson" in r.method


def test_compare_rates_overdispersed():
    r = stats.compare_rates(100, 10, 150, 10, dispersion=9)
    # Wald: se = sqrt(9 * (1/100 + 1/150)) = sqrt(0.15) = 0.3873; z = ln(1.5)/se = 1.0469
    assert r.p_adjusted > r.p_value
    assert r.p_adjusted == pytest.approx(0.29514, abs=1e-4)
    assert r.beyond_chance is False
    se = math.sqrt(0.15)
    assert r.ci_low_adjusted == pytest.approx(1.5 * math.exp(-1.959964 * se), rel=1e-5)
    assert r.ci_high_adjusted == pytest.approx(1.5 * math.exp(1.959964 * se), rel=1e-5)
    assert "9.0" in r.method and "dispersion" in r.method


def test_compare_rates_unequal_exposure():
    # 36 over 3 months vs 80 over 4: rates 12 and 20, RR 5/3
    r = stats.compare_rates(36, 3, 80, 4)
    assert r.rate_ratio == pytest.approx(20 / 12)
    ci = st.binomtest(80, 116).proportion_ci(method="exact")
    assert r.ci_low == pytest.approx(ci.low / (1 - ci.low) * 3 / 4)


@pytest.mark.parametrize(
    "args",
    [
        (0, 10, 0, 10),
        (10, 0, 5, 10),
        (10, 10, 5, 0),
        (NAN, 10, 5, 10),
        (10, NAN, 5, 10),
        (-3, 10, 5, 10),
    ],
)
def test_compare_rates_degenerate_never_raises(args):
    r = stats.compare_rates(*args)
    assert math.isnan(r.rate_ratio)
    assert r.beyond_chance is False


def test_compare_rates_zero_earlier_count():
    r = stats.compare_rates(0, 12, 8, 12)
    assert math.isnan(r.change_pct) and math.isnan(r.rate_ratio)
    assert r.rate2 == pytest.approx(8 / 12)
    assert 0 <= r.p_value <= 1  # E-test still defined
    r9 = stats.compare_rates(0, 12, 8, 12, dispersion=4)
    assert math.isnan(r9.p_adjusted) and r9.beyond_chance is False


# --------------------------------------------------------------------------- dispersion


def test_dispersion_by_hand():
    # group a: 1, 9, 5 (mean 5): (16 + 16 + 0) / 5 = 6.4
    # group b: 10, 30, NaN, 20 (mean 20): (100 + 100 + 0) / 20 = 10
    # chi-square 16.4 over (6 months with data - 2 groups) = 4.1
    v = pd.Series([1, 9, 5, 10, 30, NAN, 20], dtype=float)
    g = pd.Series(list("aaabbbb"))
    assert stats.dispersion(v, g) == pytest.approx(4.1)


def test_dispersion_floor_and_not_computable():
    # a: 2,4,6 (mean 4) -> 2.0 ; b: 10,10,13,7 (mean 10) -> 1.8 ; 3.8 / 5 = 0.76 -> floored to 1
    v = pd.Series([2, 4, 6, 10, 10, NAN, 13, 7], dtype=float)
    g = pd.Series(list("aaabbbbb"))
    assert stats.dispersion(v, g) == 1.0
    # one month per group: no degrees of freedom
    assert stats.dispersion(pd.Series([3.0, 9.0]), pd.Series(["a", "b"])) == 1.0
    assert stats.dispersion(pd.Series([NAN, NAN]), pd.Series(["a", "a"])) == 1.0


# --------------------------------------------------------------------------- compare_cycles


def _cycle_fixture(b_values=(20, 18, 22, 20)):
    a_values = [10, 12, NAN, 14]
    rows = []
    for cid, start, vals in (("A", "2018-04", a_values), ("B", "2022-04", list(b_values)), ("C", "2025-04", [NAN] * 4)):
        for i, (m, v) in enumerate(zip(months(start, 4), vals)):
            rows.append((cid, i + 1, m, float(v)))
    cm = pd.DataFrame(rows, columns=["cycle_id", "month_of_cycle", "month", "value"])
    g = cm.groupby("cycle_id", sort=False)["value"]
    summary = pd.DataFrame(
        {
            "cycle_id": ["A", "B", "C"],
            "months_in_cycle": 4,
            "months_with_data": g.count().values,
            "total": g.sum(min_count=1).values,
        }
    )
    summary["monthly_mean"] = summary["total"] / summary["months_with_data"]
    summary["change_vs_previous_pct"] = [NAN, 100 * (summary.monthly_mean[1] / summary.monthly_mean[0] - 1), NAN]
    return summary, cm


def test_compare_cycles_with_a_missing_month():
    summary, cm = _cycle_fixture()
    out = stats.compare_cycles(summary, cm)
    assert list(out["cycle_id"]) == ["A", "B", "C"]
    a, b, c = out.iloc[0], out.iloc[1], out.iloc[2]
    # A: 36 over 3 months with data (the missing month is not a zero): mean 12
    assert a["months_with_data"] == 3 and a["monthly_mean"] == 12
    # Garwood CI for 36: chi2(0.025, 72)/2 = 25.214, chi2(0.975, 74)/2 = 49.839; / 3 months
    assert a["ci_low"] == pytest.approx(25.21396 / 3, rel=1e-5)
    assert a["ci_high"] == pytest.approx(49.83917 / 3, rel=1e-5)
    # first cycle: nothing to compare with
    assert math.isnan(a["p_value"]) and math.isnan(a["rate_ratio"]) and not a["beyond_chance"]
    # B vs A: 80/4 = 20 against 12 -> ratio 5/3; dispersion (0.667 + 0.4) / 5 < 1 -> 1
    assert b["dispersion"] == 1.0
    assert b["rate_ratio"] == pytest.approx(20 / 12)
    assert b["p_value"] == pytest.approx(st.poisson_means_test(36, 3, 80, 4).pvalue)
    assert b["p_adjusted"] == b["p_value"] and b["p_value"] < 0.05 and bool(b["beyond_chance"])
    # C has no data: no CI and no test
    assert math.isnan(c["ci_low"]) and math.isnan(c["p_value"]) and not c["beyond_chance"]
    assert isinstance(a["method"], str) and "E-test" in a["method"]


def test_compare_cycles_overdispersion_makes_it_cautious():
    summary, cm = _cycle_fixture(b_values=(5, 35, 10, 30))  # same total 80, very variable
    out = stats.compare_cycles(summary, cm)
    b = out.iloc[1]
    # A: (4+0+4)/12 = 0.667 ; B mean 20: (225+225+100+100)/20 = 32.5 ; (33.1667)/5 = 6.633
    assert b["dispersion"] == pytest.approx((8 / 12 + 32.5) / 5)
    assert b["p_adjusted"] > b["p_value"]
    assert not b["beyond_chance"]
    assert b["ci_high_adjusted"] - b["ci_low_adjusted"] > b["ci_high"] - b["ci_low"]


# --------------------------------------------------------------------------- change_between


def test_change_between_with_gaps():
    ms = months("2023-01", 24)
    v = [10.0] * 12 + [15.0] * 12
    v[2] = NAN  # 2023-03 missing
    v[23] = NAN  # 2024-12 missing: the last month with data is 2024-11
    res = stats.change_between(pd.DataFrame({"month": ms, "value": v}), 12)
    assert res["last_month"] == "2024-11"
    assert res["latest_first_month"] == "2023-12"
    # latest: 2023-12 (10) + 2024-01..11 (11 x 15) = 175 over 12 months
    assert res["latest_total"] == 175 and res["latest_months_with_data"] == 12
    # previous: 2022-12..2023-11; 2022-12 is before the series, 2023-03 missing -> 10 months of 10
    assert res["previous_total"] == 100 and res["previous_months_with_data"] == 10
    assert res["latest_mean"] == pytest.approx(175 / 12)
    assert res["previous_mean"] == pytest.approx(10.0)
    assert res["change_pct"] == pytest.approx((175 / 12 - 10) / 10 * 100)  # 45.83%, not biased by the gaps
    comp = res["comparison"]
    assert isinstance(comp, stats.RateComparison)
    assert (comp.k1, comp.n1, comp.k2, comp.n2) == (100, 10, 175, 12)
    assert comp.p_value == pytest.approx(st.poisson_means_test(100, 10, 175, 12).pvalue)
    assert comp.beyond_chance


def test_change_between_no_data():
    res = stats.change_between(pd.DataFrame({"month": months("2023-01", 5), "value": [NAN] * 5}))
    assert res["last_month"] is None and math.isnan(res["change_pct"])
    assert res["comparison"].beyond_chance is False


# --------------------------------------------------------------------------- verdict


@pytest.mark.parametrize(
    "change, direction, beyond, word, symbol, colour",
    [
        (-12.0, "down", True, "better", "▼", "#009E73"),  # fewer burglaries
        (12.0, "down", True, "worse", "▲", "#D55E00"),
        (20.0, "up", True, "better", "▲", "#009E73"),  # more CSE reports: better recognition
        (-20.0, "up", True, "worse", "▼", "#D55E00"),
        (8.0, "neither", True, "up", "▲", "#595959"),
        (-8.0, "neither", True, "down", "▼", "#595959"),
        (-12.0, "down", False, "no clear change", "●", "#595959"),
        (20.0, "up", False, "no clear change", "●", "#595959"),
        (8.0, "neither", False, "no clear change", "●", "#595959"),
        (NAN, "down", True, "no clear change", "●", "#595959"),
    ],
)
def test_verdict(change, direction, beyond, word, symbol, colour):
    assert stats.verdict(change, direction, beyond) == {"word": word, "symbol": symbol, "colour": colour}


# --------------------------------------------------------------------------- rate_per_1000


def test_rate_per_1000():
    # 120 over 12 months = 10 a month = 120 a year; per 1,000 of 10,000 -> 12.0
    assert stats.rate_per_1000(120, 12, 10_000) == pytest.approx(12.0)
    # six months with data: annualised from those six, not diluted by the gap
    assert stats.rate_per_1000(60, 6, 10_000) == pytest.approx(12.0)
    for args in ((10, 0, 1000), (10, 12, 0), (10, NAN, 1000), (10, 12, NAN), (NAN, 12, 1000)):
        assert math.isnan(stats.rate_per_1000(*args))


def test_laney_limits_by_hand_and_never_across_a_gap():
    # One phase of 8 months, one missing. centre = mean of the 7 months with data.
    ms = [f"2020-{m:02d}" for m in range(1, 9)]
    v = [100, 140, 60, 100, float("nan"), 100, 180, 100]
    cycles = pd.DataFrame({"cycle_id": ["c"], "title": ["c"], "start_month": ["2020-01"], "end_month": ["2020-08"]})
    out = stats.control_limits(pd.DataFrame({"month": ms, "value": v}), cycles)
    c = (100 + 140 + 60 + 100 + 100 + 180 + 100) / 7
    z = [(x - c) / c**0.5 for x in v]
    # moving ranges only between adjacent months with data: 1-2, 2-3, 3-4, 6-7, 7-8 (not 4-6 across the gap)
    mr = [abs(z[1] - z[0]), abs(z[2] - z[1]), abs(z[3] - z[2]), abs(z[6] - z[5]), abs(z[7] - z[6])]
    sz = max(1.0, sum(mr) / len(mr) / 1.128)
    assert out.sigma_z.iloc[0] == pytest.approx(sz)
    assert out.upper.iloc[0] == pytest.approx(c + 3 * sz * c**0.5)
    assert out.lower.iloc[0] == pytest.approx(max(0.0, c - 3 * sz * c**0.5))
    assert sz > 1  # these months vary far more than Poisson
    # Plain Poisson limits flag months that the Laney limits accept.
    pois = stats.control_limits(pd.DataFrame({"month": ms, "value": v}), cycles, method="poisson")
    assert (pois.signal != "").sum() > (out.signal != "").sum()


def test_laney_sigma_is_never_below_poisson():
    assert stats.laney_sigma_z(pd.Series([100.0] * 12), 100.0) == 1.0
    assert stats.laney_sigma_z(pd.Series([float("nan")] * 3), 100.0) == 1.0


# --------------------------------------------------------------------------- funnel plots


def test_funnel_limits_normal_by_hand():
    from safer.stats import funnel_limits

    # p0 = 0.05 a person-year, 10,000 person-years: sd = sqrt(0.05 / 10000) = 0.00223607.
    lo, hi = funnel_limits(0.05, 10_000, 0.95, "normal")
    assert lo[0] == pytest.approx(0.05 - 1.959964 * 0.00223607, abs=1e-7)  # 0.0456174
    assert hi[0] == pytest.approx(0.0543826, abs=1e-7)
    lo, hi = funnel_limits(0.05, 10_000, 0.998, "normal")
    assert (lo[0], hi[0]) == pytest.approx((0.0430901, 0.0569099), abs=1e-7)  # z = 3.090232


def test_funnel_limits_exact_poisson_by_hand():
    from safer.stats import funnel_limits

    # Expected count E = 0.004 * 1000 = 4. F(0)=0.018316, F(1)=0.091578, F(7)=0.948866, F(8)=0.978637.
    # Upper 97.5%: r = 8, a = (0.978637 - 0.975) / (0.978637 - 0.948866) = 0.12217 -> (8 - 0.12217) / 1000.
    # Lower 2.5%:  r = 1, a = (0.091578 - 0.025) / (0.091578 - 0.018316) = 0.90877 -> (1 - 0.90877) / 1000.
    lo, hi = funnel_limits(0.004, 1000, 0.95, "poisson")
    assert hi[0] == pytest.approx(0.0078778, abs=2e-7)
    assert lo[0] == pytest.approx(0.00009123, abs=2e-7)


def test_funnel_limits_narrow_with_exposure_and_poisson_meets_normal():
    from safer.stats import funnel_limits

    lo1, hi1 = funnel_limits(0.02, [1e4, 1e6], 0.998, "poisson")
    assert hi1[1] - lo1[1] < hi1[0] - lo1[0]
    nlo, nhi = funnel_limits(0.02, 1e6, 0.998, "normal")
    assert hi1[1] == pytest.approx(nhi[0], rel=2e-3) and lo1[1] == pytest.approx(nlo[0], rel=2e-3)


def test_funnel_group_rate_and_positions():
    from safer.stats import funnel

    rates = pd.DataFrame(
        {"area_name": ["A", "B", "C"], "total": [100, 300, 2000], "person_years": [10_000, 10_000, 100_000]}
    )
    f = funnel(rates, "normal")
    assert f["group_rate"] == pytest.approx(2400 / 120_000 * 1000)  # 20 per 1,000
    pos = dict(zip(f["areas"].area_name, f["areas"].position))
    # A: 10 per 1,000 at 10,000 person-years; limits 20 ± 3.09*sqrt(0.02/10000)*1000 = 20 ± 4.37.
    assert pos == {"A": "below 99.8%", "B": "above 99.8%", "C": "within 95%"}
    assert {"exposure", "lo_95", "hi_95", "lo_998", "hi_998"} <= set(f["curve"].columns)
