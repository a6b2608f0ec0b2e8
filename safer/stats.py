"""Statistics for the dashboard: honest, named, and gap-aware.

Every function here is pure: it takes pandas objects or plain values and returns
pandas objects, dataclasses or plain values. No Streamlit, no DuckDB, no file I/O.

The one rule that runs through the module: a month with no data is missing, never
zero. Missing months are left out of totals, means and tests (each mean is divided
by the number of months that *have* data), and anything computed over a window
that contains a missing month is itself missing.

Methods, so that analysts can cite them:

* Control limits: exact Poisson (c-chart) limits at 99.73% coverage, the exact
  equivalent of "mean ± 3 sigma", recalculated for each plan cycle.
* Two rates compared: the E-test of Krishnamoorthy & Thomson (2004)
  (``scipy.stats.poisson_means_test``); 95% CI of the rate ratio from the
  conditional binomial (Clopper-Pearson exact) interval.
* Over-dispersion: monthly counts usually vary more than a Poisson process
  would. A quasi-Poisson dispersion factor (Pearson chi-square / degrees of
  freedom) is estimated from the monthly counts, and when it exceeds 1 the
  verdict uses a Wald test on the log rate ratio with its variance multiplied by
  that factor. This keeps "beyond chance" from being claimed too easily.
* 95% CI of a monthly mean: the exact (Garwood, chi-square based) Poisson
  interval for the total, divided by the months with data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

ALPHA = 0.05
MIN_MONTHS_FOR_LIMITS = 6

# Okabe-Ito colours used for verdicts (the word and symbol carry the meaning too).
COLOUR_BETTER = "#009E73"  # bluish green
COLOUR_WORSE = "#D55E00"  # vermillion
COLOUR_NEUTRAL = "#595959"  # dark grey

__all__ = [
    "RateComparison",
    "rolling_mean",
    "poisson_limits",
    "laney_sigma_z",
    "LIMITS_METHODS",
    "control_limits",
    "compare_rates",
    "dispersion",
    "garwood_interval",
    "compare_cycles",
    "change_between",
    "verdict",
    "rate_per_1000",
    "same_months_previous_cycle",
    "wilson_interval",
    "survey_estimates",
    "SMALL_BASE",
    "SURVEY_METHOD",
]


# --------------------------------------------------------------------------- helpers


def _isnan(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _finite_or_nan(x) -> float:
    """float(x), with inf / None / NA turned into NaN (keeps output JSON-friendly)."""
    if _isnan(x):
        return math.nan
    x = float(x)
    return x if math.isfinite(x) else math.nan


def _as_count(x) -> int | None:
    """A non-negative count as int, or None when it is missing or negative."""
    if _isnan(x):
        return None
    x = float(x)
    if not math.isfinite(x) or x < 0:
        return None
    return int(round(x))


def _month_index(month: str) -> int:
    y, m = str(month).split("-")[:2]
    return int(y) * 12 + int(m) - 1


# --------------------------------------------------------------------------- 1. rolling mean


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


# --------------------------------------------------------------------------- 2. Poisson limits


def poisson_limits(mean: float, coverage: float = 0.9973) -> tuple[float, float]:
    """Exact Poisson control limits for a monthly count with the given mean.

    ``lower = poisson.ppf((1 - coverage) / 2, mean)`` and
    ``upper = poisson.ppf(1 - (1 - coverage) / 2, mean)``. With the default coverage
    of 99.73% this is the exact c-chart equivalent of mean ± 3 sigma. A month is a
    signal when its count is strictly above ``upper`` or strictly below ``lower``.
    Returns (NaN, NaN) when the mean is missing or negative, (0, 0) when it is 0.
    """
    if _isnan(mean) or not math.isfinite(float(mean)) or float(mean) < 0:
        return (math.nan, math.nan)
    mean = float(mean)
    if mean == 0:
        return (0.0, 0.0)
    tail = (1.0 - coverage) / 2.0
    lower = float(_st.poisson.ppf(tail, mean))
    upper = float(_st.poisson.ppf(1.0 - tail, mean))
    return (lower, upper)


# --------------------------------------------------------------------------- 3. control limits


def _phase_labels(months: pd.Series, cycles: pd.DataFrame) -> list[str]:
    """Phase of each month: its cycle_id, or 'before X' / 'between X and Y' / 'after Y'."""
    cyc = []
    if cycles is not None and len(cycles):
        for row in cycles.itertuples(index=False):
            cyc.append((_month_index(row.start_month), _month_index(row.end_month), str(row.cycle_id)))
    cyc.sort()
    out: list[str] = []
    for m in months:
        i = _month_index(m)
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


LIMITS_METHODS = {
    "laney": "Laney c'-chart: 3-sigma limits around each plan cycle's monthly mean, with the Poisson sigma "
    "widened by the month-to-month variation actually seen (Laney 2002), so that ordinary "
    "over-dispersion and seasonality are not flagged as signals",
    "poisson": "c-chart: exact Poisson 99.73% limits around each plan cycle's monthly mean",
}


def laney_sigma_z(values: pd.Series, centre: float) -> float:
    """Laney's sigma_z: mean moving range of the standardised counts / 1.128, at least 1.

    ``values`` are consecutive calendar months (NaN for a month without data); a moving
    range is only taken between two adjacent months that both have data, so a gap is never
    bridged. Returns 1.0 (plain Poisson) when fewer than two moving ranges exist. The floor
    at 1 means the limits are never narrower than Poisson's.
    """
    if _isnan(centre) or centre <= 0:
        return 1.0
    z = (pd.to_numeric(values, errors="coerce").astype("float64") - centre) / math.sqrt(centre)
    mr = z.diff().abs().dropna()
    if len(mr) < 2:
        return 1.0
    return max(1.0, float(mr.mean()) / 1.128)


def control_limits(monthly: pd.DataFrame, cycles: pd.DataFrame, method: str = "laney") -> pd.DataFrame:
    """Control limits for monthly counts, recalculated for each phase.

    ``method='laney'`` (the default) gives Laney's c'-chart: centre ± 3·sigma_z·sqrt(centre),
    where sigma_z (:func:`laney_sigma_z`) measures how much more the months vary than a
    Poisson process would. ``method='poisson'`` gives the exact Poisson c-chart
    (:func:`poisson_limits`). Real monthly counts of crime and ASB are over-dispersed, so
    plain Poisson limits flag most months; Laney's adjustment keeps the flags for months
    that are unusual against the series' own variation.

    Returns a copy of ``monthly`` (columns ``month``, ``value``) with added columns:

    * ``phase``: the ``cycle_id`` for months inside a plan cycle, otherwise a label
      such as ``'before 2018-21'``, ``'between 2018-21 and 2022-25'`` or
      ``'after 2022-25'``.
    * ``centre``: mean of the phase's months that have data (missing months are
      left out, never counted as zero).
    * ``lower``, ``upper``: the limits (lower never below 0); ``sigma_z`` the Laney factor
      (1 for ``method='poisson'``).
    * ``signal``: ``'above'`` when the month's count is above ``upper``,
      ``'below'`` when below ``lower``, otherwise ``''`` (always ``''`` for months
      with no data).

    The limits are recomputed for every phase: each plan cycle is a known point
    of change (new priorities, new interventions), and standard statistical
    process control practice is to recalculate the centre line and limits at
    such a change rather than judge a new period against the old one's mean.

    A phase with fewer than 6 months of data gets NaN limits and no signals:
    there are too few points to estimate its mean.
    """
    out = monthly.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["phase"] = _phase_labels(out["month"].astype(str), cycles)
    centre = pd.Series(math.nan, index=out.index, dtype="float64")
    lower = centre.copy()
    upper = centre.copy()
    sigma_z = pd.Series(1.0, index=out.index, dtype="float64")
    for _, idx in out.groupby("phase", sort=False).groups.items():
        vals = out.loc[idx, "value"]
        n = int(vals.notna().sum())
        if n == 0:
            continue
        c = float(vals.mean())
        centre.loc[idx] = c
        if n >= MIN_MONTHS_FOR_LIMITS:
            if method == "poisson":
                lo, hi = poisson_limits(c)
            elif method == "laney":
                sz = laney_sigma_z(vals, c)
                sigma_z.loc[idx] = sz
                lo, hi = max(0.0, c - 3 * sz * math.sqrt(c)), c + 3 * sz * math.sqrt(c)
            else:
                raise ValueError(f"unknown control-limit method {method!r}")
            lower.loc[idx] = lo
            upper.loc[idx] = hi
    out["centre"] = centre
    out["sigma_z"] = sigma_z
    out["lower"] = lower
    out["upper"] = upper
    sig = np.where(out["value"] > out["upper"], "above", np.where(out["value"] < out["lower"], "below", ""))
    out["signal"] = pd.Series(sig, index=out.index).astype(object)
    out.loc[out["value"].isna() | out["upper"].isna(), "signal"] = ""
    return out


# --------------------------------------------------------------------------- 4. two rates


@dataclass(frozen=True)
class RateComparison:
    """Two Poisson rates compared (1 = earlier period, 2 = later period).

    Rates are per month. ``ci_low``/``ci_high`` are the exact 95% interval of the
    rate ratio (conditional binomial, Clopper-Pearson); ``ci_low_adjusted`` /
    ``ci_high_adjusted`` are the Wald interval widened for over-dispersion (equal
    to the exact interval when ``dispersion <= 1``) and agree with
    ``p_adjusted``. ``beyond_chance`` is ``p_adjusted < 0.05``.
    """

    k1: float
    n1: float
    k2: float
    n2: float
    rate1: float
    rate2: float
    change_pct: float
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    dispersion: float
    p_adjusted: float
    ci_low_adjusted: float
    ci_high_adjusted: float
    beyond_chance: bool
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


def _method_text(dispersion_: float) -> str:
    base = (
        "Rates compared with the E-test for two Poisson rates (Krishnamoorthy & Thomson, 2004); "
        "95% interval of the rate ratio is exact (conditional binomial, Clopper-Pearson)."
    )
    if _isnan(dispersion_) or dispersion_ <= 1.0:
        return (
            base
            + " Monthly counts showed no extra variation beyond Poisson (dispersion 1.0), so no adjustment was needed."
        )
    return base + (
        f" Monthly counts vary {dispersion_:.1f} times more than a Poisson process would (quasi-Poisson dispersion), "
        "so the verdict uses a Wald test on the log rate ratio with its variance multiplied by "
        f"{dispersion_:.1f} (never less cautious than the E-test). 'Beyond chance' means adjusted p < 0.05."
    )


def compare_rates(k1: int, n1: float, k2: int, n2: float, dispersion: float = 1.0) -> RateComparison:
    """Compare two Poisson rates: counts ``k1`` over ``n1`` months (earlier) and
    ``k2`` over ``n2`` months (later).

    * ``rate1 = k1/n1``, ``rate2 = k2/n2`` (per month);
      ``change_pct = (rate2 - rate1) / rate1 * 100`` (NaN if ``rate1 == 0``);
      ``rate_ratio = rate2 / rate1``.
    * ``ci_low``, ``ci_high``: exact 95% CI of the rate ratio. Conditional on
      ``k1 + k2``, ``k2`` is binomial with ``p = r*n2 / (n1 + r*n2)``; the
      Clopper-Pearson interval (pL, pU) for p gives
      ``RR = p/(1-p) * n1/n2`` at each end.
    * ``p_value``: two-sided E-test (``scipy.stats.poisson_means_test``).
    * ``p_adjusted``: when ``dispersion > 1``, a Wald test on
      ``log(rate_ratio)`` with variance ``dispersion * (1/k1 + 1/k2)``, taken as
      no smaller than ``p_value``; otherwise equal to ``p_value``.
    * ``beyond_chance``: ``p_adjusted < 0.05``.

    Never raises. Missing or zero exposures give NaN results; a zero count gives
    NaN where a ratio or log is undefined; ``beyond_chance`` is then False.
    """
    disp = 1.0 if _isnan(dispersion) else max(float(dispersion), 0.0)
    c1, c2 = _as_count(k1), _as_count(k2)
    e1 = math.nan if _isnan(n1) else float(n1)
    e2 = math.nan if _isnan(n2) else float(n2)
    nan = math.nan
    method = _method_text(disp)

    def empty(rate1=nan, rate2=nan):
        return RateComparison(
            k1=_finite_or_nan(k1),
            n1=_finite_or_nan(n1),
            k2=_finite_or_nan(k2),
            n2=_finite_or_nan(n2),
            rate1=rate1,
            rate2=rate2,
            change_pct=nan,
            rate_ratio=nan,
            ci_low=nan,
            ci_high=nan,
            p_value=nan,
            dispersion=disp,
            p_adjusted=nan,
            ci_low_adjusted=nan,
            ci_high_adjusted=nan,
            beyond_chance=False,
            method=method,
        )

    if c1 is None or c2 is None or not (e1 > 0) or not (e2 > 0) or not math.isfinite(e1) or not math.isfinite(e2):
        return empty()
    rate1, rate2 = c1 / e1, c2 / e2
    if c1 + c2 == 0:
        return empty(rate1, rate2)

    change_pct = (rate2 - rate1) / rate1 * 100.0 if rate1 > 0 else nan
    rate_ratio = rate2 / rate1 if rate1 > 0 else nan

    # Exact CI of the rate ratio via the conditional binomial.
    try:
        ci = _st.binomtest(c2, c1 + c2, 0.5).proportion_ci(confidence_level=0.95, method="exact")
        p_lo, p_hi = float(ci.low), float(ci.high)

        def to_rr(p: float) -> float:
            if p >= 1.0:
                return nan  # unbounded above
            return p / (1.0 - p) * e1 / e2

        ci_low, ci_high = _finite_or_nan(to_rr(p_lo)), _finite_or_nan(to_rr(p_hi))
    except Exception:  # pragma: no cover - defensive: never raise
        ci_low = ci_high = nan

    try:
        p_value = _finite_or_nan(_st.poisson_means_test(c1, e1, c2, e2).pvalue)
        if not math.isnan(p_value):
            p_value = min(max(p_value, 0.0), 1.0)
    except Exception:  # pragma: no cover - defensive
        p_value = nan

    if disp <= 1.0:
        p_adjusted = p_value
        ci_low_adj, ci_high_adj = ci_low, ci_high
    elif c1 > 0 and c2 > 0:
        se = math.sqrt(disp * (1.0 / c1 + 1.0 / c2))
        z = math.log(rate_ratio) / se
        p_wald = float(2.0 * _st.norm.sf(abs(z)))
        p_adjusted = p_wald if math.isnan(p_value) else max(p_wald, p_value)
        zc = float(_st.norm.ppf(0.975))
        ci_low_adj = math.exp(math.log(rate_ratio) - zc * se)
        ci_high_adj = math.exp(math.log(rate_ratio) + zc * se)
    else:
        # log rate ratio undefined with a zero count: no adjusted test possible.
        p_adjusted = nan
        ci_low_adj = ci_high_adj = nan

    beyond = bool(not math.isnan(p_adjusted) and p_adjusted < ALPHA)
    return RateComparison(
        k1=float(c1),
        n1=e1,
        k2=float(c2),
        n2=e2,
        rate1=rate1,
        rate2=rate2,
        change_pct=change_pct,
        rate_ratio=rate_ratio,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        dispersion=disp,
        p_adjusted=p_adjusted,
        ci_low_adjusted=_finite_or_nan(ci_low_adj),
        ci_high_adjusted=_finite_or_nan(ci_high_adj),
        beyond_chance=beyond,
        method=method,
    )


# --------------------------------------------------------------------------- 5. dispersion


def dispersion(values: pd.Series, groups: pd.Series) -> float:
    """Quasi-Poisson dispersion factor of monthly counts.

    Pearson chi-square of each month's count around its group's mean
    (``sum((x - mean_g)**2 / mean_g)``), divided by the degrees of freedom
    (months with data minus groups with data). Months with no data are left out.
    Groups whose mean is 0 add nothing (all their counts are 0).

    Returns ``max(1.0, that)``: under-dispersion is not used to make tests *less*
    cautious. Returns 1.0 when it cannot be computed (no degrees of freedom).
    """
    v = pd.to_numeric(pd.Series(values).reset_index(drop=True), errors="coerce").astype("float64")
    g = pd.Series(groups).reset_index(drop=True)
    if len(v) != len(g):
        return 1.0
    df = pd.DataFrame({"v": v, "g": g}).dropna(subset=["v"])
    df = df[df["g"].notna()]
    if df.empty:
        return 1.0
    means = df.groupby("g", sort=False)["v"].transform("mean")
    ok = means > 0
    chi2 = float((((df["v"] - means) ** 2)[ok] / means[ok]).sum())
    dof = len(df) - df["g"].nunique()
    if dof <= 0 or not math.isfinite(chi2):
        return 1.0
    return max(1.0, chi2 / dof)


# --------------------------------------------------------------------------- 6. cycles


def garwood_interval(total: float, months: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) Poisson interval for a total, divided by ``months``.

    ``lower = chi2.ppf(a/2, 2k) / 2``, ``upper = chi2.ppf(1 - a/2, 2k + 2) / 2``
    (lower is 0 when k = 0). Returns (NaN, NaN) when months is 0 or missing.
    """
    k = _as_count(total)
    if k is None or _isnan(months) or float(months) <= 0:
        return (math.nan, math.nan)
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(_st.chi2.ppf(a / 2, 2 * k)) / 2.0
    hi = float(_st.chi2.ppf(1 - a / 2, 2 * k + 2)) / 2.0
    return (lo / float(months), hi / float(months))


