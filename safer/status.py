"""A target's status (on track / at risk / off track), worked out from a rule stored in the data.

Pure functions: pandas in, plain values out. No Streamlit, no DuckDB.

The rule (a row of `status_rules.csv`) and the figures are combined like this:

* **latest value**: the monthly mean of the latest 12 calendar months, ending at the cycle's last month
  or at the indicator's last month with data, whichever is earlier (``stats.change_between``, so months
  with no data are left out, never counted as 0);
* **progress** = (latest - baseline) / (target - baseline) x 100: 0% at the baseline, 100% at the target,
  negative when the latest value is worse than the baseline. The target says which way is better, so the
  same formula serves indicators where lower is better and where higher is better;
* **status**: ``on track`` when progress >= the rule's ``on_track_min_progress_pct``; ``at risk`` when
  progress >= ``at_risk_min_progress_pct``; ``off track`` below that.

Nothing is guessed: a cycle that has not started is ``not started``; no target is ``no target``; no
baseline is ``no baseline``; no rule is ``no rule``; none of the latest 12 months with data is ``no data``;
fewer months with data than the rule needs is ``not enough data`` (the word the verdicts use). A target equal to its
baseline ("hold steady") has no progress percentage: it is on track when the latest value is at the target or
better in the indicator's good direction, else off track.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence

import pandas as pd

from . import fmt, stats, verdicts

__all__ = ["STATUSES", "assess", "progress_pct", "status_from_progress", "RULE_METHOD"]

# word -> (symbol, colour). The word and symbol carry the meaning, never the colour alone (Okabe-Ito).
STATUSES = {
    "too early to tell": ("?", "#595959"),
    "on track": ("✔", "#009E73"),
    "at risk": ("⚠", "#E69F00"),
    "off track": ("✖", "#D55E00"),
    "no data": ("○", "#595959"),
    "not enough data": ("○", "#595959"),  # some months, fewer than the rule needs (the verdicts' word for it)
    "no baseline": ("○", "#595959"),
    "no target": ("○", "#595959"),
    "no rule": ("○", "#595959"),
    "not started": ("○", "#595959"),
    "not comparable": ("○", "#595959"),  # recording changed between the baseline and the latest months
}

RULE_METHOD = (
    "Progress = (latest − baseline) ÷ (target − baseline) × 100: 0% at the baseline, 100% at the target, "
    "negative when worse than the baseline. Latest = mean per month of the latest 12 calendar months (to the "
    "cycle's end for a finished cycle), over those of them with data: a month with no data is left out, never "
    "counted as 0, and not replaced by an earlier month (a rule names how many of the 12 it needs); with some "
    "missing, each month with data is weighted by its calendar month's share of a year in the 3 years before, so "
    "the months left are not read as a whole year's."
)


def _num(x) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return math.nan
    return f if math.isfinite(f) else math.nan


def progress_pct(latest: float, baseline: float, target: float) -> float:
    """(latest - baseline) / (target - baseline) x 100; nan when any is missing or target == baseline."""
    latest, baseline, target = _num(latest), _num(baseline), _num(target)
    if math.isnan(latest) or math.isnan(baseline) or math.isnan(target) or target == baseline:
        return math.nan
    return (latest - baseline) / (target - baseline) * 100.0


def status_from_progress(progress: float, on_track_min: float, at_risk_min: float) -> str:
    """The status word for a progress percentage under a rule's two thresholds."""
    if progress >= on_track_min:
        return "on track"
    if progress >= at_risk_min:
        return "at risk"
    return "off track"


def _result(status: str, reason: str, **figures) -> dict:
    symbol, colour = STATUSES[status]
    out = {
        "status": status,
        "symbol": symbol,
        "colour": colour,
        "reason": reason,
        "latest_mean": math.nan,
        "latest_first_month": None,
        "latest_last_month": None,
        "latest_months_with_data": 0,
        "progress_pct": math.nan,
    }
    out.update(figures)
    return out


