"""The comparison engine: every verdict on every screen, slide, pack paragraph and `explain` line.

One module answers "did this indicator move, and is the change real?" so that the Overview cards,
Plan cycles, Trends limits, the Compare funnel, Priorities statuses, briefing sentences, the SIA pack
and `python -m safer explain` can never disagree. Functions take plain data (pandas frames of true,
unsuppressed monthly counts) and return plain data: no Streamlit, no store.

Inputs
------
``monthly``: one row per calendar month, columns ``month`` (``YYYY-MM`` text) and ``value`` (the true
count; NaN/None/NA for a month with no data, never 0), the indicator's whole history in one area.

``cycles``: the ``plan_cycles`` query (``cycle_id``, ``title``, ``start_month``, ``end_month``).

The public API (names, arguments and the fields of the returned objects) is what the views rely on.
"""

from __future__ import annotations

import bisect
import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import scipy.stats as _st
import statsmodels.api as sm
from scipy.optimize import brentq as _brentq
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from . import fmt, stats

PER_RESIDENT = ("resident", "residents")  # who a rate is per, one and many: ("child", "children") for children
ALPHA = 0.05  # two-sided significance level of one verdict, and the false discovery rate of a family
MIN_MONTHS = 9  # a 12-month window with fewer months with data gets "not enough data"
# a test judged against this many earlier year-on-year changes or fewer, or on fewer degrees of freedom than
# `FEW_DF` (Student's t: 95% at ±4.3 on 2, ±12.7 on 1), knows the usual ups and downs too poorly to call a change
# it does not find beyond chance "within" them: it is "too early to tell" (`Comparison.short_history`). On the
# changes' count, not the degrees of freedom alone: the correlation between months, added to one or two changes'
# variance, gave 3.6 degrees of freedom and "within the usual ups and downs" for a 21% fall (an outside review)
FEW_CHANGES = 2
FEW_DF = 3.0

VERDICTS = ("better", "worse", "no clear change", "not enough data")
NEUTRAL_VERDICTS = ("up", "down", "no clear change", "not enough data")  # good_direction = neither

COMPARE_KINDS = ("latest12", "cycle")

FAMILY_NOTE = (
    "Several verdicts are shown together, so each p-value is adjusted for the false discovery rate "
    "(Benjamini–Hochberg, 5%) among the plan's indicators asked the same question: the latest 12 months' verdicts "
    "together, and the plan cycles' together. Each question is its own family, so a verdict reads the same on every "
    "page that asks it."
)


@dataclass(frozen=True)
class Comparison:
    """One verdict: two periods of one indicator in one area, compared on the months named."""

    indicator_id: str
    area_code: str
    compare: str  # "latest12" | "cycle"
    good_direction: str  # "down" | "up" | "neither"
    current_period: str  # "2025-10 to 2026-09"
    previous_period: str
    basis: (
        str  # in words: "the latest 12 months against the same months a year before", "first 18 months of each cycle"
    )
    current_months: tuple[str, ...]  # the months compared that have data, YYYY-MM
    previous_months: tuple[str, ...]
    current_months_with_data: int
    previous_months_with_data: int
    current_mean: float | None  # plain monthly means of the months compared (None when no months)
    previous_mean: float | None
    change_pct: float | None  # (current_mean - previous_mean) / previous_mean * 100
    rate_ratio: float | None  # the model's estimate of current ÷ previous (seasonally adjusted where modelled)
    ci_low: float | None  # 95% interval of the rate ratio
    ci_high: float | None
    p_value: float | None  # before any adjustment for many tests
    dispersion: float | None  # the over-dispersion the model allowed for (1 = Poisson)
    verdict: str  # one of VERDICTS (NEUTRAL_VERDICTS for good_direction "neither")
    method: str  # one sentence naming the model and the test
    note: str = ""  # why "not enough data", or what a reader must know (months not yet happened, ...)
    months_not_yet: int = 0  # months of the current period that have not happened yet (cycle comparisons)
    model: str = ""  # `method` without the figures it gave (the model and the months compared)
    family_p_value: float | None = None  # Benjamini–Hochberg adjusted, when shown among many
    family_verdict: str | None = None
    family_size: int | None = None
    # months with data in both periods left out as far out of line with the others, as (current, previous) pairs
    left_out: tuple[tuple[str, str], ...] = ()
    # the change per resident, % (the test's own direction), when the residents of the two periods were allowed
    # for (`_per_resident`); None when the test compared counts
    per_resident_change_pct: float | None = None
    per: str = "resident"  # who the rate is per: "resident", or the indicator's population group ("child")
    # recording changes (events.csv, category 'recording') inside the months compared, as (YYYY-MM, title): months
    # recorded one way are never set against months recorded the other (`_compare`)
    recording_changes: tuple[tuple[str, str], ...] = ()
    # the months of either period without data (YYYY-MM), whose pairs were not compared (an outside audit: the SIA
    # pack said a mean of 11 months without saying which month was missing)
    no_data: tuple[str, ...] = ()
    # the test rests on one or two earlier year-on-year changes (`FEW_CHANGES`) or on fewer than `FEW_DF` degrees
    # of freedom: how much these figures move from year to year is barely known, so a change not judged beyond
    # chance is "too early to tell", never "within the usual ups and downs" (an outside statistician: a 35% fall
    # was called that where the one earlier change was 4%)
    short_history: bool = False
    # how much the earlier year-on-year changes it was judged against moved (their root mean square, as a %; None
    # where the months' own test decided): the plain words of a plan cycle's change "within these
    # figures' usual yearly moves" say how big those are (a cabinet member read "124.8% more ... within" alone)
    usual_move_pct: float | None = None

    @property
    def tested_change(self) -> float | None:
        """The change whose direction a verdict takes: per resident when the test compared rates, else counts
        (from the means when the percentage has no value, a rise from 0)."""
        if self.per_resident_change_pct is not None:
            return self.per_resident_change_pct
        return _direction(self.change_pct, self.current_mean, self.previous_mean)

    @property
    def tested(self) -> bool:
        """Whether a test was made: not when there was not enough data, nor with no events in either period (no
        p-value: nothing to test); such a comparison is not one of the tests a family is adjusted for. (A screen's
        comparison with its p-value withheld, `views.comparisons._shown`, reads False too: ask before withholding.)"""
        return self.p_value is not None and self.verdict != "not enough data"

    @property
    def shown_verdict(self) -> str:
        """The verdict a screen shows: the family's when the verdict is shown among many."""
        return self.family_verdict if self.family_verdict is not None else self.verdict

    def to_json(self) -> dict:
        """The fields `python -m safer explain --json` prints (no NaN: None instead). `verdict` is the verdict every
        screen shows (adjusted among the indicators shown together, where it is); `verdict_alone` is the test's
        own, before that adjustment."""
        d = asdict(self)
        d = {
            "verdict": self.shown_verdict,
            "verdict_alone": self.verdict,
            **{k: v for k, v in d.items() if k != "verdict"},
        }
        d["current_months"] = list(self.current_months)
        d["previous_months"] = list(self.previous_months)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        if self.family_verdict is None:
            for k in ("family_p_value", "family_verdict", "family_size"):
                d.pop(k)
        return d


@dataclass(frozen=True)
class AreaPosition:
    """One area on a funnel plot."""

    area_code: str
    area_name: str
    is_partnership: bool
    count: float
    person_years: float
    rate_per_1000: float | None
    position: str  # "above" | "within" | "below" the 99.8% limits as drawn; "not judged" in a small group
    position_95: str  # "above" | "within" | "below" the 95% limits as drawn; "not judged" in a small group


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the areas, the limit curves, and the words that go with them."""

    indicator_id: str
    period: str
    group_rate_per_1000: float | None
    dispersion: float | None  # how many times chance the areas vary (φ, winsorised; None = too few areas to judge)
    areas: tuple[AreaPosition, ...]
    curve: pd.DataFrame  # exposure (person-years), lo_95, hi_95, lo_998, hi_998 (per 1,000)
    method: str
    not_judged: str = ""  # why no area is judged, in words ('' when they are)
    # what the limits are centred on: "group rate" (all the areas' counts over all their person-years) or, where
    # the areas really differ, "typical rate" (the random-effects mean, `_typical_rate`); and the pooled rate
    centre: str = "group rate"
    pooled_rate_per_1000: float | None = None


# --------------------------------------------------------------------------- helpers


def _period_text(first: str | None, last: str | None) -> str:
    """Months as `explain` prints them: '2025-10 to 2026-09'."""
    return f"{first} to {last}" if first and last else "no months"


def _word(change_pct: float | None, good_direction: str, significant: bool) -> str:
    if change_pct is None or not significant or change_pct == 0:
        return "no clear change"
    rise = change_pct > 0
    gd = (good_direction or "neither").strip().lower()
    if gd == "down":
        return "worse" if rise else "better"
    if gd == "up":
        return "better" if rise else "worse"
    return "up" if rise else "down"


def _direction(change_pct: float | None, current_mean: float | None, previous_mean: float | None) -> float:
    """The change a verdict's word follows: the percentage, or, from a previous mean of 0, the difference of the
    means (a rise from nothing has no percentage but is still a rise)."""
    return change_pct if change_pct is not None else (current_mean or 0) - (previous_mean or 0)


def _f(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- the model

QUASI_POISSON_REF = (
    "McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed., ch. 6 (quasi-likelihood); "
    "statsmodels GLM with a Poisson family and Pearson scale"
)


@dataclass(frozen=True)
class _Fit:
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    dispersion: float
    seasonal: bool
    n_obs: int
    how: str  # "glm" | "exact" | "none"
    log_rr: float = math.nan  # β and its standard error (quasi-Poisson scale), for the GLM
    se: float = math.nan
    df: float = math.inf  # degrees of freedom of the test (infinite: normal)
    year_to_year: str = ""  # how variation between years was allowed for, in words (empty: not asked)
    year_figures: str = ""  # what that allowance was, in figures
    earlier_changes: int = 0  # the year-on-year changes before the current period it was judged against
    usual_move_pct: float = math.nan  # their size: root mean square of their log ratios, as a %


def _checked(monthly: pd.DataFrame) -> pd.DataFrame:
    """`monthly` as the engine reads it: `month` as YYYY-MM text, `value` as float (NaN: no data). Raises
    ValueError, naming the month, for what no count can be (a negative or infinite value), a month written any
    other way, or a month given twice (the result would depend on which row came last)."""
    out = pd.DataFrame({"month": monthly["month"].astype(str).str.slice(0, 7)})
    out["value"] = pd.to_numeric(monthly["value"], errors="coerce").astype("float64").to_numpy()
    bad = out[~out["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")]
    if len(bad):
        raise ValueError(f"month {bad['month'].iloc[0]!r} is not a month written YYYY-MM")
    twice = out["month"][out["month"].duplicated()]
    if len(twice):
        raise ValueError(f"month {twice.iloc[0]} is given twice")
    wrong = out[(out["value"] < 0) | np.isinf(out["value"])]
    if len(wrong):
        raise ValueError(f"month {wrong['month'].iloc[0]}: {wrong['value'].iloc[0]} is not a count")
    return out


def _series(monthly: pd.DataFrame) -> dict[str, float]:
    """month -> true count, for months with data only (`_checked`)."""
    c = _checked(monthly)
    return {m: float(v) for m, v in zip(c["month"], c["value"]) if pd.notna(v)}


def _fit(model, **kw):
    """Fit a GLM. Months fitted exactly (equal counts, a flat series) make statsmodels warn of "perfect
    separation"; for a Poisson model of counts that is not a problem for the estimates, so it is not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return model.fit(**kw)


