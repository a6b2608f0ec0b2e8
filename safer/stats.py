"""Building blocks for the statistics: gap-aware windows and means, exact intervals, survey shares.

Every function here is pure: pandas objects or plain values in, pandas objects or plain values out. No
Streamlit, no DuckDB, no file I/O. The one rule that runs through the module: a month with no data is
missing, never zero; it is left out of totals and means, and anything over a window that contains a
missing month is itself missing.

The verdicts (did it change, is it unusual, is it on track) are not here: they come from one engine,
`safer/verdicts.py` (quasi-Poisson GLMs with month-of-year terms, seasonal limits, over-dispersed funnel
plots, Benjamini–Hochberg), described in docs/statistics.md.

* 95% CI of a monthly mean: the exact (Garwood, chi-square based) Poisson interval for the total,
  divided by the months with data.
* Survey shares: Wilson score intervals (statsmodels).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special as _sp
from scipy import stats as _st
from statsmodels.stats.rates import confint_poisson

from . import fmt

ALPHA = 0.05

# Okabe-Ito colours used for verdicts (the word and symbol carry the meaning too).
COLOUR_BETTER = "#009E73"  # bluish green
COLOUR_WORSE = "#D55E00"  # vermillion
COLOUR_NEUTRAL = "#595959"  # dark grey

__all__ = [
    "rolling_mean",
    "garwood_interval",
    "change_between",
    "rate_per_1000",
    "funnel_limits",
    "wilson_interval",
    "survey_estimates",
    "survey_change",
    "SMALL_BASE",
    "SURVEY_METHOD",
    "SURVEY_CHANGE_METHOD",
]


# --------------------------------------------------------------------------- helpers


_isnan = fmt.is_missing  # one missing-value check, in safer.fmt


def _as_count(x) -> int | None:
    """A non-negative count as int, or None when it is missing or negative."""
    if _isnan(x):
        return None
    x = float(x)
    if not math.isfinite(x) or x < 0:
        return None
    return int(round(x))


def rolling_mean(values: pd.Series, window: int = 12) -> pd.Series:
    """Mean of the last ``window`` calendar months, at each month.

    ``values`` must hold one entry per consecutive calendar month (NaN where the
    month has no data). The result is NaN unless *all* ``window`` months have data,
    so a gap in the data is never hidden by a smooth line. The first
    ``window - 1`` months are NaN too.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    s = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    return s.rolling(window=window, min_periods=window).mean()


# --------------------------------------------------------------------------- 3. control limits


def enough_months(with_data, in_period) -> bool:
    """Whether a period's recorded mean stands for the period: data in at least three months of four (9 of 12;
    a mean of three spring months is the season's, not the year's)."""
    try:
        return int(with_data) * 4 >= int(in_period) * 3 and int(with_data) > 0
    except (TypeError, ValueError):
        return False


def _phase_labels(months: pd.Series, cycles: pd.DataFrame) -> list[str]:
    """Phase of each month: its cycle_id, or 'before X' / 'between X and Y' / 'after Y'."""
    cyc = []
    if cycles is not None and len(cycles):
        for row in cycles.itertuples(index=False):
            cyc.append((fmt.month_index(row.start_month), fmt.month_index(row.end_month), str(row.cycle_id)))
    cyc.sort()
    out: list[str] = []
    for m in months:
        i = fmt.month_index(m)
        label = None
        for s, e, cid in cyc:
            if s <= i <= e:
                label = cid
                break
        if label is None:
            if not cyc:
                label = "all months"
            elif i < cyc[0][0]:
                label = f"before {cyc[0][2]}"
            elif i > max(e for _, e, _ in cyc):
                last = max(cyc, key=lambda c: c[1])
                label = f"after {last[2]}"
            else:
                prev = max((c for c in cyc if c[1] < i), key=lambda c: c[1])
                nxt = min((c for c in cyc if c[0] > i), key=lambda c: c[0])
                label = f"between {prev[2]} and {nxt[2]}"
        out.append(label)
    return out


# --------------------------------------------------------------------------- 4. two rates


# --------------------------------------------------------------------------- 5. dispersion


# --------------------------------------------------------------------------- 6. cycles


