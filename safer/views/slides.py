"""Briefing slides: one view per slide kind, built from the page's own view, for a projector.

Each function returns a `View` whose figure ("chart") is the chart as its page draws it (the briefing puts
it in projector type), whose sentences are at most three plain ones, whose detail is the method (one click
away for the analyst), and whose `data["alt"]` is a text alternative to the chart. A slide and its page
cannot disagree: the slide takes its numbers from the same view.
"""

from __future__ import annotations

import textwrap

from .. import charts, queries, stats
from . import comparisons
from .base import METHODS, View, cached, stamp
from .consultation import change_words, compared_periods, consultation, perception_period
from .cycles import cycle_comparison
from .trends import trend

# Characters of a slide's sentences that fit under its chart on a 1280x720 projector in the briefing's type (571
# ended 24 px above the screen's edge; anti-social behaviour's 643 ran 27 px under it), with a stamp of
# STAMP_LINES lines: the browser test measures it
SLIDE_TEXT = 580
STAMP_LINES = 3
# a stamp's line under a 1280x720 slide's chart (the slides' stamps wrap as words wrapped at 68 characters do), and
# what each line beyond STAMP_LINES takes from the sentences' room: 18 px against the sentences' 26 a line of about 46
# characters (child sexual exploitation's stamp names a long partner source, ran to four lines and pushed the slide
# 2 px under the screen's edge: an outside audit)
STAMP_CHARS = 68
STAMP_LINE_TEXT = 35


def stamp_line(meta, area_name: str = "") -> str:
    """A slide's stamp: the area, data period, source and data version (and that the data is synthetic)."""
    s = f"Data period: {meta.period} · Source: {meta.source} · Data version {meta.data_version}"
    s = f"{area_name} · {s}" if area_name else s
    return s + (" · SYNTHETIC DEMO DATA" if meta.synthetic else "")


def fit(sentences: list[str], order: list[int], stamp: str = "") -> tuple[list[str], list[str]]:
    """A slide's sentences that fit `SLIDE_TEXT` (less what a `stamp` of more than STAMP_LINES lines takes), taken
    in order of importance (`order`: their positions, the most important first; the first is always kept, and none
    after the first that does not fit, so a less important one never takes the place of a more important one) and
    shown in their own order; and the rest, which the slide puts first in its "How this was worked out", one click
    away, so nothing is lost from the screen's story."""
    extra = max(0, len(textwrap.wrap(stamp, STAMP_CHARS)) - STAMP_LINES)
    room = SLIDE_TEXT - STAMP_LINE_TEXT * extra
    keep, used = set(), 0
    for i in order:
        n = len(sentences[i]) + (1 if keep else 0)
        if keep and used + n > room:
            break
        keep.add(i)
        used += n
    shown = [x for i, x in enumerate(sentences) if i in keep]
    return shown, [sentences[i] for i in order if i not in keep]


def _period(first, last) -> str:
    return f"{first} to {last}" if isinstance(first, str) and isinstance(last, str) else "no data"


def plain_sentences(store, indicator_id: str, area_code: str | None = None) -> list[str]:
    """A trend slide's words, at most three, each as its page says it in plain words (`comparisons.plain_verdict`):
    the latest 12 months against the same months a year before (the Trends page's), the current plan against the
    one before (the Plan cycles page's, with its figures as that page writes them), and the indicator's first
    caveat. The figures and the method are one click away (`comparisons.method_sentences`). The slide shows those
    that fit its screen (`fit`): the caveat before the plan cycles', which have a slide of their own."""
    v = trend(store, indicator_id, area_code)
    out = [v.data["plain"]]
    try:
        cid = comparisons.current_cycle_id(store, indicator_id)
        said = cycle_comparison(store, indicator_id, area_code).data["plain by cycle"].get(cid)
    except comparisons.ExplainError:
        said = None
    if said:
        out.append(said)
    cav = comparisons.first_sentence(v.data["indicator"].get("caveats"))
    if cav:
        out.append(cav)
    return out[:3]


@cached
def trend_slide(store, indicator_id: str, area_code: str) -> View:
    """The months, the rolling mean, plan cycles and gaps: one story (the Trends page adds limits and events)."""
    v = trend(store, indicator_id, area_code)
    ind, m = v.data["indicator"], v.data["monthly"]
    c = v.data["comparison"]
    fig = charts.trend_chart(
        m[["month", "value"]],
        m["rolling_12_mean"],
        None,
        queries.run(store, "plan_cycles"),
        None,
        ind,
        v.data["area"]["area_name"],
        v.meta.synthetic,
        suppressed=m["value_suppressed"] if "value_suppressed" in m else None,
        suppress_below=m.attrs.get("suppress_below"),
        beside=(c.current_mean, c.previous_mean),  # the 12-month means read as the first sentence writes them
    )
    period = _period(*(m.month.iloc[[0, -1]] if len(m) else (None, None)))
    said = plain_sentences(store, indicator_id, area_code)
    filters = {"indicator": indicator_id, "area": area_code}
    meta = stamp(store, v.title, period, str(ind["source"]), filters, method=v.meta.method)
    # the latest 12 months, then the caveat (how to read them), then the plan against the one before
    order = [0, 2, 1] if len(said) == 3 else list(range(len(said)))
    shown, left = fit(said, order, stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="trend_slide",
        title=v.title,
        question=v.question,
        meta=meta,
        figures={"chart": fig},
        sentences=shown,
        detail=left + comparisons.method_sentences(store, indicator_id, area_code),
        queries=v.queries,
        # the axis title is Plotly's text, which reads HTML: the unit from the extract kept literal (an outside
        # audit: a unit's <a href> was a live link on the slide and in its PDF)
        data={"alt": v.sentences[1], "y_title": charts.text(f"{str(ind['unit']).capitalize()} per month")},
    )


