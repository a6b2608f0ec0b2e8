"""Every verdict the dashboard shows, computed once from the store's true counts.

The Overview cards, Plan cycles, the Compare funnel, briefing sentences, the SIA pack and
`python -m safer explain` all call these functions, so the same comparison can never get two verdicts.
Counts are read unsuppressed (`queries.run_true`) because the statistics need true counts; what leaves
here for display is the verdict and figures that reveal no small count (see `withheld`).
"""

from __future__ import annotations

import dataclasses
import math
import re

import pandas as pd

from .. import contract, fmt, queries, verdicts
from .base import cached, table

KINDS = ("latest12", "cycle", "areas")

ILLUSTRATIVE = (
    "Priorities marked (illustrative) are not the plan's own wording: the exact wording was not known when the "
    "data was prepared, so a stand-in is shown."
)


class ExplainError(ValueError):
    """An argument that names nothing in the data (indicator, area, cycle, comparison)."""


@cached
def indicators(store) -> pd.DataFrame:
    """The indicator catalogue, read once per data version (shared: do not change it)."""
    return queries.run(store, "indicators")


@cached
def _areas(store) -> pd.DataFrame:
    return queries.run(store, "areas").set_index("area_code")


def indicator(store, indicator_id: str) -> dict:
    inds = indicators(store).set_index("indicator_id")
    if indicator_id not in inds.index:
        raise ExplainError(f"unknown indicator {indicator_id!r} (known: {', '.join(inds.index)})")
    return inds.loc[indicator_id].to_dict() | {"indicator_id": indicator_id}


def partnership_area(store) -> str:
    return str(queries.run(store, "partnership").iloc[0]["area_code"])


def area(store, area_code: str | None) -> dict:
    areas = _areas(store)
    code = area_code or partnership_area(store)
    if code not in areas.index:
        raise ExplainError(f"unknown area {code!r} (known: {', '.join(areas.index)})")
    return areas.loc[code].to_dict() | {"area_code": code}


@cached
def cycles(store) -> pd.DataFrame:
    return queries.run(store, "plan_cycles")


def true_monthly(store, indicator_id: str, area_code: str | None = None) -> pd.DataFrame:
    """The true monthly counts (no suppression): for the engine only."""
    return queries.run_true(store, "monthly", indicator=indicator_id, area=area_code)


def residents(store, indicator_id: str, area_code: str | None = None) -> tuple[dict[int, float], dict[int, int]]:
    """The area's residents (of the indicator's population group) by year, for verdicts per resident, and the
    year whose estimate each year takes; years without any estimate are left out (the verdict compares counts)."""
    pop = queries.run(store, "area_population", indicator=indicator_id, area=area_code)
    have = pop[pop["population"].notna()]
    return (
        {int(y): float(p) for y, p in zip(have["year"], have["population"])},
        {int(y): int(e) for y, e in zip(have["year"], have["estimate_year"])},
    )


def estimate_years(rates: pd.DataFrame, end_month: str, who: str = "residents") -> tuple[str, str | None]:
    """What a table of rates' populations are (`estimate_year`, `area_name`, `is_partnership` where it has it): the
    sentence for the view's detail, and a note for the page when the areas' estimates are of different years or the
    newest is more than a year older than the period's end (rates then rest on residents counted years before: an
    outside audit found the demo's comparators on 2021 estimates beside Stockport's 2026 with nothing said)."""
    have = rates[rates["estimate_year"].notna()] if "estimate_year" in rates else rates.iloc[0:0]
    if have.empty:
        return f"No population estimate for these areas: no rate per 1,000 {who}.", None
    end_year = int(str(end_month)[:4])
    years = sorted({int(y) for y in have["estimate_year"]}, reverse=True)
    if len(years) == 1:
        said = f"Rates per 1,000 {who} use population estimates for {years[0]}"
        said += "." if years[0] >= end_year else f", the newest given, for months to {fmt.month_label(end_month)}."
        old = years[0] < end_year - 1
        return said, (said[:-1] + f": {end_year - years[0]} years older than the period's end.") if old else None
    by_year = [
        f"{y} ({', '.join(str(n) for n in have.loc[have['estimate_year'] == y, 'area_name'])})"
        if (have["estimate_year"] == y).sum() <= 3
        else f"{y} ({fmt.plural(int((have['estimate_year'] == y).sum()), 'area')})"
        for y in years
    ]
    said = (
        f"Rates per 1,000 {who} rest on population estimates of different years: {'; '.join(by_year)}. An area "
        "whose estimate is older has its rate over the residents of that year, so compare them with care."
    )
    return said, said


POPULATION_WORDS = {"all": verdicts.PER_RESIDENT, "children": ("child", "children")}


def per_whom(ind: dict) -> tuple[str, str]:
    """Who an indicator's rate is per, one and many: its population group's (`children`: child, children)."""
    group = str(ind.get("population_group") or "all")
    return POPULATION_WORDS.get(group, (f"person in the group '{group}'", f"people in the group '{group}'"))


