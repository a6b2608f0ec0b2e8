"""Consultation: what residents and partners said, by source and theme, and perception against recorded."""

from __future__ import annotations

import pandas as pd

from .. import charts, fmt, queries, stats
from .base import METHODS, View, cached, query_command, stamp

# What a reader looks for first comes first (the answer, its share and interval, its base); the source and
# theme, often the same on every row, come last, so a narrow screen shows the figures before scrolling. The
# headings are the shared ones (`fmt.COLUMN_HEADINGS`), short so that the table fits a desktop's width; the page
# and the exports show the same.
SURVEY_COLUMNS = {
    c: fmt.column_label(c)
    for c in (
        "period",
        "question",
        "answer",
        "percent",
        "ci_low_pct",
        "ci_high_pct",
        "respondents",
        "base_note",
        "agreeing",
        "theme",
        "source",
        "synthetic",
    )
}
# Each heading's width and what it means (on hover), for the page's tables: a question and an answer are the
# heading of their own table there (`by_question`), so no column holds their long text.
# Shares and their interval to one decimal place each: the table drew 28 beside 27.5 (a whole number lost its ".0").
ONE_DECIMAL = {"type": "number", "format": "%.1f"}
SURVEY_COLUMN_CONFIG = {
    "Period": {"width": 80},
    "%": {"width": 60, "help": "The share of respondents giving the answer, %", "type_config": ONE_DECIMAL},
    "Low (95%)": {
        "width": 90,
        "help": "The 95% interval (Wilson) around the %: its low end",
        "type_config": ONE_DECIMAL,
    },
    "High (95%)": {
        "width": 90,
        "help": "The 95% interval (Wilson) around the %: its high end",
        "type_config": ONE_DECIMAL,
    },
    "Base": {"width": 70, "help": "Respondents asked the question"},
    "Small base": {"width": 95, "help": f"A base under {stats.SMALL_BASE}: the interval is wide"},
    "Count": {"width": 70, "help": "Respondents giving the answer"},
    "Theme": {"width": 180},
    "Source": {"width": 240},
    "Synthetic": {"width": 90, "help": "Demo figures, not real survey results"},
}


def by_question(table: pd.DataFrame) -> tuple[list[tuple[str, str, pd.DataFrame]], str]:
    """The survey results as the page shows them: one small table per question and answer, so that no column
    holds the long text of either and the figures come first on a phone's width too. The columns with one value
    in every row of the page (often the source, whether synthetic) are said once above the tables instead, and
    the theme of a question beside its answer. Returns [(question, 'Answer: ... · Theme: ...', table)] and the
    sentence ('' when no column is the same throughout). The exports keep the one table, with the same headings."""
    same = [c for c in ("Theme", "Source", "Synthetic") if len(table) > 1 and table[c].nunique(dropna=False) == 1]
    words = []
    for c in same:
        v = table[c].iloc[0]
        if c == "Synthetic":
            words.append("every row is synthetic demo data" if bool(v) else "no row is synthetic")
        else:
            words.append(f"{c.lower()}: {v}")
    said = ("In every row, " + "; ".join(words) + ".") if words else ""
    out = []
    for (question, answer), t in table.groupby(["Question", "Answer"], sort=False):
        line = [f"Answer: {answer}"]
        drop = {"Question", "Answer", *same}
        if "Theme" not in same and t["Theme"].nunique(dropna=False) == 1:
            line.append(f"Theme: {t['Theme'].iloc[0]}")
            drop.add("Theme")
        out.append((str(question), " · ".join(line), t[[c for c in t.columns if c not in drop]].reset_index(drop=True)))
    return out, said


def perception_period(survey: pd.DataFrame, monthly: pd.DataFrame) -> str:
    """The months the perception chart shows: the surveys' periods, and the recorded months it draws (from a
    year before the first survey; `charts.perception_chart`) up to the last month with data."""
    first = fmt.shift_month(str(survey.start_month.min()), -12)
    months = monthly.month[pd.to_numeric(monthly["value"], errors="coerce").notna() & (monthly.month >= first)]
    return f"{min(survey.start_month.min(), *months[:1])} to {max(survey.end_month.max(), *months[-1:])}"