@cached
def cycles_slide(store, indicator_id: str, area_code: str) -> View:
    """Each plan cycle's monthly mean; the words compare each cycle with the one before on matched months."""
    v = cycle_comparison(store, indicator_id, area_code)
    # the page's period: its months with data, a withheld count being data (an outside audit: a ward's slide of a
    # small-number indicator said "no data" beside the page's "2018-04 to 2026-09")
    period = v.meta.period + " (plan cycles)"
    # as the page's bullets say them: a verdict whose means are other months' than the bars' says what the bars are
    # (a committee saw 74.1 and 70.5 on the bars, "70.5 against 74.4" beside them, and nothing to say why)
    said = v.data["beside bars"][-3:]
    # the verdicts, the current plan's first, before the note on the months of a cycle under way
    verdicts_at = [i for i, x in enumerate(said) if x not in v.data["under way"]]
    filters = {"indicator": indicator_id, "area": area_code}
    meta = stamp(store, v.title, period, v.meta.source, filters, method=v.meta.method)
    order = verdicts_at[::-1] + [i for i in range(len(said)) if i not in verdicts_at]
    shown, left = fit(said, order, stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="cycles_slide",
        title=v.title,
        question=v.question,
        meta=meta,
        figures={"chart": v.figures["cycle means chart"]},
        # as the page says them (its bullets); each verdict with its figures and the method one click away, in the
        # slide's "How this was worked out" as in the page's (the figures' wording ran off a 1280x720 screen)
        sentences=shown,
        detail=left + v.data["with_figures"] + v.detail,
        queries=v.queries,
        data={"alt": v.data["described"]["cycle means chart"]},  # the chart in words
    )


@cached
def perception_slide(store, indicator_id: str, area_code: str) -> View:
    """What residents say against what is recorded. `data["missing"]` says why there is no slide, if so."""
    c = consultation(store, "all", "all", indicator_id)  # the Consultation page's view of this indicator
    ind = comparisons.indicator(store, indicator_id)
    pv = c.tables.get("perception against recorded")
    if pv is None or pv.empty:
        msg = f"no survey question in consultation.csv is set against {indicator_id!r}, so there is no perception"
        return View("perception_slide", "", "", c.meta, data={"missing": msg + " to show"})
    first, last = compared_periods(pv)
    said = f"Residents: {first.percent:.1f}% in {first.period}" + (
        f" and {last.percent:.1f}% in {last.period} ({first.answer.lower()})"
        if last.name != first.name
        else f" ({first.answer.lower()})"
    )
    alt = f"{said}. Recorded {ind['label'].lower()} per month is drawn on the chart."
    # on the slide, the change judged in a few words (its interval and method under "How this was worked out"):
    # the chart says what is recorded, and the slide's text fits a 1280x720 screen
    shown = said + (f": {change_words(first, last, interval=False)}." if last.name != first.name else ".")
    monthly = queries.run(store, "monthly", indicator=indicator_id, area=area_code)
    fig = charts.perception_chart(pv, monthly, ind, c.meta.synthetic)
    verdict = comparisons.in_family(store, "latest12", indicator_id, area_code)
    period = _period(*perception_period(pv, monthly).split(" to "))
    source = c.meta_of("perception chart").source  # the Consultation page's, as its chart says it
    meta = stamp(
        store, ind["label"], period, source, {"indicator": indicator_id, "area": area_code}, method=METHODS["survey"]
    )
    said_all = [
        shown,
        comparisons.plain_verdict(verdict, str(ind["unit"])),  # as the pages say it
        comparisons.first_sentence(ind.get("caveats")) or stats.SURVEY_METHOD.split(". ")[0] + ".",
    ]
    # what residents say, then the verdict on what is recorded, then the caveat
    kept, left = fit(said_all, [0, 1, 2], stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="perception_slide",
        title=f"{ind['label']}: what residents say against what is recorded",
        question="Do residents' views match what is recorded?",
        meta=meta,
        figures={"chart": fig},
        sentences=kept,
        detail=left
        + [
            f"{said}: {change_words(first, last)}." if last.name != first.name else said + ".",
            stats.SURVEY_METHOD,
            stats.SURVEY_CHANGE_METHOD,
        ],
        queries=[f"python -m safer query perception_vs_recorded --indicator {indicator_id}"],
        data={"alt": alt},
    )


SLIDE_KINDS = {"trends": trend_slide, "plan_cycles": cycles_slide, "consultation": perception_slide}