def withheld(store, indicator_id: str, area_code: str | None) -> bool:
    """True when means and changes must not be shown: a small-number indicator below borough level.

    Two windows' means would give their totals, and the difference of two overlapping windows' totals a
    small count; the verdict itself (better / worse / no clear change) reveals none."""
    ind = indicator(store, indicator_id)
    a = area(store, area_code)
    return int(ind.get("suppress_below") or 0) > 1 and a.get("area_type") != "borough"


WITHHELD_METHOD = (
    "Compared on {n} matched months ({cur} against {prev}) by a quasi-Poisson GLM with a term for each calendar "
    "month, or an exact conditional test where counts are very small (figures withheld: in a ward "
    "the means, which test was used and its p-value would give small numbers away)"
)


FAMILY_P_WITHHELD = (
    "the p-value adjusted for many tests is withheld: it is worked out from every indicator's p-value, "
    "small-number indicators' included, whose p-values in a ward would give small numbers away"
)


def _family_p_withheld(c: verdicts.Comparison) -> verdicts.Comparison:
    """A shown comparison in a family that holds a withheld one: its adjusted p-value is a function of the
    withheld p-values (Benjamini–Hochberg's largest adjusted p-value is the largest p-value, the next is set by
    the one ranked next), so it is withheld too. Its verdict, adjusted among all of them, is kept: one word
    (beyond chance or not) says no more of the others than their own verdict words do."""
    return dataclasses.replace(
        c,
        family_p_value=None,
        method=f"{c.method.rstrip('.')}. Judged among {c.family_size} indicators compared together "
        f"(Benjamini–Hochberg); {FAMILY_P_WITHHELD}.",
        note=(c.note + "; " if c.note else "") + FAMILY_P_WITHHELD,
    )


def _shown(c: verdicts.Comparison, hide: bool) -> verdicts.Comparison:
    """The comparison as a screen may show it. Below borough level a small-number indicator's verdict word is
    shown (it is computed on the true counts and reveals none), but not its means, change, interval or p-value,
    nor which test was used: an exact test's p-value of 0.25 says the two periods held 0 and 3, and "no events
    in either period" says every month was 0."""
    if not hide:
        return c
    # which months were left out as far out of line says too much: the months with data in both are shown
    cur = tuple(sorted(c.current_months + tuple(m for m, _p in c.left_out)))
    prev = tuple(sorted(c.previous_months + tuple(p for _m, p in c.left_out)))
    if c.verdict == "not enough data":
        model = c.model or c.method.rstrip(".")
    else:
        model = WITHHELD_METHOD.format(
            n=len(cur),
            cur=fmt.period_label(cur[0], cur[-1]) if cur else "no months",
            prev=fmt.period_label(prev[0], prev[-1]) if prev else "no months",
        )
    return dataclasses.replace(
        c,
        basis=c.basis.split(verdicts.LEFT_OUT)[0],
        current_months=cur,
        previous_months=prev,
        left_out=(),
        per_resident_change_pct=None,
        current_mean=None,
        previous_mean=None,
        change_pct=None,
        rate_ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        dispersion=None,
        family_p_value=None,
        # the earlier yearly moves' size: with one earlier change, 100 × |log| of two yearly totals' ratio, which
        # with one total shown gives back the other (an outside statistician)
        usual_move_pct=None,
        method=f"{model}.",
        model=model,
        note=(c.note + "; " if c.note else "")
        + "means, change and p-value withheld: small numbers in a ward (the verdict is computed on "
        "true counts)",
    )


def data_end(store) -> str | None:
    """The last month with data of any indicator: months after it have not happened in the data yet. An
    indicator whose extract lags has its months up to here missing (not "not yet happened")."""
    last = indicators(store)["last_month"].dropna()
    return str(last.max()) if len(last) else None


def current_cycle_id(store, indicator_id: str | None = None) -> str | None:
    """The partnership's current plan cycle: the one holding the last month with data of any indicator (else
    the last one started before it). One cycle for every indicator, so a family shown together (the Overview,
    the briefing, `explain --indicator all --compare cycle`) compares one pair of cycles, even where one
    indicator's extract lags (`indicator_id` is kept for callers that name one)."""
    return cycle_at(store, data_end(store))


def cycle_at(store, month: str | None) -> str | None:
    """The plan cycle of a month: the one holding it, else the last one started before it (the months between two
    plans belong to the one before), else the first; with no month, the last cycle."""
    cyc = cycles(store)
    if cyc.empty:
        return None
    if not isinstance(month, str):
        return str(cyc.iloc[-1]["cycle_id"])
    inside = cyc[(cyc.start_month <= month) & (cyc.end_month >= month)]
    if len(inside):
        return str(inside.iloc[0]["cycle_id"])
    started = cyc[cyc.start_month <= month]
    return str(started.iloc[-1]["cycle_id"]) if len(started) else str(cyc.iloc[0]["cycle_id"])


# why a small-number indicator's ward figures stop at a financial year's end, for the notes that say so
MOVING_WINDOWS = "figures that moved with each month's data would, kept month after month, give small counts away"


def total_horizon(store, indicator_id: str) -> pd.Series:
    """Up to which month an indicator's totals below borough level are published (query `total_horizon`):
    `horizon`, `small_numbers` (it stops at the end of the latest complete financial year), `last_month`."""
    return table(store, "total_horizon", (("indicator", indicator_id),)).iloc[0]