def _fit_pair(cur: list[float], prev: list[float], seasonal: bool, exact_scale: float = 1.0) -> _Fit:
    """Quasi-Poisson GLM on matched months: log E[y] = month effect + β·current, dispersion from Pearson χ².

    With `seasonal` each matched pair shares its calendar-month term (a paired design, so the season
    cancels out); without it a single intercept. The dispersion is floored at 1 (never less cautious than
    Poisson) and, when estimated, the test uses Student's t with the residual degrees of freedom. When one
    period has no events at all the GLM has no finite estimate: the exact conditional test of two Poisson
    counts with equal exposure (binomial, Clopper–Pearson interval) is used instead, on the counts divided by
    `exact_scale` (the history's over-dispersion, `_history_dispersion`: quasi-likelihood's scaling, so months
    that come in clusters count as fewer independent events).
    """
    n = len(cur)
    tc, tp = float(sum(cur)), float(sum(prev))
    if tc + tp == 0:
        return _Fit(math.nan, math.nan, math.nan, 1.0, 1.0, seasonal, 2 * n, "none")
    if tc == 0 or tp == 0:
        scale = max(1.0, exact_scale)
        k, tot = int(round(tc / scale)), int(round((tc + tp) / scale))
        if tot == 0:  # fewer events than one cluster: nothing to test
            return _Fit(tc / tp if tp else math.inf, 0.0, math.inf, 1.0, scale, seasonal, 2 * n, "exact")
        res = _st.binomtest(k, tot, 0.5)
        ci = res.proportion_ci(0.95, method="exact")
        to_rr = lambda q: q / (1 - q) if q < 1 else math.inf  # noqa: E731
        return _Fit(
            tc / tp if tp else math.inf, to_rr(ci.low), to_rr(ci.high), float(res.pvalue), scale, seasonal, 2 * n,
            "exact",
        )  # fmt: skip
    y = np.asarray(prev + cur, dtype=float)
    after = np.r_[np.zeros(n), np.ones(n)]
    if seasonal:
        pair = np.r_[np.arange(n), np.arange(n)]
        X = np.column_stack([np.eye(n)[pair], after])
    else:
        X = np.column_stack([np.ones(2 * n), after])
    model = sm.GLM(y, X, family=sm.families.Poisson())
    base = _fit(model)
    df_resid = max(int(base.df_resid), 1)
    phi = float(base.pearson_chi2 / df_resid) if base.df_resid > 0 else 1.0
    scale = max(1.0, phi)
    # the quasi-Poisson fit has the Poisson fit's estimates and its covariance times the scale: taken from the one
    # fit (fitting again with `scale=` gave the same, at twice the cost: a tenth of a view's building)
    beta, se = float(base.params[-1]), float(np.sqrt(base.cov_params()[-1, -1] * scale))
    df = float(df_resid) if scale > 1.0 else math.inf
    return _glm_fit(beta, se, df, phi, seasonal, 2 * n)


def _glm_fit(beta: float, se: float, df: float, phi: float, seasonal: bool, n_obs: int, years=("", "")) -> _Fit:
    """The rate ratio, its 95% interval and p-value from β and its standard error: Student's t on `df` degrees of
    freedom (the normal distribution when `df` is infinite)."""
    dist = _st.norm if math.isinf(df) else _st.t(df)
    q = float(dist.ppf(0.975))
    p = float(2 * dist.sf(abs(beta / se)))
    bound = lambda x: math.exp(min(max(x, -700.0), 700.0))  # noqa: E731 - an interval too wide to print still ends
    return _Fit(
        math.exp(beta), bound(beta - q * se), bound(beta + q * se), p, phi, seasonal, n_obs, "glm",
        beta, se, df, *years,
    )  # fmt: skip


MIN_EARLIER_CHANGES = 1  # year-on-year changes before the months compared needed to estimate year-to-year variation
MAX_EARLIER_CHANGES = 8  # the most recent ones only: how much years differ now, at a bounded cost


def _recorded(breaks: Sequence[str]):
    """Which way a month was recorded: the number of recording changes (`breaks`, the months from which each
    applies, YYYY-MM) at or before it. Two months are recorded alike when they give the same number."""
    b = sorted(breaks)
    return lambda month: bisect.bisect_right(b, month)


def recording_words(changes: Sequence[tuple[str, str]]) -> str:
    """'recording changed in Oct 2025 (“New definition”)', '... in Jul 2019 (“A”) and in Oct 2025 (“B”)'."""
    return "recording changed " + " and ".join(f"in {fmt.month_label(m)} (“{t}”)" for m, t in changes)


def _year_to_year(
    values: dict[str, float], before: str, population: Mapping[int, float] | None = None, breaks: Sequence[str] = ()
) -> tuple[float, int, str, float, bool, float] | None:
    """How much consecutive years differ, from the history before the months compared now: the 12-month blocks
    ending at `before` (the month before the current period starts), each compared with the block before it by
    the same paired model, give log rate ratios e and their sampling variances. Returns (their spread: the mean of
    e², or their variance about their mean; how many changes k; the months they span; their mean sampling variance;
    whether the spread is about their mean; their size, the root mean square of e whichever the spread), or None
    with fewer than `MIN_EARLIER_CHANGES` usable changes.

    With fewer than `CENTRED_FROM` changes the mean of e² is not centred (an earlier trend or a plan that worked
    counts as variation between years); with more, their variance about their mean, on k − 1 degrees of freedom. It
    is not reduced by the changes' sampling variance: with no real change, the change now is another draw of the
    same kind as the earlier ones, so it is judged against their mean square on k degrees of freedom (Student's t
    with k degrees of freedom where years are exchangeable), and nothing is cut at zero. (The moment estimate
    used before, the changes' variance less their sampling variance, was cut at zero whenever the earlier change
    happened to be small, and nothing was then added, on many degrees of freedom: 13-16% false alarms with one
    earlier change where financial-year levels differ by 15% at 200 a month; docs/statistics.md.) (Taking it about
    their mean from three changes on, on changes − 1 degrees of freedom, was measured: a real 25% fall at 30 a month
    with 60 months of history was seen in 18.5% of series instead of 35.5%; hence `CENTRED_FROM`.) (A robust
    estimate from the median absolute deviation, biased low, and setting an earlier real step aside beyond a cut,
    which made the verdict jump as one month nine years back moved by 6, were tried before and withdrawn.)

    The blocks end just before the current period, not at the end of the earlier period: for a plan cycle
    compared on its first 18 months, the months between the two periods then count, and the blocks line up with
    the cycle's start (financial years for April cycles). Blocks ending with the earlier period (September for
    the first 18 months of an April cycle) see financial-year levels at a quarter of their spread: 9.5-21% false
    alarms at 60-90 months. For the latest 12 months the two are the same. Past a year with no data (police.uk's
    18-month gap) the years before it count. With `population` (residents by year, where the test compares rates),
    each change is per resident too, where every month of both its years has an estimate: a borough that grows
    is not read as years that differ (its growth is the offset of the test itself, `_per_resident`). With
    `breaks` (months from which a recording change applies), a month is paired only with one recorded the same
    way: a recording change years back is not one of the usual moves between years (it made a real change now,
    judged against it, read as ordinary)."""
    alike = _recorded(breaks)
    first = min(values) if values else before
    blocks, end = [], before
    while end >= first:
        blocks.append(fmt.months_between(fmt.shift_month(end, -11), end))
        end = fmt.shift_month(end, -12)
    effects, variances, spans = [], [], []
    across = 0  # changes left out as too few of their months were recorded alike
    for newer, older in zip(blocks, blocks[1:]):
        if len(effects) >= MAX_EARLIER_CHANGES:
            break
        with_data = [(c, p) for c, p in zip(newer, older) if c in values and p in values]
        pairs = [(c, p) for c, p in with_data if alike(c) == alike(p)]
        if len(pairs) < MIN_MONTHS:
            across += len(with_data) >= MIN_MONTHS
            continue
        fit = _fit_pair([values[c] for c, _ in pairs], [values[p] for _, p in pairs], seasonal=True)
        if fit.how != "glm" or not math.isfinite(fit.se) or fit.se <= 0:
            continue
        effects.append(fit.log_rr - _residents_shift(population, [c for c, _ in pairs], [p for _, p in pairs]))
        variances.append(fit.se**2)
        spans += [older[0], newer[-1]]
    if len(effects) < MIN_EARLIER_CHANGES:
        return None
    eff = np.asarray(effects)
    centred = len(eff) >= CENTRED_FROM
    spread = float(np.var(eff, ddof=1)) if centred else float(np.mean(eff**2))
    span = fmt.period_label(min(spans), max(spans)) + (
        f"; {across} across a recording change left out" if across else ""
    )
    return spread, len(eff), span, float(np.mean(variances)), centred, float(np.sqrt(np.mean(eff**2)))


# With this many earlier changes or more, their spread is taken about their mean, on changes − 1 degrees of freedom:
# a trend that has run for years (anti-social behaviour falling 7% a year for ten) is a real change, not variation
# between years. With fewer, about 0, on changes degrees of freedom: a mean from few changes costs more power than a
# trend does (taken about the mean from three changes, a real 25% fall at 30 a month with 60 months of history was
# seen in 18.5% of series instead of 35.5%).
CENTRED_FROM = 5


def _residents_shift(population: Mapping[int, float] | None, now: Sequence[str], before: Sequence[str]) -> float:
    """log(mean residents of the months `now` ÷ those of the months `before`): the offset that makes a change in
    counts a change per resident; 0 where an estimate is missing (the counts are compared)."""
    if not population:
        return 0.0
    pops = [population.get(int(m[:4])) for m in (*now, *before)]
    if any(p is None or not math.isfinite(p) or p <= 0 for p in pops):
        return 0.0
    return math.log(float(np.mean(pops[: len(now)])) / float(np.mean(pops[len(now) :])))


MIN_SERIAL_MONTHS = 36
# Below this many months ρ̂ rests on three or four years' residuals: its one-sided 95% upper bound is used instead
# (with the estimate itself, wandering series gave 10-12% false alarms at 36-47 months and 7% at 48)
SHORT_HISTORY_MONTHS = 60