def _garwood_adjusted(total: float, months: float, disp: float, confidence: float = 0.95) -> tuple[float, float]:
    """Garwood interval widened for over-dispersion (effective count k/phi, scaled back)."""
    k = _as_count(total)
    if k is None or _isnan(months) or float(months) <= 0:
        return (math.nan, math.nan)
    if disp <= 1.0:
        return garwood_interval(total, months, confidence)
    a = 1.0 - confidence
    keff = k / disp
    lo = 0.0 if k == 0 else float(_st.chi2.ppf(a / 2, 2 * keff)) / 2.0 * disp
    hi = float(_st.chi2.ppf(1 - a / 2, 2 * keff + 2)) / 2.0 * disp
    return (lo / float(months), hi / float(months))


def compare_cycles(cycle_summary: pd.DataFrame, cycle_months: pd.DataFrame) -> pd.DataFrame:
    """Each plan cycle's monthly mean with its 95% CI, tested against the previous cycle.

    ``cycle_summary`` rows must be in chronological order (as the query layer
    returns them); "previous" is the row before. Adds columns:

    * ``ci_low``, ``ci_high``: exact 95% Poisson (Garwood) CI of the monthly mean
      (total / months_with_data).
    * ``dispersion``: quasi-Poisson dispersion of ``cycle_months`` values around
      each cycle's mean (one value for all rows).
    * ``ci_low_adjusted``, ``ci_high_adjusted``: the CI widened for that
      dispersion (equal to ``ci_low``/``ci_high`` when dispersion is 1).
    * ``rate_ratio``, ``p_value``, ``p_adjusted``, ``beyond_chance`` against the
      previous cycle (:func:`compare_rates`); NaN / False for the first cycle or
      when either cycle has no data.
    * ``method``: plain-English description of the test.
    """
    out = cycle_summary.copy().reset_index(drop=True)
    if cycle_months is not None and len(cycle_months):
        disp = dispersion(cycle_months["value"], cycle_months["cycle_id"])
    else:
        disp = 1.0
    n = len(out)
    cols = {
        c: [math.nan] * n
        for c in ("ci_low", "ci_high", "ci_low_adjusted", "ci_high_adjusted", "rate_ratio", "p_value", "p_adjusted")
    }
    beyond = [False] * n
    for i, row in out.iterrows():
        lo, hi = garwood_interval(row["total"], row["months_with_data"])
        alo, ahi = _garwood_adjusted(row["total"], row["months_with_data"], disp)
        cols["ci_low"][i], cols["ci_high"][i] = lo, hi
        cols["ci_low_adjusted"][i], cols["ci_high_adjusted"][i] = alo, ahi
        if i == 0:
            continue
        prev = out.iloc[i - 1]
        if not (prev["months_with_data"] > 0) or not (row["months_with_data"] > 0):
            continue
        rc = compare_rates(prev["total"], prev["months_with_data"], row["total"], row["months_with_data"], disp)
        cols["rate_ratio"][i] = rc.rate_ratio
        cols["p_value"][i] = rc.p_value
        cols["p_adjusted"][i] = rc.p_adjusted
        beyond[i] = rc.beyond_chance
    for c, v in cols.items():
        out[c] = pd.Series(v, dtype="float64")
    out["dispersion"] = float(disp)
    out["beyond_chance"] = pd.Series(beyond, dtype=bool)
    out["method"] = (
        _method_text(disp)
        + " Each cycle is compared with the one before it; missing months are left out, not counted as zero."
    )
    return out