def horizon(store, indicator_id: str, area_code: str | None) -> str | None:
    """The last month a verdict below borough level of a small-number indicator may read: the end of its latest
    complete financial year, as for its totals (`total_horizon`); None where there is no such limit. A verdict
    word read to the latest month moved with each release and could turn on one month published as `<5`."""
    if not withheld(store, indicator_id, area_code):
        return None
    h = total_horizon(store, indicator_id)
    return str(h.horizon) if bool(h.small_numbers) and isinstance(h.horizon, str) else None


@cached
def recording(store, indicator_id: str) -> tuple[tuple[str, str], ...]:
    """The indicator's recording changes (events of category 'recording' that apply to it, query `events`) as
    (the month from which each applies, YYYY-MM; its title): no verdict sets months recorded one way against
    months recorded the other, and the Trends limits start a new level at each."""
    ev = queries.run(store, "events", indicator=indicator_id)
    ev = ev[ev["category"] == "recording"]
    return tuple((str(d)[:7], str(t)) for d, t in zip(ev["event_date"], ev["title"]))


@cached
def small_counts_left_out(store, indicator_id: str) -> str | None:
    """A note when a partner indicator's extract looks as if small counts were left out of it (query
    `small_counts_left_out`: validation's rule, `contract.small_counts_left_out`, as the build kept it), saying
    what that does to the figures; None when it does not (and for police.uk indicators)."""
    low = queries.run(store, "small_counts_left_out", indicator=indicator_id)
    if not len(low):
        return None
    lowest = int(low.lowest.iloc[0])
    ind = indicator(store, indicator_id)
    return (
        f"{ind['label']}: the partner's extract has no count from 1 to {lowest - 1} in any "
        f"{'ward' if ind['geography'] == 'ward' else 'month'}, yet many of {lowest}: small counts look left out of "
        f"it. If so, {contract.left_out_words(ind['geography'], lowest)} (the Data page names the file's line)."
    )


@cached
def latest12(store, indicator_id: str, area_code: str | None = None, end_month: str | None = None):
    """The latest 12 months against the same months a year before (one comparison, not adjusted); below borough
    level, for a small-number indicator, ending at its latest complete financial year at the latest."""
    ind = indicator(store, indicator_id)
    a = area(store, area_code)
    cut = horizon(store, indicator_id, a["area_code"])
    if cut is not None:
        end_month = min(end_month, cut) if end_month else cut
    pop, estimated_in = residents(store, indicator_id, a["area_code"])
    c = verdicts.compare_latest12(
        true_monthly(store, indicator_id, a["area_code"]),
        indicator_id=indicator_id,
        area_code=a["area_code"],
        good_direction=str(ind["good_direction"]),
        end_month=end_month,
        population=pop,
        estimated_in=estimated_in,
        per=per_whom(ind),
        recording=recording(store, indicator_id),
    )
    return c


@cached
def cycle(store, indicator_id: str, area_code: str | None = None, cycle_id: str | None = None):
    """A plan cycle against the one before it, on matched months (first n months while under way)."""
    ind = indicator(store, indicator_id)
    a = area(store, area_code)
    cyc = cycles(store)
    cid = cycle_id or current_cycle_id(store, indicator_id)
    if cid is None or cid not in set(cyc.cycle_id):
        raise ExplainError(f"unknown plan cycle {cid!r} (known: {', '.join(cyc.cycle_id)})")
    pop, estimated_in = residents(store, indicator_id, a["area_code"])
    # a lagging extract's later months are missing, not "not yet happened"; below borough level a small-number
    # indicator is read to the end of its latest complete financial year only (`horizon`)
    last, cut = data_end(store), horizon(store, indicator_id, a["area_code"])
    if last is not None and cut is not None:
        last = min(last, cut)
    return verdicts.compare_cycle(
        true_monthly(store, indicator_id, a["area_code"]),
        cyc,
        cid,
        indicator_id=indicator_id,
        area_code=a["area_code"],
        good_direction=str(ind["good_direction"]),
        last_month=last,
        population=pop,
        estimated_in=estimated_in,
        per=per_whom(ind),
        recording=recording(store, indicator_id),
    )


def family_plan(store, kind: str, cycle_id: str | None = None, end_month: str | None = None) -> str | None:
    """The plan cycle whose priorities' indicators are compared together: the cycle compared (`kind` "cycle"), or
    the cycle of the latest 12 months' last month (`end_month`, else the last month with data; `cycle_at`: between
    two plans, the one before): the indicators the Overview and the SIA pack show for it."""
    if kind == "cycle" and cycle_id:
        return cycle_id
    # the same rule with or without an end month named: the same 12 months have one family
    return cycle_at(store, end_month or data_end(store))


@cached
def plan_indicators(store, cycle_id: str | None) -> tuple[str, ...]:
    """The indicators of one plan cycle's priorities, in the plan's order (none without a cycle)."""
    if cycle_id is None:
        return ()
    ids = queries.run(store, "cycle_priorities", cycle=cycle_id).indicator_id.dropna()
    return tuple(dict.fromkeys(str(i) for i in ids))