def garwood_interval(total: float, months: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) Poisson interval for a total, divided by ``months``: statsmodels' ``confint_poisson``
    (``method="exact-c"``, the central interval from the chi-square quantiles: lower 0 when the total is 0).
    Returns (NaN, NaN) when months is 0 or missing."""
    k = _as_count(total)
    if k is None or _isnan(months) or float(months) <= 0:
        return (math.nan, math.nan)
    lo, hi = confint_poisson(k, float(months), method="exact-c", alpha=1.0 - confidence)
    return (float(lo), float(hi))


# --------------------------------------------------------------------------- 7. latest change


def change_between(monthly: pd.DataFrame, months: int = 12, end: str | None = None) -> dict:
    """The latest ``months`` months against the ``months`` before them.

    The latest window is the ``months`` calendar months ending at ``end`` (YYYY-MM; by default the last month
    with data); the previous window is the ``months`` calendar months before it.
    Missing months are left out of both totals, and ``change_pct`` compares the
    *monthly means* (total / months with data) so that gaps do not bias it. No test:
    whether a change is real is the engine's question (`safer.verdicts`, matched months).

    Returns keys: last_month, latest_first_month, previous_first_month,
    previous_last_month, latest_total, latest_months_with_data, previous_total,
    previous_months_with_data, latest_mean, previous_mean, change_pct.
    """
    df = monthly[["month", "value"]].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["_i"] = [fmt.month_index(m) for m in df["month"].astype(str)]
    df = df.sort_values("_i")
    has = df[df["value"].notna()]
    nan = math.nan
    if has.empty and end is None:
        return {
            "last_month": None,
            "latest_first_month": None,
            "previous_first_month": None,
            "previous_last_month": None,
            "latest_total": nan,
            "latest_months_with_data": 0,
            "previous_total": nan,
            "previous_months_with_data": 0,
            "latest_mean": nan,
            "previous_mean": nan,
            "change_pct": nan,
        }
    last_i = fmt.month_index(end) if end is not None else int(has["_i"].iloc[-1])
    latest = df[(df["_i"] > last_i - months) & (df["_i"] <= last_i)]
    previous = df[(df["_i"] > last_i - 2 * months) & (df["_i"] <= last_i - months)]

    def _label(i: int) -> str:
        return f"{i // 12:04d}-{i % 12 + 1:02d}"

    lt, ln = float(latest["value"].sum(skipna=True)), int(latest["value"].notna().sum())
    pt, pn = float(previous["value"].sum(skipna=True)), int(previous["value"].notna().sum())
    lmean = lt / ln if ln else nan
    pmean = pt / pn if pn else nan
    change = (lmean - pmean) / pmean * 100.0 if (pn and ln and pmean > 0) else nan
    return {
        "last_month": _label(last_i),
        "latest_first_month": _label(last_i - months + 1),
        "previous_first_month": _label(last_i - 2 * months + 1),
        "previous_last_month": _label(last_i - months),
        "latest_total": lt if ln else nan,
        "latest_months_with_data": ln,
        "previous_total": pt if pn else nan,
        "previous_months_with_data": pn,
        "latest_mean": lmean,
        "previous_mean": pmean,
        "change_pct": change,
    }


# --------------------------------------------------------------------------- 9. rates


def rate_per_1000(total, months_with_data, population) -> float:
    """Annualised rate per 1,000 residents.

    ``total / months_with_data * 12 / population * 1000``; NaN when the months
    with data or the population is 0 or missing (or the total is missing).
    """
    if _isnan(total) or _isnan(months_with_data) or _isnan(population):
        return math.nan
    m, p = float(months_with_data), float(population)
    if m <= 0 or p <= 0:
        return math.nan
    return float(total) / m * 12.0 / p * 1000.0


# --------------------------------------------------------------------------- 10. survey percentages

SMALL_BASE = 100
SURVEY_METHOD = (
    "95% confidence intervals: Wilson score interval for a proportion, from the base (respondents "
    "who answered) and the number giving the answer counted. Bases below 100 are flagged: their "
    "intervals are wide, so compare them with care. Two periods' intervals can overlap and the change between "
    "them still be beyond chance: a change is judged by an interval for the difference itself (Newcombe's)."
)
SURVEY_CHANGE_METHOD = (
    "The change between two periods: Newcombe's hybrid score 95% interval for the difference of two independent "
    "proportions (statsmodels' confint_proportions_2indep, method 'newcomb'); beyond chance where that interval "
    "leaves out no change."
)


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the proportion k/n, as proportions (0-1).

    statsmodels' `proportion_confint(method="wilson")`. Returns (nan, nan) when n is missing or 0
    (never a guess).
    """
    from statsmodels.stats.proportion import proportion_confint

    kk, nn = _as_count(k), _as_count(n)
    if kk is None or nn is None or nn <= 0 or kk > nn:
        return (math.nan, math.nan)
    lo, hi = proportion_confint(kk, nn, alpha=1 - confidence, method="wilson")
    return (max(0.0, float(lo)), min(1.0, float(hi)))


