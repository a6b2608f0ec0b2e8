"""Tests for safer.stats, against numbers worked out by hand (gaps included)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

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


# --------------------------------------------------------------------------- compare_rates


# --------------------------------------------------------------------------- dispersion


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


# --------------------------------------------------------------------------- change_between


# --------------------------------------------------------------------------- verdict


# --------------------------------------------------------------------------- rate_per_1000


def test_rate_per_1000():
    # 120 over 12 months = 10 a month = 120 a year; per 1,000 of 10,000 -> 12.0
    assert stats.rate_per_1000(120, 12, 10_000) == pytest.approx(12.0)
    # six months with data: annualised from those six, not diluted by the gap
    assert stats.rate_per_1000(60, 6, 10_000) == pytest.approx(12.0)
    for args in ((10, 0, 1000), (10, 12, 0), (10, NAN, 1000), (10, 12, NAN), (NAN, 12, 1000)):
        assert math.isnan(stats.rate_per_1000(*args))


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


def test_funnel_group_rate_and_the_hand_worked_dispersion_of_ten_areas():
    from safer import verdicts

    # Ten areas of 10,000 person-years around 20 per 1,000 (200 expected each): z = (count − 200) ÷ √200.
    counts = [100, 300, 200, 200, 200, 200, 200, 200, 200, 200]
    rates = pd.DataFrame(
        {
            "area_code": list("ABCDEFGHIJ"),
            "area_name": list("ABCDEFGHIJ"),
            "total": counts,
            "person_years": [10_000] * 10,
        }
    )
    f = verdicts.funnel(rates, indicator_id="x", period="p")
    assert f.group_rate_per_1000 == pytest.approx(2000 / 100_000 * 1000)  # 20 per 1,000
    # z on the log scale, log(O ÷ E)·√E: A log(0.5)·√200 = −9.80, B log(1.5)·√200 = +5.73, the rest 0. The 10%
    # and 90% quantiles (linear interpolation over ten values) are 0.9·A and 0.1·B, so winsorised A and B are
    # −0.980 and +0.573: φ = (0.980² + 0.573²) ÷ 10 ÷ 0.6787 (the mean of a winsorised standard normal's z²) =
    # 0.19, no over-dispersion, and against exact Poisson 99.8% limits (about 200 ± 44) A is below and B above:
    # the two areas being judged do not widen the limits that judge them.
    za, zb = math.log(0.5) * math.sqrt(200), math.log(1.5) * math.sqrt(200)
    assert f.dispersion == pytest.approx(((0.1 * za) ** 2 + (0.1 * zb) ** 2) / 10 / 0.6786545589528744)
    assert f.dispersion == pytest.approx(0.19, abs=0.005)
    assert "exact Poisson" in f.method
    assert {a.area_code: a.position for a in f.areas} == {"A": "below", "B": "above"} | {
        c: "within" for c in "CDEFGHIJ"
    }
    assert {"exposure", "lo_95", "hi_95", "lo_998", "hi_998"} <= set(f.curve.columns)


def test_garwood_interval_matches_the_published_exact_poisson_table():
    """The exact (Garwood) 95% limits of a Poisson count, from statsmodels (an outside review: the formula was
    written by hand), against the published table (Garwood 1936; as tabulated e.g. by Ulm 1990, Am J Epidemiol
    131:373): k = 0 -> 0 to 3.689, k = 5 -> 1.624 to 11.668, k = 10 -> 4.795 to 18.390; a total over several months
    is the same interval divided by them."""
    for k, lo, hi in ((0, 0.0, 3.689), (5, 1.624, 11.668), (10, 4.795, 18.390)):
        got = stats.garwood_interval(k, 1)
        assert got == pytest.approx((lo, hi), abs=0.0015), (k, got)
        assert stats.garwood_interval(k, 12) == pytest.approx((got[0] / 12, got[1] / 12))
    assert stats.garwood_interval(10, 1, confidence=0.99)[1] == pytest.approx(21.398, abs=0.002)  # chi2(0.995, 22) / 2
    assert all(math.isnan(x) for x in stats.garwood_interval(5, 0))