@cached
def choices(store) -> tuple[list[str], list[str], pd.DataFrame]:
    everything = queries.run(store, "consultation")
    linked = everything[(everything.source_type == "survey") & everything.indicator_id.notna()]
    inds = queries.run(store, "indicators")
    inds = inds[inds.indicator_id.isin(set(linked.indicator_id))]
    return list(dict.fromkeys(everything.source)), sorted(set(everything.theme)), inds


def compared_periods(pv: pd.DataFrame) -> tuple:
    """The earliest and the latest period of one survey result (the first row's source, question and answer:
    the rows of another question or source are not the same measure), as rows of `pv`; the same row (one index
    label, `.name`) twice when it has one period."""
    first = pv.iloc[0]
    same = pv[(pv.source == first.source) & (pv.question == first.question) & (pv.answer == first.answer)]
    same = same.sort_values(["start_month", "end_month"], kind="stable")
    return same.iloc[0], same.iloc[-1]


def _points(x: float) -> str:
    """'+3.5', '−0.2' percentage points, to one decimal (more where one would print a change as 0.0)."""
    for decimals in (1, 2, 3):
        shown = f"{abs(x):.{decimals}f}"
        if x == 0 or float(shown) != 0:
            break
    return ("+" if x > 0 else "−" if x < 0 else "") + shown


def change_words(first, last, interval: bool = True) -> str:
    """The change in a survey share between two periods (rows with `agreeing`, `respondents` and a rounded
    `percent`), judged by Newcombe's interval for the difference (`stats.survey_change`), never by whether the
    two periods' own intervals overlap. The change printed is the difference of the two percentages printed;
    `interval=False` leaves out the interval and the method's name (a slide, which gives them in its detail)."""
    ch = stats.survey_change(first.agreeing, first.respondents, last.agreeing, last.respondents)
    if ch is None:
        return "the change cannot be judged (a period has no base)"
    shown = round(float(last.percent) - float(first.percent), 1)
    if shown == 0 and ch["change_pct"] != 0:  # the same to one decimal, but a change (a large base can judge it)
        moved = f"{'up' if ch['change_pct'] > 0 else 'down'} {_points(ch['change_pct']).lstrip('+−')} points"
    else:
        moved = "no change" if shown == 0 else f"{'up' if shown > 0 else 'down'} {abs(shown):.1f} points"
    judged = "beyond chance" if ch["beyond_chance"] else "which chance alone could give"
    if not interval:
        return f"{moved}, {judged}"
    return (
        f"{moved}, {judged} (95% interval for the change {_points(ch['low_pct'])} to {_points(ch['high_pct'])} "
        "points, Newcombe)"
    )