def _serial_correlation(
    values: dict[str, float], last: str, breaks: Sequence[str] = ()
) -> tuple[float, int, int] | None:
    """The correlation of one month with the next, beyond the season and each year's level: a quasi-Poisson GLM
    over every month with data up to `last` with a term for each calendar month and a level for each 12-month
    block ending at `last` (so a real step between years is not read as correlation), and the lag-1
    autocorrelation of its Pearson residuals over consecutive months, corrected for the bias of series demeaned
    in blocks of 12 (ρ̂ ≈ ρ − (1 + 3ρ) ÷ 12). Returns (ρ, months used, consecutive pairs used), ρ within
    [0, 0.95], or None with fewer than `MIN_SERIAL_MONTHS` months (with two years the calendar-month terms leave
    the residuals of each pair of months mirror images) or 12 pairs of consecutive months. A recording change
    (`breaks`) starts a new level too, within its block: the step it makes is not read as correlation."""
    months = [m for m in sorted(values) if m <= last]
    if len(months) < MIN_SERIAL_MONTHS:
        return None
    idx = np.array([fmt.month_index(m) for m in months])
    y = np.array([values[m] for m in months])
    alike = _recorded(breaks)
    block = ((fmt.month_index(last) - idx) // 12) * (len(breaks) + 1) - np.array([alike(m) for m in months])
    levels = sorted(set(block))[1:]
    X = np.column_stack([np.eye(12)[idx % 12]] + [(block == b).astype(float) for b in levels])
    try:
        res = np.asarray(_fit(sm.GLM(y, X, family=sm.families.Poisson())).resid_pearson)
    except (ValueError, np.linalg.LinAlgError):
        return None
    at = {t: i for i, t in enumerate(idx)}
    pairs = [(at[t], at[t + 1]) for t in idx if t + 1 in at]
    if len(pairs) < 12 or not np.isfinite(res).all():
        return None
    if float(np.mean(res**2)) <= 1e-12:  # the fit is exact (a flat series: residuals of 1e-15): no correlation
        return 0.0, len(months), len(pairs)
    lag1 = float(np.mean([res[i] * res[j] for i, j in pairs])) / float(np.mean(res**2))
    rho = (lag1 + 1 / 12) / (1 - 3 / 12)
    return min(max(rho, 0.0), 0.95), len(months), len(pairs)


def _correlation_factor(rho: float, cm: Sequence[str], pm: Sequence[str]) -> float:
    """How much the variance of the paired change (mean of the current months less mean of the earlier ones)
    grows when months are correlated ρ^lag, against what the paired GLM assumes (independent pairs, each pair's
    difference of variance 2 − 2ρ^lag): at least 1."""
    t = np.array([fmt.month_index(m) for m in (*cm, *pm)])
    n = len(cm)
    c = np.r_[np.full(n, 1 / n), np.full(n, -1 / n)]
    true = float(c @ (rho ** np.abs(t[:, None] - t[None, :])) @ c)
    lags = np.array([fmt.month_index(a) - fmt.month_index(b) for a, b in zip(cm, pm)])
    assumed = float(np.mean(2 - 2 * rho**lags)) / n
    return max(1.0, true / assumed) if assumed > 0 else 1.0


# A month before the periods compared is left out of the history's over-dispersion when a count as high as its has
# less than this chance, divided by the months (Bonferroni), given the other months (`_history_outlier`)
HISTORY_OUT = 0.001


def _history_outlier(values: dict[str, float], last: str, compared: Sequence[str]) -> str | None:
    """The month up to `last` far out of line with the others (a data error: one month keyed 15 in a series of
    about 1 a month made `_history_dispersion` 4.8, and a real fall to none was then "no clear change"): the
    busiest month, when a negative binomial with the other months' mean and index of dispersion (scipy; a Poisson
    where that is at most 1) gives a count as high a chance below `HISTORY_OUT` ÷ months. None when the others
    have no events (one cluster and one error cannot be told apart: the cautious reading is kept), when the
    busiest month is one of the periods `compared` (it is in the counts tested, and the over-dispersion it brings
    keeps it from deciding the verdict), or otherwise."""
    months = sorted(m for m in values if m <= last)
    if len(months) < 3:
        return None
    y = np.array([values[m] for m in months])
    b = int(np.argmax(y))
    rest = np.delete(y, b)
    mean = float(rest.mean())
    if months[b] in set(compared) or mean <= 0:
        return None
    phi = float(np.var(rest, ddof=1)) / mean
    if phi > 1:
        size = mean / (phi - 1)
        chance = float(_st.nbinom.sf(y[b] - 1, size, size / (size + mean)))
    else:
        chance = float(_st.poisson.sf(y[b] - 1, mean))
    return months[b] if chance < HISTORY_OUT / len(y) else None


def _history_dispersion(values: dict[str, float], last: str, leave_out: str | None = None) -> float:
    """How much more the months up to `last` vary than Poisson chance (the index of dispersion: their variance
    over their mean), at least 1: for the exact test of a period with no events, where there is no GLM to
    measure it. No seasonal or yearly terms: at the few events a month that need the exact test, a season is
    lost in the noise, and variation between years (a cluster of six in one year and none since) is the very
    thing the test must allow for. `leave_out`: a month far out of line (`_history_outlier`), not counted."""
    y = np.array([v for m, v in values.items() if m <= last and m != leave_out])
    if len(y) < 2 or y.mean() <= 0:
        return 1.0
    return max(1.0, float(np.var(y, ddof=1) / y.mean()))


def _no_earlier_change(values: dict[str, float], before: str, breaks: Sequence[str] = ()) -> str:
    """Why the history holds no year-on-year change up to `before` (the month before the current period) to tell
    how much years differ from: fewer than `MIN_MONTHS` calendar months with data in both the 12 months ending
    there and the 12 before, in words; '' when it holds one (whether or not `_year_to_year` could fit it: years
    with no events have no ratio). Months recorded differently (`breaks`) are not a pair."""
    alike = _recorded(breaks)
    newer = fmt.months_between(fmt.shift_month(before, -11), before)
    older = [fmt.shift_month(m, -12) for m in newer]
    both = sum(c in values and p in values and alike(c) == alike(p) for c, p in zip(newer, older))
    if both >= MIN_MONTHS:
        return ""
    return (
        f"how much years differ on their own is told from year-on-year changes before the current period (up to "
        f"{fmt.month_label(before)}), and there is none: {fmt.period_label(older[0], older[-1])} and "
        f"{fmt.period_label(newer[0], newer[-1])} have {fmt.plural(both, 'calendar month')} with data in both"
        + (" recorded alike" if breaks else "")
        + ", and "
        f"a change needs at least {MIN_MONTHS} (with fewer than {SHORT_HISTORY_MONTHS} months with data, the "
        "correlation between months alone is not enough)"
    )


@functools.lru_cache(maxsize=1024)  # about 20 KB a series of ten years
def _history(
    items: tuple[tuple[str, float], ...],
    ends: tuple[str, str],
    population: tuple[tuple[int, float], ...] = (),
    breaks: tuple[str, ...] = (),
):
    """`_serial_correlation` up to the current period's end and `_year_to_year` up to the month before it, for a series
    given as its sorted (month, count) pairs: kept for the same series and months, as the Overview, Trends, the
    briefing, the pack and `explain` ask the same comparison again (a dozen GLM fits each, about 20 ms)."""
    values = dict(items)
    return _serial_correlation(values, ends[0], breaks), _year_to_year(values, ends[1], dict(population), breaks)


def _years_apart(cm: Sequence[str], pm: Sequence[str], before: str) -> tuple[float, float, float]:
    """How the between-year part of the change now grows with how far apart the periods compared are and how many
    years each holds, against one year-on-year change (`_year_to_year`'s 12-month blocks ending at `before`, the
    month before the current period). The change is a contrast of block levels: weight w_b on block b, the share
    of the current months in it less the share of the earlier months (Σw = 0). Returns (its variance over one
    change's where block levels are independent, Σw² ÷ 2; where they drift as a random walk, each level the last
    plus a step, ΣW² over the steps between blocks, W the running sum of w; the years between the periods' first
    months). Both are 1 for the latest 12 months against the 12 before (w = 1, −1); for a plan cycle's first 18
    months against those three years before, 5/9 and 23/9, and for two whole three-year cycles 1/3 and 19/9."""
    at = fmt.month_index(before)
    w: dict[int, float] = {}
    for months, sign in ((cm, 1.0), (pm, -1.0)):
        for m in months:
            b = (at - fmt.month_index(m)) // 12  # 0: the block ending at `before`; −1, −2: the current period's
            w[b] = w.get(b, 0.0) + sign / len(months)
    lo, hi = min(w), max(w)
    running = np.cumsum([w.get(b, 0.0) for b in range(lo, hi)])  # the level's steps between blocks lo..hi
    independent = float(sum(x * x for x in w.values())) / 2.0
    drift = float(np.sum(running**2))
    apart = (fmt.month_index(cm[0]) - fmt.month_index(pm[0])) / 12.0
    return independent, drift, apart


@functools.lru_cache(maxsize=256)
def _chance_taken_off(dof: float, scale: float, wider: float) -> float:
    """How much of the earlier changes' sampling variance s may be taken off their mean square m2 before the part
    beyond chance is scaled up for periods years apart: the between-year variance is then scale·m2 + (wider −
    scale)·(m2 − h·s)⁺, on the changes' `dof` degrees of freedom, and this is the largest h (0 to 1) with which the
    t test holds its 5% at every ratio λ of the years' own variance to chance (the supremum over the nuisance
    parameter; the change now has variance (scale + wider·λ)·s, m2 is (1 + λ)·s × χ² on dof ÷ dof, scipy's
    quantiles). With all of it taken off (h = 1, the unbiased estimate) the test rejected 9-11% at λ of 1 to 3 with
    two to four changes: what is taken off is known, what is left is not, so the estimate's left tail is long.
    h is about 0 with one or two changes, 0.24 with four, 0.48 with eight (scale 2/3, wider 23/9: a plan cycle's
    first 18 months); at λ = 0 the test then rejects about 3% instead of 5%."""
    x = _st.chi2.ppf((np.arange(1000) + 0.5) / 1000, dof)[:, None] / dof  # m2 ÷ (1 + λ)s, by its quantiles
    lam = np.geomspace(1e-2, 1e3, 41)[None, :]
    q = float(_st.t.ppf(1 - ALPHA / 2, dof))

    def worst(h: float) -> float:
        m2 = (1 + lam) * x
        est = scale * m2 + (wider - scale) * np.maximum(m2 - h, 0.0)
        return float(np.max(np.mean(2 * _st.norm.sf(q * np.sqrt(est / (scale + wider * lam))), axis=0)))

    if worst(1.0) <= ALPHA:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if worst(mid) <= ALPHA else (lo, mid)
    return lo


def _df_words(df: float) -> str:
    return f", t on {df:.1f} degrees of freedom" if math.isfinite(df) else ""


def _allow_for_years(
    fit: _Fit,
    values: dict[str, float],
    cm: Sequence[str],
    pm: Sequence[str],
    ends: tuple[str, str],
    population: Mapping[int, float] | None = None,
    breaks: tuple[str, ...] = (),
) -> _Fit | None:
    """The GLM's test widened for variation between years, on Welch-Satterthwaite degrees of freedom over the parts
    of the variance, each on its own (so the test moves smoothly as each estimate does):

    * the earlier year-on-year changes (`_year_to_year`): their mean square, × 12 ÷ n for n months, on k degrees
      of freedom for k changes, in place of the part of the GLM's variance that their own sampling variance
      stands for (× 12 ÷ n); what the GLM's variance has beyond that (fewer events now, say) stays, on the GLM's
      degrees of freedom. With one change only this is the whole test: the change now against the one before,
      Student's t on 1 degree of freedom where years are exchangeable, and that change is never taken below its
      sampling variance. With two or more their mean square is taken as it is, and the change must also be beyond
      chance alone: where the GLM's own test gives the larger p-value, it is the one given (an intersection-union
      test: each holds its 5%, so both together do). (Flooring the mean square at the changes' sampling variance
      gave 0-0.5% false alarms where months are independent: t on k degrees of freedom against a variance never
      below the truth; docs/statistics.md, with the variants measured). Where the periods are more than a year
      apart (a plan cycle against the one before), the changes' mean square beyond part h of their sampling variance
      (`_chance_taken_off`) is scaled by the larger of what independent and randomly drifting year levels give for
      the contrast (`_years_apart`: 23/9 for a cycle's first 18 months) instead of 12 ÷ n: with 12 ÷ n, year levels
      drifting by steps of 5-10% gave 10-19.5% false alarms at 200 a month, now at most 5%;
    * with two changes or more, months correlated with the next (`_serial_correlation`, from every month's
      residual after the season and each year's level): the GLM's variance × (`_correlation_factor` − 1), its
      degrees of freedom from the uncertainty of ρ̂ by the delta method (var ρ̂ ≈ (1 − ρ²) ÷ pairs used); below
      `SHORT_HISTORY_MONTHS`, ρ̂'s one-sided 95% upper bound instead. (Each sees part of how years wander: chosen
      alone, the larger left 7-8% false alarms on wandering series.) Not with one change: a variance known from
      the months, added to the one change's square, made the degrees of freedom large whenever that change happened
      to be small, which is the very case where years' levels are least known (9-15% false alarms with
      financial-year levels at 36-42 months).

    `ends` are the last month of the current period (the correlation is read up to it) and the month before it
    starts (the year-on-year changes are read up to it). None when the history is too short (fewer than
    `MIN_SERIAL_MONTHS` months and fewer than two earlier changes, or, with fewer than `SHORT_HISTORY_MONTHS`, no
    year-on-year change before the current period, `_no_earlier_change`; where the earlier years had no events,
    so `_year_to_year` cannot fit their change, the correlation between months is allowed for alone): how much
    years vary on their own cannot be told, and with series that wander as crime series do a verdict on so little
    history would be wrong far more often than 1 in 20 (docs/statistics.md), whichever test it would take (the
    exact test of a period with no events included). That test, and no events in either period, are returned as
    they are (the exact test allows for over-dispersion by `_history_dispersion`)."""
    if not cm:
        return fit
    n = len(cm)
    shift = _residents_shift(population, cm, pm)  # the offset `_per_resident` takes off the test kept
    per_resident = population if shift != 0 else None
    serial, yy = _history(
        tuple(sorted(values.items())), ends, tuple(sorted((per_resident or {}).items())), tuple(sorted(breaks))
    )
    if serial is None and (yy is None or yy[1] < 2):  # with fewer than 36 months, two earlier changes at least
        return None
    if (serial is None or serial[1] < SHORT_HISTORY_MONTHS) and _no_earlier_change(values, ends[1], breaks):
        return None  # less than five years, and no year-on-year change to see year levels that line up by
    if fit.how != "glm":
        return fit
    k_changes = yy[1] if yy else 0
    # the earlier changes' size, for the plain words: their root mean square (about their mean, with five or more,
    # the test's spread leaves out a steady trend: anti-social behaviour's SD of 2.7% beside falls of 3-10% a year)
    usual = yy[5] * 100 if yy else math.nan
    var_glm = fit.se**2
    base = var_glm  # the GLM's own variance, on its degrees of freedom
    parts, figures = [], []
    added = []  # (variance added, its degrees of freedom)
    if yy:
        m2, k, span, vbar, centred, _size = yy
        scale = 12.0 / n
        base = max(0.0, var_glm - vbar * scale)
        # one change alone is never taken below its sampling variance (as the GLM's φ is never below 1: an earlier
        # year closer than chance allows is chance, not a sign that years never differ); with more, the mean square
        # as it is, and the GLM's own test must agree too (below)
        between = (max(m2, vbar) if k == 1 else m2) * scale
        # periods more than a year apart (a plan cycle against the one before): the part of the changes beyond
        # chance, how much years differ, grows with the years between the periods where year levels drift
        independent, drift, apart = _years_apart(cm, pm, ends[1])
        wider = max(independent, drift)
        dof = float(k - 1 if centred else k)
        far = wider > scale * (1 + 1e-9)
        h = _chance_taken_off(dof, round(scale, 4), round(wider, 4)) if far else 1.0
        beyond = max(m2 - h * vbar, 0.0) * (wider - scale) if far else 0.0
        added.append((between + beyond, dof))
        parts.append(
            (
                f"the spread of the {k} year-on-year changes before the current period ({span})"
                + (" about their mean" if centred else "")
                if k > 1
                else f"the one year-on-year change before the current period ({span}), the change now judged "
                "against it alone"
            )
            + (
                f", their part beyond chance scaled for periods {apart:g} years apart whose year levels may drift"
                if far
                else ""
            )
        )
        figures.append(
            f"earlier year-on-year changes of {math.sqrt(m2) * 100:.1f}% on the log scale ("
            + ("SD about their mean" if centred else "root mean square")
            + (", less than chance alone: taken as chance)" if m2 < vbar and k == 1 else ")")
        )
        if far:
            figures.append(
                f"for periods {apart:g} years apart, their mean square beyond {h:.0%} of its sampling variance × "
                f"{wider:.2f} instead of × {scale:.2f} (× {drift:.2f} if year levels drift as a random walk, × "
                f"{independent:.2f} if they are independent; the larger taken)"
                if beyond > 0
                else f"for periods {apart:g} years apart, nothing beyond {h:.0%} of their sampling variance to scale"
            )
    if serial and (yy is None or yy[1] > 1):
        rho, months, pairs = serial
        var_rho = (1 - rho**2) / max(pairs, 1) / (1 - 3 / 12) ** 2  # the bias correction scales ρ̂ by 1 ÷ 0.75
        if months < SHORT_HISTORY_MONTHS:  # three years estimate ρ poorly: take its one-sided 95% upper bound
            rho = min(0.95, rho + 1.6449 * math.sqrt(var_rho))
            var_rho = 0.0  # a bound taken as known: its uncertainty is in the bound
            parts.insert(0, f"month-to-month correlation taken as {rho:.2f}, the 95% upper bound of its estimate "
                            f"from {months} months")  # fmt: skip
        else:
            parts.insert(0, f"month-to-month correlation {rho:.2f} from {months} months")
        f = _correlation_factor(rho, cm, pm)
        if f > 1:
            h = 0.01
            lo, hi = max(rho - h, 0.0), min(rho + h, 0.99)
            slope = (_correlation_factor(hi, cm, pm) - _correlation_factor(lo, cm, pm)) / (hi - lo)
            df_rho = 2 * (f - 1) ** 2 / (slope**2 * var_rho) if slope > 0 and var_rho > 0 else math.inf
            added.append((var_glm * (f - 1), df_rho))
            figures.insert(0, f"variance × {f:.2f} for the correlation between months")
    words = (
        "allowing for variation between years ("
        + " and ".join(parts)
        + (", added together)" if len(parts) > 1 else ")")
    )
    if base + sum(v for v, _df in added) <= 0:  # earlier years exactly alike and nothing beyond: the GLM's alone
        base, added = var_glm, []
    if not added:
        return replace(
            fit,
            year_to_year=words,
            year_figures="no extra variation found, so none added" + _df_words(fit.df),
            earlier_changes=k_changes,
            usual_move_pct=usual,
        )
    var = base + sum(v for v, _df in added)
    denominator = (base**2 / fit.df if math.isfinite(fit.df) else 0.0) + sum(
        v**2 / d for v, d in added if math.isfinite(d)
    )
    df = max(1.0, var**2 / denominator) if denominator > 0 else math.inf
    g = _glm_fit(fit.log_rr, math.sqrt(var), df, fit.dispersion, fit.seasonal, fit.n_obs)
    # the two tests' p-values for what is tested: per resident where the residents changed (`_per_resident` takes
    # the offset off the test kept), so they are compared after the offset, not on the counts (where equal counts
    # give p = 1 under both, and the test kept could be one whose earlier changes were all but equal: 20 events a
    # month for ten years, 0.3% more residents, was called a fall per resident with p < 0.001; an outside audit)
    p_months, p_years = (_glm_fit(x.log_rr - shift, x.se, x.df, 1.0, True, 0).p_value for x in (fit, g))
    if yy and yy[1] > 1 and p_months > p_years:
        # a change must be beyond both the earlier changes and chance alone: where the months' own test (the GLM's)
        # gives the larger p-value (earlier changes closer than chance allows), it is the one given; each test holds
        # its 5% on its own, so needing both does too (`_year_to_year`; docs/statistics.md)
        figures.append(f"judged by the months' own test, whose p-value is the larger ({fmt.p_value(p_years)} "
                       "against the earlier changes)")  # fmt: skip
        return replace(
            fit,
            year_to_year=words,
            year_figures="; ".join(figures) + _df_words(fit.df),
            earlier_changes=k_changes,
            usual_move_pct=math.nan,  # what decided is chance in the months, not the yearly moves: no size said
        )
    return replace(
        g,
        year_to_year=words,
        year_figures="; ".join(figures) + _df_words(df),
        earlier_changes=k_changes,
        usual_move_pct=usual,
    )


def _method(fit: _Fit, n_pairs: int, cur_period: str, prev_period: str) -> tuple[str, str]:
    """The method in one sentence, as (the model and the months compared, the figures it gave)."""
    if fit.how == "none":
        return f"No test: no events in either period ({cur_period}; {prev_period})", ""
    ratio = (  # a rise from none, or a fall to none, has no finite ratio: its interval is open at one end
        f"rate ratio {fit.rate_ratio:.2f}"
        if math.isfinite(fit.rate_ratio) and fit.rate_ratio > 0
        else "no rate ratio (none in one period)"
    )
    high = f"{fit.ci_high:.2f}" if math.isfinite(fit.ci_high) else "no upper bound"
    figures = f"{ratio} (95% CI {fit.ci_low:.2f} to {high}), {fmt.p_value(fit.p_value)}"
    if fit.how == "exact":
        scaled = (
            f", on the counts divided by {fit.dispersion:.1f}: months up to the earlier period vary that many "
            "times as much as chance alone (over-dispersion)"
            if fit.dispersion >= 1.05
            else ""
        )
        return (
            f"Exact conditional test of two Poisson counts over {n_pairs} matched months "
            f"({cur_period} against {prev_period}), as one period had no events{scaled}"
        ), figures
    what = "with a term for each calendar month (so the season cancels out)" if fit.seasonal else "(no seasonal terms)"
    disp = (
        f"the matched months vary {fit.dispersion:.1f} times as much as chance alone about this model "
        "(over-dispersion, allowed for in the test)"
        if fit.dispersion >= 1.05
        else f"dispersion {fit.dispersion:.1f} about this model (no extra variation beyond Poisson)"
        if fit.dispersion >= 0.95
        else f"dispersion {fit.dispersion:.1f} about this model, less than chance alone gives, taken as 1 (Poisson's)"
    )
    model = f"Quasi-Poisson GLM {what} on {n_pairs} matched months, {cur_period} against {prev_period}"
    if fit.year_to_year:
        model += f"; {fit.year_to_year}"
    return model, "; ".join(x for x in (disp, fit.year_figures, figures) if x)


def _untested(note: str, **fields) -> Comparison:
    """A comparison with no test: not enough data, named in `note`."""
    return Comparison(
        **fields,
        rate_ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        dispersion=None,
        verdict="not enough data",
        method=f"No test: {note}.",
        model=f"No test: {note}",
        note=note,
    )


# A matched pair this many robust SDs from the others' median log ratio is left out of the test. Among 12 ordinary
# pairs the largest robust z exceeds 3.5 one time in eight and 6 in 1.5-3.1% of comparisons (simulated, Poisson
# months at 1 to 50 a month).
OUTLIER_Z = 6.0


def no_data_words(months: Sequence[str], most: int = 3) -> str:
    """'no data for Feb 2026', 'no data for Apr 2025 to Dec 2025', 'no data for Oct 2023 to Dec 2023 and Feb 2024',
    past `most` runs of consecutive months '... and 4 more months': the months a comparison could not pair
    (`Comparison.no_data`), named, or '' for none."""
    runs: list[list[str]] = []
    for m in sorted(months):
        if runs and fmt.shift_month(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    if not runs:
        return ""
    named = [fmt.period_label(r[0], r[-1]) if len(r) > 1 else fmt.month_label(r[0]) for r in runs[:most]]
    rest = sum(len(r) for r in runs[most:])
    if rest:
        return f"no data for {', '.join(named)} and {fmt.plural(rest, 'more month')}"
    return "no data for " + (" and ".join(named) if len(named) < 3 else f"{', '.join(named[:-1])} and {named[-1]}")


LEFT_OUT = "; compared without "  # how a basis names the months left out (views withhold it for wards)


def _outlying_pair(cur: list[float], prev: list[float]) -> int | None:
    """The matched pair whose log ratio lies furthest from the others', when it is more than `OUTLIER_Z` robust
    standard deviations (1.4826 × the median absolute deviation) from their median, and the test keeps at least
    `MIN_MONTHS` pairs without it: one unusual month (a data error, a one-off operation) would otherwise decide
    the verdict (a tenfold month in one year of 24 gave "worse" half the time). None otherwise, and None when it
    is one of a run of pairs that lie out the same way by more than `OUTLIER_Z / 2` and the run reaches the latest
    month: a change that began in the last two or three months, not a data error, whose months are kept in the
    means shown (two bad months in the middle of the year, with ordinary months after them, are still left out)."""
    if len(cur) <= MIN_MONTHS or min(sum(cur), sum(prev)) <= 0:
        return None
    lr = np.log((np.asarray(cur) + 0.5) / (np.asarray(prev) + 0.5))
    med = float(np.median(lr))
    mad = 1.4826 * float(np.median(np.abs(lr - med)))
    i = int(np.argmax(np.abs(lr - med)))
    if mad <= 0 or abs(lr[i] - med) / mad <= OUTLIER_Z:
        return None
    z = (lr - med) / mad * np.sign(lr[i] - med)  # positive: out the same way as pair i
    end = i
    while end + 1 < len(z) and z[end + 1] > OUTLIER_Z / 2:
        end += 1
    start = i
    while start > 0 and z[start - 1] > OUTLIER_Z / 2:
        start -= 1
    return None if end == len(z) - 1 and end > start else i


def _compare(
    values: dict[str, float],
    cur_months: list[str],
    prev_months: list[str],
    *,
    indicator_id: str,
    area_code: str,
    good_direction: str,
    compare: str,
    basis: str,
    months_not_yet: int = 0,
    min_months: int = MIN_MONTHS,
    population: Mapping[int, float] | None = None,
    estimated_in: Mapping[int, int] | None = None,
    per: tuple[str, str] = PER_RESIDENT,
    recording: Sequence[tuple[str, str]] = (),
) -> Comparison:
    """Compare two equally long lists of months, pair by pair (month i of one with month i of the other).

    `recording`: the indicator's recording changes, (YYYY-MM from which each applies, title). A pair whose two
    months were recorded differently (a change between them) is not compared: the change in recording would be
    read as a change in what is recorded. The history that says how much years differ pairs months the same way."""
    span = (min((*cur_months, *prev_months)), max((*cur_months, *prev_months))) if cur_months else ("", "")
    changes = tuple(sorted((m, t) for m, t in recording if span[0] < m <= span[1]))
    breaks = tuple(sorted({m for m, _t in recording}))
    alike = _recorded(breaks)
    with_data = [(c, p) for c, p in zip(cur_months, prev_months) if c in values and p in values]
    no_data = tuple(sorted(m for pair in zip(cur_months, prev_months) for m in pair if m not in values))
    pairs = [(c, p) for c, p in with_data if alike(c) == alike(p)]
    unlike = len(with_data) - len(pairs)  # months with data in both, recorded differently: not compared
    # a month far out of line (a data error, a one-off operation) decides nothing, either way: up to two are left
    # out of the means, the change and the test, and named
    left_out = []
    for _ in range(2):
        out = _outlying_pair([values[c] for c, _p in pairs], [values[p] for _c, p in pairs])
        if out is None:
            break
        left_out.append(pairs.pop(out))
    cm = tuple(c for c, _ in pairs)
    pm = tuple(p for _, p in pairs)
    cur_period = fmt.period_label(cur_months[0], cur_months[-1]) if cur_months else "no months"
    prev_period = fmt.period_label(prev_months[0], prev_months[-1]) if prev_months else "no months"
    cur_text = _period_text(cur_months[0], cur_months[-1]) if cur_months else "no months"
    prev_text = _period_text(prev_months[0], prev_months[-1]) if prev_months else "no months"
    both = len(pairs) + len(left_out)
    as_asked = basis  # before the months are named: a comparison with no verdict says why in its note instead
    if unlike:  # say which months are left out, and why
        basis = (
            f"{basis}; the {both} of {len(cur_months)} months with data in both and recorded alike, as "
            f"{recording_words(changes)}"
        )
    elif both < len(cur_months):  # say which months the means and the test rest on, not "whole cycles"
        basis = f"{basis}; the {both} of {len(cur_months)} months with data in both"
    if left_out:
        months = " and ".join(fmt.month_label(c) for c, _p in left_out)
        basis += f"{LEFT_OUT}{months}, far out of line with the others"
    c_vals = [values[m] for m in cm]
    p_vals = [values[m] for m in pm]
    cmean = sum(c_vals) / len(c_vals) if c_vals else None
    pmean = sum(p_vals) / len(p_vals) if p_vals else None
    change = (cmean - pmean) / pmean * 100 if (cmean is not None and pmean) else None
    common = dict(
        indicator_id=indicator_id,
        area_code=area_code,
        compare=compare,
        good_direction=good_direction,
        current_period=cur_text,
        previous_period=prev_text,
        basis=basis,
        current_months=cm,
        previous_months=pm,
        current_months_with_data=sum(m in values for m in cur_months),
        previous_months_with_data=sum(m in values for m in prev_months),
        current_mean=cmean,
        previous_mean=pmean,
        change_pct=change,
        months_not_yet=months_not_yet,
        left_out=tuple(left_out),
        recording_changes=changes,
        no_data=no_data,
        per=per[0],  # who a rate would be per, said also where nothing is tested
    )
    if len(pairs) < min_months and unlike:
        # enough months with data, too few recorded alike: the recording change is the reason
        why = (
            f"{recording_words(changes)}, and "
            + (
                f"only {fmt.plural(len(pairs), 'calendar month was', 'calendar months were')}"
                if pairs
                else "no calendar month was"
            )
            + f" recorded the same way in both periods; a verdict needs at least {min_months}"
        )
        # no verdict, and no means or change of the few months recorded alike (they would read as the periods')
        gone = dict(basis=as_asked, current_mean=None, previous_mean=None, change_pct=None)
        return _untested(why, **{**common, **gone})
    if len(pairs) < min_months:
        # the months matched, where they are fewer than the periods' (data that starts late), then the periods
        periods = (
            f"{fmt.period_label(cm[0], cm[-1])} against {fmt.period_label(pm[0], pm[-1])}, within {cur_period} and "
            f"{prev_period}"
            if pairs and (cm[0], cm[-1]) != (cur_months[0], cur_months[-1])
            else f"{cur_period}; {prev_period}"
        )
        why = (
            f"only {fmt.plural(len(pairs), 'calendar month has', 'calendar months have')}"
            if pairs
            else "no calendar month has"
        ) + f" data in both periods ({periods}); a verdict needs at least {min_months}"
        return _untested(why, **common)
    first = _fit_pair(c_vals, p_vals, seasonal=True)
    odd = None
    if first.how == "exact":  # no GLM to measure over-dispersion: the history's, from the months before
        odd = _history_outlier(values, prev_months[-1], (*cur_months, *prev_months))
        first = _fit_pair(c_vals, p_vals, seasonal=True, exact_scale=_history_dispersion(values, prev_months[-1], odd))
    # no events in either period and the history a verdict needs: nothing to test (a history of zeros has no GLM
    # to measure how years differ, which read as "too few consecutive months")
    history_ok = sum(m <= cur_months[-1] for m in values) >= MIN_SERIAL_MONTHS
    fit = (
        first
        if first.how == "none" and history_ok
        else _allow_for_years(
            first, values, cm, pm, (cur_months[-1], fmt.shift_month(cur_months[0], -1)), population, breaks
        )
    )
    if fit is None:
        last = cur_months[-1]
        history = sum(m <= last for m in values)
        why = (
            f"{fmt.plural(history, 'month')} with data up to {fmt.month_label(last)}, and a verdict needs at least "
            f"{MIN_SERIAL_MONTHS}: with less, how much years differ on their own cannot be told from a real change"
            if history < MIN_SERIAL_MONTHS
            else _no_earlier_change(values, fmt.shift_month(cur_months[0], -1), breaks)
            or f"too few consecutive months with data up to {fmt.month_label(last)} to tell how much years differ "
            "on their own from a real change"
        )
        return _untested(why, **common)
    fit, residents, per_resident = _per_resident(fit, cm, pm, population, estimated_in, per)
    model, figures = _method(fit, len(pairs), cur_period, prev_period)
    if no_data:  # the months not compared for want of data, named (the basis counts them)
        model += f"; {no_data_words(no_data, most=6)}, so those months are not compared"
    if unlike:
        model += f"; {recording_words(changes)}: months recorded differently are not compared"
    if residents:
        model += f"; {residents}"
    if odd and fit.how == "exact":
        model += (
            f"; {fmt.month_label(odd)} ({fmt.number(values[odd])}) is far out of line with the other months up to "
            "the earlier period and is left out of their over-dispersion: check that month's data"
        )
    for c, p in left_out:
        model += (
            f"; {fmt.month_label(c)} against {fmt.month_label(p)} ({fmt.number(values[c])} against "
            f"{fmt.number(values[p])}) is far out of line with the other months and is left out: check that "
            "month's data"
        )
    significant = fit.how != "none" and fit.p_value < ALPHA
    if unlike:
        common["note"] = f"{recording_words(changes)}: months recorded differently are not compared"
    return Comparison(
        **common,
        rate_ratio=_f(fit.rate_ratio),
        ci_low=_f(fit.ci_low),
        ci_high=_f(fit.ci_high),
        p_value=None if fit.how == "none" else _f(fit.p_value),
        dispersion=_f(fit.dispersion),
        # the direction of what was tested: per resident when the residents changed, else the counts'
        verdict=_word(
            (fit.rate_ratio - 1) * 100 if per_resident else _direction(change, cmean, pmean),
            good_direction,
            significant,
        ),
        method=f"{model}; {figures}." if figures else f"{model}.",
        model=model,
        per_resident_change_pct=_f((fit.rate_ratio - 1) * 100) if per_resident else None,
        short_history=fit.how == "glm" and (fit.df < FEW_DF or 0 < fit.earlier_changes <= FEW_CHANGES),
        usual_move_pct=_f(fit.usual_move_pct) if fit.how == "glm" else None,
    )


def _per_resident(
    fit: _Fit,
    cm: Sequence[str],
    pm: Sequence[str],
    population: Mapping[int, float] | None,
    estimated_in: Mapping[int, int] | None = None,
    per: tuple[str, str] = ("resident", "residents"),
) -> tuple[_Fit, str, bool]:
    """The test per resident: a GLM's log rate ratio less the log of the ratio of the two periods' mean
    residents (an offset: the same counts from more people are a lower rate), with its standard error and
    degrees of freedom unchanged. `estimated_in` names, for a year without an estimate of its own, the year whose
    estimate stands in (ONS's estimates lag a year or two). Returns the fit, the words for the method, and
    whether rates were compared (words and False where one estimate stands in for both periods; '' and False
    where no estimate covers every month compared, or the test is not the GLM's)."""
    if not population or fit.how != "glm" or not cm:
        return fit, "", False
    pops = [population.get(int(m[:4])) for m in (*cm, *pm)]
    if any(p is None or not math.isfinite(p) or p <= 0 for p in pops):
        return fit, "", False
    years = sorted({int(m[:4]) for m in (*cm, *pm)})
    stand_in = {y: (estimated_in or {}).get(y, y) for y in years}
    carried = sorted(y for y in years if stand_in[y] != y)
    note = (
        f"{', '.join(map(str, carried))} {'takes' if len(carried) == 1 else 'take'} the estimate for "
        f"{', '.join(sorted({str(stand_in[y]) for y in carried}))}, the latest in population.csv"
        if carried
        else ""
    )
    now, before = float(np.mean(pops[: len(cm)])), float(np.mean(pops[len(cm) :]))
    if now == before:
        return (
            fit,
            f"{per[1]}: one estimate for both periods ({note or 'population.csv'}), so the test compares counts",
            False,
        )
    shift = math.log(now / before)
    # the same fit with the offset taken off its estimate: what it was judged against is kept whole (the earlier
    # changes' count was lost here, so a per-resident test on one or two earlier changes was never "too early to
    # tell": `Comparison.short_history`)
    g = _glm_fit(fit.log_rr - shift, fit.se, fit.df, fit.dispersion, fit.seasonal, fit.n_obs)
    fit = replace(fit, rate_ratio=g.rate_ratio, ci_low=g.ci_low, ci_high=g.ci_high, p_value=g.p_value, log_rr=g.log_rr)
    words = (
        f"per {per[0]}: {fmt.number(now)} {per[1]} against {fmt.number(before)} ({(now / before - 1) * 100:+.1f}%; "
        f"{note or 'population.csv'}), so the rate ratio and the test compare rates, not counts"
    )
    return fit, words, True


def compare_latest12(
    monthly: pd.DataFrame,
    *,
    indicator_id: str,
    area_code: str,
    good_direction: str,
    end_month: str | None = None,
    population: Mapping[int, float] | None = None,
    estimated_in: Mapping[int, int] | None = None,
    per: tuple[str, str] = PER_RESIDENT,
    recording: Sequence[tuple[str, str]] = (),
) -> Comparison:
    """The latest 12 months (ending at `end_month`, default the last month with data) against the same
    12 calendar months a year before, on the calendar months that have data in both (matched months).

    Fewer than `MIN_MONTHS` matched months gives "not enough data"; across a gap, different calendar
    months are never compared. The test is a quasi-Poisson GLM with a term for each calendar month; with
    `population` (residents by year), it compares rates per resident (see `_per_resident`). `recording`: the
    indicator's recording changes as (YYYY-MM, title); months recorded differently are never paired (`_compare`).
    """
    values = _series(monthly)
    if end_month:
        values = {m: v for m, v in values.items() if m <= end_month}
    if not values:
        return _no_comparison(indicator_id, area_code, good_direction, "latest12", "there is no month with data", per)
    last = end_month or max(values)
    cur = fmt.months_between(fmt.shift_month(last, -11), last)
    prev = [fmt.shift_month(m, -12) for m in cur]
    return _compare(
        values,
        cur,
        prev,
        indicator_id=indicator_id,
        area_code=area_code,
        good_direction=good_direction,
        compare="latest12",
        basis="the latest 12 months against the same months a year before",
        population=population,
        estimated_in=estimated_in,
        per=per,
        recording=recording,
    )


def compare_cycle(
    monthly: pd.DataFrame,
    cycles: pd.DataFrame,
    cycle_id: str,
    *,
    indicator_id: str,
    area_code: str,
    good_direction: str,
    last_month: str | None = None,
    population: Mapping[int, float] | None = None,
    estimated_in: Mapping[int, int] | None = None,
    per: tuple[str, str] = PER_RESIDENT,
    recording: Sequence[tuple[str, str]] = (),
) -> Comparison:
    """Plan cycle `cycle_id` against the cycle before it, month 1 with month 1, month 2 with month 2 ….

    While `cycle_id` is under way (its months after `last_month`, default the last month with data,
    have not happened yet): its months 1..n against months 1..n of the previous cycle, named "first n
    months of each cycle"; once it is complete, the whole cycles (as many months as the shorter has).
    Months not yet happened are counted in `months_not_yet`, never as missing data. `recording`: as for
    `compare_latest12`.
    """
    cyc = cycles.sort_values("start_month").reset_index(drop=True)
    idx = list(cyc.index[cyc["cycle_id"].astype(str) == str(cycle_id)])
    if not idx:
        raise ValueError(f"no plan cycle {cycle_id!r}")
    if idx[0] == 0:
        return _no_comparison(indicator_id, area_code, good_direction, "cycle", "there is no earlier plan cycle", per)
    cur, prev = cyc.iloc[idx[0]], cyc.iloc[idx[0] - 1]
    values = _series(monthly)
    last = last_month or (max(values) if values else None)
    months_cur = fmt.months_between(str(cur.start_month)[:7], str(cur.end_month)[:7])
    months_prev = fmt.months_between(str(prev.start_month)[:7], str(prev.end_month)[:7])
    happened = [m for m in months_cur if last and m <= last]
    # month i of one cycle is paired with the same calendar month of the other: when the cycles start in
    # different calendar months, the earlier cycle's months are taken from its first month of the same name
    shift = (int(months_cur[0][5:7]) - int(months_prev[0][5:7])) % 12 if months_cur and months_prev else 0
    aligned = months_prev[shift:]
    n = min(len(happened), len(aligned))
    whole = len(happened) == len(months_cur)
    if not happened:
        c = _no_comparison(
            indicator_id, area_code, good_direction, "cycle", f"plan cycle {cur.cycle_id} has not started yet", per
        )
        return replace(c, months_not_yet=len(months_cur))
    if n == 0:  # the earlier cycle holds none of the calendar months this one has reached
        why = (
            f"plan cycle {prev.cycle_id} ({fmt.period_label(months_prev[0], months_prev[-1])}) has none of the "
            f"calendar months {cur.cycle_id} has reached ({fmt.period_label(happened[0], happened[-1])}) to "
            "compare them with"
        )
        c = _no_comparison(indicator_id, area_code, good_direction, "cycle", why, per)
        return replace(c, months_not_yet=len(months_cur) - len(happened))
    if shift:
        basis = (
            f"{cur.cycle_id} against {prev.cycle_id}, {n} months matched by calendar month (the cycles start in "
            f"different months: {fmt.month_label(months_cur[0])} is set against {fmt.month_label(aligned[0])})"
        )
    elif whole and n == len(months_cur) == len(months_prev):
        basis = f"{cur.cycle_id} against {prev.cycle_id}, whole cycles"
    elif whole:
        basis = f"{cur.cycle_id} against {prev.cycle_id}, first {n} months of each cycle (the shorter cycle's length)"
    else:
        basis = f"{cur.cycle_id} against {prev.cycle_id}, first {n} months of each cycle"
    return _compare(
        values,
        happened[:n],
        aligned[:n],
        indicator_id=indicator_id,
        area_code=area_code,
        good_direction=good_direction,
        compare="cycle",
        basis=basis,
        months_not_yet=len(months_cur) - len(happened),
        population=population,
        estimated_in=estimated_in,
        per=per,
        recording=recording,
    )


def _no_comparison(indicator_id, area_code, good_direction, compare, note, per=PER_RESIDENT) -> Comparison:
    return _untested(
        note,
        per=per[0],
        indicator_id=indicator_id,
        area_code=area_code,
        compare=compare,
        good_direction=good_direction,
        current_period="no months",
        previous_period="no months",
        basis="",
        current_months=(),
        previous_months=(),
        current_months_with_data=0,
        previous_months_with_data=0,
        current_mean=None,
        previous_mean=None,
        change_pct=None,
    )


def adjust_family(
    comparisons: Sequence[Comparison], alpha: float = ALPHA, count_no_events: bool = False
) -> list[Comparison]:
    """The same comparisons with Benjamini–Hochberg adjusted p-values and verdicts, for a family shown together
    (statsmodels `multipletests(method="fdr_bh")`): the false discovery rate is kept at `alpha`. A comparison
    with no events in either period has no test and is not counted, unless `count_no_events` (a family holding
    figures withheld as small numbers: its size would say which had none), when it counts with p = 1."""
    none = [i for i, c in enumerate(comparisons) if c.p_value is None and c.verdict != "not enough data"]
    tested = [i for i, c in enumerate(comparisons) if c.tested or (count_no_events and i in none)]
    out = list(comparisons)
    if not tested:
        return out
    p_values = [1.0 if comparisons[i].p_value is None else comparisons[i].p_value for i in tested]
    _, p_adj, _, _ = multipletests(p_values, alpha=alpha, method="fdr_bh")
    reject = p_adj < alpha  # as a single verdict needs p < α (statsmodels rejects at ≤ α: 0.05 read "p = 0.0500")
    for j, i in enumerate(tested):
        c = comparisons[i]
        out[i] = replace(
            c,
            family_p_value=float(p_adj[j]),
            family_verdict=_word(c.tested_change, c.good_direction, bool(reject[j])),
            family_size=len(tested),
        )
    return out


# --------------------------------------------------------------------------- control limits

LIMITS_COVERAGE = 0.9973  # the usual 3-sigma coverage: 0.27% of ordinary months flagged
LIMITS_COVERAGE_Z = 1 - (1 - LIMITS_COVERAGE) / 2  # 99.865%: the upper quantile
MIN_MONTHS_FOR_LIMITS = 12
SEASONAL_MIN_MONTHS = 36  # three of each calendar month, so one unusual month cannot pass for the season
LIMITS_METHOD = (
    "Limits around each month's expected count from a quasi-Poisson GLM with a term for each calendar month (where "
    "there are 36 months or more with data) and a level for each plan cycle (and for the months after a recording "
    "change within one); the plan cycle under way is judged against the plan before's level and season carried "
    "forward, so a lasting change shows instead of moving its own line, unless recording changed between them (it "
    "then has a level of its own). Quantiles of a negative binomial with the months' over-dispersion (estimated "
    "with months far out of line set aside, so one spike does not widen every limit), or of a Poisson where there "
    "is none, at the usual 3 sigma (99.73%) of each month's departure from its expected count: widened for the "
    "uncertainty of what is carried forward and for the over-dispersion being itself estimated (Student's t), "
    "narrowed for how far an earlier month's own fit has followed it (its leverage); a usual summer peak is not a "
    "signal"
)
TRIM_Z = 3.5  # Pearson residuals beyond this many robust SDs are set aside when over-dispersion is estimated


def _robust_dispersion(y: np.ndarray, mu: np.ndarray, n_params: int) -> tuple[float, int]:
    """Pearson's dispersion (χ² over residual degrees of freedom) over the months within `TRIM_Z` robust SDs
    (1.4826 × the median absolute Pearson residual) of the fit, so a month far out of line, the very thing the
    limits are to show, does not widen them all; and its degrees of freedom (0: none to estimate it, φ = 1)."""
    r = (y - mu) / np.sqrt(np.maximum(mu, 1e-9))
    spread = 1.4826 * float(np.median(np.abs(r)))
    keep = np.abs(r) <= TRIM_Z * max(spread, 1.0)
    df = int(keep.sum()) - n_params
    return (float(np.sum(r[keep] ** 2) / df), df) if df > 0 else (1.0, 0)


def _outer_z(df: int) -> float:
    """The 3-sigma point for a month the fit has not seen, judged on φ estimated on `df` degrees of freedom:
    Student's t's 99.865% quantile (the normal's, 3.0, where φ is not estimated: df 0)."""
    return float(_st.t.ppf(LIMITS_COVERAGE_Z, df) if df > 0 else _st.norm.ppf(LIMITS_COVERAGE_Z))


def _inner_z(df: int) -> float:
    """The 3-sigma point for a month that took part in the fit, its residual standardised by a φ it helped
    estimate (an internally studentised residual): r²/df follows a Beta(½, (df − 1)/2), so the point is
    √(df × its 99.73% quantile), the same test as Student's t on the φ of the other months (df − 1). It is below
    3 (a month far out of line also widens its own φ) and tends to 3 as df grows."""
    if df <= 1:
        return float(_st.norm.ppf(LIMITS_COVERAGE_Z))
    return float(np.sqrt(df * _st.beta.ppf(LIMITS_COVERAGE, 0.5, (df - 1) / 2)))


def control_limits(
    monthly: pd.DataFrame, cycles: pd.DataFrame, data_end: str | None = None, breaks: Sequence[str] = ()
) -> pd.DataFrame:
    """Limits for each month: columns month, value, phase, centre (the expected count), lower, upper, signal.

    One quasi-Poisson GLM over every month with data: a level for each phase (plan cycle, or before / between /
    after cycles) and, with 36 or more months with data, a term for each calendar month. The months before the
    phase holding the last month (phase I) are judged against their own fit; when they number at least
    `MIN_MONTHS_FOR_LIMITS`, the last phase's months (phase II) are judged against the level of the phase before
    it and the season, carried forward, so a lasting rise or fall under the current plan is seen rather than
    absorbed by a level of its own (that level is still fitted, so it moves neither the season nor φ). Phase II's
    limits allow for the uncertainty of what is carried forward (the variance v of the predicted log mean, from the
    fit's covariance). The limits are quantiles of a negative binomial with that mean and variance φμ, or of a
    Poisson where there is no extra variance (`_robust_dispersion` φ ≤ 1), taken at ±z normal deviates, where
    z is the 3-sigma point of the month's departure from its expected count in units of the count's own spread:
    3 × √(1 + μ²v/φμ) in phase II, 3 × √(1 − h) in phase I (h its leverage: its own fit has followed it), with
    3 replaced, where φ is estimated, by Student's t's 99.865% point on φ's degrees of freedom (phase II) or the
    internally studentised residual's (phase I, `_inner_z`). So 0.27% of ordinary months are flagged in either
    phase, and the limits stay whole numbers. A phase I phase with fewer than 6 months of data gets no limits.
    `data_end` (the last month with data of any indicator) names the phase under way, so a lagging extract is
    judged against the same plan as the others. A recording change (`breaks`, the months from which each applies)
    starts a phase of its own ("2025-28, recorded from Oct 2025"), with a level of its own: the months after it are
    never judged against a level recorded the other way, so the change in recording is not flagged as a signal.
    """
    out = _checked(monthly)
    # the phase under way: the one holding the data's last month (of any indicator, `data_end`), else this
    # series' own last phase; named with the series' months, so a recording change within it splits it alike
    extra = pd.Series([data_end] if data_end else [], dtype=object)
    phases = _recorded_phases(pd.concat([out["month"], extra], ignore_index=True), cycles, breaks)
    out["phase"] = phases[: len(out)]
    out["centre"] = math.nan
    out["lower"] = math.nan
    out["upper"] = math.nan
    out["signal"] = ""
    have = out[out["value"].notna()]
    order = list(have.groupby("phase")["month"].min().sort_values().index)  # phases in time order
    current = phases[-1] if data_end else (order[-1] if order else None)
    # a recording change within the plan under way: its months before the change (recorded as the plan before's
    # were, under the plan's own name) are judged against the plan before carried forward, and those after it have
    # a level of their own, fitted (a real fall before the change is then seen, not absorbed by a level of its own)
    plain = current.split(RECORDED_FROM)[0] if isinstance(current, str) else current
    if plain != current and bool((have["phase"] == plain).any()):
        current = plain
    counts = have.groupby("phase")["value"].count()
    earlier = have[(have["phase"] != current) & have["phase"].map(counts).ge(6)]
    starts = have.groupby("phase")["month"].min()
    first_current = starts.get(current)
    prior = earlier[earlier["month"] < first_current] if first_current is not None else earlier
    alike = _recorded(breaks)
    phase_two = (
        len(prior) >= MIN_MONTHS_FOR_LIMITS
        and prior["value"].sum() > 0
        and first_current is not None
        # the level carried forward must be recorded as the phase under way is
        and alike(str(prior["month"].max())) == alike(str(first_current))
    )
    fit_on = (
        pd.concat([earlier, have[have["phase"] == current]]) if phase_two else have[have["phase"].map(counts).ge(6)]
    )
    if len(fit_on) < MIN_MONTHS_FOR_LIMITS or fit_on["value"].sum() == 0:
        out["dispersion"] = math.nan
        return out
    seasonal = len(fit_on) >= SEASONAL_MIN_MONTHS
    # With three years or more before it, the plan under way takes no part in the fit (its months cannot pull the
    # season or φ); with less, its months help estimate the season, beside a level of their own.
    alone = phase_two and len(earlier) >= SEASONAL_MIN_MONTHS
    fitted = earlier if alone else fit_on
    levels = [ph for ph in order if ph in set(fitted["phase"])]  # a level for each phase fitted
    months_present = sorted(fitted["month"].str.slice(5, 7).unique())
    # the plan before, carried forward: the last phase fitted that began before the one under way
    before = [ph for ph in levels if ph != current and starts[ph] < first_current][-1] if phase_two else None

    def design(rows: pd.DataFrame, carry: bool) -> np.ndarray:
        ph = rows["phase"].where(rows["phase"] != current, before) if carry else rows["phase"]
        moy = rows["month"].str.slice(5, 7)
        cols = [np.ones(len(rows))] + [(ph == p).to_numpy(float) for p in levels[1:]]
        if seasonal:
            cols += [(moy == mm).to_numpy(float) for mm in months_present[1:]]
        return np.column_stack(cols)

    X = design(fitted, carry=False)
    y = fitted["value"].to_numpy(float)
    res = _fit(sm.GLM(y, X, family=sm.families.Poisson()))
    phi, phi_df = _robust_dispersion(y, res.predict(X), X.shape[1])
    Xj = design(fit_on, carry=phase_two)
    mu = res.predict(Xj)
    # How far each month may stray from its expected count, relative to the count's own spread √(φμ): the
    # departure y − μ̂ has variance φμ(1 + μ·x̂'Cx̂ − 2μ·x̂'Cx), C the fit's unscaled covariance, x̂ the row the
    # month is predicted from and x its own row in the fit (0 for a month left out of it). In phase I x̂ = x and
    # μ·x'Cx is the month's leverage h: the fit has followed it, so the factor is 1 − h. In phase II (fitted
    # alone) it is 1 + μ²v/(φμ), the uncertainty of the level and season carried forward.
    cov = np.asarray(res.cov_params())
    in_fit = np.zeros((len(fit_on), X.shape[1]))
    rows = np.flatnonzero(fit_on.index.isin(fitted.index))
    in_fit[rows] = design(fit_on.iloc[rows], carry=False)
    spread = 1 + mu * (np.einsum("ij,jk,ik->i", Xj, cov, Xj) - 2 * np.einsum("ij,jk,ik->i", Xj, cov, in_fit))
    extra = phi > 1
    df = phi_df if extra else 0  # φ ≤ 1: a Poisson, nothing estimated
    z = np.where(in_fit.any(axis=1), _inner_z(df), _outer_z(df)) * np.sqrt(np.maximum(spread, 1e-9))
    q_lo, q_hi = _st.norm.cdf(-z), _st.norm.cdf(z)
    size = mu / (phi - 1) if extra else np.ones_like(mu)
    prob = size / (size + mu)
    lo = _st.nbinom.ppf(q_lo, size, prob) if extra else _st.poisson.ppf(q_lo, mu)
    hi = _st.nbinom.ppf(q_hi, size, prob) if extra else _st.poisson.ppf(q_hi, mu)
    idx = fit_on.index
    out.loc[idx, "centre"] = mu
    out.loc[idx, "lower"] = lo
    out.loc[idx, "upper"] = hi
    val = out.loc[idx, "value"]
    out.loc[idx, "signal"] = np.where(val > hi, "above", np.where(val < lo, "below", ""))
    out["dispersion"] = phi
    return out


RECORDED_FROM = ", recorded from "  # how a phase's months after a recording change within it are named


def _recorded_phases(months: pd.Series, cycles: pd.DataFrame, breaks: Sequence[str]) -> list[str]:
    """Each month's phase (`stats._phase_labels`), split where a recording change falls inside it: "2025-28,
    recorded from Oct 2025" for the months of 2025-28 from October 2025 on (a phase that starts after a change is
    recorded one way throughout and keeps its name). A phase starts at its first month among `months`."""
    labels = stats._phase_labels(months, cycles)
    starts: dict[str, str] = {}
    for m, label in zip(months, labels):
        starts[label] = min(starts.get(label, str(m)), str(m))
    b = sorted(breaks)
    out = []
    for m, label in zip(months, labels):
        i = bisect.bisect_right(b, str(m))
        out.append(f"{label}{RECORDED_FROM}{fmt.month_label(b[i - 1])}" if i and b[i - 1] > starts[label] else label)
    return out


# --------------------------------------------------------------------------- funnel

FUNNEL_REF = "Spiegelhalter (2005), 'Funnel plots for comparing institutional performance', Statistics in Medicine 24"
# Below this many areas the between-area over-dispersion cannot be estimated: φ from k z-scores has a relative
# standard error of about √(2 ÷ (k − 1)) (over 50% below 10 areas; 100% for 3), and with real between-area
# variation exact Poisson limits would call most areas unusual. A smaller group is drawn, but no area is judged.
MIN_FUNNEL_AREAS = 10  # areas expecting at least SMALL_EXPECTED events
PLN_BELOW = 1000.0  # expected events below which over-dispersed funnel limits also hold the model's count quantiles
SMALL_EXPECTED = 5.0
NOT_JUDGED = "not judged"


WINSOR_TAIL = 0.1  # the share of z-scores winsorised at each end (Spiegelhalter 2005)
_Q = float(_st.norm.ppf(1 - WINSOR_TAIL))
# E[z²] of a standard normal winsorised at ±q: (1 − 2·tail − 2·q·φ(q)) + 2·tail·q² = 0.679 at 10%. Dividing by it
# makes the estimate consistent: without it the areas' variation is under-read by a third and limits too narrow.
WINSOR_CONSISTENCY = (1 - 2 * WINSOR_TAIL - 2 * _Q * float(_st.norm.pdf(_Q))) + 2 * WINSOR_TAIL * _Q**2


def _between_areas(k: np.ndarray, expected: np.ndarray) -> tuple[float, float, float]:
    """How much more the areas differ than chance allows. Each area's z-score on the log scale, log(O ÷ E)·√E
    (0.5 added to O and E when an area has no events), is winsorised at 10% at each end, so that the areas
    being judged cannot widen the limits that judge them (Spiegelhalter 2005, §6), and the mean of the squared
    winsorised z-scores, divided by its value for normal z-scores (`WINSOR_CONSISTENCY`), is φ. Returns (φ,
    the p-value of Pearson's χ² (Σ (O − E)² ÷ E) on areas − 1 degrees of freedom, τ²: the variance of the log
    rate between areas that makes the z-scores standardised by √(1 ÷ E + τ²) have, winsorised and made
    consistent, a variance of 1 (Paule & Mandel's equation, solved with scipy's brentq; 0 when φ ≤ 1))."""
    zero = k <= 0
    e = np.where(zero, expected + 0.5, expected)
    z = np.log(np.where(zero, k + 0.5, k) / e) * np.sqrt(e)
    lo, hi = np.quantile(z, [WINSOR_TAIL, 1 - WINSOR_TAIL])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2)) / WINSOR_CONSISTENCY
    areas = len(k)
    # the test of whether areas differ at all is Pearson's χ² (Σ (O − E)² ÷ E, not winsorised) on areas − 1
    # degrees of freedom: areas × the winsorised φ is not χ² (it rejected 7-13% of groups with no real variation)
    p_het = float(_st.chi2.sf(float(np.sum((k - expected) ** 2 / expected)), areas - 1))
    if phi <= 1:
        return phi, p_het, 0.0

    def excess(tau2: float) -> float:
        """How far the z-scores standardised by their whole spread, √(1 ÷ E + τ²), winsorised and made consistent,
        are from a variance of 1: a robust Paule-Mandel equation (winsorising the raw z-scores instead clips the
        large areas' z-scores, which carry the information about τ²)."""
        zs = z / np.sqrt(1.0 + e * tau2)
        a, b = np.quantile(zs, [WINSOR_TAIL, 1 - WINSOR_TAIL])
        return float(np.mean(np.clip(zs, a, b) ** 2)) / WINSOR_CONSISTENCY - 1.0

    top = 1.0
    while excess(top) > 0 and top < 1e6:
        top *= 10
    tau2 = float(_brentq(excess, 0.0, top)) if excess(top) <= 0 else top
    return phi, p_het, tau2