def _one(store, kind: str, indicator_id: str, area_code: str, cycle_id: str | None, end_month: str | None):
    """One indicator's comparison of one kind, not adjusted for any other."""
    if kind == "latest12":
        return latest12(store, indicator_id, area_code, end_month)
    return cycle(store, indicator_id, area_code, cycle_id or current_cycle_id(store, indicator_id))


@cached
def family(
    store, kind: str, area_code: str | None = None, cycle_id: str | None = None, end_month: str | None = None
) -> tuple[verdicts.Comparison, ...]:
    """The indicators of one plan's priorities (`family_plan`: what the Overview, the SIA pack and a briefing
    show together), each compared for one area, adjusted together for many tests (Benjamini–Hochberg). An
    indicator in no priority of that plan is not in the family: one the plan does not track, looked at on its
    own page, adds no test to the plan's (an outside audit saw such extra indicators turn a card's verdict)."""
    if kind not in ("latest12", "cycle"):
        raise ExplainError(f"--compare must be one of {', '.join(KINDS)}, not {kind!r}")
    a = area(store, area_code)
    out = []
    for iid in plan_indicators(store, family_plan(store, kind, cycle_id, end_month)):
        ind = indicator(store, iid)
        if ind.get("geography") == "borough" and a.get("area_type") != "borough":
            continue  # a borough-only indicator has no ward figures
        out.append(_one(store, kind, iid, a["area_code"], cycle_id, end_month))
    # where some figures are withheld (small numbers below borough level), a family that left out the indicators
    # with no events would say by its size which had none: there they count, as no evidence of change (p = 1)
    hidden = any(withheld(store, c.indicator_id, c.area_code) for c in out)
    return tuple(verdicts.adjust_family(out, count_no_events=hidden))


def in_family(
    store,
    kind: str,
    indicator_id: str,
    area_code: str | None = None,
    cycle_id: str | None = None,
    end_month: str | None = None,
) -> verdicts.Comparison:
    """One indicator's comparison as shown: among its plan's indicators (`family`, with its adjusted p-value and
    verdict), or on its own when the plan does not track it; means withheld where they would reveal small
    numbers."""
    fam = family(store, kind, area_code, cycle_id, end_month)
    hidden = {c.indicator_id for c in fam if withheld(store, c.indicator_id, c.area_code)}
    for c in fam:
        if c.indicator_id == indicator_id:
            if indicator_id in hidden:
                return _shown(c, True)
            return _family_p_withheld(c) if hidden and c.family_p_value is not None else c
    a = area(store, area_code)
    ind = indicator(store, indicator_id)
    if ind.get("geography") == "borough" and a.get("area_type") != "borough":
        raise ExplainError(f"indicator {indicator_id!r} has no figures for area {area_code!r}")
    c = _one(store, kind, indicator_id, a["area_code"], cycle_id, end_month)
    return _shown(c, withheld(store, indicator_id, a["area_code"]))


def comparator_group(store, group_id: str | None = None) -> str | None:
    """A comparator group's id, checked (None: the first group; None too when there is no comparator data)."""
    groups = table(store, "comparator_groups").drop_duplicates("group_id")
    if group_id is None:
        return None if groups.empty else str(groups.group_id.iloc[0])
    if group_id not in set(groups.group_id):
        raise ExplainError(f"unknown comparator group {group_id!r} (known: {', '.join(groups.group_id)})")
    return group_id


@cached
def areas(store, indicator_id: str, end_month: str | None = None, group_id: str | None = None) -> verdicts.Funnel:
    """The partnership against similar areas of a comparator group: rates per 1,000 over 12 months on a funnel
    plot (areas without a population estimate have no rate and are left off)."""
    ind = indicator(store, indicator_id)
    group_id = comparator_group(store, group_id)
    rates = queries.run_true(store, "comparator_rates", indicator=indicator_id, end_month=end_month, group=group_id)
    period = f"{rates.start_month.iloc[0]} to {rates.end_month.iloc[0]}" if len(rates) else "no months"
    if rates.empty:
        raise ExplainError(f"indicator {ind['indicator_id']!r} has no comparator counts in group {group_id!r}")
    return verdicts.funnel(rates, indicator_id=indicator_id, period=period)