def assess(
    monthly: pd.DataFrame,
    baseline,
    target,
    rule: dict | None,
    good_direction: str = "down",
    cycle_start: str | None = None,
    cycle_end: str | None = None,
    recording: Sequence[tuple[str, str]] = (),
    baseline_period: str | None = None,
) -> dict:
    """Status of one target.

    ``monthly``: the ``monthly`` query result (``month`` YYYY-MM, ``value`` NULL for a month with no data),
    one row per calendar month from the indicator's first to its last month with data.
    ``rule``: a ``status_rules.csv`` row as a dict (``on_track_min_progress_pct``,
    ``at_risk_min_progress_pct``, ``min_months_with_data``), or None.

    ``recording``: the indicator's recording changes as (YYYY-MM from which each applies, title); one after the
    baseline's first month (``baseline_period``'s earliest month, else the 12 months before ``cycle_start``) and
    at or before the latest month makes the status "not comparable": the latest months are not recorded as the
    baseline was (a new definition counting more read as "off track").

    Returns ``status``, ``symbol``, ``colour``, ``reason`` (a sentence), ``latest_mean``,
    ``latest_first_month``, ``latest_last_month``, ``latest_months_with_data`` and ``progress_pct``.
    """
    df = monthly[["month", "value"]].copy()
    df["month"] = df["month"].astype(str).str.slice(0, 7)
    df = df.sort_values("month")
    last_overall = df.loc[df["value"].notna(), "month"].max() if df["value"].notna().any() else None
    if cycle_start and (last_overall is None or cycle_start > last_overall):
        return _result("not started", "The cycle starts after the last month with data.")
    if cycle_end:
        df = df[df["month"] <= cycle_end]
    if df.empty or not df["value"].notna().any():
        return _result("no data", "No month with data up to the cycle's end.")
    # the 12 calendar months to the cycle's end (or to the latest month with data): a finished cycle whose last
    # month has no data is judged on the months of its last 12 that have, as a gap anywhere else is (it read "no
    # data" with 11 of 12 months, where 8 of 12 ending in a month with data read "not enough data")
    as_of = df["month"].iloc[-1]
    ch = stats.change_between(df, end=as_of)
    if not ch["latest_months_with_data"]:
        return _result(
            "no data",
            f"None of the 12 months {ch['latest_first_month']} to {as_of} has data, so there is no current value.",
            latest_last_month=as_of,
        )
    figures = {
        "latest_mean": ch["latest_mean"],
        "latest_first_month": ch["latest_first_month"],
        "latest_last_month": ch["last_month"],
        "latest_months_with_data": ch["latest_months_with_data"],
    }
    baseline, target = _num(baseline), _num(target)
    if math.isnan(target):
        return _result("no target", "No target is set for this indicator in this cycle.", **figures)
    if math.isnan(baseline):
        return _result(
            "no baseline", "No baseline is recorded, so progress towards the target cannot be measured.", **figures
        )
    if rule is None:
        return _result("no rule", "No rule in status_rules.csv applies to this target.", **figures)
    need = int(rule["min_months_with_data"])
    have = ch["latest_months_with_data"]
    if have < need:
        return _result(
            "not enough data",
            f"Only {have} of the 12 months {ch['latest_first_month']} to {ch['last_month']} "
            f"have data; the rule needs {need}.",
            **figures,
        )
    since = _period_start(baseline_period) or (fmt.shift_month(cycle_start[:7], -12) if cycle_start else None)
    changed = [(m, t) for m, t in recording if since and since < m <= ch["last_month"]]
    if changed:
        return _result(
            "not comparable",
            "R"
            + f"{verdicts.recording_words(changed)}, after the baseline"[1:]
            + (f" ({baseline_period})" if baseline_period else "")
            + " began: the latest months are not recorded as the baseline was, so progress towards the target "
            "cannot be measured.",
            **figures,
        )
    seasonal = season_adjusted(df, ch)
    if seasonal is not None:  # months missing from the latest 12: the mean of those with data, for the season
        ch = ch | {"latest_mean": seasonal["mean"], "latest_weight": seasonal["weight"]}
        figures["latest_mean"] = seasonal["mean"]
    note = seasonal["words"] if seasonal is not None else ""
    latest = ch["latest_mean"]
    if target == baseline:
        # hold steady: judged by the latest mean's 95% interval, as progress is (one event a year above the level
        # read "off track": an outside audit)
        gd = (good_direction or "neither").lower()
        lo, hi = mean_interval(ch, df)
        better = (gd == "down" and latest < target) or (gd == "up" and latest > target)
        reached = not math.isnan(lo) and lo <= target <= hi
        if gd in ("down", "up"):
            word = "on track" if latest == target or better else "too early to tell" if reached else "off track"
        else:  # no better side: on track while the target is within the interval
            word = "on track" if reached or latest == target else "off track"
        # the mean and the target to as many decimals as tell them apart (an outside audit: "6.6 ... is worse than
        # the target" of 6.6, the mean being 6.58)
        d = next((d for d in (1, 2, 3) if f"{latest:.{d}f}" != f"{target:.{d}f}"), 1)
        shown = f"the latest 12 months' mean {latest:,.{d}f} a month (95% interval {lo:,.1f} to {hi:,.1f})"
        return _noted(
            note,
            word,
            f"The target equals the baseline (hold steady at {target:,.{d}f} a month): "
            + {
                "on track": f"on track: {shown} is at the target"
                + (" or better" if gd in ("down", "up") else " within chance"),
                "too early to tell": f"{shown} is worse than the target, but chance variation alone could give that",
                "off track": f"off track: {shown} is {'worse than' if gd in ('down', 'up') else 'away from'} the "
                "target beyond chance",
            }[word]
            + ".",
            **figures,
        )
    prog = progress_pct(latest, baseline, target)
    on_min, risk_min = float(rule["on_track_min_progress_pct"]), float(rule["at_risk_min_progress_pct"])
    word = status_from_progress(prog, on_min, risk_min)
    lo, hi = progress_interval(ch, baseline, target, df)
    figures |= {"progress_low": lo, "progress_high": hi}
    bands = f"on track from {on_min:g}%, at risk from {risk_min:g}%, off track below"
    if not math.isnan(lo) and status_from_progress(lo, on_min, risk_min) != status_from_progress(hi, on_min, risk_min):
        reason = (
            f"Progress {_pct(prog)} of the way from the baseline to the target, but chance variation alone could "
            f"put it anywhere from {_pct(lo)} to {_pct(hi)} (95% interval), which spans more than one status "
            f"({bands})."
        )
        return _noted(note, "too early to tell", reason, progress_pct=prog, **figures)
    if not math.isnan(lo) and min(prog, lo) > 100:
        # beyond the target, interval and all: say so, not "over +200% (over +200% to over +200%)"
        reason = (
            f"The target is already passed: the latest 12 months' mean ({latest:,.1f} a month) is beyond the target "
            f"({target:,.1f}), from a baseline of {baseline:,.1f}, and so is the whole of its 95% interval ({bands})."
        )
        return _noted(note, word, reason, progress_pct=prog, **figures)
    reason = (
        f"Progress {_pct(prog)} of the way from the baseline to the target (95% interval {_pct(lo)} to {_pct(hi)}): "
        f"{bands}."
    )
    return _noted(note, word, reason, progress_pct=prog, **figures)