def _typical_rate(k: np.ndarray, n: np.ndarray, p0: float, tau2: float) -> tuple[float, float, float]:
    """The centre of the funnel where the areas differ by more than chance: the typical area's rate θ under the
    additive random effect the limits allow for (log rate = log θ + u, u of variance τ²), the mean of the areas' log
    rates weighted by 1 ÷ (1 ÷ expected + τ²), over the areas whose z-scores about it (standardised by
    √(1 + E·τ²)) are not among the most extreme 10% at either end (at least one each end: the areas being judged
    cannot move the centre that judges them, as winsorising keeps them from widening the limits), with τ²
    (`_between_areas`) re-estimated about it until both settle. The pooled rate Σ counts ÷ Σ person-years weights
    each area by its size: an area three times the others' size at twice their rate pulled it a fifth of the way to
    its own, every other area's z-score to −9 or below, φ to 196, and the limits wide enough to hold that area
    itself (an outside statistician); untrimmed, a weighted mean of every area did the same wherever the areas were
    otherwise alike (τ² about it fell to 0, the weights became the sizes: a second statistician). Returns (θ, φ,
    τ²); τ² 0 where, about θ, the areas other than the most extreme vary no more than chance."""
    zero = k <= 0
    y = np.log(np.where(zero, 0.5, k) / n)  # a zero count as half an event, as `_between_areas` takes it
    cut = max(1, int(WINSOR_TAIL * len(k)))
    phi, seen = math.nan, set()
    for _ in range(100):
        e = p0 * n
        ee = np.where(zero, e + 0.5, e)
        z = np.log(np.where(zero, k + 0.5, k) / ee) * np.sqrt(ee) / np.sqrt(1.0 + ee * tau2)
        keep = np.zeros(len(k), dtype=bool)
        keep[np.argsort(z, kind="stable")[cut : len(k) - cut]] = True
        w = 1.0 / (1.0 / e + tau2)
        centre = float(np.exp(np.sum((w * y)[keep]) / np.sum(w[keep])))
        phi, _p, again = _between_areas(k, centre * n)
        settled = abs(math.log(centre / p0)) < 1e-9 and abs(again - tau2) <= 1e-12 + 1e-6 * tau2
        state = (keep.tobytes(), round(math.log(centre), 8), round(again, 10))
        p0, tau2 = centre, again
        if settled or state in seen:  # settled, or back where it was (two sets of areas taking turns)
            break
        seen.add(state)
    return p0, phi, tau2