def explain_lines(
    store,
    indicator_id: str,
    area_code: str | None = None,
    compare: str = "latest12",
    cycle_id: str | None = None,
    group_id: str | None = None,
    end_month: str | None = None,
) -> list[dict]:
    """What `python -m safer explain --json` prints: one dict per line. `end_month` (with latest12): the 12
    months ending then, as the Overview shows for a past plan cycle."""
    if compare not in KINDS:
        raise ExplainError(f"--compare must be one of {', '.join(KINDS)}, not {compare!r}")
    if end_month is not None:
        if compare != "latest12":
            raise ExplainError("--end-month goes with --compare latest12")
        if not (isinstance(end_month, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end_month)):
            raise ExplainError(f"--end-month must be a month YYYY-MM, not {end_month!r}")
        last = data_end(store)
        if last is not None and end_month > last:  # a mistyped year gave a confident "not enough data" (an audit)
            raise ExplainError(
                f"--end-month {end_month} is after the last month with data ({last}): give {last} or an earlier month"
            )
    ids = (
        list(indicators(store).indicator_id)
        if indicator_id == "all"
        else [indicator(store, indicator_id)["indicator_id"]]
    )
    if area_code is not None:
        area(store, area_code)
    if cycle_id is not None and cycle_id not in set(cycles(store).cycle_id):
        raise ExplainError(f"unknown plan cycle {cycle_id!r} (known: {', '.join(cycles(store).cycle_id)})")
    if cycle_id is not None and compare != "cycle":
        raise ExplainError("--cycle goes with --compare cycle")
    if group_id is not None and compare != "areas":
        raise ExplainError("--group goes with --compare areas")
    lines: list[dict] = []
    if compare == "areas":
        if area_code is not None and area_code != partnership_area(store):
            raise ExplainError("--compare areas compares the partnership's own area; leave out --area")
        group_id = comparator_group(store, group_id)
        for iid in ids:
            try:
                f = areas(store, iid, group_id=group_id)
            except ExplainError:
                if indicator_id == "all":
                    continue
                raise
            for a in f.areas:
                lines.append(
                    {
                        "indicator_id": iid,
                        "compare": "areas",
                        "group_id": group_id,
                        "period": f.period,
                        "area_code": a.area_code,
                        "area_name": a.area_name,
                        "is_partnership": a.is_partnership,
                        "rate_per_1000": a.rate_per_1000,
                        "position": a.position,
                        "position_95": a.position_95,
                        "dispersion": f.dispersion,
                        # what the limits are centred on (the typical area's rate where areas really differ), and
                        # the pooled rate of all the areas' counts together
                        "centre": f.centre,
                        "centre_rate_per_1000": f.group_rate_per_1000,
                        "pooled_rate_per_1000": f.pooled_rate_per_1000,
                        "method": f.method,
                    }
                )
        return lines
    a = area(store, area_code)
    for iid in ids:
        ind = indicator(store, iid)
        if ind.get("geography") == "borough" and a.get("area_type") != "borough":
            if indicator_id == "all":
                continue
            raise ExplainError(
                f"indicator {iid!r} is recorded for the whole area only, not for a ward ({a['area_code']})"
            )
        if end_month is not None and withheld(store, iid, a["area_code"]):
            # a verdict word for any 12-month window, release after release, is the sliding window the published
            # totals gave up (docs/disclosure.md): below borough level the latest 12 months only
            raise ExplainError(
                f"--end-month is not given for a ward for {iid}, a small-number indicator: its verdicts "
                "there are published for the latest 12 months only"
            )
        c = in_family(store, compare, iid, a["area_code"], cycle_id, end_month)
        lines.append(c.to_json())
    return lines


def change_words(c: verdicts.Comparison) -> str:
    """The change in counts, and per resident when the verdict compared rates ('−6.9%; −7.2% per resident'):
    the verdict's direction is the second's, which differs where the residents changed more than the counts."""
    words = fmt.percent_change(c.change_pct)
    if c.per_resident_change_pct is not None:
        words += f"; {fmt.percent_change(c.per_resident_change_pct)} per {c.per}"
    return words


def recorded_alike(c: verdicts.Comparison) -> str:
    """'the 10 of 12 months recorded alike (recording changed in Dec 2024 (“…”))': the months a comparison limited
    by a recording change rests on (those far out of line included: they are named apart), or '' for none."""
    if not c.recording_changes:
        return ""
    both = len(c.current_months) + len(c.left_out)
    told = f" ({verdicts.recording_words(c.recording_changes)})"
    if c.no_data:  # some months not for the recording but for want of data: named (an outside review)
        return (
            f"the {both} of 12 months with data in both and recorded alike{told}; {verdicts.no_data_words(c.no_data)}"
        )
    return f"the {both} of 12 months recorded alike{told}"


def matched_months(c: verdicts.Comparison) -> str:
    """'the 11 of 12 months with data in both (no data for Feb 2026)': the months a latest-12-months comparison
    rests on where some had no data, the months without named."""
    words = verdicts.no_data_words(c.no_data)
    return f"the {len(c.current_months)} of 12 months with data in both" + (f" ({words})" if words else "")


def verdict_sentence(c: verdicts.Comparison, unit: str) -> str:
    """One plain sentence for a committee: what changed and whether it is beyond chance."""
    v = c.shown_verdict
    if v == "not enough data":
        return f"Not enough data to say whether it changed: {c.note}."
    period = fmt.period_label(*c.current_period.split(" to "))
    if c.current_mean is None:
        head = f"{period}: "
    else:
        cur, prev = fmt.numbers(c.current_mean, c.previous_mean)
        change = f" ({change_words(c)})" if c.change_pct is not None and math.isfinite(c.change_pct) else ""
        if c.recording_changes:
            alike = f" (on {recorded_alike(c)})"
        elif c.compare == "latest12" and not c.left_out and 0 < len(c.current_months) < 12:
            alike = f" (on {matched_months(c)})"
        elif c.compare == "latest12" and c.no_data:  # months left out as far out of line are in the method
            alike = f" ({verdicts.no_data_words(c.no_data)})"
        else:
            alike = ""
        head = f"{cur} {unit} a month from {period}{alike}, against {prev} in the same months a year before{change}: "
    if v == "no clear change" and c.verdict in ("better", "worse", "up", "down") and c.family_size:
        # the test alone is beyond chance, the family's is not: say both, as the method beside it does
        return head + (
            f"no clear change. Alone, this change would look beyond chance; allowing for the {c.family_size} "
            "indicators looked at together, it is not clearly beyond chance."
        )
    if not c.tested and c.current_mean is not None:
        return head + "no change. " + NOTHING_TO_TEST
    if v == "no clear change" and c.short_history:
        within = interval_words(c)
        return head + (
            f"no clear change yet, too early to tell: {TOO_FEW_YEARS}"
            + (f" (95% interval of the change: {within})." if within else ".")
        )
    if v == "no clear change":
        return head + "no clear change; the difference is within what chance would give."
    return head + f"{v}, beyond what chance would give."