def _noted(note: str, status: str, reason: str, **figures) -> dict:
    """`_result` with `note` (how the latest mean was made, where months are missing) after the reason."""
    return _result(status, f"{reason} {note}" if note else reason, **figures)


SEASON_YEARS = 3  # the years before the latest 12 months whose same calendar months give each month's share


def season_adjusted(monthly: pd.DataFrame, ch: dict) -> dict | None:
    """The latest 12 months' mean a month where some have no data, allowing for the season: the months with data
    are not a fair sample of the year (the busiest months blank made an unchanged series read +46% of the way to
    its target: an outside statistician). Each calendar month's share of a year, f = its mean ÷ the mean of the 12
    calendar months' means, from the `SEASON_YEARS` years before the latest 12 months; the mean is Σ counts ÷ Σ f
    over the months with data. None where all 12 have data; the plain mean, said to be unadjusted, where the
    earlier years lack a calendar month, have no events, or give the months with data no share at all."""
    n = int(ch["latest_months_with_data"])
    if not n or n >= 12 or not ch.get("latest_first_month"):
        return None
    df = monthly[["month", "value"]].copy()
    df["month"] = df["month"].astype(str).str.slice(0, 7)
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    first, last = ch["latest_first_month"], ch["last_month"]
    window = fmt.months_between(first, last)
    shown = df[df["month"].isin(window)].set_index("month")["value"]
    have = [m for m in window if m in shown.index and pd.notna(shown[m])]
    missing = [m for m in window if m not in have]
    gone = fmt.join_words([fmt.month_label(m) for m in missing])
    before = df[(df["month"] < first) & (df["month"] >= fmt.shift_month(first, -12 * SEASON_YEARS))].dropna()
    by_month = before.groupby(before["month"].str.slice(5, 7))["value"].mean()
    # the mean of the calendar months' means, not of every month: a calendar month with fewer earlier years (a
    # gap) would otherwise tilt every share (an outside statistician: 97.1 for a true 100)
    overall = float(by_month.mean()) if len(by_month) else math.nan
    share = by_month / overall if overall > 0 else by_month
    weight = float(sum(share.get(m[5:7], 0.0) for m in have)) if overall > 0 else 0.0
    if not (overall > 0) or len(by_month) < 12 or not (weight > 0):
        return {
            "mean": ch["latest_mean"],
            "weight": float(n),
            "words": f"The latest 12 months have no data for {gone}: the mean is of the {n} with data, not adjusted "
            "for the season (the earlier data cannot tell each month's share: under a year of it, or no events).",
        }
    total = float(sum(shown[m] for m in have))
    return {
        "mean": total / weight,
        "weight": weight,
        "words": f"The latest 12 months have no data for {gone}: the mean is of the {n} with data, each weighted by "
        f"its calendar month's share of a year in the {SEASON_YEARS} years before (those {n} months hold "
        f"{weight / 12:.0%} of a usual year), so a missing busy or quiet month does not move it.",
    }


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}