def funnel(rates: pd.DataFrame, *, indicator_id: str, period: str, per: float = 1000.0, points: int = 200) -> Funnel:
    """Funnel plot from one row per area: area_code, area_name, is_partnership, total, person_years.

    Limits around the group rate p0 = Σ counts ÷ Σ person-years where the areas differ by chance alone (exact
    Poisson limits). Where they differ by more (Pearson's χ² above the 95th percentile of χ² on areas − 1 degrees
    of freedom, `_between_areas`), around the typical area's rate (`_typical_rate`: a large area far out cannot
    pull it to itself), and where, the most extreme set aside, the rest still differ, the limits allow for the real
    variation between similar areas as an additive random effect (Spiegelhalter 2005, §6): on the log scale,
    log p0 ± t·√(1 ÷ expected + τ²), with τ² the variance between areas (`_between_areas`) and t Student's
    quantile on Welch-Satterthwaite degrees of freedom (τ² is estimated from the areas), never inside the model's
    own count quantiles at small counts; so the limits of a large area do not shrink onto the centre, as a
    multiplicative φ makes them do; else exact Poisson limits around the typical rate. `position` is where each
    area falls against the 99.8% limits as drawn. With fewer than `MIN_FUNNEL_AREAS` areas the variation between
    them is not estimated (`dispersion` None): the limits drawn are exact Poisson ones and every position is "not
    judged".
    """
    df = rates.dropna(subset=["total", "person_years"]).copy()
    df = df[df["person_years"] > 0]
    wrong = df[(df["total"].astype(float) < 0) | ~np.isfinite(df[["total", "person_years"]].astype(float)).all(axis=1)]
    if len(wrong):  # a NaN group rate and every area "within" its limits, or one area "below" for a negative count
        r = wrong.iloc[0]
        raise ValueError(
            f"area {r['area_code']}: total {r['total']} over {r['person_years']} person-years is not a count"
        )
    if df.empty:
        return Funnel(indicator_id, period, None, None, (), pd.DataFrame(), "No funnel: no area has a rate.")
    k = df["total"].astype(float).to_numpy()
    n = df["person_years"].astype(float).to_numpy()
    p0 = pooled = float(k.sum() / n.sum())
    # an area expecting fewer than SMALL_EXPECTED events has a log-scale z-score far from normal: it does not
    # count towards the estimate of the variation between areas
    big = p0 * n >= SMALL_EXPECTED
    judged = int(big.sum()) >= MIN_FUNNEL_AREAS and p0 > 0
    phi, p_het, tau2 = _between_areas(k[big], p0 * n[big]) if judged else (None, None, 0.0)
    typical = judged and p_het < 0.05  # areas that differ beyond chance: centred where the typical area is
    if typical:
        p0, phi, tau2 = _typical_rate(k[big], n[big], p0, tau2)
    over = typical and tau2 > 0  # beyond the most extreme, they still differ: the limits allow for it
    n_between = int(big.sum())  # the areas τ² is estimated from

    def limits(level: float, exposure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not over:
            return stats.funnel_limits(p0, exposure, level, "poisson")
        # τ² is estimated from the areas: the quantile is Student's t on Welch-Satterthwaite degrees of freedom,
        # areas − 1 where τ² is all the variance, more as chance (1 ÷ expected) takes a larger share of it
        # (with the normal quantile, 0.3-0.7% of areas drawn from the model fell outside the 99.8% limits)
        share = 1.0 + 1.0 / (p0 * exposure * tau2)
        zq = _st.t.ppf(1 - (1 - level) / 2, (n_between - 1) * share**2)
        half = zq * np.sqrt(1.0 / (p0 * exposure) + tau2)
        lo, hi = p0 * np.exp(-half), p0 * np.exp(half)
        # and, below PLN_BELOW expected events, never inside the quantiles of the count the model itself gives (a
        # Poisson count whose log rate varies by τ², interpolated between whole counts as Spiegelhalter's Poisson
        # ones are): on the log scale a small count is far from normal, and below about 15 expected events the
        # log-normal lower limit called 0 to 2 events "below" 1.4-5.5% of the time against the 0.1% it stands for
        # (an outside statistician; it switched to a negative binomial below 5 expected, so a 0 at 5.0 was
        # "below", at 4.99 not). A negative binomial everywhere drew the lower limits at large counts too (a
        # gamma's lower tail is longer than the log-normal's): half the false "below"s due (a second statistician).
        # From PLN_BELOW up the two differ by under 0.2% and Student's t keeps the log-normal limits the wider.
        small = p0 * exposure < PLN_BELOW
        if small.any():
            pl_lo, pl_hi = stats.funnel_limits(p0, exposure[small], level, "poisson-lognormal", tau2)
            lo, hi = lo.copy(), hi.copy()
            lo[small], hi[small] = np.minimum(lo[small], pl_lo), np.maximum(hi[small], pl_hi)
        return lo, hi

    grid = np.unique(np.concatenate([np.geomspace(n.min() * 0.5, n.max() * 1.25, points), n]))
    curve = pd.DataFrame({"exposure": grid})
    for level, tag in ((0.95, "95"), (0.998, "998")):
        lo, hi = limits(level, grid)
        curve[f"lo_{tag}"], curve[f"hi_{tag}"] = lo * per, hi * per
    lo95, hi95 = limits(0.95, n)
    lo998, hi998 = limits(0.998, n)
    r = k / n

    def where(i: int, lo: np.ndarray, hi: np.ndarray) -> str:
        if not judged:
            return NOT_JUDGED
        return "above" if r[i] > hi[i] else "below" if r[i] < lo[i] else "within"

    areas = []
    for i, row in enumerate(df.itertuples()):
        areas.append(
            AreaPosition(
                area_code=str(row.area_code),
                area_name=str(row.area_name),
                is_partnership=bool(getattr(row, "is_partnership", False)),
                count=float(k[i]),
                person_years=float(n[i]),
                rate_per_1000=_f(r[i] * per),
                position=where(i, lo998, hi998),
                position_95=where(i, lo95, hi95),
            )
        )
    why = ""
    if not judged:
        why = (
            "no area has any events, so there is no group rate to compare with"
            if p0 <= 0
            else f"with {int(big.sum())} of the {len(df)} areas expecting {SMALL_EXPECTED:g} events or more, fewer "
            f"than {MIN_FUNNEL_AREAS}, the variation between similar areas cannot be estimated"
        )
        method = (
            f"Funnel limits (95% and 99.8%) from exact Poisson quantiles around the group rate, showing chance "
            f"variation alone: {why}, so no area is judged above or below them ({FUNNEL_REF})"
        )
    elif over:
        method = (
            f"Funnel limits (95% and 99.8%) around the typical rate of the areas, widened for the real variation "
            f"between similar areas (the typical rate {p0 * per:,.1f} per 1,000 a year, the random-effects mean of "
            f"their log rates, so a large area far out cannot pull the centre to itself; all their counts together "
            f"give {pooled * per:,.1f}; over-dispersion: the areas vary {phi:.1f} times as much as chance alone, "
            f"from z-scores winsorised at 10% and made consistent; between-area SD of the rate "
            f"{math.sqrt(tau2) * 100:.0f}%, as an additive random effect on the log rate, with Student's t for its "
            f"estimate from {n_between} areas, and for small counts never inside the model's own count quantiles). "
            f"After {FUNNEL_REF}, §6, which centres the limits on the pooled rate and takes the winsorised mean as "
            "it is, the DerSimonian–Laird estimate and normal limits: docs/statistics.md says why each is changed "
            "(an area far out masking itself; a third of the variation under-read; the few areas' uncertainty and "
            "small counts' skew ignored)"
        )
    else:
        method = (
            f"Funnel limits (95% and 99.8%) from exact Poisson quantiles around the group rate; the areas vary "
            f"no more than chance allows (Pearson's χ² {fmt.p_value(p_het)}; φ = {phi:.1f} from z-scores winsorised "
            f"at 10%), so no allowance for over-dispersion ({FUNNEL_REF})"
            if p_het >= 0.05
            else f"Funnel limits (95% and 99.8%) from exact Poisson quantiles around the typical rate of the areas: "
            f"the counts vary more than chance by Pearson's χ² ({fmt.p_value(p_het)}), but once the most extreme "
            f"areas are set aside the rest vary no more than chance allows (the typical rate {p0 * per:,.1f} per "
            f"1,000 a year, their weighted mean with the most extreme 10% at each end left out; all the areas' counts "
            f"together give {pooled * per:,.1f}; z-scores winsorised at 10%, φ = {phi:.1f}), so no allowance for "
            f"over-dispersion: the areas outside are the ones that differ ({FUNNEL_REF})"
        )
    return Funnel(
        indicator_id=indicator_id,
        period=period,
        group_rate_per_1000=_f(p0 * per),
        dispersion=phi,
        areas=tuple(areas),
        curve=curve,
        method=method,
        not_judged=why,
        centre="typical rate" if typical else "group rate",
        pooled_rate_per_1000=_f(pooled * per),
    )


__all__ = [
    "ALPHA",
    "MIN_MONTHS",
    "VERDICTS",
    "NEUTRAL_VERDICTS",
    "FAMILY_NOTE",
    "LIMITS_METHOD",
    "FUNNEL_REF",
    "MIN_FUNNEL_AREAS",
    "NOT_JUDGED",
    "Comparison",
    "AreaPosition",
    "Funnel",
    "compare_latest12",
    "compare_cycle",
    "adjust_family",
    "control_limits",
    "funnel",
]