# How strong the evidence of a change is, in words, from the p-value it was judged on (adjusted for many tests
# where it was shown among many): the wording a cabinet member meets first, the p-value itself one click away.
# Evidence, not confidence: a p-value is how rarely chance alone would give a change this size, not how likely the
# change is to be real (p-values read as strength of evidence: Sterne and Davey Smith, BMJ 2001;322:226-31).
# The lines are fmt.P_LINES, which a printed p-value never crosses: 'strong' never sits beside 'p = 0.010'.
EVIDENCE_WORDS = tuple(zip(fmt.P_LINES, ("very strong", "strong", "moderate"), strict=True))
USUAL_UPS_AND_DOWNS = "the usual ups and downs of these figures"
# a comparison with no events in either period has no test (`Comparison.tested`): no chance to speak of
NOTHING_TO_TEST = "With no events in either period there is nothing to test."
# Plan cycles are years apart and their test allows for yearly levels that drift (verdicts._years_apart): a change
# within that is a move of the kind these figures' yearly levels have made before, not "chance" in the counts
USUAL_YEARLY_MOVES = "these figures' usual yearly moves"


def usual_move_words(log_pct: float) -> str:
    """A usual yearly move of `log_pct` (100 × a log ratio: `Comparison.usual_move_pct`) as the rise and the fall it
    stands for: "+52% or -34%" (a log ratio of 0.42 either way; "42%" read as a rise understated it and as a fall
    overstated it: an outside statistician), one figure where both round alike ("8%")."""
    s = abs(log_pct) / 100
    up, down = round(100 * math.expm1(s)), round(-100 * math.expm1(-s))
    return f"{up}%" if up == down else f"+{up}% or -{down}%"


def _against_usual(c: verdicts.Comparison, beyond: bool, sized: bool = True) -> str:
    """'is within the usual ups and downs of these figures' / 'is bigger than ...'; for a plan cycle 'is within
    these figures' usual yearly moves (about +52% or -34% a year before, and more between cycles years apart)' /
    'is more than ...' (their size where the test measured it, and `sized`: a slide, short of room, leaves it out)."""
    if c.compare == "cycle":
        # their size, and why a change bigger than it can still be within them: cycles years apart drift further
        # than one year from the next (`verdicts._years_apart`)
        size = (
            f" (about {usual_move_words(c.usual_move_pct)} a year before, and more between cycles years apart)"
            if c.usual_move_pct is not None and sized
            else ""
        )
        return ("is more than " if beyond else "is within ") + USUAL_YEARLY_MOVES + size
    return ("is bigger than " if beyond else "is within ") + USUAL_UPS_AND_DOWNS


def _what_it_could_be(c: verdicts.Comparison, still: bool = False) -> str:
    """What a change not clearly beyond the usual could be: 'chance alone' for months a year apart; for plan
    cycles, whose yearly levels may drift, 'not clearly out of the ordinary' (a drifted level is not chance)."""
    if c.compare == "cycle":
        return "it is not clearly out of the ordinary"
    return "it could still be chance alone" if still else "it could be chance alone"


def evidence_words(c: verdicts.Comparison) -> str:
    """'very strong' (p < 0.001), 'strong' (p < 0.01) or 'moderate' (p < 0.05): the evidence of a change judged
    beyond chance; '' when the verdict is not beyond chance or its p-value is withheld."""
    if c.shown_verdict in ("no clear change", "not enough data"):
        return ""
    p = c.family_p_value if c.family_verdict is not None else c.p_value
    if p is None or not math.isfinite(p):
        return ""
    return next((words for limit, words in EVIDENCE_WORDS if p < limit), "")


def _which_way(verdict: str, real: bool = False) -> str:
    """'an improvement', 'a change for the worse', 'a rise', 'a fall'; `real`: 'a real improvement' and so on."""
    what = {"better": "improvement", "worse": "change for the worse", "up": "rise", "down": "fall"}.get(
        verdict, "change"
    )
    if real:
        return f"a real {what}"
    return ("an " if what[0] in "aeiou" else "a ") + what


def _share(pct: float, per: str = "") -> str:
    """'6.9% fewer', '13.2% more per resident'."""
    return f"{fmt.percent_change(pct).lstrip('+−')} {'more' if pct > 0 else 'fewer'}" + (f" per {per}" if per else "")