def survey_change(k1, n1, k2, n2, confidence: float = 0.95) -> dict | None:
    """The change from the share k1/n1 (the earlier period) to k2/n2 (the later), in percentage points, with
    Newcombe's hybrid score interval for a difference of two independent proportions (statsmodels'
    `confint_proportions_2indep(method="newcomb")`, `SURVEY_CHANGE_METHOD`): `change_pct`, `low_pct`,
    `high_pct` and `beyond_chance` (the interval leaves out 0). Comparing the two periods' own intervals for
    overlap is not a test: they overlap for changes well beyond chance (25% of 983 against 29% of 1,092:
    p = 0.03, the intervals 22.1-27.5 and 26.3-31.7). None when either base is missing or 0, or a count exceeds
    its base (never a guess)."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    k1, n1, k2, n2 = (_as_count(x) for x in (k1, n1, k2, n2))
    if None in (k1, n1, k2, n2) or n1 <= 0 or n2 <= 0 or k1 > n1 or k2 > n2:
        return None
    lo, hi = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=1 - confidence)
    lo, hi = max(-1.0, float(lo)), min(1.0, float(hi))
    return {
        "change_pct": 100.0 * (k2 / n2 - k1 / n1),
        "low_pct": 100.0 * lo,
        "high_pct": 100.0 * hi,
        "beyond_chance": lo > 0 or hi < 0,
    }


def survey_estimates(df: pd.DataFrame, small_base: int = SMALL_BASE) -> pd.DataFrame:
    """Add ``percent``, ``ci_low_pct``, ``ci_high_pct`` (Wilson 95%, 1 d.p.) and ``small_base`` to survey rows.

    ``df`` has ``respondents`` and ``agreeing`` columns; rows without a base get missing values
    (never 0) and ``small_base`` False.
    """
    out = df.copy()
    pct, lo, hi, small = [], [], [], []
    for k, n in zip(out["agreeing"], out["respondents"]):
        kk, nn = _as_count(k), _as_count(n)
        if kk is None or nn is None or nn <= 0:
            pct.append(math.nan), lo.append(math.nan), hi.append(math.nan), small.append(False)
            continue
        a, b = wilson_interval(kk, nn)
        pct.append(round(100.0 * kk / nn, 1))
        lo.append(round(100.0 * a, 1))
        hi.append(round(100.0 * b, 1))
        small.append(nn < small_base)
    out["percent"] = pd.Series(pct, index=out.index, dtype="float64")
    out["ci_low_pct"] = pd.Series(lo, index=out.index, dtype="float64")
    out["ci_high_pct"] = pd.Series(hi, index=out.index, dtype="float64")
    out["small_base"] = pd.Series(small, index=out.index, dtype="bool")
    return out


# --------------------------------------------------------------------------- 10. same months, previous cycle


# --------------------------------------------------------------------------- funnel plots

FUNNEL_LEVELS = (0.95, 0.998)  # z = 1.96 and 3.09
FUNNEL_METHODS = {
    "poisson": (
        "Funnel limits: exact Poisson quantiles around the group rate (scipy.stats.poisson.ppf, "
        "interpolated between whole counts as in Spiegelhalter 2005, 'Funnel plots for comparing "
        "institutional performance'), for 95% and 99.8% of areas with the group's true rate."
    ),
    "normal": (
        "Funnel limits: normal approximation to the Poisson, group rate ± z × √(group rate ÷ person-years), "
        "z = 1.96 (95%) and 3.09 (99.8%) (Spiegelhalter 2005, 'Funnel plots for comparing institutional "
        "performance')."
    ),
    "poisson-lognormal": (
        "Funnel limits: quantiles of a Poisson count whose log rate varies between areas as a normal of variance "
        "τ² about the centre's (the additive random effect; Gauss–Hermite quadrature over it, scipy's Poisson "
        "distribution function), interpolated between whole counts as the Poisson ones are."
    ),
}


# Gauss–Hermite nodes over the random effect: the lower 0.1% points as with 120 nodes to 1e-5, the upper within 2%
# (τ up to 0.4), in 40% of the time
PLN_NODES = 48


def _pln_limit(expected: np.ndarray, tau2: float, q: float) -> np.ndarray:
    """The count at which a Poisson count whose mean is `expected` × e^u, u ~ N(0, τ²), reaches probability `q`,
    interpolated between whole counts (r − a, a = (F(r) − q) ÷ (F(r) − F(r − 1)), as Spiegelhalter's appendix does
    for the Poisson), never below 0. F is Σ wⱼ · Poisson F(r; E·e^(τ·xⱼ)) over probabilists' Gauss–Hermite nodes xⱼ
    (weights ÷ √(2π)); r by bisection over whole counts, every expected count at once."""
    x, w = np.polynomial.hermite_e.hermegauss(PLN_NODES)
    w = w / w.sum()
    mu = expected[:, None] * np.exp(math.sqrt(tau2) * x)[None, :]

    def cdf(r: np.ndarray) -> np.ndarray:
        return (_sp.pdtr(np.maximum(r, 0)[:, None], mu) * w).sum(axis=1) * (r >= 0)

    lo = np.full(expected.shape, -1.0)  # F(lo) < q ≤ F(hi)
    hi = np.ceil(expected * math.exp(8 * math.sqrt(tau2)) + 10 * np.sqrt(expected) + 10)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        below = cdf(mid) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    f_r, f_r1 = cdf(hi), cdf(hi - 1)
    a = np.where(f_r > f_r1, (f_r - q) / np.where(f_r > f_r1, f_r - f_r1, 1.0), 0.0)
    return np.maximum(hi - a, 0.0)


def funnel_limits(
    p0: float, exposure, coverage: float = 0.95, method: str = "poisson", tau2: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel limits for a rate (events per unit of exposure) around the group rate `p0`.

    `exposure` is the denominator (for a rate per resident per year: person-years). `method`:
    - "normal": p0 ± z·sqrt(p0 / exposure), z the two-sided normal quantile for `coverage`;
    - "poisson": exact Poisson quantiles of the expected count p0·exposure, interpolated between whole
      counts (Spiegelhalter 2005, appendix): with r = poisson.ppf(q, E) and
      a = (F(r) − q) / (F(r) − F(r − 1)), the limit is (r − a) / exposure;
    - "poisson-lognormal": the same for a count whose log rate varies between areas as a normal of mean log p0
      and variance `tau2` (the additive random effect a funnel allows for between areas), its distribution
      function by Gauss–Hermite quadrature over the random effect (`PLN_NODES` nodes).
    A lower limit never goes below 0.
    """
    if method not in FUNNEL_METHODS:
        raise ValueError(f"unknown funnel method {method!r}")
    n = np.atleast_1d(np.asarray(exposure, dtype=float))
    q_lo, q_hi = (1 - coverage) / 2, 1 - (1 - coverage) / 2
    if method == "normal":
        z = _st.norm.ppf(q_hi)
        half = z * np.sqrt(p0 / n)
        return np.maximum(p0 - half, 0.0), p0 + half
    expected = p0 * n
    if method == "poisson-lognormal" and tau2 > 0:
        return _pln_limit(expected, tau2, q_lo) / n, _pln_limit(expected, tau2, q_hi) / n
    dist = _st.poisson(expected)

    def limit(q):
        r = dist.ppf(q)
        f_r = dist.cdf(r)
        f_r1 = dist.cdf(r - 1)
        a = np.where(f_r > f_r1, (f_r - q) / np.where(f_r > f_r1, f_r - f_r1, 1.0), 0.0)
        return np.maximum(r - a, 0.0) / n

    return limit(q_lo), limit(q_hi)