# --------------------------------------------------------------------------- 7. latest change


def change_between(monthly: pd.DataFrame, months: int = 12) -> dict:
    """The latest ``months`` months against the ``months`` before them.

    The latest window is the ``months`` calendar months ending at the last month
    with data; the previous window is the ``months`` calendar months before it.
    Missing months are left out of both totals, and ``change_pct`` compares the
    *monthly means* (total / months with data) so that gaps do not bias it.
    The test is :func:`compare_rates` with the dispersion of the monthly counts
    around each window's own mean.

    Returns keys: last_month, latest_first_month, previous_first_month,
    previous_last_month, latest_total, latest_months_with_data, previous_total,
    previous_months_with_data, latest_mean, previous_mean, change_pct,
    dispersion, comparison (a :class:`RateComparison`).
    """
    df = monthly[["month", "value"]].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["_i"] = [_month_index(m) for m in df["month"].astype(str)]
    df = df.sort_values("_i")
    has = df[df["value"].notna()]
    nan = math.nan
    if has.empty:
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
            "dispersion": 1.0,
            "comparison": compare_rates(0, 0, 0, 0),
        }
    last_i = int(has["_i"].iloc[-1])
    latest = df[(df["_i"] > last_i - months) & (df["_i"] <= last_i)]
    previous = df[(df["_i"] > last_i - 2 * months) & (df["_i"] <= last_i - months)]

    def _label(i: int) -> str:
        return f"{i // 12:04d}-{i % 12 + 1:02d}"

    lt, ln = float(latest["value"].sum(skipna=True)), int(latest["value"].notna().sum())
    pt, pn = float(previous["value"].sum(skipna=True)), int(previous["value"].notna().sum())
    lmean = lt / ln if ln else nan
    pmean = pt / pn if pn else nan
    change = (lmean - pmean) / pmean * 100.0 if (pn and ln and pmean > 0) else nan
    both = pd.concat([latest.assign(_g="latest"), previous.assign(_g="previous")])
    disp = dispersion(both["value"], both["_g"])
    comp = compare_rates(pt if pn else 0, pn, lt if ln else 0, ln, disp)
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
        "dispersion": disp,
        "comparison": comp,
    }


