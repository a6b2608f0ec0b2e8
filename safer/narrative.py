"""Plain-English sentences generated from the numbers, for data packs and briefings.

Pure functions: numbers in, sentences out. Every sentence names its period and, where it
says a change is real or not, the test behind it.
"""

from __future__ import annotations

import pandas as pd

from . import stats

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def month_name(ym: str) -> str:
    y, m = ym.split("-")
    return f"{MONTHS[int(m) - 1]} {y}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def _coverage(n: int, of: int = 12) -> str:
    return "" if n == of else f" ({n} of {of} months with data)"


def _chance(rc: stats.RateComparison) -> str:
    if rc.p_adjusted != rc.p_adjusted:
        return "cannot be tested"
    adjusted = rc.dispersion > 1.05
    test = "E-test for two Poisson rates" + (f", adjusted for over-dispersion ×{rc.dispersion:.1f}" if adjusted else "")
    verdict = "beyond chance" if rc.beyond_chance else "within what chance variation would give"
    return f"{verdict} ({test}, p = {rc.p_adjusted:.2g})"


def _direction(change_pct: float) -> str:
    if change_pct != change_pct:
        return "not comparable"
    if abs(change_pct) < 0.05:
        return "unchanged"
    return f"{'up' if change_pct > 0 else 'down'} {abs(change_pct):.1f}%"


def latest_change(ch: dict, indicator: dict, area_name: str) -> str:
    """The latest 12 months against the 12 before, in one sentence."""
    if ch.get("last_month") is None or not ch["latest_months_with_data"]:
        return f"There are no months with data for {indicator['label'].lower()} in {area_name}."
    unit = indicator["unit"]
    s = (
        f"{indicator['label']} in {area_name}: {_num(ch['latest_mean'])} {unit} a month in the 12 months to "
        f"{month_name(ch['last_month'])}{_coverage(ch['latest_months_with_data'])}"
    )
    if not ch["previous_months_with_data"]:
        return s + "; the 12 months before have no data to compare with."
    return (
        s + f", against {_num(ch['previous_mean'])} a month in the 12 months before"
        f"{_coverage(ch['previous_months_with_data'])}: {_direction(ch['change_pct'])}."
    )


def chance_sentence(ch: dict, indicator: dict) -> str:
    """Whether the change is beyond chance, by which test, and what that means for this indicator."""
    rc = ch["comparison"]
    v = stats.verdict(ch["change_pct"], indicator["good_direction"], rc.beyond_chance)
    meaning = {"better": " It is a change for the better", "worse": " It is a change for the worse"}.get(v["word"], "")
    if meaning and indicator["good_direction"] == "up":
        meaning += " (for this indicator more reports mean better recognition)"
    return f"The change is {_chance(rc)}." + (meaning + "." if meaning else "")


def previous_cycle_sentence(same: dict | None, indicator: dict) -> str:
    if same is None:
        return "There is no earlier plan cycle to compare the same months with."
    if not same["previous_months_with_data"]:
        return (
            f"The same months of the {same['previous_cycle_id']} plan cycle "
            f"({month_name(same['previous_first_month'])} to {month_name(same['previous_last_month'])}) have no data."
        )
    return (
        f"Against the same months of the {same['previous_cycle_id']} plan cycle "
        f"({month_name(same['previous_first_month'])} to {month_name(same['previous_last_month'])}, "
        f"{_num(same['previous_mean'])} a month{_coverage(same['previous_months_with_data'])}) it is "
        f"{_direction(same['change_pct'])}, {_chance(same['comparison'])}."
    )


def caveat_sentence(monthly: pd.DataFrame, indicator: dict) -> str:
    vals = pd.to_numeric(monthly["value"], errors="coerce")
    missing = int(vals.isna().sum())
    parts = []
    if missing:
        parts.append(
            f"{missing} of {len(monthly)} months in the series have no data and are left out, not counted as zero."
        )
    cav = indicator.get("caveats")
    if isinstance(cav, str) and cav.strip():
        parts.append("Caveats: " + cav.strip())
    return " ".join(parts) if parts else "No caveats are recorded for this indicator."


def indicator_paragraph(monthly: pd.DataFrame, cycles: pd.DataFrame, indicator: dict, area_name: str) -> list[str]:
    """Latest 12 months against the previous 12 and against the same months of the previous cycle,
    whether each change is beyond chance and by which test, and the caveats."""
    ch = stats.change_between(monthly)
    same = stats.same_months_previous_cycle(monthly, cycles)
    out = [latest_change(ch, indicator, area_name)]
    if ch.get("last_month") is not None and ch["previous_months_with_data"]:
        out.append(chance_sentence(ch, indicator))
    if ch.get("last_month") is not None:
        out.append(previous_cycle_sentence(same, indicator))
    out.append(caveat_sentence(monthly, indicator))
    return out