@cached
def consultation(store, source: str = "all", theme: str = "all", indicator_id: str | None = None) -> View:
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    everything = queries.run(store, "consultation")
    rows = queries.run(
        store, "consultation", source=None if source == "all" else source, theme=None if theme == "all" else theme
    )
    survey = stats.survey_estimates(rows[rows.source_type == "survey"])
    tables, figures, notes, sentences = {}, {}, [], []
    groups, same = [], ""
    if everything.synthetic.any():
        notes.append(
            "Rows marked synthetic in consultation.csv are demo figures, not real survey results or real consultation."
        )
    if len(survey):
        table = survey.assign(base_note=["⚠ yes" if s else "" for s in survey.small_base])[list(SURVEY_COLUMNS)].rename(
            columns=SURVEY_COLUMNS
        )
        for c in ("percent", "ci_low_pct", "ci_high_pct"):
            table[SURVEY_COLUMNS[c]] = table[SURVEY_COLUMNS[c]].round(1)
        tables["survey results"] = table
        groups, same = by_question(table)
        if survey.small_base.any():
            n = int(survey.small_base.sum())
            notes.append(
                f"{fmt.plural(n, 'result')} {'has' if n == 1 else 'have'} a base under {stats.SMALL_BASE}: the "
                "interval is wide, so compare with care."
            )
    said = rows[rows.source_type != "survey"][["source", "source_type", "period", "theme", "question", "summary"]]
    said = said.rename(
        columns={
            "source": "Source",
            "source_type": "Kind",
            "period": "Period",
            "theme": "Theme",
            "question": "Point raised",
            "summary": "What was said",
        }
    )
    _s, _t, inds = choices(store)
    data = {
        "said": said,
        "indicators": inds,
        "indicator": None,
        "survey by question": groups,  # the page's survey tables: one per question (see `by_question`)
        "survey same": same,
        "survey columns": SURVEY_COLUMN_CONFIG,
    }
    shown = indicator_id if indicator_id is not None and indicator_id in set(inds.indicator_id) else None
    if shown is not None and (source != "all" or theme != "all"):
        linked = everything[
            (everything.source_type == "survey")
            & ((everything.source == source) if source != "all" else True)
            & ((everything.theme == theme) if theme != "all" else True)
        ]
        if shown not in set(linked.indicator_id.dropna()):
            label = inds.set_index("indicator_id").loc[shown, "label"]
            which = " and ".join(
                w for w in (f"from {source}" if source != "all" else "", f"on {theme}" if theme != "all" else "") if w
            )
            data["perception_missing"] = (
                f"No survey {which} is set against {label}: choose all sources and themes to see what residents say."
            )
            shown = None
    if shown is not None:
        ind = inds.set_index("indicator_id").loc[indicator_id].to_dict() | {"indicator_id": indicator_id}
        pv = stats.survey_estimates(queries.run(store, "perception_vs_recorded", indicator=indicator_id))
        if "recorded_note" in pv and pv["recorded_note"].isna().all():
            pv = pv.drop(columns="recorded_note")  # the borough's: a note is for a ward's small numbers only
        if source != "all":  # the source and theme filters apply here too
            pv = pv[pv.source == source].reset_index(drop=True)
        if theme != "all" and "theme" in pv:
            pv = pv[pv.theme == theme].reset_index(drop=True)
        monthly = queries.run(store, "monthly", indicator=indicator_id)
        figures["perception chart"] = charts.perception_chart(pv, monthly, ind, synthetic)
        first, last = compared_periods(pv)

        def rec(r) -> str:
            have = f"{r.months_with_data} of {r.months_in_period} months with data"
            if pd.isna(r.recorded_monthly_mean) or not r.months_with_data:
                return f"no data in {r.period}"
            if not stats.enough_months(r.months_with_data, r.months_in_period):
                return f"too few months in {r.period} for a mean of the whole period ({have})"
            return f"{fmt.number(r.recorded_monthly_mean, 1)} a month in {r.period} ({have})"

        said_then = (
            f"Residents: {first.percent:.1f}% in {first.period} (95% interval {first.ci_low_pct:.1f}–"
            f"{first.ci_high_pct:.1f}%)"
        )
        if last.name != first.name:
            said_then += (
                f" and {last.percent:.1f}% in {last.period} ({last.ci_low_pct:.1f}–{last.ci_high_pct:.1f}%): "
                + change_words(first, last)
            )
        sentences.append(
            f"{said_then}. Recorded: {rec(first)}" + (f"; {rec(last)}." if last.name != first.name else ".")
        )
        tables["perception against recorded"] = pv
        data["indicator"] = ind
        data["period"] = perception_period(pv, monthly)
    # the view's source: the survey's file, and the recorded counts' source where they are set against it (its
    # tables and figures each name their own: `View.meta_of`)
    recorded = ("perception against recorded", "perception chart") if data["indicator"] is not None else ()
    both = f"consultation.csv; {data['indicator']['source']}" if recorded else "consultation.csv"
    meta = stamp(
        store,
        "Consultation: survey results with 95% intervals, and what residents say against what is recorded",
        (f"{survey.period.min()} to {survey.period.max()}" if len(survey) else data.get("period", "no survey")),
        both,
        {"source": source, "theme": theme, "indicator": indicator_id or ""},
        method=METHODS["survey"],
    )
    return View(
        name="consultation",
        title=meta.title,
        question="What do residents and partners say, and does it match what is recorded?",
        meta=meta,
        tables=tables,
        figures=figures,
        sentences=sentences,
        detail=[stats.SURVEY_METHOD, stats.SURVEY_CHANGE_METHOD],
        periods={name: data["period"] for name in recorded},
        sources={name: both for name in recorded} | {"survey results": "consultation.csv"},
        notes=notes,
        queries=[
            query_command("consultation", source=source, theme=theme),
            *([query_command("perception_vs_recorded", indicator=indicator_id)] if indicator_id else []),
        ],
        data=data,
    )