# --------------------------------------------------------------------------- 8. verdict


def verdict(change_pct: float, good_direction: str, beyond_chance: bool) -> dict:
    """A plain verdict on a change, for a cabinet member.

    Returns ``{'word', 'symbol', 'colour'}``:

    * not beyond chance (or no change / no data): ``'no clear change'``, ``'●'``, grey;
    * ``good_direction`` 'down' or 'up': ``'better'`` (bluish green ``#009E73``)
      or ``'worse'`` (vermillion ``#D55E00``), with ``'▲'`` for a rise and
      ``'▼'`` for a fall;
    * ``good_direction`` 'neither': ``'up'`` / ``'down'`` with the neutral grey.

    The word and the symbol carry the meaning, never the colour alone.
    """
    if not beyond_chance or _isnan(change_pct) or float(change_pct) == 0:
        return {"word": "no clear change", "symbol": "●", "colour": COLOUR_NEUTRAL}
    rise = float(change_pct) > 0
    symbol = "▲" if rise else "▼"
    gd = (good_direction or "neither").strip().lower()
    if gd == "down":
        good = not rise
    elif gd == "up":
        good = rise
    else:
        return {"word": "up" if rise else "down", "symbol": symbol, "colour": COLOUR_NEUTRAL}
    if good:
        return {"word": "better", "symbol": symbol, "colour": COLOUR_BETTER}
    return {"word": "worse", "symbol": symbol, "colour": COLOUR_WORSE}


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
    "intervals are wide, so compare them with care."
)


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the proportion k/n, as proportions (0-1).

    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), with z the two-sided normal quantile.
    Returns (nan, nan) when n is missing or 0 (never a guess).
    """
    kk, nn = _as_count(k), _as_count(n)
    if kk is None or nn is None or nn <= 0 or kk > nn:
        return (math.nan, math.nan)
    z = float(_st.norm.ppf(1 - (1 - confidence) / 2))
    p = kk / nn
    denom = 1 + z * z / nn
    centre = (p + z * z / (2 * nn)) / denom
    half = z * math.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


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


def _window(monthly: pd.DataFrame, first_i: int, last_i: int) -> tuple[float, int]:
    idx = [_month_index(m) for m in monthly["month"].astype(str)]
    vals = pd.to_numeric(monthly["value"], errors="coerce").astype("float64")
    sel = vals[[first_i <= i <= last_i for i in idx]]
    return float(sel.sum(skipna=True)), int(sel.notna().sum())


def same_months_previous_cycle(monthly: pd.DataFrame, cycles: pd.DataFrame, months: int = 12) -> dict | None:
    """The latest ``months`` months against the same months of the previous plan cycle.

    The latest window ends at the last month with data; the cycle containing that month is
    "this cycle", and the window is shifted back by the months between the starts of this
    cycle and the one before it (36 for back-to-back three-year cycles), so that month 7 of a
    cycle is compared with month 7 of the previous one. Returns None when the last month is in
    no cycle or there is no previous cycle. Same keys as :func:`change_between` where they apply,
    plus ``cycle_id``, ``previous_cycle_id`` and the compared months.
    """
    df = monthly[["month", "value"]].copy()
    has = df[pd.to_numeric(df["value"], errors="coerce").notna()]
    if has.empty or cycles is None or cycles.empty:
        return None
    last_i = max(_month_index(m) for m in has["month"].astype(str))
    cyc = sorted((_month_index(r.start_month), _month_index(r.end_month), str(r.cycle_id)) for r in cycles.itertuples())
    pos = next((k for k, (s, e, _) in enumerate(cyc) if s <= last_i <= e), None)
    if pos is None or pos == 0:
        return None
    shift = cyc[pos][0] - cyc[pos - 1][0]
    first_i = last_i - months + 1
    lt, ln = _window(df, first_i, last_i)
    pt, pn = _window(df, first_i - shift, last_i - shift)
    lab = lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}"  # noqa: E731
    lmean = lt / ln if ln else math.nan
    pmean = pt / pn if pn else math.nan
    both = pd.DataFrame({"value": pd.to_numeric(df["value"], errors="coerce")})
    both["_g"] = [
        "latest"
        if first_i <= _month_index(m) <= last_i
        else ("previous" if first_i - shift <= _month_index(m) <= last_i - shift else None)
        for m in df["month"].astype(str)
    ]
    both = both[both["_g"].notna()]
    disp = dispersion(both["value"], both["_g"])
    return {
        "cycle_id": cyc[pos][2],
        "previous_cycle_id": cyc[pos - 1][2],
        "latest_first_month": lab(first_i),
        "last_month": lab(last_i),
        "previous_first_month": lab(first_i - shift),
        "previous_last_month": lab(last_i - shift),
        "latest_total": lt if ln else math.nan,
        "latest_months_with_data": ln,
        "previous_total": pt if pn else math.nan,
        "previous_months_with_data": pn,
        "latest_mean": lmean,
        "previous_mean": pmean,
        "change_pct": (lmean - pmean) / pmean * 100 if (ln and pn and pmean > 0) else math.nan,
        "dispersion": disp,
        "comparison": compare_rates(pt if pn else 0, pn, lt if ln else 0, ln, disp),
    }


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
}


def funnel_limits(
    p0: float, exposure, coverage: float = 0.95, method: str = "poisson"
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel limits for a rate (events per unit of exposure) around the group rate `p0`.

    `exposure` is the denominator (for a rate per resident per year: person-years). `method`:
    - "normal": p0 ± z·sqrt(p0 / exposure), z the two-sided normal quantile for `coverage`;
    - "poisson": exact Poisson quantiles of the expected count p0·exposure, interpolated between whole
      counts (Spiegelhalter 2005, appendix): with r = poisson.ppf(q, E) and
      a = (F(r) − q) / (F(r) − F(r − 1)), the limit is (r − a) / exposure.
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

    def limit(q):
        r = _st.poisson.ppf(q, expected)
        f_r = _st.poisson.cdf(r, expected)
        f_r1 = _st.poisson.cdf(r - 1, expected)
        a = np.where(f_r > f_r1, (f_r - q) / np.where(f_r > f_r1, f_r - f_r1, 1.0), 0.0)
        return np.maximum(r - a, 0.0) / n

    return limit(q_lo), limit(q_hi)


def funnel(rates: pd.DataFrame, method: str = "poisson", per: float = 1000.0, points: int = 200) -> dict:
    """A funnel plot's numbers from one row per area with `total` and `person_years`.

    Returns {"group_rate": the pooled rate per `per` (all totals ÷ all person-years × per),
    "curve": DataFrame of exposure and the limits per `per` (lo_95, hi_95, lo_998, hi_998) over the range
    of exposures, "areas": the input with `rate` (per `per`) and `position` (where it falls: 'above 99.8%',
    'above 95%', 'within 95%', 'below 95%', 'below 99.8%'), "method": the text naming the method}.
    """
    df = rates.dropna(subset=["total", "person_years"]).copy()
    df = df[df.person_years > 0]
    if df.empty:
        return {"group_rate": float("nan"), "curve": pd.DataFrame(), "areas": df, "method": FUNNEL_METHODS[method]}
    k, n = df.total.astype(float), df.person_years.astype(float)
    p0 = float(k.sum() / n.sum())
    lo_n, hi_n = float(n.min()) * 0.5, float(n.max()) * 1.25
    grid = np.unique(np.concatenate([np.geomspace(lo_n, hi_n, points), n.to_numpy()]))
    curve = pd.DataFrame({"exposure": grid})
    for level, tag in zip(FUNNEL_LEVELS, ("95", "998")):
        lo, hi = funnel_limits(p0, grid, level, method)
        curve[f"lo_{tag}"], curve[f"hi_{tag}"] = lo * per, hi * per
    df["rate"] = k / n * per
    positions = []
    for ki, ni in zip(k, n):
        r = ki / ni
        lo95, hi95 = (x[0] for x in funnel_limits(p0, ni, 0.95, method))
        lo998, hi998 = (x[0] for x in funnel_limits(p0, ni, 0.998, method))
        positions.append(
            "above 99.8%"
            if r > hi998
            else "above 95%"
            if r > hi95
            else "below 99.8%"
            if r < lo998
            else "below 95%"
            if r < lo95
            else "within 95%"
        )
    df["position"] = positions
    return {"group_rate": p0 * per, "curve": curve, "areas": df, "method": FUNNEL_METHODS[method]}
