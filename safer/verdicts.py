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

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import pandas as pd
from statsmodels.stats.multitest import multipletests

from . import stats

ALPHA = 0.05  # two-sided significance level of one verdict, and the false discovery rate of a family
MIN_MONTHS = 9  # a 12-month window with fewer months with data gets "not enough data"

VERDICTS = ("better", "worse", "no clear change", "not enough data")
NEUTRAL_VERDICTS = ("up", "down", "no clear change", "not enough data")  # good_direction = neither

COMPARE_KINDS = ("latest12", "cycle")

FAMILY_NOTE = (
    "Several verdicts are shown together, so each p-value is adjusted for the false discovery rate "
    "(Benjamini–Hochberg, 5%)."
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
    family_p_value: float | None = None  # Benjamini–Hochberg adjusted, when shown among many
    family_verdict: str | None = None
    family_size: int | None = None

    @property
    def shown_verdict(self) -> str:
        """The verdict a screen shows: the family's when the verdict is shown among many."""
        return self.family_verdict if self.family_verdict is not None else self.verdict

    @property
    def shown_p_value(self) -> float | None:
        return self.family_p_value if self.family_p_value is not None else self.p_value

    def to_json(self) -> dict:
        """The fields `python -m safer explain --json` prints (no NaN: None instead)."""
        d = asdict(self)
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
    position: str  # "above" | "within" | "below" the 99.8% limits as drawn
    position_95: str  # "above" | "within" | "below" the 95% limits as drawn


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the areas, the limit curves, and the words that go with them."""

    indicator_id: str
    period: str
    group_rate_per_1000: float | None
    dispersion: float | None  # between-area over-dispersion allowed for (1 = none)
    areas: tuple[AreaPosition, ...]
    curve: pd.DataFrame  # exposure (person-years), lo_95, hi_95, lo_998, hi_998 (per 1,000)
    method: str


# --------------------------------------------------------------------------- helpers


def _period_text(first: str | None, last: str | None) -> str:
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


def _f(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- comparisons


def compare_latest12(
    monthly: pd.DataFrame, *, indicator_id: str, area_code: str, good_direction: str, end_month: str | None = None
) -> Comparison:
    """The latest 12 months (ending at `end_month`, default the last month with data) against the 12 before.

    PROVISIONAL implementation (E-test with a flat-mean dispersion): to be replaced by the seasonal,
    matched-month model of issue 9. The fields and their meanings stay.
    """
    df = monthly[["month", "value"]].copy()
    if end_month:
        df = df[df["month"].astype(str) <= end_month]
    ch = stats.change_between(df)
    n_cur, n_prev = int(ch["latest_months_with_data"]), int(ch["previous_months_with_data"])
    comp = ch["comparison"]
    enough = n_cur >= MIN_MONTHS and n_prev >= MIN_MONTHS
    change = _f(ch["change_pct"])
    verdict = _word(change, good_direction, bool(comp.beyond_chance)) if enough else "not enough data"
    cur = tuple(
        m for m, v in zip(df["month"], df["value"]) if ch["latest_first_month"] and ch["latest_first_month"] <= m
    )
    return Comparison(
        indicator_id=indicator_id,
        area_code=area_code,
        compare="latest12",
        good_direction=good_direction,
        current_period=_period_text(ch["latest_first_month"], ch["last_month"]),
        previous_period=_period_text(ch["previous_first_month"], ch["previous_last_month"]),
        basis="the latest 12 months against the 12 months before",
        current_months=cur,
        previous_months=(),
        current_months_with_data=n_cur,
        previous_months_with_data=n_prev,
        current_mean=_f(ch["latest_mean"]),
        previous_mean=_f(ch["previous_mean"]),
        change_pct=change,
        rate_ratio=_f(comp.rate_ratio),
        ci_low=None,
        ci_high=None,
        p_value=_f(comp.p_adjusted),
        dispersion=_f(ch["dispersion"]),
        verdict=verdict,
        method=comp.method,
        note="" if enough else f"fewer than {MIN_MONTHS} of 12 months with data",
    )


def compare_cycle(
    monthly: pd.DataFrame,
    cycles: pd.DataFrame,
    cycle_id: str,
    *,
    indicator_id: str,
    area_code: str,
    good_direction: str,
) -> Comparison:
    """Plan cycle `cycle_id` against the cycle before it, on matched months.

    While `cycle_id` is under way: its months 1..n (n = months that have happened, up to the last month
    with data) against months 1..n of the previous cycle, named "first n months of each cycle"; once both
    cycles are complete, the whole cycles. Months that have not happened yet are counted in `months_not_yet`,
    never as missing data.

    PROVISIONAL implementation: to be replaced by the seasonal model of issue 9.
    """
    cyc = cycles.sort_values("start_month").reset_index(drop=True)
    idx = cyc.index[cyc["cycle_id"] == cycle_id]
    df = monthly[["month", "value"]].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    if len(idx) == 0 or idx[0] == 0:
        return _no_comparison(indicator_id, area_code, good_direction, "cycle", "there is no earlier plan cycle")
    cur, prev = cyc.iloc[idx[0]], cyc.iloc[idx[0] - 1]
    has = df[df["value"].notna()]
    last = str(has["month"].max()) if len(has) else None
    months_cur = _months(cur.start_month, cur.end_month)
    happened = [m for m in months_cur if last and m <= last]
    n = len(happened)
    months_prev = _months(prev.start_month, prev.end_month)[:n]
    vals = dict(zip(df["month"].astype(str), df["value"]))
    cm = tuple(m for m in happened if pd.notna(vals.get(m)))
    pm = tuple(m for m in months_prev if pd.notna(vals.get(m)))
    ct, pt = sum(vals[m] for m in cm), sum(vals[m] for m in pm)
    cmean = float(ct / len(cm)) if cm else None
    pmean = float(pt / len(pm)) if pm else None
    change = (cmean - pmean) / pmean * 100 if (cmean is not None and pmean) else None
    comp = stats.compare_rates(pt, len(pm), ct, len(cm))
    enough = len(cm) >= MIN_MONTHS and len(pm) >= MIN_MONTHS
    whole = n == len(months_cur)
    return Comparison(
        indicator_id=indicator_id,
        area_code=area_code,
        compare="cycle",
        good_direction=good_direction,
        current_period=_period_text(happened[0] if happened else None, happened[-1] if happened else None),
        previous_period=_period_text(months_prev[0] if months_prev else None, months_prev[-1] if months_prev else None),
        basis=f"{cur.cycle_id} against {prev.cycle_id}, "
        + ("whole cycles" if whole else f"first {n} months of each cycle"),
        current_months=cm,
        previous_months=pm,
        current_months_with_data=len(cm),
        previous_months_with_data=len(pm),
        current_mean=cmean,
        previous_mean=pmean,
        change_pct=change,
        rate_ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=_f(comp.p_value),
        dispersion=None,
        verdict=_word(change, good_direction, bool(comp.beyond_chance)) if enough else "not enough data",
        method=comp.method,
        note="" if enough else f"fewer than {MIN_MONTHS} months with data in a period",
        months_not_yet=len(months_cur) - n,
    )


def _months(first: str, last: str) -> list[str]:
    out = []
    y, m = int(str(first)[:4]), int(str(first)[5:7])
    while f"{y:04d}-{m:02d}" <= str(last)[:7]:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _no_comparison(indicator_id, area_code, good_direction, compare, note) -> Comparison:
    return Comparison(
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
        rate_ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        dispersion=None,
        verdict="not enough data",
        method="No test: " + note + ".",
        note=note,
    )


def adjust_family(comparisons: Sequence[Comparison], alpha: float = ALPHA) -> list[Comparison]:
    """The same comparisons with Benjamini–Hochberg adjusted p-values and verdicts (shown together)."""
    tested = [i for i, c in enumerate(comparisons) if c.p_value is not None and c.verdict != "not enough data"]
    out = list(comparisons)
    if not tested:
        return out
    reject, p_adj, _, _ = multipletests([comparisons[i].p_value for i in tested], alpha=alpha, method="fdr_bh")
    for j, i in enumerate(tested):
        c = comparisons[i]
        out[i] = replace(
            c,
            family_p_value=float(p_adj[j]),
            family_verdict=_word(c.change_pct, c.good_direction, bool(reject[j])),
            family_size=len(tested),
        )
    return out


# --------------------------------------------------------------------------- control limits

LIMITS_METHOD = stats.LIMITS_METHODS["laney"]


def control_limits(monthly: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    """Limits for each month: columns month, phase, centre (the expected count), lower, upper, signal.

    PROVISIONAL (Laney c'-chart per cycle): to be replaced by limits around the seasonal expectation.
    """
    return stats.control_limits(monthly[["month", "value"]], cycles)


# --------------------------------------------------------------------------- funnel


def funnel(rates: pd.DataFrame, *, indicator_id: str, period: str, per: float = 1000.0) -> Funnel:
    """Funnel plot from one row per area: area_code, area_name, is_partnership, total, person_years.

    PROVISIONAL (exact Poisson limits, no over-dispersion): to be replaced by Spiegelhalter (2005)
    limits adjusted for between-area over-dispersion.
    """
    f = stats.funnel(rates, per=per)
    areas = []
    for r in f["areas"].itertuples():
        pos = str(r.position)
        areas.append(
            AreaPosition(
                area_code=str(r.area_code),
                area_name=str(r.area_name),
                is_partnership=bool(getattr(r, "is_partnership", False)),
                count=float(r.total),
                person_years=float(r.person_years),
                rate_per_1000=_f(r.rate),
                position="above" if pos == "above 99.8%" else "below" if pos == "below 99.8%" else "within",
                position_95="above" if pos.startswith("above") else "below" if pos.startswith("below") else "within",
            )
        )
    return Funnel(
        indicator_id=indicator_id,
        period=period,
        group_rate_per_1000=_f(f["group_rate"]),
        dispersion=None,
        areas=tuple(areas),
        curve=f["curve"],
        method=f["method"],
    )


__all__ = [
    "ALPHA",
    "MIN_MONTHS",
    "VERDICTS",
    "NEUTRAL_VERDICTS",
    "FAMILY_NOTE",
    "LIMITS_METHOD",
    "Comparison",
    "AreaPosition",
    "Funnel",
    "compare_latest12",
    "compare_cycle",
    "adjust_family",
    "control_limits",
    "funnel",
]
