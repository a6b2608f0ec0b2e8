"""One place for months, numbers, plurals and missing values, written for the audience.

Months travel as ``YYYY-MM`` text between queries, statistics and charts, and are shown as ``Sep 2026``;
p-values are shown as ``p = 0.03`` or ``p < 0.001``, never ``5.39e-19``.
"""

from __future__ import annotations

import math

import pandas as pd

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = (
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
)


# --------------------------------------------------------------------------- missing values


def is_missing(x) -> bool:
    """True for None, NaN, pandas NA/NaT; False for anything else (text included)."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def finite_or_none(x) -> float | None:
    """A finite float, or None (for JSON and for "no value")."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- months


def ym(month: str) -> tuple[int, int]:
    """'2026-09' (or '2026-09-01') -> (2026, 9)."""
    y, m = str(month).split("-")[:2]
    return int(y), int(m)


def month_index(month: str) -> int:
    """A month as a whole number (year × 12 + month − 1), so months can be subtracted."""
    y, m = ym(month)
    return y * 12 + m - 1


def month_from_index(i: int) -> str:
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def shift_month(month: str, k: int) -> str:
    """'2026-09', -12 -> '2025-09'."""
    return month_from_index(month_index(month) + k)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive (empty when last < first)."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def month_to_date(month: str) -> str:
    """'YYYY-MM' -> 'YYYY-MM-01'."""
    y, m = ym(month)
    return f"{y:04d}-{m:02d}-01"


def month_label(month: str | None, long: bool = False) -> str:
    """'2026-09' -> 'Sep 2026' ('September 2026' with long=True); '' for no month."""
    if is_missing(month) or not str(month):
        return ""
    y, m = ym(month)
    return f"{(MONTHS_LONG if long else MONTHS_SHORT)[m - 1]} {y}"


def period_label(first: str | None, last: str | None, long: bool = False) -> str:
    """'2025-10', '2026-09' -> 'Oct 2025 to Sep 2026'."""
    if is_missing(first) or is_missing(last):
        return "no months"
    if first == last:
        return month_label(first, long)
    return f"{month_label(first, long)} to {month_label(last, long)}"


# --------------------------------------------------------------------------- numbers


def number(x, decimals: int | None = None) -> str:
    """A count or mean for people: '5,026', '418.8', '1.7'; '–' for no value."""
    v = finite_or_none(x)
    if v is None:
        return "–"
    if decimals is None:
        decimals = 0 if (abs(v) >= 100 or float(v).is_integer()) else 1
    return f"{v:,.{decimals}f}"


def shared_decimals(*xs) -> int:
    """The decimals of counts or means read side by side (`numbers`): none when every one is 100 or more or a
    whole number (or no value), else one. A view that shows the same means in a chart and in its sentences
    works this out once over all of them and writes each with `number(x, decimals)`, so a bar labelled 748
    is never 747.6 in the sentence beside it."""
    vs = [finite_or_none(x) for x in xs]
    return 0 if all(v is None or abs(v) >= 100 or float(v).is_integer() for v in vs) else 1


def numbers(*xs) -> list[str]:
    """Counts or means read side by side, with the same decimals: '26.0' against '21.8', not '26' against '21.8'
    (`number` alone drops the decimal of a whole number and of anything from 100)."""
    decimals = shared_decimals(*xs)
    return [number(x, decimals) for x in xs]


def number_beside(x, *others) -> str:
    """`x` as it reads beside `others` (`numbers`): a mean on a chart written as the sentence beside the chart
    writes its means, so the chart's 26.0 is the sentence's '26.0 against 21.8', not '26'."""
    return numbers(x, *others)[0]


def percent_change(x, decimals: int = 1) -> str:
    """'+19.1%', '−6.9%' (a true minus sign), '–' for no value."""
    v = finite_or_none(x)
    if v is None:
        return "–"
    s = f"{abs(v):,.{decimals}f}%"
    return ("+" if v > 0 else "−" if v < 0 else "") + s


P_LINE = 0.05  # the level verdicts are judged at (verdicts.ALPHA): a printed p-value never crosses it
# Every level where the words beside a p-value change: 'very strong', 'strong' and 'moderate' evidence below 0.001,
# 0.01 and 0.05 (views.comparisons.EVIDENCE_WORDS), the last also the level of a verdict. A printed p-value never
# crosses any of them, so the words and the number beside them always agree.
P_LINES = (0.001, 0.01, P_LINE)
# Where a p-value prints with four decimals, kept on its own side of the line (below 0.001 prints 'p < 0.001')
P_BANDS = ((0.009, 0.01, 0.011), (0.045, P_LINE, 0.055))


def p_value(p) -> str:
    """'p = 0.032', 'p = 0.12', 'p < 0.001'; '' for no test. Three decimals below 0.1, and four from 0.009 to
    0.011 and from 0.045 to 0.055, rounded away from 0.01 and 0.05 (0.0495 prints 0.0495, 0.04996 prints 0.0499,
    0.05004 prints 0.0500; 0.00996 prints 0.0099), so a p-value either side of a line in P_LINES never prints as
    one number beside two different verdicts or strengths of evidence."""
    v = finite_or_none(p)
    if v is None:
        return ""
    if v < P_LINES[0]:
        return "p < 0.001"
    for low, line, high in P_BANDS:
        if low <= v < high:
            shown = round(v, 4)
            shown = min(shown, round(line - 1e-4, 4)) if v < line else max(shown, line)
            return f"p = {shown:.4f}"
    if v < 0.1:
        return f"p = {v:.3f}"
    return f"p = {v:.2f}"