def plain_verdict(
    c: verdicts.Comparison, unit: str, what: str | None = None, decimals: int | None = None, sized: bool = True
) -> str:
    """A verdict as a cabinet member first meets it, in plain words: what was compared, whether the change is
    bigger than the ups and downs the indicator usually has, and how strong the evidence is. No model, test or
    p-value: those are in `method_line` (and `Comparison.method`, `explain`, the exports and the SIA pack).
    `what` names what was compared where the caller says it better ("2025-28 against the plan before (...)").
    Where residents changed, the change per resident (what was tested) is said whenever it reads differently from
    the counts'; months left out of the test, or missing from it, are named. `decimals`: how its two means are
    written where its view shows them beside others (a chart's), as `fmt.shared_decimals` over all of them gives;
    by default as the two read side by side (`fmt.numbers`). `sized`: a plan cycle's words give the size of the
    usual yearly moves (`_against_usual`); a slide, short of room, has it one click away."""
    v = c.shown_verdict
    if v == "not enough data":  # said with what was compared where the caller names it (a slide's second line)
        if what is not None:
            return f"{what}: not enough data to say whether it changed ({c.note})."
        return f"Not enough data to say whether it changed: {c.note}."
    cur = fmt.period_label(*c.current_period.split(" to ")) if " to " in c.current_period else c.current_period
    prev = fmt.period_label(*c.previous_period.split(" to ")) if " to " in c.previous_period else c.previous_period
    if what is None:
        what = (
            f"The last 12 months ({cur}) against the same months a year before"
            if c.compare == "latest12"
            else f"{cur} against {prev}"
        )
    if c.compare == "latest12" and c.recording_changes:
        what += f", on {recorded_alike(c)}"
    if c.left_out:
        what += f", leaving out {' and '.join(fmt.month_label(m) for m, _p in c.left_out)} (far out of line)"
        if c.compare == "latest12" and c.no_data and not c.recording_changes:
            what += f"; {verdicts.no_data_words(c.no_data)}"
    elif c.compare == "latest12" and not c.recording_changes and 0 < len(c.current_months) < 12:
        what += f", on {matched_months(c)}"
    if c.current_mean is None:  # means withheld (small numbers): the verdict word only
        head = f"{what} (the figures are withheld here: small numbers): the change "
        if v == "no clear change" and c.short_history:
            return head + f"cannot yet be told from chance: {TOO_FEW_YEARS}, so it is too early to tell."
        if v == "no clear change":
            return head + f"{_against_usual(c, False, sized)}, so {_what_it_could_be(c)}."
        return head + f"{_against_usual(c, True, sized)}: {_which_way(v)}, {_more_than(c)}."
    pct, per = c.change_pct, c.per_resident_change_pct
    if decimals is None:
        cur, prev = fmt.numbers(c.current_mean, c.previous_mean)
    else:
        cur, prev = fmt.number(c.current_mean, decimals), fmt.number(c.previous_mean, decimals)
    if pct is None or not math.isfinite(pct):
        size = f"{cur} {unit} a month against {prev}"
        moved = "That change"
    elif round(abs(pct), 1) == 0:
        size = f"{cur} {unit} a month, the same as before"
        moved = "That"
    else:
        size = f"{cur} {unit} a month against {prev}, {_share(pct)}"
        moved = "That rise" if pct > 0 else "That fall"
    if per is not None and math.isfinite(per) and round(abs(per), 1) > 0:
        counts = fmt.percent_change(pct) if pct is not None and math.isfinite(pct) else None
        apart = counts is None or round(abs(pct), 1) == 0 or (per > 0) != (pct > 0)
        if apart or abs(per - pct) >= PER_APART:  # what was tested reads differently from the counts
            many = PER_PLURAL.get(c.per, "residents")
            size += f", {'but' if apart else 'and'} {_share(per, c.per)} (the number of {many} changed)"
            moved = f"The change per {c.per}"
    head = f"{what}: {size}. "
    if not c.tested:  # no events in either period (means shown, so nothing is withheld by saying so)
        return head + NOTHING_TO_TEST
    if v == "no clear change":
        if c.verdict != v and c.family_size:  # beyond chance alone, not among the indicators looked at together
            usual = "more than " + (USUAL_YEARLY_MOVES if c.compare == "cycle" else USUAL_UPS_AND_DOWNS)
            return head + (
                f"On its own {moved[0].lower() + moved[1:]} would be {usual}, but with "
                f"{c.family_size} indicators looked at together one change of this size can turn up by chance, so "
                f"{_what_it_could_be(c, still=True)}."
            )
        if c.short_history:
            within = interval_words(c)
            return head + (
                f"{moved} cannot yet be told from chance: {TOO_FEW_YEARS}, so it is too early to tell"
                + (f" (the change could be anything from {within})." if within else ".")
            )
        return head + f"{moved} {_against_usual(c, False, sized)}, so {_what_it_could_be(c)}."
    strength = evidence_words(c)
    return head + (
        f"{moved} {_against_usual(c, True, sized)}: "
        + (
            f"the evidence that it is {_which_way(v, real=True)} is {strength}."
            if strength
            else f"{_which_way(v)}, {_more_than(c)}."
        )
    )


# why a change not beyond chance on a short history is "too early to tell" (`Comparison.short_history`)
TOO_FEW_YEARS = "the years before give too few year-on-year changes to know how much these figures move on their own"