def _period_start(text) -> str | None:
    """The earliest month a period written in words names ("April 2017 to March 2018", "2017-04 to 2018-03",
    "Apr 2017"), as YYYY-MM; None when it names none."""
    if not isinstance(text, str):
        return None
    found = [f"{y}-{int(m):02d}" for y, m in re.findall(r"\b(\d{4})-(\d{2})\b", text) if 1 <= int(m) <= 12]
    found += [
        f"{y}-{_MONTHS[m.lower()]:02d}"
        for m, y in re.findall(r"\b([A-Za-z]{3,9})\s+(\d{4})\b", text)
        if m.lower() in _MONTHS
    ]
    return min(found) if found else None


CAP = 200.0  # progress beyond ±200% is shown as "over 200%": the size of the gap, not of the change, drives it


def _pct(x: float) -> str:
    """A progress percentage for people: '+75%', '−40%', 'over +200%'."""
    if math.isnan(x):
        return "n/a"
    if x > CAP:
        return f"over +{CAP:.0f}%"
    if x < -CAP:
        return f"below −{CAP:.0f}%"
    return f"{x:+.0f}%".replace("-", "−")


def progress_interval(ch: dict, baseline: float, target: float, monthly: pd.DataFrame) -> tuple[float, float]:
    """The 95% interval of progress from the latest mean's uncertainty.

    The latest 12-month mean is total ÷ months; its interval is the exact Poisson (Garwood) interval of the
    total, widened by √φ when the months vary more than Poisson around their seasonal pattern (φ from the
    engine's quasi-Poisson model of the latest 12 months against the same months a year before)."""
    lo, hi = mean_interval(ch, monthly)
    if math.isnan(lo):
        return math.nan, math.nan
    ends = [progress_pct(lo, baseline, target), progress_pct(hi, baseline, target)]
    return min(ends), max(ends)


def mean_interval(ch: dict, monthly: pd.DataFrame) -> tuple[float, float]:
    """The 95% interval of the latest 12 months' mean a month: the exact Poisson (Garwood) interval of their total,
    widened by √φ (see `progress_interval`), ÷ the months with data (÷ their seasonal weight, `latest_weight`,
    where some months are missing: `season_adjusted`); (nan, nan) with none."""
    n = int(ch["latest_months_with_data"])
    mean = ch["latest_mean"]
    if not n or math.isnan(mean):
        return math.nan, math.nan
    n = ch.get("latest_weight", n)  # the months' share of a year × 12 where the mean allows for the season
    total = mean * n
    total = float(round(total))
    lo_t, hi_t = stats.garwood_interval(total, 1)  # the interval of the total count
    c = verdicts.compare_latest12(monthly, indicator_id="", area_code="", good_direction="down")
    phi = max(1.0, c.dispersion or 1.0)
    lo_t = total - (total - lo_t) * math.sqrt(phi)
    hi_t = total + (hi_t - total) * math.sqrt(phi)
    return max(lo_t, 0.0) / n, hi_t / n