def significant(x, digits: int = 3) -> float | None:
    """A number kept to `digits` significant figures for a table (a p-value of 7.3655412711056934e-09 reads
    7.37e-09; 0.01696119179957271 reads 0.017); None for no number. A p-value just below a line in P_LINES keeps
    the digits that show it is below (0.049996, not 0.05; 0.0099996, not 0.01)."""
    v = finite_or_none(x)
    if v is None:
        return None
    out = float(f"{v:.{digits}g}")
    while any(v < line <= out for line in P_LINES) and digits < 12:
        digits += 1
        out = float(f"{v:.{digits}g}")
    return out


def plural(n: int, one: str, many: str | None = None) -> str:
    """plural(1, 'month') -> '1 month'; plural(3, 'month') -> '3 months'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# Words spelt out or capitalised in column headings; any other word keeps its letters.
COLUMN_WORDS = {
    "id": "ID",
    "pct": "%",
    "lsoa": "LSOA",
    "utc": "(UTC)",
    "nrm": "NRM",
    "asb": "ASB",
    "cse": "CSE",
    "ci": "CI",
    "1000": "1,000",
    "12": "12",
}


# Headings for the code names a view's tables keep (the engine and tests read them by name): what the
# column holds, with its unit, as the page, the CSV and the Excel sheet all show it.
COLUMN_HEADINGS = {
    "value": "Count in the month",
    "rolling_12_mean": "Mean of the 12 months to this month",
    "phase": "Plan cycle of the limits",
    "expected": "Expected count",
    "lower_limit": "Lower control limit (99.73%)",
    "upper_limit": "Upper control limit (99.73%)",
    "signal": "Outside the limits",
    "number": "Number on the chart",
    "event_date": "Date",
    "cycle_id": "Plan cycle",
    "month_of_cycle": "Month of the plan cycle",
    "start_month": "From (month)",
    "end_month": "To (month)",
    "months_in_period": "Months in the period",
    "total": "Total in the period",
    "population": "Residents",
    "estimate_year": "Year of the population estimate",
    "person_years": "Person-years",
    "rate_per_1000": "Rate per 1,000 residents a year",
    "funnel_position": "Against the 99.8% funnel limits",
    "is_partnership": "The partnership",
    "rate_12m_per_1000": "Rate per 1,000 residents a year (12 months to this month)",
    "group_rate_12m_per_1000": "Group's rate per 1,000 residents a year (12 months to this month)",
    "label": "Indicator",
    "illustrative": "Illustrative (wording not from the record)",
    "has_consultation": "Consultation on the topic",
    # a survey's results (the Consultation page): short, so that the table fits a desktop's width
    "percent": "%",
    "ci_low_pct": "Low (95%)",
    "ci_high_pct": "High (95%)",
    "respondents": "Base",
    "base_note": "Small base",
    "agreeing": "Count",
}


# Columns that hold an indicator's counts, or means, limits or rates of them: their headings name its unit
UNIT_COLUMNS = frozenset(
    {"value", "rolling_12_mean", "expected", "lower_limit", "upper_limit", "total", "rate_per_1000"}
    | {"rate_12m_per_1000", "group_rate_12m_per_1000"}
)


def with_unit(heading: str, unit: str | None) -> str:
    """`Total in the period` -> `Total in the period (incidents)`; a heading ending in brackets takes the unit
    first in them: `Lower control limit (incidents, 99.73%)`. No unit: the heading as it is."""
    if not unit:
        return heading
    if heading.endswith(")") and "(" in heading:
        i = heading.rindex("(")
        return f"{heading[: i + 1]}{unit}, {heading[i + 1 :]}"
    return f"{heading} ({unit})"


def column_label(name, per: str | None = None, unit: str | None = None) -> str:
    """A column heading people read: `rate_per_1000` -> `Rate per 1,000 residents a year` (from
    `COLUMN_HEADINGS`), `area_code` -> `Area code` (from the words). `per`: whom the table's rates are per, when
    not residents (a children's indicator: `Children`, `Rate per 1,000 children a year`); a table says it in
    `df.attrs["rate_per"]`. `unit`: what its counts count (`df.attrs["unit"]`, the indicator's unit), named in
    the heading of each column of counts or of figures made from them (`UNIT_COLUMNS`): `Count in the month
    (incidents)`, so a table copied out of the dashboard still says what it counts.

    A name that is not snake_case (it has a capital or a space) is already a heading and is kept."""
    name = str(name)
    if name != name.lower() or " " in name or not name:
        return name
    if name in COLUMN_HEADINGS:
        heading = COLUMN_HEADINGS[name]
        if per and per != "residents":
            heading = heading.replace("residents", per).replace("Residents", per[:1].upper() + per[1:])
        return with_unit(heading, unit) if name in UNIT_COLUMNS else heading
    words = [COLUMN_WORDS.get(w, w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# What a local authority is called as a whole, from its ONS code: a metropolitan (E08) or London (E09) borough,
# a shire district (E07); a unitary authority (E06: a city, a county, a borough) or a Welsh principal area (W06)
# is "area". The contract's `area_type` is `borough` for all of them; the words on screen follow the council's own.
AREA_WORDS = {"E08": "borough", "E09": "borough", "E07": "district"}


def join_words(items: list[str]) -> str:
    """'Apr 2026', 'Apr and Jul 2026'-style lists: 'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def whole_area(code: str | None) -> str:
    """'borough' for Stockport (E08000007), 'district' for a shire district, else 'area'."""
    return AREA_WORDS.get(str(code or "")[:3], "area")