def interval_words(c: verdicts.Comparison) -> str:
    """The 95% interval of the change tested, in words ('68.0% fewer to 31.0% more', per resident where the test
    compared rates), or '' where it is withheld or none."""
    if c.ci_low is None or c.ci_high is None or not (math.isfinite(c.ci_low) and math.isfinite(c.ci_high)):
        return ""
    lo, hi = ((x - 1) * 100 for x in (c.ci_low, c.ci_high))
    per = f" per {c.per}" if c.per_resident_change_pct is not None else ""
    return f"{_share(lo) if round(lo, 1) else 'no change'} to {_share(hi) if round(hi, 1) else 'no change'}{per}"


def _more_than(c: verdicts.Comparison) -> str:
    """'more than chance alone would give'; for a plan cycle 'clearly out of the ordinary'."""
    return "clearly out of the ordinary" if c.compare == "cycle" else "more than chance alone would give"


PER_PLURAL = {"resident": "residents", "child": "children"}
# percentage points between the change in counts and the change per resident (what was tested) from which the
# sentence says both: 19.1% more and 18.7% more per child read alike; 0.5% and 11.8% do not
PER_APART = 2.0


def cycle_sentence(c: verdicts.Comparison, unit: str | None = None) -> str:
    """The current plan cycle against the one before, in one plain sentence: with its two means in `unit` a month
    (the SIA pack), or, without a unit, the change alone (an Overview card's line, where the card shows the
    figures). Either way it says what the change was judged against (`_against_usual`): these figures' yearly moves."""
    basis = c.basis.split(", ", 1)[-1] if c.basis else ""
    v = c.shown_verdict
    if v == "not enough data":
        return f"Against the previous plan: not enough data to say ({c.note})."
    if v == "no clear change" and c.short_history:
        tail = f"no clear change yet, too early to tell ({TOO_FEW_YEARS})"
    elif v == "no clear change":
        tail = f"no clear change, within {USUAL_YEARLY_MOVES}"
    else:
        tail = f"{v}, more than {USUAL_YEARLY_MOVES}"
    if c.current_mean is None:  # withheld (small numbers): the verdict word only
        return f"Against the previous plan ({basis}): {tail}."
    if not c.tested:
        tail = "no change: " + NOTHING_TO_TEST[0].lower() + NOTHING_TO_TEST[1:].rstrip(".")
    change = change_words(c) if c.change_pct is not None and math.isfinite(c.change_pct) else ""
    if unit is None:
        return f"Against the previous plan ({basis}): {tail}" + (f" ({change})." if change else ".")
    cur, prev = fmt.numbers(c.current_mean, c.previous_mean)
    return (
        f"Against the previous plan ({basis}): {cur} against {prev} {unit} a month"
        + (f" ({change})" if change else "")
        + f", {tail}."
    )


def first_sentence(text) -> str:
    """The first caveat sentence that is not the synthetic-data label (every screen carries that already)."""
    if not isinstance(text, str) or not text.strip():
        return ""
    for sentence in text.strip().split(". "):
        sentence = sentence.strip().rstrip(".")
        if sentence and "synthetic" not in sentence.lower():
            return sentence + "."
    return ""


def method_sentences(store, indicator_id: str, area_code: str | None = None) -> list[str]:
    """How each verdict was reached: the model, the months compared, the adjustment for many tests."""
    out = []
    for kind in ("latest12", "cycle"):
        try:
            c = in_family(store, kind, indicator_id, area_code)
        except ExplainError:
            continue
        out.append(method_line(c))
    return out


def months_compared(c: verdicts.Comparison) -> str | None:
    """The two periods a verdict compares, "Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025", for its citation
    (an SIA analyst: the citation named the method but not the months); None where it compared no months."""
    if " to " not in c.current_period or " to " not in c.previous_period:
        return None
    cur, prev = (fmt.period_label(*p.split(" to ")) for p in (c.current_period, c.previous_period))
    return f"{cur} against {prev}"


def months_compared_clause(pairs) -> str:
    """The citation's clause naming the months each verdict compares, in one wording for every view:
    "; compared here: Apr 2025 to Mar 2026 against Apr 2024 to Mar 2025" for a view's one verdict, and
    "; 2025-28 compared here: ..." for each of several, named (pairs of name or None, and comparison)."""
    return "".join(
        f"; {name + ' ' if name else ''}compared here: {compared}"
        for name, c in pairs
        if (compared := months_compared(c))
    )


def method_line(c: verdicts.Comparison) -> str:
    """The method of one comparison shown among many, with its p-value adjusted for many tests."""
    line = c.method
    if c.family_p_value is not None:
        line += (
            f" Among the {c.family_size} indicators of the plan's priorities compared together, the p-value "
            "adjusted for many tests "
            f"(Benjamini–Hochberg) is {fmt.p_value(c.family_p_value).removeprefix('p ').removeprefix('= ')}"
            + (
                "; the 95% interval above is the test's own, not adjusted for them, so it can leave out 1 while "
                "the verdict among them is no clear change."
                if c.shown_verdict == "no clear change" and c.verdict != c.shown_verdict and c.ci_low is not None
                else "."
            )
        )
    return line
