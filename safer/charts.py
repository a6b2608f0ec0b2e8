"""Plotly figures for the dashboard: pure functions returning ``go.Figure``.

Rules every chart follows:

* Missing months are gaps: values are passed as ``None`` and lines use
  ``connectgaps=False``, so a month with no data is never drawn as 0 and never
  bridged by a line. Runs of missing months are also shaded and labelled.
* Readable on a projector: base font 16 px (never below 14), titles, axis titles
  with units, lines with markers, ``plotly_white`` template.
* Colour-blind safe: the Okabe-Ito palette, and meaning is also carried by
  symbols, dashes and words, not by colour alone.
* ``synthetic=True`` stamps 'SYNTHETIC DEMO DATA – not real figures' on the
  figure itself, so exported images carry it too.
* JSON-serialisable: x values are 'YYYY-MM-DD' strings, y values plain floats
  or None.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import fmt, stats

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
# Order used for series on white: the yellow (#F0E442) has too little contrast for lines.
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
SERIES_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon"]
NEUTRAL = "#595959"
GAP_FILL = "#BDBDBD"

SYNTHETIC_TEXT = "SYNTHETIC DEMO DATA – not real figures"
BASE_FONT = 16
TITLE_FONT = 22
TEMPLATE = "plotly_white"
# Every figure starts with it: Plotly gives a new figure the default template without checking it, where setting it
# on each figure copied and checked the whole template (a fifth of a trend chart's building, measured)
pio.templates.default = TEMPLATE


__all__ = [
    "OKABE_ITO",
    "SYNTHETIC_TEXT",
    "synthetic_label",
    "missing_runs",
    "trend_chart",
    "cycle_lines_chart",
    "cycle_means_chart",
    "ward_rank_chart",
    "ward_map",
    "sparkline",
    "describe_trend",
    "month_to_date",
    "month_label",
    "describe_cycles",
    "describe_cycle_months",
    "describe_ward_rates",
    "perception_chart",
    "add_marked_date",
    "fit_gap_labels",
    "fit_event_numbers",
    "legend_height",
]


# --------------------------------------------------------------------------- helpers


# Months, numbers and missing values: one set of helpers, in safer.fmt.
_isnan = fmt.is_missing
_ym = fmt.ym
_shift_month = fmt.shift_month
month_to_date = fmt.month_to_date
month_label = fmt.month_label


def _vline(fig: go.Figure, x, line: dict, name: str) -> None:
    """A vertical line across the whole plot at `x` (an event, a boundary, a marked date)."""
    fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line, name=name)


def _month_edge(month: str) -> str:
    """Half-way point between the first of ``month`` and the first of the month before.

    Points are drawn on the first of each month, so shading from the edge before
    the first month to the edge after the last month covers exactly those points.
    """
    y, m = _ym(month)
    this = pd.Timestamp(year=y, month=m, day=1)
    py, pm = _ym(_shift_month(month, -1))
    prev = pd.Timestamp(year=py, month=pm, day=1)
    mid = prev + (this - prev) / 2
    return mid.strftime("%Y-%m-%d %H:%M")


def _num_list(values) -> list:
    """Floats with None where missing (never 0)."""
    out = []
    for v in values:
        if _isnan(v):
            out.append(None)
        else:
            f = float(v)
            out.append(f if math.isfinite(f) else None)
    return out


def _fmt(v: float, decimals: int | None = None) -> str:
    if _isnan(v):
        return "no data"
    v = float(v)
    if decimals is None:
        decimals = 0 if abs(v - round(v)) < 1e-9 else 1
    return f"{v:,.{decimals}f}"


def text(value) -> str:
    """Text from an extract made safe for Plotly, which renders a subset of HTML in every string
    (`<b>`, `<br>`, `<a href>`): special characters become entities, so they show as typed."""
    return html.escape("" if value is None else str(value), quote=False)


def _words(indicator: dict, field: str) -> str:
    """An indicator's label, unit or rate_per as plain text, for the sentences that describe a chart (page text,
    escaped where it is shown: `_label` and the rest are for Plotly, which reads HTML, and escaped twice read
    "Drugs &amp;amp; alcohol")."""
    fallback = {"label": indicator.get("indicator_id") or "Count", "unit": "", "rate_per": "residents"}[field]
    return str(indicator.get(field) or fallback)


def _label(indicator: dict) -> str:
    return text(_words(indicator, "label"))


def _unit(indicator: dict) -> str:
    return text(_words(indicator, "unit"))


def _per(indicator: dict) -> str:
    """Whom a rate is per 1,000 of: residents, or the indicator's population group (e.g. children)."""
    return text(_words(indicator, "rate_per"))


def _per_month_title(indicator: dict) -> str:
    """A monthly count's axis title, naming its unit: "Anti-social behaviour incidents per month" (the label
    alone, "Anti-social behaviour per month", did not say what was counted); a label that names its unit
    already ("Child sexual exploitation reports") is not given it twice."""
    label, unit = _label(indicator), _unit(indicator)
    if unit and unit.lower() not in label.lower():
        label = f"{label} {unit}"
    return label if "per month" in label.lower() else f"{label} per month"


TITLE_WRAP = 30  # characters a line at the title's 22 px: a 40% column or a phone (about 340 px)
SUBTITLE_WRAP = 48


def _wrap_words(text: str, width: int, hyphens: bool = False) -> str:
    """Break text into lines of at most `width` characters at spaces (and, with `hyphens`, after a hyphen, for a
    place name: "Newcastle-<br>under-Lyme"), joined with Plotly's <br>; a longer word stays whole."""
    if not text or len(text) <= width or "<br>" in text:
        return text
    pieces = [p for p in re.split(r"(?<=-)|(?= )" if hyphens else r"(?= )", text) if p]
    lines, line = [], ""
    for piece in pieces:
        if line and len(line + piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
    return "<br>".join(lines)


def _cut(text: str, n: int) -> str:
    """`text` as it is when it has at most `n` characters, else its first words to n - 1 and '…'."""
    if len(text) <= n:
        return text
    return text[: n - 1].rsplit(" ", 1)[0].rstrip(" ,;(") + "…"


def _two_lines(text: str, width: int) -> list[str]:
    """`text` on at most two lines of at most `width` characters, broken at spaces where it can be, the rest cut
    with '…' (a word longer than a line is broken inside it): a label whose rows have room for two lines."""
    lines = _wrap_words(text, width).split("<br>")
    if len(lines) <= 2 and all(len(x) <= width for x in lines):
        return lines
    first = lines[0] if len(lines[0]) <= width else text[:width]
    rest = text[len(first) :].strip()
    if len(rest) <= width:
        return [first, rest]
    return [first, _cut(rest, width) if " " in rest[: width - 1] else rest[: width - 1] + "…"]


TITLE_LINE = 28  # px: a line of the title (22 px type)
SUBTITLE_LINE = 20  # px: a line of the subtitle (15 px type)
LABEL_ROOM = 34  # px between the title block and the plot, for the labels drawn on the plot's top edge


def _title_lead(lines: int) -> int:
    """px from where a title is placed (anchored at its top) down to its text's top: Plotly puts a title of
    several lines higher than one of a single line."""
    return 5 if lines == 1 else 20


def _base_layout(
    fig: go.Figure, title: str, subtitle: str | None = None, height: int = 600, margin: dict | None = None
) -> None:
    """Title, subtitle, type and margins. Titles and subtitles are wrapped so that they fit a half-width column or
    a phone instead of being cut off at the figure's edge. The title block is pinned at the top of the figure,
    under the mode bar's row (MODEBAR_CLEAR), and the top margin holds it whole, however many lines it takes:
    a long title (an indicator's long name) never reaches the mode bar, the plot or its labels. The plot keeps
    `height` less the margins given; the figure grows by the extra lines."""
    title = _wrap_words(title, TITLE_WRAP)
    t = dict(text=title, x=0.01, xanchor="left", font=dict(size=TITLE_FONT))
    lines = title.count("<br>") + 1
    block = TITLE_LINE * lines
    if subtitle:
        subtitle = _wrap_words(subtitle, SUBTITLE_WRAP)
        t["subtitle"] = dict(text=subtitle, font=dict(size=15, color=NEUTRAL))
        block += 20 + SUBTITLE_LINE * (subtitle.count("<br>") + 1)
    margin = dict(margin or dict(l=80, r=40, t=110, b=150))
    given = margin.get("t", 110)
    margin["t"] = max(given, MODEBAR_CLEAR + block + LABEL_ROOM)
    height = height + margin["t"] - given
    t.update(yref="container", y=1 - (MODEBAR_CLEAR + _title_lead(lines)) / height, yanchor="top")
    fig.update_layout(
        meta={"title_block": block},  # what `lift_title` gives back when a page shows the title as its own text
        title=t,
        font=dict(size=BASE_FONT, color="#222222"),
        height=height,
        margin=margin,
        hoverlabel=dict(font_size=15),
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0, font=dict(size=15)),
    )
    _readable_axes(fig)
    _fit_y_titles(fig, height - margin["t"] - margin.get("b", 150))


def _fit_y_titles(fig: go.Figure, plot_px: float) -> None:
    """A y-axis title longer than its axis (a long indicator name with its unit) wrapped onto two lines, so that
    it does not run past the plot into the title above it or the axis below; the left margin makes room. A title
    longer than two lines (a long unit) is cut at the end of the second with '…' (it would otherwise run into
    the tick labels); the table's headings and the chart's text alternative say it whole."""
    grew = False
    for ax in fig.select_yaxes():
        words = str(ax.title.text or "")
        if not words or "<br>" in words:
            continue
        dom = list(ax.domain) if ax.domain else [0, 1]
        room = plot_px * (dom[1] - dom[0])  # the axis's length
        size = float(ax.title.font.size or BASE_FONT)
        if len(words) * 0.56 * size > room:
            width = max(16, int(room / (0.56 * size)))
            lines = _wrap_words(words, width).split("<br>")
            if len(lines) > 2:  # a long unit: two lines at most, the rest in the table's headings and the text
                lines = [lines[0], _cut(" ".join(lines[1:]), width)]
            ax.title.text = "<br>".join(lines)
            grew = True
    if grew:
        m = fig.layout.margin
        fig.update_layout(margin=dict(l=(m.l if m.l is not None else 80) + 22))


def _readable_axes(fig: go.Figure) -> None:
    """Axis titles and tick labels in the body colour, at 14 px or more, set on the figure itself.

    Streamlit's own Plotly theme (``st.plotly_chart``'s default) otherwise draws them 12 px in
    #808495, 3.8:1 on white: below WCAG 2.1 AA (4.5:1). Sizes already set are kept.
    """
    for ax in [*fig.select_xaxes(), *fig.select_yaxes()]:  # (the figure's axes, without copying its layout)
        ax.tickfont.color = ax.tickfont.color or "#222222"
        ax.tickfont.size = ax.tickfont.size or 14
        ax.title.font.color = ax.title.font.color or "#222222"
        ax.title.font.size = ax.title.font.size or BASE_FONT


def rewrap_title(fig: go.Figure, width: int) -> go.Figure:
    """A copy of the figure with its title and subtitle wrapped for an image `width` px wide, instead of a phone's
    width (`TITLE_WRAP`): an exported 1400 px image kept "Anti-social behaviour in / Stockport, by month" on two
    short lines. The top margin and the height lose what the title block no longer needs, so the plot keeps its
    size, and the synthetic stamp keeps its place at the top. A figure `_base_layout` did not lay out, or one
    whose title is no shorter for the width, comes back as it is."""
    block, ti = _title_block(fig), fig.layout.title
    if not block or ti.yref != "container" or ti.y is None:
        return fig
    old_lines = ti.text.count("<br>") + 1
    title = _wrap_words(ti.text.replace("<br>", " "), max(TITLE_WRAP, int((width - 60) / (0.56 * TITLE_FONT))))
    sub = ti.subtitle.text
    if sub:
        sub = _wrap_words(sub.replace("<br>", " "), max(SUBTITLE_WRAP, int((width - 60) / (0.5 * 15))))
    lines = title.count("<br>") + 1
    new_block = TITLE_LINE * lines + ((20 + SUBTITLE_LINE * (sub.count("<br>") + 1)) if sub else 0)
    delta = block - new_block
    if delta <= 0:
        return fig
    h_old = fig.layout.height or 600
    at = (1 - ti.y) * h_old - _title_lead(old_lines) + _title_lead(lines)  # px from the top, as before
    return _shorter_header(
        fig,
        delta,
        title=dict(text=title, subtitle=dict(text=sub), y=1 - at / (h_old - delta)),
        meta={**fig.layout.meta, "title_block": new_block},
    )


def _title_block(fig: go.Figure) -> int | None:
    """The px `_base_layout` gave the figure's title and subtitle, or None (not laid out by it, or no title)."""
    meta = fig.layout.meta
    block = meta.get("title_block") if isinstance(meta, dict) else None
    return block if block and fig.layout.title.text else None


def _shorter_header(fig: go.Figure, px: float, **layout) -> go.Figure:
    """A copy of the figure whose top margin and height are `px` less, so its plot keeps its size, the synthetic
    stamp (which hangs from the plot's top edge by the margin above it) kept at the top; `layout` is set too."""
    f = go.Figure(fig)
    m = f.layout.margin
    f.update_layout(
        height=(f.layout.height or 600) - px, margin=dict(t=(m.t if m.t is not None else 100) - px), **layout
    )
    for a in f.layout.annotations:
        if a.name == "synthetic":
            a.yshift = (a.yshift or 0) - px
    return f


def _plain(text) -> str:
    """Plotly text as plain text: line breaks as spaces, tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(text or "").replace("<br>", " "))).strip()


def lift_title(fig: go.Figure) -> tuple[str, str, go.Figure]:
    """A chart's title and subtitle as plain text, and a copy of the figure without them and with the same plot:
    for a page that shows them as its own text above the chart, wrapping to the screen's width. Wrapped in the
    figure at `TITLE_WRAP` characters (what a phone's width takes), they gave a desktop's or a projector's chart a
    header of three to five short lines over an empty width. The top margin and the figure's height lose the
    title block (`_base_layout`), the synthetic stamp keeps its place at the top, and every label on the plot's
    top edge keeps its place above the plot. Exported images keep the figure's own title. A figure that
    `_base_layout` did not lay out comes back as it is, with ("", "")."""
    block = _title_block(fig)
    if not block:
        return "", "", fig
    title, subtitle = _plain(fig.layout.title.text), _plain(fig.layout.title.subtitle.text)
    return title, subtitle, _shorter_header(fig, block, title=dict(text="", subtitle=dict(text="")), meta={})


MODEBAR_CLEAR = 34  # px from the figure's top: Plotly's mode bar (its toolbar) is drawn over the top 28 px


def synthetic_label(one_line: bool = False) -> str:
    """The stamp's text: on two lines, so that it fits a phone's width (a chart there is about 340 px wide,
    and one line of it in 16 px bold is 334 px), or on one line where the figure is wide (a slide)."""
    return f"<b>{SYNTHETIC_TEXT}</b>" if one_line else "<b>" + SYNTHETIC_TEXT.replace(" – ", " –<br>") + "</b>"


def _add_synthetic(fig: go.Figure, synthetic: bool) -> None:
    """Stamp the synthetic-data warning in a band of its own above the title.

    The figure is made taller (plot area unchanged) so the stamp never overlaps the title, whatever the
    width; it is part of the figure, so exported images carry it too. It sits at the top left under the
    mode bar's row (the mode bar covers the top right of a chart on hover and, on a phone's narrow chart,
    would cover the stamp), on two lines so that it is never cut at a phone's right-hand edge.
    """
    if not synthetic:
        return
    label_px = 2 * 21 + 12  # two lines of 16 px type, the box's padding and border
    band = label_px + 8  # the title (at MODEBAR_CLEAR, _base_layout) moves down under the stamp, and the plot too
    m = fig.layout.margin
    h_old = fig.layout.height or 500
    ti = fig.layout.title
    was = (1 - ti.y) * h_old if ti.yref == "container" and ti.y is not None else MODEBAR_CLEAR
    title_at = was + band
    top = (m.t if m.t is not None else 100) + band
    left = m.l if m.l is not None else 80
    height = h_old + band
    fig.update_layout(
        height=height, margin=dict(t=top), title=dict(yref="container", y=1 - title_at / height, yanchor="top")
    )
    fig.add_annotation(
        text=synthetic_label(),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        xanchor="left",
        yanchor="top",
        xshift=-(left - 12),
        yshift=top - MODEBAR_CLEAR,
        showarrow=False,
        align="left",
        # #B84F00: Okabe-Ito vermillion darkened so white 16 px text reaches WCAG AA (5.1:1; #D55E00 is 3.9:1)
        font=dict(size=16, color="#FFFFFF"),
        bgcolor="#B84F00",
        bordercolor="#000000",
        borderwidth=1,
        borderpad=5,
        name="synthetic",
    )


LEGEND_WRAP = 34  # characters a legend line: one entry fits a phone's width (Plotly does not wrap them)


def _wrap_legend(fig: go.Figure) -> None:
    """Legend names longer than a phone's width (an answer or a label from an extract) wrapped in lines."""
    for t in fig.data:
        if t.name and len(t.name) > LEGEND_WRAP and "<br>" not in t.name:
            t.name = _wrap_words(t.name, LEGEND_WRAP)


def legend_height(fig: go.Figure, width: float, font: float | None = None) -> float:
    """The height (px) a horizontal legend takes in a figure `width` px wide: an estimate on the generous side
    (a character as 0.6 of the type size, each entry's symbol and gap 50 px), used to keep room for it so that
    Plotly never has to push the plot up to fit the legend (which moved a footer drawn under the plot)."""
    if fig.layout.showlegend is False:
        return 0.0
    names = [str(t.name) for t in fig.data if t.showlegend is not False and t.name]
    if not names:
        return 0.0
    size = float(font or fig.layout.legend.font.size or (fig.layout.font.size if fig.layout.font else None) or 15)
    x0 = fig.layout.legend.x if fig.layout.legend.x is not None else 0
    room = max(width * (1 - x0) - 10, 100)
    total, used, row_lines = 0.0, 0.0, 1
    for n in dict.fromkeys(names):
        lines = n.split("<br>")
        w = max(len(re.sub(r"<[^>]+>", "", x)) for x in lines) * 0.6 * size + 50
        if used and used + w > room:
            total += row_lines * 1.3 * size + 14
            used, row_lines = 0.0, 1
        used += w
        row_lines = max(row_lines, len(lines))
    return total + row_lines * 1.3 * size + 14


def _legend_at_bottom(fig: go.Figure) -> None:
    """Horizontal legend pinned to the bottom of the figure (container coordinates)."""
    _wrap_legend(fig)
    fig.update_layout(
        legend=dict(
            orientation="h", yref="container", y=0.01, yanchor="bottom", xanchor="left", x=0.01, font=dict(size=15)
        )
    )


def _prepare_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    df = monthly[["month", "value"]].copy()
    df["month"] = df["month"].astype(str).str.slice(0, 7)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df = df.sort_values("month").reset_index(drop=True)
    return df


# --------------------------------------------------------------------------- 1. missing runs


def missing_runs(monthly: pd.DataFrame) -> list[tuple[str, str]]:
    """Runs of consecutive months with no data, as (first month, last month) pairs.

    ``monthly`` has one row per consecutive calendar month (``month``, ``value``).
    """
    df = _prepare_monthly(monthly)
    runs: list[tuple[str, str]] = []
    start = prev = None
    for m, v in zip(df["month"], df["value"]):
        if _isnan(v):
            if start is None:
                start = m
            prev = m
        else:
            if start is not None:
                runs.append((start, prev))
            start = prev = None
    if start is not None:
        runs.append((start, prev))
    return runs


def _run_text(first: str, last: str) -> str:
    return month_label(first) if first == last else f"{month_label(first)} – {month_label(last)}"


# --------------------------------------------------------------------------- 2. trend chart


def _stagger_levels(xs_days: list[float], widths_days: list[float], n_levels: int = 4) -> list[int]:
    """Greedy: put each label on the lowest level where it does not overlap the one before."""
    ends = [-math.inf] * n_levels
    levels = []
    for x, w in zip(xs_days, widths_days):
        left = x - 2  # labels start just right of their line
        chosen = None
        for lev in range(n_levels):
            if left > ends[lev]:
                chosen = lev
                break
        if chosen is None:
            chosen = min(range(n_levels), key=lambda k: ends[k])
        ends[chosen] = x + w
        levels.append(chosen)
    return levels


def numbered_events(events: pd.DataFrame | None, first_month: str, last_month: str) -> pd.DataFrame:
    """The events that fall within the months shown, in date order, numbered from 1 as on the chart.

    Columns: number, event_date (YYYY-MM-DD), title, category. The chart shows only the number (its
    label is listed beneath the chart), so no label can overlap another or the data at any width.
    """
    cols = ["number", "event_date", "title", "category"]
    if events is None or not len(events):
        return pd.DataFrame(columns=cols)
    lo, hi = _month_edge(first_month)[:10], _month_edge(_shift_month(last_month, 1))[:10]
    ev = events.assign(event_date=events["event_date"].astype(str).str.slice(0, 10))
    ev = ev[(ev["event_date"] >= lo) & (ev["event_date"] < hi)].sort_values(["event_date", "title"], kind="stable")
    ev = ev.reset_index(drop=True)
    ev.insert(0, "number", range(1, len(ev) + 1))
    return ev.reindex(columns=cols)


TREND_MARGIN = dict(l=66, r=30)  # px: the time chart's side margins (see trend_chart)
# px: its bottom margin holds the axis's two-line month labels and title (82 px) and the legend's rows as they are
# at the narrowest screen the dashboard is shown on beside its sidebar, an XGA projector's 1,024 px (the chart then
# 564 px wide: three rows of the six entries, two at 1,280 px and wider), with 10 px to spare (`legend_height` is
# 5 px short of what Chromium draws). A margin Plotly must widen for what it holds costs a second drawing of the
# whole chart in the browser (about 40 ms of a page switch, bench/README.md "Session 21"); a phone's, narrower
# still, is left to Plotly.
TREND_AXIS_BOTTOM = 92
TREND_NARROWEST = 564
TREND_BOTTOM = 160  # the least: two rows


def trend_chart(
    monthly: pd.DataFrame,
    rolling: pd.Series | None,
    limits: pd.DataFrame | None,
    cycles: pd.DataFrame | None,
    events: pd.DataFrame | None,
    indicator: dict,
    area_name: str,
    synthetic: bool,
    suppressed: pd.Series | None = None,
    suppress_below: int | None = None,
    beside: tuple = (),
) -> go.Figure:
    """Monthly counts over time with plan cycles, gaps, events and control limits, drawn in layers:

    * each plan cycle shaded and labelled with its cycle_id at the top (`_cycle_layer`);
    * months whose small counts are withheld: a band over 0 to the threshold less one (`_suppressed_layer`);
    * each run of missing months shaded grey and labelled 'No data' with the months (`_gap_layer`);
    * events: a dotted line with a numbered marker at the top, listed by number beneath the chart
      (`_event_layer`, numbered by `numbered_events`);
    * ``limits`` (from ``verdicts.control_limits``): stepped dashed lines per phase, months beyond them
      marked with a diamond (above) or a triangle (below) (`_limits_layer`);
    * ``rolling``: the 12-month rolling mean, dash-dot orange (`_rolling_layer`), each month's mean written as it
      reads beside ``beside``, the means the sentence beside the chart gives (the verdict's: the latest 12 months
      and the same months a year before, `fmt.number_beside`), so the latest month's mean is the sentence's;
    * the monthly values on top: line and markers, gaps left open (``connectgaps=False``).
    """
    area_name = text(area_name)
    df = _prepare_monthly(monthly)
    label = _label(indicator)
    fig = go.Figure()
    if df.empty:
        _base_layout(fig, f"{label} in {area_name}", "No months to show")
        _add_synthetic(fig, synthetic)
        return fig
    first_m, last_m = df["month"].iloc[0], df["month"].iloc[-1]
    x_lo, x_hi = _month_edge(first_m), _month_edge(_shift_month(last_m, 1))
    vals = df["value"]
    ymax = float(vals.max()) if vals.notna().any() else 1.0
    if limits is not None and "upper" in limits and pd.to_numeric(limits["upper"], errors="coerce").notna().any():
        ymax = max(ymax, float(pd.to_numeric(limits["upper"], errors="coerce").max()))

    _cycle_layer(fig, cycles, first_m, last_m)
    hidden = _suppressed_layer(fig, monthly, suppressed, suppress_below)
    _gap_layer(fig, df, hidden)
    _event_layer(fig, numbered_events(events, first_m, last_m))
    _limits_layer(fig, df, limits)
    _rolling_layer(fig, monthly, rolling, beside)
    unit = _unit(indicator)
    fig.add_trace(
        go.Scatter(
            x=[month_to_date(m) for m in df["month"]],
            y=_num_list(vals),
            name=f"{label} (monthly)",
            mode="lines+markers",
            connectgaps=False,
            line=dict(color="#0072B2", width=2.5),
            marker=dict(size=6, color="#0072B2"),
            legendrank=1,
            hovertemplate="%{x|%b %Y}: %{y:,.0f}" + (f" {unit}" if unit else "") + "<extra></extra>",
        )
    )

    headroom = 1.12  # and room for the event numbers (fit_event_numbers)
    if hidden:  # the band of withheld counts (0 to the threshold less one) is always on the axis
        ymax = max(ymax, float(max(int(suppress_below or 1) - 1, 0)))
    fig.update_xaxes(
        title_text="Month",
        type="date",
        range=[x_lo, x_hi],
        showgrid=False,
        ticks="outside",
        tickformat="%b<br>%Y",
        title_font=dict(size=16),
    )
    fig.update_yaxes(
        title_text=_per_month_title(indicator),
        rangemode="tozero",
        range=[0, ymax * headroom if ymax > 0 else 1],
        tickformat=",",
        title_font=dict(size=16),
    )
    n_missing = int(vals.isna().sum()) - len(hidden)
    subtitle = (
        f"{month_label(first_m)} to {month_label(last_m)} · shaded bands are plan cycles"
        + (f" · {n_missing} month{'s' if n_missing != 1 else ''} with no data shown as gaps" if n_missing else "")
        + (f" · {len(hidden)} suppressed (fewer than {suppress_below})" if hidden else "")
    )
    _base_layout(
        fig,
        f"{label} in {area_name}, by month",
        subtitle,
        height=660 + TREND_BOTTOM - 150,  # the plot's height as with a bottom margin of 150
        margin=dict(l=TREND_MARGIN["l"], r=TREND_MARGIN["r"], t=130, b=TREND_BOTTOM),
    )
    # narrow side margins, the y axis's labels pushing the left one out only if they need it: on a phone (a chart
    # about 342 px wide) margins of 90 and 40 px left the plot 212 px, these about 250 (one figure for every width)
    fig.update_yaxes(automargin=True, title_standoff=4)
    _legend_at_bottom(fig)
    bottom = max(TREND_BOTTOM, math.ceil(TREND_AXIS_BOTTOM + legend_height(fig, TREND_NARROWEST)))
    # the same plot height: the figure grows by what the margin does (its height holds the title's lines too)
    fig.update_layout(hovermode="closest", height=fig.layout.height + bottom - TREND_BOTTOM, margin_b=bottom)
    _add_synthetic(fig, synthetic)
    fit_event_numbers(fig, *EVENT_PLOT)
    return fit_gap_labels(fig)


def _cycle_layer(fig: go.Figure, cycles: pd.DataFrame | None, first_m: str, last_m: str) -> None:
    """Each plan cycle shaded (clipped to the months shown) and its id at the top left of its band."""
    if cycles is None or not len(cycles):
        return
    cyc = cycles.sort_values("start_month").reset_index(drop=True)
    bands, labels = [], []
    for i, row in cyc.iterrows():
        s, e = str(row["start_month"])[:7], str(row["end_month"])[:7]
        if e < first_m or s > last_m:
            continue
        s_c, e_c = max(s, first_m), min(e, last_m)
        bands.append(
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=_month_edge(s_c),
                x1=_month_edge(_shift_month(e_c, 1)),
                y0=0,
                y1=1,
                fillcolor=SERIES_COLOURS[(i + 1) % len(SERIES_COLOURS)],
                opacity=0.10,
                line_width=0,
                layer="below",
                name=f"cycle {row['cycle_id']}",
            )
        )
        title = str(row.get("title") or "")
        labels.append(
            dict(
                x=_month_edge(s_c),
                xref="x",
                y=1.0,
                yref="paper",
                xanchor="left",
                yanchor="bottom",
                text=f"<b>{text(row['cycle_id'])}</b>",
                showarrow=False,
                font=dict(size=15, color="#222222"),
                hovertext=text(f"Plan cycle {row['cycle_id']}: {title} ({month_label(s)} to {month_label(e)})"),
                name="cycle label",
            )
        )
    add_layout_items(fig, shapes=bands, annotations=labels)  # at once (`add_layout_items`)


def _suppressed_layer(fig: go.Figure, monthly: pd.DataFrame, suppressed, suppress_below) -> list[str]:
    """Months whose small counts are withheld: a shaded band over the range their counts lie in (0 to the
    threshold less one), with one legend entry and no text beside each (a row of '<5' labels would smear along
    the axis). Returns the months."""
    if suppressed is None or not bool(pd.Series(suppressed).any()):
        return []
    flags = pd.DataFrame(
        {
            "month": monthly["month"].astype(str).str.slice(0, 7),
            "hidden": pd.Series(suppressed).astype(bool).to_numpy(),
        }
    )
    hidden = sorted(flags.loc[flags["hidden"], "month"])
    top = max(int(suppress_below or 1) - 1, 0)
    # each run of withheld months is a band from 0 to the threshold less one, where the counts lie (a mark on
    # the axis would be read as zero), with a short dash in the middle of each month
    runs, start = [], None
    for i, m in enumerate(hidden):
        if start is None:
            start = m
        if i + 1 == len(hidden) or hidden[i + 1] != _shift_month(m, 1):
            runs.append((start, m))
            start = None
    bands = [
        dict(type="rect", xref="x", yref="y", x0=_month_edge(first), x1=_month_edge(_shift_month(last, 1)),
             y0=0, y1=top, fillcolor="#595959", opacity=0.18, line=dict(width=0), layer="below")
        for first, last in runs
    ]  # fmt: skip
    add_layout_items(fig, shapes=bands)  # at once: a ward's withheld months are many runs
    fig.add_trace(
        go.Scatter(
            x=[month_to_date(m) for m in hidden],
            y=[top / 2] * len(hidden),
            mode="markers",
            marker=dict(symbol="line-ew-open", size=7, color="#595959", line=dict(width=2)),
            name=f"Fewer than {suppress_below} (withheld: 0 to {top})",
            legendrank=5,
            cliponaxis=False,
            hovertemplate="%{x|%b %Y}: fewer than " + str(suppress_below) + " (withheld)<extra></extra>",
        )
    )
    return hidden


def _gap_layer(fig: go.Figure, df: pd.DataFrame, hidden: list[str], panel: int | None = None) -> None:
    """Each run of months with no data (suppressed months are not gaps): shaded, labelled with its months.

    The labels are placed by `fit_gap_labels`, in rows of their own in the top margin, where no count, limit,
    mean or event line is drawn: a label never covers data, whatever the values or the width. `panel`: the
    subplot row (of stacked panels sharing the time axis) whose gaps these are: shaded in that panel only, the
    label on a row of its own just above it (the panel's title is raised over it)."""
    runs = missing_runs(df.assign(value=df["value"].where(~df["month"].isin(hidden), 0.0)) if hidden else df)
    if not runs:
        return
    first_m, last_m = df["month"].iloc[0], df["month"].iloc[-1]
    lo, hi = pd.Timestamp(_month_edge(first_m)), pd.Timestamp(_month_edge(_shift_month(last_m, 1)))
    axis = "" if panel in (None, 1) else str(panel)
    xref, yref = f"x{axis}", (f"y{axis} domain" if panel else "paper")
    shapes, labels = [], []
    for first, last in runs:
        x0, x1 = _month_edge(first), _month_edge(_shift_month(last, 1))
        shapes.append(
            dict(
                type="rect",
                xref=xref,
                yref=yref,
                x0=x0,
                x1=x1,
                y0=0,
                y1=1,
                fillcolor=GAP_FILL,
                opacity=0.45,
                line_width=0,
                layer="below",
                name="no data",
            )
        )
        # from the gap's left edge into the plot; a gap in the right half is labelled from its right edge
        mid = pd.Timestamp(x0) + (pd.Timestamp(x1) - pd.Timestamp(x0)) / 2
        right = (mid - lo) > (hi - lo) / 2
        labels.append(
            dict(
                x=x1 if right else x0,
                xref=xref,
                y=0,
                yref=yref,
                xanchor="right" if right else "left",
                yanchor="bottom",
                xshift=-2 if right else 2,
                # one line above a panel, where the room between panels is one line high
                text=f"<b>No data</b>{' ' if panel else '<br>'}{_run_text(first, last)}",
                showarrow=False,
                align="right" if right else "left",
                font=dict(size=14, color="#333333"),
                name="no data label",
                bgcolor="rgba(255,255,255,0.7)",
            )
        )
    add_layout_items(fig, shapes=shapes, annotations=labels)  # at once (`add_layout_items`)


GAP_LABEL_ROWS = 3  # at most this many rows of gap labels above the plot
GAP_PLOT_WIDTH = 300  # px: the plot's width on a phone, for which labels close together are put on rows


def fit_gap_labels(fig: go.Figure, grow: bool = True) -> go.Figure:
    """Put the 'No data' labels of a time chart in rows of their own in the top margin, above the plan cycles'
    labels and over their gaps: no count, limit, mean or event line is drawn there, so a label covers nothing,
    whatever the values, the events or the width (inside the plot a label sat on the line or on event lines).
    The top margin is fixed in pixels (the bottom one grows with the legend on a phone), so the rows keep their
    room at every width. Labels that would touch at a phone's width go on separate rows.

    `grow`: the figure is made taller by the rows (plot unchanged); otherwise (a slide of fixed height) the plot
    gives up the room. Call it once the fonts and margins are final; a figure without gaps is left as it is."""
    _fit_panel_gap_labels(fig)
    labels = [a for a in fig.layout.annotations if a.name == "no data label" and a.yref == "paper"]
    if not labels:
        return fig
    size = max(float(a.font.size or BASE_FONT) for a in labels)
    row_px = 2 * 1.3 * size + 8  # two lines and the label's box
    cycle = [float(a.font.size or BASE_FONT) for a in fig.layout.annotations if a.name == "cycle label"]
    above = (1.3 * max(cycle) + 6) if cycle else 4  # the plan cycles' labels sit on the plot's top edge
    x_range = list(fig.layout.xaxis.range or [])
    xs = [pd.Timestamp(str(a.x)) for a in labels]
    t0 = pd.Timestamp(x_range[0]) if len(x_range) == 2 else min(xs)
    t1 = pd.Timestamp(x_range[1]) if len(x_range) == 2 else max(xs)
    px_per_day = GAP_PLOT_WIDTH / max((t1 - t0).days, 1)
    ends: list[float] = []  # the right end (px) of the last label on each row
    for a, x_t in sorted(zip(labels, xs), key=lambda p: p[1]):
        lines = str(a.text).replace("<b>", "").replace("</b>", "").split("<br>")
        width = max(len(line) for line in lines) * 0.6 * size
        x = (x_t - t0).days * px_per_day
        left, right = (x - width, x) if a.xanchor == "right" else (x, x + width)
        row = next((r for r, e in enumerate(ends) if left > e + 8), None)
        if row is None and len(ends) < GAP_LABEL_ROWS:
            ends.append(-math.inf)
            row = len(ends) - 1
        if row is None:  # every row taken where it would sit: drawn over another label it reads as neither, so
            a.update(visible=False)  # not drawn (its band still shows the gap; the subtitle counts the months)
            continue
        ends[row] = max(ends[row], right)
        a.update(y=1, yref="paper", yanchor="bottom", yshift=above + row * row_px)
    rows_px = int(math.ceil(len(ends) * row_px))
    m = fig.layout.margin
    t_old = m.t if m.t is not None else 100
    h_old = fig.layout.height or 600
    h_new = h_old + rows_px if grow else h_old
    fig.update_layout(height=h_new, margin=dict(t=t_old + rows_px))
    title = fig.layout.title
    if title.text:  # the title stays where it was, counted from the figure's top
        y_px = (1 - title.y) * h_old if title.yref == "container" and title.y is not None else t_old / 2
        title.update(yref="container", y=1 - y_px / h_new, yanchor=title.yanchor or "middle")
    for a in fig.layout.annotations:
        if a.name == "synthetic":  # the stamp stays at the figure's top
            a.yshift = (a.yshift or 0) + rows_px
    return fig


def _fit_panel_gap_labels(fig: go.Figure) -> None:
    """The 'No data' labels of a panel below another (`_gap_layer`'s `panel`): on a row just above the panel,
    in the room between the panels, and the panel's title raised above that row, in the labels' type (call
    again when it changes: a slide's projector type). Two lines ('No data', the months) where the room holds
    them, as on every time chart (a phone's narrow plot has no width for one long line); one line where it does
    not (a slide, short and wide)."""
    labels = [a for a in fig.layout.annotations if a.name == "no data label" and str(a.yref).endswith(" domain")]
    m = fig.layout.margin
    plot_h = (fig.layout.height or 600) - (m.t if m.t is not None else 100) - (m.b if m.b is not None else 80)
    for axis in dict.fromkeys(str(a.yref).split()[0] for a in labels):
        mine = [a for a in labels if str(a.yref).startswith(axis + " ")]
        size = max(float(a.font.size or BASE_FONT) for a in mine)
        n = int(axis[1:] or 1)
        top = fig.layout["yaxis" + axis[1:]].domain[1]
        above = fig.layout["yaxis" + (str(n - 1) if n > 2 else "")].domain[0] if n > 1 else 1.0
        title = [  # the panel's title (make_subplots' subplot_titles)
            t
            for t in fig.layout.annotations
            if t.name is None and t.yref == "paper" and t.y is not None and abs(float(t.y) - top) < 1e-9
        ]
        title_h = 1.3 * max([float(t.font.size or BASE_FONT) for t in title] or [0]) + 4
        two = (above - top) * plot_h >= title_h + 2 * 1.3 * size + 8 + 10  # and the upper panel's tick marks
        for a in mine:
            words = str(a.text).replace("<br>", " ").replace("</b> ", "</b>")
            a.update(y=1, yanchor="bottom", yshift=2, text=words.replace("</b>", "</b><br>" if two else "</b> "))
        for t in title:
            t.update(yanchor="bottom", yshift=(2 if two else 1) * 1.3 * size + 10)


EVENT_LEVELS = 3  # rows of event numbers at most
EVENT_PLOT = (300, 240)  # px: the smallest plot a trend chart is drawn in (a phone's), for which numbers are placed


def _event_layer(fig: go.Figure, ev: pd.DataFrame) -> None:
    """Each event: a dotted line and its number in a small box at the top of the plot (full title on hover).
    The numbers are put on rows by `fit_event_numbers` once the axes are set. Added at once: Plotly copies every
    shape and annotation the figure holds at each `add_shape` or `add_annotation`, so one at a time the cost
    grew with the events (a third of a trend chart's building)."""
    lines, numbers = [], []
    for n, d, full, cat in ev.itertuples(index=False, name=None):
        lines.append(
            dict(type="line", xref="x", yref="paper", x0=d, x1=d, y0=0, y1=1, name="event",
                 line=dict(color="#333333", width=1.5, dash="dot"))
        )  # fmt: skip
        numbers.append(
            dict(
                x=d,
                xref="x",
                y=1,
                yref="paper",
                xanchor="center",
                yanchor="top",
                yshift=-2,
                text=f"<b>{n}</b>",
                showarrow=False,
                font=dict(size=14, color="#222222"),
                bgcolor="#FFFFFF",
                bordercolor="#333333",
                borderwidth=1.5,
                borderpad=2,
                hovertext=f"{n}. {text(full)} ({d}; {text(cat)})",
                name="event number",
            )
        )
    add_layout_items(fig, shapes=lines, annotations=numbers)


def add_layout_items(fig: go.Figure, shapes: list[dict] = (), annotations: list[dict] = ()) -> None:
    """Shapes and annotations (as dicts) added to a figure at once, after those it has, in order: what
    `add_shape` and `add_annotation` one at a time do, without Plotly copying every earlier one at each."""
    if shapes:
        fig.layout.shapes = (*fig.layout.shapes, *shapes)
    if annotations:
        fig.layout.annotations = (*fig.layout.annotations, *annotations)


def _drawn_values(fig: go.Figure) -> list[tuple[tuple, float]]:
    """Each value drawn on the first y axis, with the dates it is drawn at (a trace's point at its date, a shape's
    ends at its two; None where not a date), read from the figure once for `_data_top`."""

    def when(x):
        try:
            return pd.Timestamp(str(x))
        except (ValueError, TypeError):
            return None  # not a date: counted at every date, to be safe

    out = []
    for t in fig.data:
        if getattr(t, "yaxis", None) not in (None, "y") or t.y is None:
            continue
        xs = list(t.x) if t.x is not None else [None] * len(t.y)
        out += [((when(x),), float(v)) for x, v in zip(xs, t.y) if isinstance(v, (int, float)) and not _isnan(v)]
    for sh in fig.layout.shapes:
        if sh.yref == "y":
            out += [((when(sh.x0), when(sh.x1)), float(v)) for v in (sh.y0, sh.y1) if isinstance(v, (int, float))]
    return out


def _data_top(drawn: list[tuple[tuple, float]], between: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> float:
    """The highest of the values `_drawn_values` read (traces and shapes on the first y axis), or 0; `between`: at
    dates within it only (a shape counts where either end reaches into it)."""
    return max(
        [0.0] + [v for xs, v in drawn if between is None or any(x is None or between[0] <= x <= between[1] for x in xs)]
    )


def fit_event_numbers(fig: go.Figure, plot_width: float, plot_height: float) -> go.Figure:
    """Put the event numbers of a time chart on rows in pixels, so that numbers close in time (events a few
    weeks apart) never sit on one another: each number's box is as wide and tall as its type makes it, numbers
    that would touch in a plot `plot_width` px wide go on rows below one another (up to EVENT_LEVELS), and the
    y axis is raised so that no count reaches the rows in a plot `plot_height` px high (or taller). Call it
    again when the type or the smallest plot changes (a slide's projector type)."""
    nums = [a for a in fig.layout.annotations if a.name == "event number"]
    x_range = list(fig.layout.xaxis.range or [])
    if not nums or len(x_range) != 2:
        return fig
    t0, t1 = pd.Timestamp(x_range[0]), pd.Timestamp(x_range[1])
    px_per_day = plot_width / max((t1 - t0).days, 1)
    size = max(float(a.font.size or BASE_FONT) for a in nums)
    box_h = 1.3 * size + 2 * (2 + 1.5) + 2  # the type, the box's padding and border
    widths = [0.62 * size * len(str(a.text).replace("<b>", "").replace("</b>", "")) + 2 * 3.5 + 6 for a in nums]
    xs = [(pd.Timestamp(str(a.x)) - t0).days * px_per_day for a in nums]
    order = sorted(range(len(nums)), key=lambda i: xs[i])
    levels = _stagger_levels([xs[i] - widths[i] / 2 for i in order], [widths[i] + 2 for i in order], EVENT_LEVELS)
    for i, lev in zip(order, levels):
        nums[i].update(y=1, yref="paper", yanchor="top", yshift=-(2 + lev * (box_h + 3)))
    drawn = _drawn_values(fig)
    ymax = _data_top(drawn)
    if ymax > 0:
        # raised only as far as the counts under each number need: a number on the second row over months at
        # half the series' peak costs nothing (raising for the peak under every row gave the demo's ASB chart
        # an axis to 2,000 over counts below 1,200)
        top = ymax * 1.12
        for i, lev in zip(order, levels):
            # the box's half-width and a month more: a line to the next month's point passes under the box too
            days = pd.Timedelta(days=(widths[i] / 2 + 6) / px_per_day + 31)
            x = pd.Timestamp(str(nums[i].x))
            under = _data_top(drawn, (x - days, x + days))
            share = min((2 + (lev + 1) * (box_h + 3) + 6) / max(plot_height, 1), 0.6)  # of the plot, from its top
            top = max(top, under / (1 - share))
        fig.layout.yaxis.range = [0, top]
    return fig


def _limits_layer(fig: go.Figure, df: pd.DataFrame, limits: pd.DataFrame | None) -> None:
    """Control limits, stepped per phase, left open at missing months; months beyond them marked."""
    if limits is None or not len(limits) or not {"upper", "lower"}.issubset(limits.columns):
        return
    lim = limits.copy()
    lim["month"] = lim["month"].astype(str).str.slice(0, 7)
    lim = df[["month"]].merge(lim.drop(columns=["value"], errors="ignore"), on="month", how="left")
    lx = [month_to_date(m) for m in lim["month"]]
    gap = df["value"].isna().to_numpy()
    for col in ("centre", "upper", "lower"):
        if col in lim:
            lim[col] = pd.to_numeric(lim[col], errors="coerce").mask(gap)
    if lim[["upper", "lower"]].isna().all().all():
        return  # no month has limits (too few months to fit them): no line to draw, and none named in the legend
    common = dict(mode="lines", line_shape="hv", connectgaps=False, hoverinfo="skip")
    if "centre" in lim and lim["centre"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=lx,
                y=_num_list(lim["centre"]),
                name="Expected (season and plan cycle)",
                line=dict(color=NEUTRAL, width=1.5, dash="dot"),
                legendrank=40,
                **common,
            )
        )
    for col, name, show in (("upper", "Limits (99.73%)", True), ("lower", "Lower control limit", False)):
        fig.add_trace(
            go.Scatter(
                x=lx,
                y=_num_list(lim[col]),
                name=name,
                showlegend=show,
                line=dict(color=NEUTRAL, width=2, dash="dash"),
                legendgroup="limits",
                legendrank=30,
                **common,
            )
        )
    if "signal" not in lim:
        return
    sig = lim["signal"].fillna("").astype(str)
    for kind, name, symbol, colour in (
        ("above", "Above the upper limit", "diamond", "#CC79A7"),
        ("below", "Below the lower limit", "triangle-down", "#56B4E9"),
    ):
        mask = (sig == kind) & df["value"].notna()
        if mask.any():
            fig.add_trace(
                go.Scatter(
                    x=[month_to_date(m) for m in df.loc[mask, "month"]],
                    y=_num_list(df.loc[mask, "value"]),
                    mode="markers",
                    name=name,
                    legendrank=20,
                    marker=dict(symbol=symbol, size=16, color=colour, line=dict(color="#000000", width=1.5)),
                    hovertemplate="%{x|%b %Y}: %{y:,.0f} – " + name.lower() + "<extra></extra>",
                )
            )


def _rolling_layer(fig: go.Figure, monthly: pd.DataFrame, rolling: pd.Series | None, beside: tuple = ()) -> None:
    """The 12-month rolling mean (aligned with `monthly`'s rows); drawn only where it has values, so the
    legend never lists a line that is not there. Its hover writes each mean as it reads beside `beside` (the
    means of the sentence beside the chart, `fmt.number_beside`)."""
    if rolling is None:
        return
    r = pd.to_numeric(pd.Series(list(rolling)), errors="coerce")
    if not r.notna().any():
        return
    months = monthly["month"].astype(str).str.slice(0, 7).reset_index(drop=True)
    if len(r) == len(monthly):
        frame = pd.DataFrame({"month": months, "r": r}).sort_values("month")
    else:
        frame = pd.DataFrame({"month": sorted(months)[: len(r)], "r": r})
    fig.add_trace(
        go.Scatter(
            x=[month_to_date(m) for m in frame["month"]],
            y=_num_list(frame["r"]),
            name="12-month rolling mean",
            # #C17A00: Okabe-Ito orange darkened to 3.5:1 on white (WCAG 1.4.11 non-text contrast; #E69F00 is 2.3:1)
            mode="lines",
            connectgaps=False,
            line=dict(color="#C17A00", width=3.5, dash="dashdot"),
            legendrank=10,
            customdata=["" if _isnan(v) else fmt.number_beside(v, *beside) for v in frame["r"]],
            hovertemplate="%{x|%b %Y}: 12-month mean %{customdata}<extra></extra>",
        )
    )


# --------------------------------------------------------------------------- 3. cycle lines


def _cycle_colour(i: int) -> str:
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def cycle_lines_chart(cycle_months: pd.DataFrame, indicator: dict, synthetic: bool) -> go.Figure:
    """One line per plan cycle, month of cycle (1..36) on x, so cycles line up.

    Markers use a different symbol per cycle, missing months are gaps, and each
    line is labelled directly at its last month with data. A month whose count is
    withheld (a ward's small number, `value_suppressed`) is not a gap: a grey band
    from 0 to the threshold less one holds a dash in its cycle's colour for it, as
    the Trends chart marks such months (it was drawn as "no data", and a ward with
    every month withheld as an empty chart).
    """
    label = _label(indicator)
    unit = _unit(indicator)
    fig = go.Figure()
    cm = cycle_months.copy()
    cm["value"] = pd.to_numeric(cm["value"], errors="coerce").astype("float64")
    held = (
        cm["value_suppressed"].fillna(False).astype(bool)
        if "value_suppressed" in cm
        else pd.Series(False, index=cm.index)
    )
    threshold = cycle_months.attrs.get("suppress_below")
    top = max(int(threshold or 1) - 1, 0)
    order = list(dict.fromkeys(cm.sort_values("month")["cycle_id"].astype(str)))
    ymax = float(cm["value"].max()) if cm["value"].notna().any() else 1.0
    if held.any():
        ymax = max(ymax if cm["value"].notna().any() else 0.0, float(threshold or 1))
        fig.add_shape(
            type="rect", xref="x", yref="y", x0=0.5, x1=36.5, y0=0, y1=top,
            fillcolor="#595959", opacity=0.12, line=dict(width=0), layer="below",
        )  # fmt: skip
    for i, cid in enumerate(order):
        in_cycle = cm["cycle_id"].astype(str) == cid
        d = cm[in_cycle].sort_values("month_of_cycle")
        colour = _cycle_colour(i)
        fig.add_trace(
            go.Scatter(
                x=[int(v) for v in d["month_of_cycle"]],
                y=_num_list(d["value"]),
                name=cid,
                legendgroup=cid,
                mode="lines+markers",
                connectgaps=False,
                line=dict(color=colour, width=3),
                marker=dict(symbol=SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)], size=9, color=colour),
                customdata=[month_label(m) for m in d["month"]],
                hovertemplate=f"{cid}, month %{{x}} (%{{customdata}}): %{{y:,.0f}}"
                + (f" {unit}" if unit else "")
                + "<extra></extra>",
            )
        )
        w = cm[in_cycle & held].sort_values("month_of_cycle")
        if len(w):
            fig.add_trace(
                go.Scatter(
                    x=[int(v) for v in w["month_of_cycle"]],
                    y=[top * (i + 1) / (len(order) + 1)] * len(w),  # each cycle at its own height in the band
                    name=f"{cid}, withheld",
                    legendgroup=cid,
                    showlegend=False,
                    mode="markers",
                    marker=dict(symbol="line-ew-open", size=9, color=colour, line=dict(width=3, color=colour)),
                    customdata=[month_label(m) for m in w["month"]],
                    hovertemplate=f"{cid}, month %{{x}} (%{{customdata}}): fewer than {threshold} (withheld)"
                    + "<extra></extra>",
                )
            )
    if held.any():  # one legend entry for the band, as on the Trends chart
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=f"Fewer than {threshold} (withheld: 0 to {top})",
                marker=dict(symbol="line-ew-open", size=9, color="#595959", line=dict(width=3)), hoverinfo="skip",
            )
        )  # fmt: skip
    # No labels at the lines' ends: on a phone they fall off the plot or sit on another cycle's points. The
    # legend names each cycle with its colour and marker.
    for b, txt in ((0.5, "Year 1"), (12.5, "Year 2"), (24.5, "Year 3")):
        if b > 0.5:
            _vline(fig, b, dict(color="#BDBDBD", width=1, dash="dot"), "year boundary")
        fig.add_annotation(
            x=b,
            xref="x",
            y=1.0,
            yref="paper",
            text=txt,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            xshift=4,
            font=dict(size=14, color=NEUTRAL),
        )
    fig.update_xaxes(
        title_text="Month of plan cycle",
        range=[0.5, 36.5],
        tickmode="array",
        tickvals=[1, 7, 13, 19, 25, 31, 36],
        showgrid=False,
        ticks="outside",
    )
    fig.update_yaxes(
        title_text=_per_month_title(indicator),
        rangemode="tozero",
        range=[0, ymax * 1.12 or 1],
        tickformat=",",
    )
    _base_layout(
        fig,
        f"{label}: each plan cycle month by month",
        "Month 1 is April of each cycle's first year; gaps are months with no data (not zero)"
        + (f"; a dash in the grey band is a month withheld (fewer than {threshold})" if held.any() else ""),
        height=600,
        margin=dict(l=90, r=30, t=130, b=150),
    )
    _legend_at_bottom(fig)
    _add_synthetic(fig, synthetic)
    return fig


# --------------------------------------------------------------------------- 4. cycle means


# where a bar's label of a cycle under way breaks ("18 of 18 months so far" / "with data"): a slide joins it again
SO_FAR_BREAK = "<br>with data"


def cycle_months_words(row, sep: str = "; ", brief: bool = False) -> str:
    """How many of a plan cycle's months its mean is over, telling months not yet happened, months withheld and
    months with no data apart: '34 of 36 months with data'; '12 of 18 months so far with data' (a cycle under
    way: months not yet happened are not missing); for a ward's small-number indicator, whose totals stop at the
    latest complete financial year, '12 of 18 months so far in the average; 6 withheld (small numbers)', with
    '; 2 with no data' where some are missing as well. `row`: a row of ``cycle_comparison``'s comparison
    (months_with_data, months_in_cycle, months_not_yet, months_withheld); `sep` between the parts; `brief`: without
    'in the average' (a bar's label, under its mean, on a phone's width)."""
    mwd = 0 if _isnan(row.get("months_with_data")) else int(row.get("months_with_data"))
    mic = int(row.get("months_in_cycle"))
    not_yet = 0 if _isnan(row.get("months_not_yet")) else int(row.get("months_not_yet"))
    held = 0 if _isnan(row.get("months_withheld")) else int(row.get("months_withheld"))
    gone = mic - not_yet
    if not held:  # a bar's label breaks before "with data": whole on a 320 px screen (WCAG 1.4.10, an audit)
        return (
            f"{mwd} of {gone} months so far{SO_FAR_BREAK if brief else ' with data'}"
            if not_yet
            else f"{mwd} of {mic} months with data"
        )
    none = max(gone - mwd - held, 0)
    parts = [
        f"{mwd} of {gone} months{' so far' if not_yet else ''}{'' if brief else ' in the average'}",
        f"{held} withheld (small numbers)",
    ]
    return sep.join(parts + ([f"{none} with no data"] if none else []))


CYCLE_ROW = 130  # px per plan cycle's bar, with a label of up to three lines above it
CYCLE_LABEL_LINE = 22  # px a line of a bar's label takes (15 px type, and a margin)


def _cycle_row_px(label_lines: int) -> int:
    """px per plan cycle in `cycle_means_chart`: 130 holds a bar and a label of three lines in the gap above it; a
    longer label (a ward's cycle under way with months withheld and months missing: its mean, the months so far,
    those withheld, those with no data) gets a taller row, or its first line was drawn over the bar above."""
    return CYCLE_ROW + CYCLE_LABEL_LINE * max(0, label_lines - 3)


def _mean_words(v, decimals: int) -> str:
    """A plan cycle's mean as its bar, its hover and the chart in words write it ('no data' for none)."""
    return "no data" if _isnan(v) else fmt.number(v, decimals)


def cycle_means_chart(
    comparison: pd.DataFrame, indicator: dict, synthetic: bool, decimals: int | None = None
) -> go.Figure:
    """Bars of each plan cycle's monthly mean with 95% CI error bars.

    ``comparison`` is the output of ``stats.compare_cycles``. When the counts are
    over-dispersed (``dispersion > 1``) the error bars use the widened interval
    (``ci_low_adjusted``/``ci_high_adjusted``) so that they agree with the test
    behind the verdict; the caption says which interval is shown. Each bar
    is labelled with its mean and 'N of M months with data'.

    ``decimals``: how the means are written, as the sentences beside the chart write them (the view works it out
    over every mean it shows, `fmt.shared_decimals`); by default shared by the bars, which are read side by side.
    """
    label = _label(indicator)
    comp = comparison.reset_index(drop=True)
    disp = float(comp["dispersion"].iloc[0]) if "dispersion" in comp and len(comp) else 1.0
    use_adj = disp > 1.0 and {"ci_low_adjusted", "ci_high_adjusted"}.issubset(comp.columns)
    lo_col, hi_col = ("ci_low_adjusted", "ci_high_adjusted") if use_adj else ("ci_low", "ci_high")
    means = pd.to_numeric(comp["monthly_mean"], errors="coerce")
    lo = pd.to_numeric(comp[lo_col], errors="coerce")
    hi = pd.to_numeric(comp[hi_col], errors="coerce")
    d = fmt.shared_decimals(*means) if decimals is None else decimals
    cids = comp["cycle_id"].astype(str).tolist()
    plus = _num_list(hi - means)
    minus = _num_list(means - lo)
    hover = []
    for i, row in comp.iterrows():
        ends = "no data to no data" if _isnan(lo[i]) or _isnan(hi[i]) else " to ".join(fmt.numbers(lo[i], hi[i]))
        h = f"{cids[i]}: {_mean_words(means[i], d)} a month (95% CI {ends})<br>{cycle_months_words(row)}"
        if "rate_ratio" in comp and not _isnan(row.get("rate_ratio")):
            p = "" if _isnan(row.get("p_adjusted")) else f", {fmt.p_value(row['p_adjusted'])}"  # withheld in a ward
            h += (
                f"<br>vs {cids[i - 1]}: ×{row['rate_ratio']:.2f}{p} "
                f"({'more than' if row['beyond_chance'] else 'within'} the usual yearly moves)"
            )
        hover.append(h)
    fig = go.Figure(
        go.Bar(
            y=cids,
            x=_num_list(means),
            orientation="h",
            width=0.4,
            name="Average per month",
            marker=dict(color=[_cycle_colour(i) for i in range(len(cids))], line=dict(color="#000000", width=1)),
            error_x=dict(
                type="data", symmetric=False, array=plus, arrayminus=minus, color="#000000", thickness=2.5, width=10
            ),
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
        )
    )
    top = pd.concat([hi, means]).max()
    top = float(top) if not _isnan(top) else 1.0
    label_lines = 1
    for i in range(len(cids)):
        mic = int(comp.loc[i, "months_in_cycle"])
        not_yet = int(comp.loc[i, "months_not_yet"]) if "months_not_yet" in comp else 0
        # months not yet happened are not missing data, nor are months withheld (small numbers)
        months = cycle_months_words(comp.loc[i], sep="<br>", brief=True)
        if _isnan(means[i]):
            hidden = bool(comp.loc[i].get("total_withheld", False))  # a small total withheld is not "no data"
            txt = (
                "<b>Not started</b>"
                if not_yet == mic
                else f"<b>{'Withheld (small numbers)' if hidden else 'No data'}</b> · {months}"
            )
        else:
            txt = f"<b>{_mean_words(means[i], d)}</b> a month<br>{months}"
        label_lines = max(label_lines, txt.count("<br>") + 1)
        fig.add_annotation(  # above its bar, from the left edge: never over another bar's label at any width
            x=0,
            xref="paper",
            y=i - 0.22,  # the bar's upper edge (the axis runs downwards)
            yref="y",
            text=txt,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            align="left",
            font=dict(size=15),
            name="bar label",
        )
    n = max(len(cids), 1)
    fig.update_yaxes(
        title_text="Plan cycle",
        type="category",
        categoryorder="array",
        categoryarray=cids,
        autorange=False,
        range=[n - 0.6, -0.95],  # first cycle at the top, with room above it for its label
    )
    fig.update_xaxes(
        title_text=f"Average {_unit(indicator) or 'count'} per month",
        rangemode="tozero",
        range=[0, top * 1.08 if top > 0 else 1],
        tickformat=",",
    )
    ci_note = (
        # which model's φ: the verdicts have their own, of the months they compare (an outside audit read 5.0 here
        # and 0.8 in the burglary verdict's method as two answers to one question)
        f"Error bars: 95% interval, widened as months vary {disp:.1f} times as much as chance alone about each "
        "cycle's own level and season."
        if use_adj
        else "Error bars: 95% interval for a count that varies by chance alone (exact, Garwood's)."
    ) + (
        # each bar is one cycle's own mean; the verdicts also allow for how much whole years differ on their own
        " Bars apart can still be no clear change: the verdicts allow for how much years differ." if n > 1 else ""
    )
    _base_layout(
        fig,
        f"{label}: average per month in each plan cycle",
        "Months with no data are left out of each average (not counted as zero). " + ci_note,
        height=260 + _cycle_row_px(label_lines) * n,
        margin=dict(l=110, r=30, t=130, b=100),
    )
    _add_synthetic(fig, synthetic)
    return fig


# --------------------------------------------------------------------------- 5. ward ranking


WARD_ROW = 48  # px per ward in the ranking: its label (15 px type) above its bar
WARD_BAR = 0.4  # the bar's thickness, in rows
WARD_MARK = 0.22  # the borough's mark reaches this far (in rows) above and below the middle of each bar
WARD_LABEL_SHIFT = 14  # px from the middle of the bar to the foot of its label
WARD_LABEL_CHARS = 34  # characters of "name: rate" a phone's chart holds on one line (15 px type, 294 px)
WARD_ROW_TWO = 80  # px per ward when a long name takes its label onto two lines (two lines of type above the bar)
WARD_LABEL_SHIFT_TWO = 20  # px from the middle of the bar to the foot of a two-line label (above the mark's end)


def ward_rank_chart(ward_rates: pd.DataFrame, indicator: dict, synthetic: bool, whole: str = "borough") -> go.Figure:
    """Horizontal bars of wards by annual rate per 1,000 residents (or the indicator's group), highest at the top,
    with a dashed line for the borough rate (named in the legend as the whole `whole`: `fmt.whole_area`). Each
    ward's name and rate are written above its bar, from the left edge, so the names never squeeze the bars on a
    phone and no value label sits on the borough line. Height grows with the number of wards. Wards with no rate
    are named in the subtitle, not drawn as 0."""
    label = _label(indicator)
    wr = ward_rates.copy()
    wr["rate_per_1000"] = pd.to_numeric(wr["rate_per_1000"], errors="coerce")
    wards = wr[wr["area_type"].astype(str) == "ward"]
    no_rate = wards[wards["rate_per_1000"].isna()]["area_name"].astype(str).tolist()
    wards = wards[wards["rate_per_1000"].notna()].sort_values(["rate_per_1000", "area_name"], ascending=[True, False])
    borough = wr[wr["area_type"].astype(str) == "borough"]
    b_rate = (
        float(borough["rate_per_1000"].iloc[0]) if len(borough) and borough["rate_per_1000"].notna().any() else math.nan
    )
    b_name = text(borough["area_name"].iloc[0]) if len(borough) else "Borough"
    names = [text(n) for n in wards["area_name"]]
    rates = _num_list(wards["rate_per_1000"])
    fig = go.Figure(
        go.Bar(
            x=rates,
            y=names,
            orientation="h",
            width=WARD_BAR,
            marker=dict(color="#0072B2"),
            customdata=list(
                zip(wards["total"].tolist(), wards["months_with_data"].tolist(), wards["population"].tolist())
            ),
            hovertemplate=f"%{{y}}: %{{x:,.1f}} a year per 1,000 {_per(indicator)}<br>"
            "Total %{customdata[0]:,.0f} over %{customdata[1]} months with data; population %{customdata[2]:,.0f}"
            "<extra></extra>",
            showlegend=False,
        )
    )
    # a long ward name would run off a phone's chart: every label then breaks after its name's first words and
    # each row is taller (WARD_ROW_TWO), so no name is cut and the rows keep one height
    two = any(len(f"{html.unescape(n)}: {r:,.1f}") > WARD_LABEL_CHARS for n, r in zip(names, rates))
    row = WARD_ROW_TWO if two else WARD_ROW
    labels = []
    for name, rate in zip(names, rates):
        # two lines at most (the rows have room for two); the whole name is in the bar's hover
        shown = (
            "<br>".join(html.escape(x, quote=False) for x in _two_lines(html.unescape(name), WARD_LABEL_CHARS - 8))
            if two
            else name
        )
        labels.append(
            dict(
                x=0,
                xref="paper",
                y=name,
                yref="y",
                yshift=WARD_LABEL_SHIFT_TWO if two else WARD_LABEL_SHIFT,
                xanchor="left",
                yanchor="bottom",
                align="left",
                text=f"{shown}: <b>{rate:,.1f}</b>",
                showarrow=False,
                font=dict(size=15, color="#222222"),
                bgcolor="#FFFFFF",  # opaque: the borough's dashed line passes behind a label, not through it
                borderpad=0,
                name="ward label",
            )
        )
    add_layout_items(fig, annotations=labels)  # at once (`add_layout_items`)
    xmax = max([r for r in rates if r is not None] + ([b_rate] if not _isnan(b_rate) else []) + [0])
    if not _isnan(b_rate):
        # the borough's line: a dash across each ward's bar only (shapes, by row index), stopping short of the
        # label above the bar and of the next bar's label below, so it never runs through a name or a rate
        # (an opaque box hid the line but it still read as struck through); an empty trace names it in the legend
        add_layout_items(
            fig,
            shapes=[
                dict(type="line", xref="x", yref="y", x0=b_rate, x1=b_rate, y0=i - WARD_MARK, y1=i + WARD_MARK,
                     line=dict(color="#000000", width=2.5, dash="dash"))
                for i in range(len(names))
            ],
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line=dict(color="#000000", width=2.5, dash="dash"),
                name=f"{b_name} (whole {whole}): {b_rate:,.1f}",
                hoverinfo="skip",
            )
        )
    n = max(len(names), 1)
    # a fixed height per ward (WARD_ROW px), so the label, the bar and the borough's mark keep their places
    height = int(row * (n + 0.5)) + 260  # 260: the top and bottom margins below
    fig.update_yaxes(
        title_text=None,
        categoryorder="array",
        categoryarray=names,
        showticklabels=False,
        range=[-0.6, n - 0.1],
    )
    fig.update_xaxes(
        title_text=f"Annual rate per 1,000 {_per(indicator)}",
        rangemode="tozero",
        range=[0, xmax * 1.08 if xmax > 0 else 1],
        tickformat=",",
    )
    subtitle = f"Highest at the top; the dashed line is the whole {whole}. Rates use only months with data."
    if no_rate:
        subtitle += " No rate (no data or no population): " + ", ".join(text(w) for w in no_rate) + "."
    _base_layout(
        fig,
        f"{label}: annual rate per 1,000 {_per(indicator)} by ward",
        subtitle,
        height=height,
        margin=dict(l=24, r=24, t=130, b=130),
    )
    _legend_at_bottom(fig)
    _add_synthetic(fig, synthetic)
    return fig


# --------------------------------------------------------------------------- 6. ward map


def _outer_rings(geometry: dict) -> list[list]:
    """Outer rings of a (Multi)Polygon geometry (holes are not drawn)."""
    if not geometry:
        return []
    t, c = geometry.get("type"), geometry.get("coordinates") or []
    if t == "Polygon":
        return [c[0]] if c else []
    if t == "MultiPolygon":
        return [poly[0] for poly in c if poly]
    if t == "GeometryCollection":
        out = []
        for g in geometry.get("geometries") or []:
            out.extend(_outer_rings(g))
        return out
    return []


MAP_RIGHT = 120  # px: the ward map's right margin, for its colour bar (see ward_map)


def ward_map(ward_rates: pd.DataFrame, geojson: dict, indicator: dict, synthetic: bool) -> go.Figure:
    """Ward map of annual rates per 1,000 residents (or the indicator's group), drawn without any map service.

    Why not ``go.Choropleth``: plotly.js fetches a world topojson file from its CDN
    for every geo choropleth (``locationmode='geojson-id'`` triggers it even with
    ``geo.visible=False``), so the figure fails to render on a machine with no
    internet. Here each ward polygon from ``geojson`` (features matched on
    ``properties.area_code``) is drawn as a filled ``go.Scatter`` on plain axes with
    an equal-distance aspect ratio (1 degree of latitude = 1/cos(latitude) degrees of
    longitude), so nothing is fetched and static export works.

    Colour: Cividis (sequential, colour-blind safe), darker = higher, with a colour
    bar titled with the unit. Wards with no rate are light grey and listed as
    'No data' in the legend. Hovering a ward shows its name and rate.
    """
    from plotly.colors import get_colorscale, sample_colorscale

    label = _label(indicator)
    wr = ward_rates.copy()
    wr["rate_per_1000"] = pd.to_numeric(wr["rate_per_1000"], errors="coerce")
    wards = wr[wr["area_type"].astype(str) == "ward"]
    by_code = {str(r.area_code): r for r in wards.itertuples(index=False)}
    feats = {}
    for f in (geojson or {}).get("features", []):
        code = str((f.get("properties") or {}).get("area_code", ""))
        if code in by_code:
            feats.setdefault(code, []).extend(_outer_rings(f.get("geometry")))
    rates = wards["rate_per_1000"].dropna()
    zmin = 0.0
    zmax = float(rates.max()) if len(rates) and float(rates.max()) > 0 else 1.0
    # Cividis reversed: light yellow = low, dark blue = high.
    scale = [[round(1.0 - p, 6), c] for p, c in get_colorscale("Cividis")][::-1]
    fig = go.Figure()
    lats = []
    shown_nodata = False
    shown_withheld: set[str] = set()
    withheld_below = ward_rates.attrs.get("suppress_below")
    for code, rings in feats.items():
        r = by_code[code]
        xs, ys = [], []
        for ring in rings:
            for pt in ring:
                xs.append(float(pt[0]))
                ys.append(float(pt[1]))
                lats.append(float(pt[1]))
            xs.append(None)
            ys.append(None)
        withheld = bool(getattr(r, "total_suppressed", False)) and withheld_below is not None
        if _isnan(r.rate_per_1000) and withheld:  # a small number, withheld: not a ward without data
            name = f"Fewer than {withheld_below} (withheld)"
            colour, text_ = "#A6A6A6", f"<b>{text(r.area_name)}</b><br>{name}"
            showlegend = name not in shown_withheld
            shown_withheld.add(name)
        elif _isnan(r.rate_per_1000):
            colour, text_, name = "#D9D9D9", f"<b>{text(r.area_name)}</b><br>No data", "No data"
            showlegend = not shown_nodata
            shown_nodata = True
        else:
            colour = sample_colorscale(scale, [(float(r.rate_per_1000) - zmin) / (zmax - zmin)])[0]
            text_ = f"<b>{text(r.area_name)}</b><br>{float(r.rate_per_1000):,.1f} a year per 1,000 {_per(indicator)}"
            name, showlegend = text(r.area_name), False
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line=dict(color="#FFFFFF", width=1.2),
                hoveron="fills",
                text=text_,
                hoverinfo="text",
                name=name,
                showlegend=showlegend,
                legendgroup="nodata" if name == "No data" else ("withheld" if withheld else None),
            )
        )
    # colour bar: an invisible marker trace carrying the scale
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            name="scale",
            marker=dict(
                colorscale=scale,
                cmin=zmin,
                cmax=zmax,
                color=[zmin],
                showscale=True,
                colorbar=dict(
                    title=dict(text=f"Annual rate<br>per 1,000<br>{_per(indicator)}", font=dict(size=15)),
                    tickfont=dict(size=14),
                    tickformat=",.1f",
                    thickness=22,
                ),
            ),
        )
    )
    lat0 = sum(lats) / len(lats) if lats else 53.4
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False)
    fig.update_yaxes(
        visible=False,
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        scaleratio=1.0 / max(math.cos(math.radians(lat0)), 0.1),
    )
    _base_layout(
        fig,
        f"{label}: annual rate per 1,000 {_per(indicator)} by ward",
        "Darker = higher rate. On screen, hover over a ward for its name and rate; the ranking names every ward.",
        height=620,
        # the right margin holds the colour bar and its three-line title (107 px): were Plotly to widen it, the
        # browser would draw the map twice
        margin=dict(l=10, r=MAP_RIGHT, t=120, b=60),
    )
    fig.update_layout(legend=dict(y=0, yanchor="top"), plot_bgcolor="#FFFFFF")
    _add_synthetic(fig, synthetic)
    return fig


# --------------------------------------------------------------------------- 7. sparkline


def sparkline(monthly: pd.DataFrame, colour: str) -> go.Figure:
    """A tiny line (80 px high, no axes) with gaps visible and the last month with data marked."""
    df = _prepare_monthly(monthly)
    x = [month_to_date(m) for m in df["month"]]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=_num_list(df["value"]),
            mode="lines",
            connectgaps=False,
            line=dict(color=colour, width=2),
            hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra></extra>",
            showlegend=False,
        )
    )
    has = df[df["value"].notna()]
    if len(has):
        fig.add_trace(
            go.Scatter(
                x=[month_to_date(has["month"].iloc[-1])],
                y=[float(has["value"].iloc[-1])],
                mode="markers",
                marker=dict(color=colour, size=8, line=dict(color="#FFFFFF", width=1)),
                showlegend=False,
                hovertemplate="Latest, %{x|%b %Y}: %{y:,.0f}<extra></extra>",
            )
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, rangemode="tozero")
    fig.update_layout(
        template=TEMPLATE,
        height=80,
        margin=dict(l=2, r=8, t=4, b=4),
        showlegend=False,
        font=dict(size=14),
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


# --------------------------------------------------------------------------- 8. text alternative


def describe_trend(monthly: pd.DataFrame, indicator: dict, area_name: str) -> str:
    """A one- or two-sentence text alternative to the trend chart, generated from the data.

    A month whose count is withheld as a small number (`value_suppressed`) is told apart from a month with
    no data: one has a count too small to publish, the other has none."""
    df = _prepare_monthly(monthly)
    withheld = (
        monthly.set_index(monthly["month"].astype(str).str.slice(0, 7))["value_suppressed"]
        .reindex(df["month"])
        .fillna(False)
        .astype(bool)
        .to_numpy()
        if "value_suppressed" in monthly.columns
        else pd.Series(False, index=df.index).to_numpy()
    )
    n_withheld = int(withheld.sum())
    small = f" {n_withheld} of {len(df)} months have a count too small to publish (withheld, not missing)."
    label = _words(indicator, "label")
    has = df[df["value"].notna()]
    if df.empty or has.empty:
        span = f" ({month_label(df['month'].iloc[0])} to {month_label(df['month'].iloc[-1])})" if len(df) else ""
        if not n_withheld:
            return f"{label} in {area_name}: no months with data{span}."
        s = f"{label} in {area_name}: no month's count can be shown{span}." + small
        return s + _gap_sentence(df, withheld, _gap_reason(indicator))
    f_m, f_v = has["month"].iloc[0], has["value"].iloc[0]
    l_m, l_v = has["month"].iloc[-1], has["value"].iloc[-1]
    unit = _words(indicator, "unit")
    u = f" {unit}" if unit else ""
    s = (
        f"{label} in {area_name}: {_fmt(f_v)}{u} in {month_label(f_m, True)} (first month shown) "
        f"and {_fmt(l_v)}{u} in {month_label(l_m, True)} (latest month shown)."
        if n_withheld
        else f"{label} in {area_name}: {_fmt(f_v)}{u} in {month_label(f_m, True)} (first month with data) "
        f"and {_fmt(l_v)}{u} in {month_label(l_m, True)} (latest month with data)."
    )
    if n_withheld:
        s += small
    s += _gap_sentence(df, withheld, _gap_reason(indicator))
    if not n_withheld and not df["value"].isna().any():
        s += f" All {len(df)} months have data."
    return s


def _gap_reason(indicator: dict) -> str:
    """Why a month of this indicator has no data, where the data says it: a police.uk indicator's month is missing
    when no street file from the force holds its rows (a new partnership's Trends page said which month, not why)."""
    crime_type = indicator.get("police_uk_crime_type")
    return "no police.uk data from the force" if isinstance(crime_type, str) and crime_type.strip() else ""


def _gap_sentence(df: pd.DataFrame, withheld, why: str = "") -> str:
    """The months with no data (withheld months are not gaps), as a sentence, with `why` where it is known; empty
    when there are none."""
    gaps = df.assign(value=df["value"].where(~withheld, 0.0))
    n_missing = int(gaps["value"].isna().sum())
    if not n_missing:
        return ""
    runs = missing_runs(gaps)
    parts = [(month_label(a, True) if a == b else f"{month_label(a, True)} to {month_label(b, True)}") for a, b in runs]
    if len(parts) > 3:
        parts = parts[:3] + [f"{len(runs) - 3} more"]
    why = f": {why}" if why else ""
    have, shown = ("has", "it is shown as a gap") if n_missing == 1 else ("have", "they are shown as gaps")
    return f" {n_missing} of {len(df)} months {have} no data ({'; '.join(parts)}{why}); {shown}, not zero."


def describe_cycles(comparison: pd.DataFrame, indicator: dict, decimals: int | None = None) -> str:
    """A text alternative to ``cycle_means_chart``, from the output of ``stats.compare_cycles``, its means
    written as the chart writes them (``decimals``, as there)."""
    label = _words(indicator, "label")
    unit = _words(indicator, "unit")
    comp = comparison.reset_index(drop=True)
    if comp.empty:
        return f"{label}: no plan cycles to compare."
    d = fmt.shared_decimals(*pd.to_numeric(comp["monthly_mean"], errors="coerce")) if decimals is None else decimals
    parts = []
    for r in comp.itertuples():
        mwd = 0 if _isnan(r.months_with_data) else int(r.months_with_data)
        if mwd and bool(getattr(r, "total_withheld", False)):
            parts.append(f"{r.cycle_id}: withheld (small numbers; {cycle_months_words(r._asdict())})")
        elif mwd == 0 or _isnan(r.monthly_mean):
            parts.append(f"{r.cycle_id}: no months with data")
        else:
            parts.append(f"{r.cycle_id}: {_mean_words(r.monthly_mean, d)} ({cycle_months_words(r._asdict())})")
    s = f"{label}, average{' ' + unit if unit else ''} per month in each plan cycle: " + "; ".join(parts) + "."
    if "change_vs_previous_pct" in comp and len(comp) >= 2:
        last = comp.iloc[-1]
        if not _isnan(last["change_vs_previous_pct"]):
            # plan cycles are judged against how much yearly levels move, not chance alone (comparisons._against_usual)
            chance = (
                "more than the usual yearly moves"
                if bool(last.get("beyond_chance"))
                else "within the usual yearly moves"
            )
            on = str(last.get("compared_on") or "")  # the months the change is on, which the bars may not be
            s += (
                f" {last['cycle_id']} against {comp['cycle_id'].iloc[-2]}"
                + (f" ({on})" if on else "")
                + f": {fmt.percent_change(float(last['change_vs_previous_pct']))}, {chance}."
            )
    return s


def describe_cycle_months(cycle_months: pd.DataFrame, indicator: dict, last_month: str | None = None) -> str:
    """A text alternative to ``cycle_lines_chart``: each cycle's lowest and highest month. Months after
    `last_month` (the data's last month) have not happened yet: a cycle under way has '18 of 18 months so far
    with data', as its bar says, not '18 of 36 months with data', which read as 18 months missing."""
    label = _words(indicator, "label")
    cm = cycle_months.copy()
    cm["value"] = pd.to_numeric(cm["value"], errors="coerce").astype("float64")
    parts = []
    for cid in dict.fromkeys(cm.sort_values("month")["cycle_id"].astype(str)):
        d = cm[cm["cycle_id"].astype(str) == cid].sort_values("month")
        happened = d if last_month is None else d[d["month"].astype(str) <= last_month]
        gone, so_far = len(happened), (" so far" if len(happened) < len(d) else "")
        has = happened[happened["value"].notna()]
        # months whose counts are withheld (small numbers) have data: never "no months with data"
        held = int(d["value_suppressed"].fillna(False).astype(bool).sum()) if "value_suppressed" in d else 0
        also = f", {held} withheld (small numbers)" if held else ""
        if has.empty:
            parts.append(
                f"{cid}: {held} of {gone} months{so_far} withheld (small numbers)"
                if held
                else f"{cid}: no months with data"
            )
            continue
        lo = has.loc[has["value"].idxmin()]
        hi = has.loc[has["value"].idxmax()]
        parts.append(
            f"{cid}: lowest {_fmt(lo['value'])} ({month_label(lo['month'])}), highest {_fmt(hi['value'])} "
            f"({month_label(hi['month'])}), {len(has)} of {gone} months{so_far} with data{also}"
        )
    if not parts:
        return f"{label}: no months to show."
    return f"{label} month by month in each plan cycle: " + "; ".join(parts) + "."


def describe_ward_rates(rates: pd.DataFrame, indicator: dict, n: int = 3, whole: str = "borough") -> str:
    """A text alternative to ``ward_rank_chart``/``ward_map``: the highest and lowest wards, against the borough
    (`whole`: what the partnership's area is called, `fmt.whole_area`)."""
    label = _words(indicator, "label")
    wr = rates.copy()
    wr["rate_per_1000"] = pd.to_numeric(wr["rate_per_1000"], errors="coerce")
    wards = wr[wr["area_type"].astype(str) == "ward"]
    with_rate = wards[wards["rate_per_1000"].notna()].sort_values(
        ["rate_per_1000", "area_name"], ascending=[False, True]
    )
    if with_rate.empty:
        if len(wards) and "population" in wards and wards["population"].isna().all():
            return f"{label}: no ward has a rate to show: population.csv has no population for any ward."
        return f"{label}: no ward has a rate to show."

    def _list(df: pd.DataFrame) -> str:
        return ", ".join(f"{r.area_name} {r.rate_per_1000:,.1f}" for r in df.itertuples())

    k = min(n, len(with_rate))
    s = (
        f"{label}, annual rate per 1,000 {_words(indicator, 'rate_per')} by ward: highest {_list(with_rate.head(k))}"
        + (f"; lowest {_list(with_rate.tail(min(n, len(with_rate) - k)).iloc[::-1])}" if len(with_rate) > k else "")
        + "."
    )
    borough = wr[(wr["area_type"].astype(str) == "borough") & wr["rate_per_1000"].notna()]
    if len(borough):
        b = float(borough["rate_per_1000"].iloc[0])
        above = int((with_rate["rate_per_1000"] > b).sum())
        s += f" Whole {whole} {b:,.1f}; {above} of {len(with_rate)} wards are above it."
    no_rate = wards[wards["rate_per_1000"].isna()]["area_name"].astype(str).tolist()
    if no_rate:
        s += " No rate for " + ", ".join(no_rate) + "."
    return s


# --------------------------------------------------------------------------- perception against recorded


def _mid_period(start: str, end: str) -> str:
    a, b = pd.Timestamp(month_to_date(start)), pd.Timestamp(_month_edge(_shift_month(end, 1)))
    return (a + (b - a) / 2).strftime("%Y-%m-%d")


SHORT_UNIT = 12  # characters: a unit this short is said on a short axis too


def perception_chart(survey: pd.DataFrame, monthly: pd.DataFrame, indicator: dict, synthetic: bool) -> go.Figure:
    """What residents say (top) against what is recorded (bottom), sharing the time axis.

    ``survey``: rows of the ``perception_vs_recorded`` query with ``stats.survey_estimates`` columns
    (``percent``, ``ci_low_pct``, ``ci_high_pct``, ``small_base``); each survey year is a marker at the middle
    of its months with its 95% interval as an error bar (open markers: small base) and a line between years.
    ``monthly``: the indicator's ``monthly`` query result, drawn with gaps; each survey year's recorded mean
    per month is a black step over the same months.
    """
    from plotly.subplots import make_subplots

    label, unit = _label(indicator), _unit(indicator)
    sv = survey.copy()
    df = _prepare_monthly(monthly)
    if len(sv):
        lo = _shift_month(str(sv["start_month"].min()), -12)
        df = df[df["month"] >= lo].reset_index(drop=True)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.23 if missing_runs(df) else 0.16,  # a row for the 'No data' labels above the records
        # the records' panel, the one with a scale of hundreds to read, taller: at 600 px (a 1280x720 slide) equal
        # panels left it 112 px and its labels touching (an outside audit)
        row_heights=[0.4, 0.6],
        # one line over the lower panel (a second would run into the panel above on a phone): a long unit cut, and
        # short enough for a 320 px screen ("What is recorded (incidents a month)" ran 12 px off it: WCAG 1.4.10)
        subplot_titles=("What residents say (%)", f"Recorded ({_cut(unit, 10)} a month)"),
    )
    for i, ((_question, answer), g) in enumerate(sv.groupby(["question", "answer"], sort=False)):
        g = g.sort_values("start_month")
        xs = [_mid_period(s, e) for s, e in zip(g["start_month"], g["end_month"])]
        pct = _num_list(g["percent"])
        up = [None if (h is None or p is None) else h - p for h, p in zip(_num_list(g["ci_high_pct"]), pct)]
        down = [None if (lo is None or p is None) else p - lo for lo, p in zip(_num_list(g["ci_low_pct"]), pct)]
        small = g["small_base"].astype(bool).tolist()
        colour = SERIES_COLOURS[(i + 1) % len(SERIES_COLOURS)]
        sym = SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=pct,
                mode="lines+markers",
                name=f"Residents: {text(answer)} (%)",
                line=dict(color=colour, width=2.5),
                marker=dict(
                    size=12,
                    symbol=[sym + ("-open" if s else "") for s in small],
                    color=colour,
                    line=dict(color=colour, width=2),
                ),
                error_y=dict(
                    type="data", symmetric=False, array=up, arrayminus=down, color=colour, thickness=2, width=8
                ),
                customdata=[
                    [text(p), int(n) if n == n else None, "small base" if s else ""]
                    for p, n, s in zip(g["period"], pd.to_numeric(g["respondents"], errors="coerce"), small)
                ],
                hovertemplate="%{customdata[0]}: %{y:.1f}% (base %{customdata[1]:,}) %{customdata[2]}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    _gap_layer(fig, df, [], panel=2)  # the months with no recorded data, labelled as on every time chart
    fig.add_trace(
        go.Scatter(
            x=[month_to_date(m) for m in df["month"]],
            y=_num_list(df["value"]),
            mode="lines+markers",
            name=f"{label}: recorded per month",
            connectgaps=False,
            line=dict(color="#0072B2", width=2),
            marker=dict(size=5, color="#0072B2"),
            hovertemplate="%{x|%b %Y}: %{y:,.0f}" + (f" {unit}" if unit else "") + "<extra></extra>",
        ),
        row=2,
        col=1,
    )
    steps = sv.drop_duplicates(["start_month", "end_month"]).sort_values("start_month")
    first = True
    for r in steps.itertuples():
        m = getattr(r, "recorded_monthly_mean", None)
        if _isnan(m) or not stats.enough_months(r.months_with_data, r.months_in_period):
            continue  # a mean of a few months (the season's peak, say) is not the year's: not drawn across the gap
        x0, x1 = month_to_date(r.start_month), _month_edge(_shift_month(r.end_month, 1))
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[float(m), float(m)],
                mode="lines+markers",
                name="Recorded: survey-year mean (dotted: months missing)",
                line=dict(
                    color="#000000",
                    width=3,
                    dash="solid" if int(r.months_with_data) == int(r.months_in_period) else "dot",
                ),
                marker=dict(size=7, symbol="line-ns-open", color="#000000"),
                showlegend=first,
                legendgroup="steps",
                hovertemplate=(
                    # as the sentence beside the chart writes it (views.consultation), one decimal place
                    f"{r.period}: {fmt.number(m, 1)} a month ({int(r.months_with_data)} of "
                    f"{int(r.months_in_period)} months with data)<extra></extra>"
                ),
            ),
            row=2,
            col=1,
        )
        first = False
    fig.update_yaxes(
        title_text="% of residents",
        rangemode="tozero",
        ticksuffix="%",
        nticks=4,
        row=1,
        col=1,
        title_font=dict(size=16),
    )
    fig.update_yaxes(
        # the panel's title above says the unit; a long one here would run along the short axis into it
        title_text=f"{unit.capitalize() or 'Count'} per month" if len(unit) <= SHORT_UNIT else "Per month",
        rangemode="tozero",
        tickformat=",",
        nticks=5,
        row=2,
        col=1,
        title_font=dict(size=16),
    )
    fig.update_xaxes(type="date", tickformat="%b<br>%Y", ticks="outside", showgrid=False)
    # the upper panel shares the lower one's months and shows no labels: no tick marks either (they reached into the
    # lower panel's title on a slide: an outside audit)
    fig.update_xaxes(ticks="", row=1, col=1)
    fig.update_xaxes(title_text="Month", row=2, col=1, title_font=dict(size=16))
    fig.update_annotations(font=dict(size=16))
    _base_layout(
        fig,
        f"{label}: what residents say against what is recorded",
        "Top: survey share with 95% Wilson intervals (open markers: base under 100) · "
        "Bottom: recorded per month, gaps are months with no data",
        height=860,
        # the bottom margin holds the month labels, the axis title and the legend one entry a row (three rows: the
        # entries are long): laid out side by side they took two rows or three by the screen's width, and a
        # margin for two made Plotly widen it at 1,280 px and below, drawing the chart twice
        margin=dict(l=90, r=40, t=130, b=250),
    )
    _legend_at_bottom(fig)
    fig.update_layout(legend_orientation="v")
    _add_synthetic(fig, synthetic)
    return fit_gap_labels(fig)


MARK_NOTE = "from the link followed, not the data"


def add_marked_date(fig: go.Figure, date: str, label: str) -> bool:
    """Mark one date (for example the scrutiny meeting a link came from) on a time chart: a solid black
    line with its label boxed at the foot of the plot, apart from the event labels at the top.
    ``label`` is drawn as Plotly text: escape HTML special characters before passing text from a URL."""
    xs = pd.to_datetime(
        pd.Series([str(x)[:10] for t in fig.data for x in (getattr(t, "x", None) or ()) if x is not None], dtype=str),
        errors="coerce",
    ).dropna()
    day = pd.to_datetime(date, errors="coerce")
    if pd.isna(day) or (len(xs) and not xs.min() <= day <= xs.max()):
        return False  # outside the chart's months: nothing drawn (the page says so)
    _vline(fig, date, dict(color="#000000", width=3), "marked date")
    # the label on the side of the line with more room: to its right in the chart's first half, else to its left
    right_half = len(xs) > 0 and day > xs.min() + (xs.max() - xs.min()) / 2
    fig.add_annotation(
        x=date,
        xref="x",
        y=0.02,
        yref="paper",
        xanchor="right" if right_half else "left",
        yanchor="bottom",
        xshift=-4 if right_half else 4,
        # the label is the link's text, not the data's: said on the chart itself, so a downloaded image says it too
        text=f"<b>◆ {label}</b><br><span style='font-size:12px'>{MARK_NOTE}</span>",
        showarrow=False,
        font=dict(size=15, color="#000000"),
        bgcolor="rgba(255,255,255,0.92)",
        bordercolor="#000000",
        borderwidth=1,
        borderpad=3,
        hovertext=f"Marked from the link: {date}",
        name="marked date label",
    )
    return True


# --------------------------------------------------------------------------- comparison with similar areas

_FUNNEL_95 = "#0072B2"  # blue
_FUNNEL_998 = "#E69F00"  # orange
_PARTNERSHIP = "#D55E00"  # vermillion, with a diamond marker and a bold label: never colour alone
_OTHERS = "#595959"


def _months_words(period: str) -> str:
    """'2025-10 to 2026-09' as a reader says it, 'Oct 2025 to Sep 2026' (as the sentences beside a chart do); any
    other text as it is."""
    first, _, last = str(period).partition(" to ")
    if re.fullmatch(r"\d{4}-\d{2}", first) and re.fullmatch(r"\d{4}-\d{2}", last):
        return fmt.period_label(first, last)
    return str(period)


def funnel_chart(f: dict, indicator: dict, synthetic: bool, period: str) -> go.Figure:
    """Funnel plot: each area's annual rate per 1,000 residents against its population, with the group rate and
    the 95% and 99.8% limits. `f` is `stats.funnel(...)` of the `comparator_rates` query (person_years exposure);
    the x axis shows residents (person-years ÷ years in the period). The partnership's own point is a large
    vermillion diamond with a bold label; the others are grey circles labelled by name."""
    label = _label(indicator)
    fig = go.Figure()
    curve, areas = f["curve"], f["areas"]
    if not len(areas):
        _base_layout(fig, f"{label}: no comparator data", None, height=400)
        return fig
    years = float((areas["person_years"] / areas["population"]).median())
    x = (curve["exposure"] / years).tolist()
    for tag, name, colour, dash in (
        ("998", "99.8% limits", _FUNNEL_998, "dash"),
        ("95", "95% limits", _FUNNEL_95, "dot"),
    ):
        for side, show in (("hi", True), ("lo", False)):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_num_list(curve[f"{side}_{tag}"]),
                    mode="lines",
                    name=name,
                    legendgroup=tag,
                    showlegend=show,
                    line=dict(color=colour, width=2.5, dash=dash),
                    hoverinfo="skip",
                )
            )
    p0 = f["group_rate"]
    fig.add_trace(
        go.Scatter(
            x=[x[0], x[-1]],
            y=[p0, p0],
            mode="lines",
            name=f"{f.get('centre', 'group rate').capitalize()}: {p0:,.1f}",
            line=dict(color="#000000", width=2),
            hoverinfo="skip",
        )
    )
    mine = areas["is_partnership"].astype(bool) if "is_partnership" in areas else pd.Series(False, index=areas.index)
    x_lo_edge, x_hi_edge = x[0], x[-1] * 1.12

    def towards_middle(px: float, vertical: str) -> str:
        """A label's position that points into the plot: it is never cut at either edge."""
        third = (px - x_lo_edge) / ((x_hi_edge - x_lo_edge) or 1)
        side = "right" if third < 0.2 else "left" if third > 0.8 else "center"
        return f"{vertical} {side}" if vertical in ("top", "bottom") or side != "center" else "middle right"

    others = [
        (px, r) for px, r, me in zip(_num_list(areas["population"]), _num_list(areas["rate"]), mine) if not me and r
    ]
    ys_all = _num_list(areas["rate"]) + [
        v for v in _num_list(curve["hi_998"]) + _num_list(curve["lo_998"]) if v is not None
    ]
    lo, hi = min(ys_all), max(ys_all)
    pad = (hi - lo) * 0.08 or 1
    y_range = [max(lo - pad, 0), hi + pad]
    x_range = [x[0], x[-1] * 1.12]
    lines = [[p0] * len(x)] + [_num_list(curve[c]) for c in ("hi_998", "lo_998", "hi_95", "lo_95")]

    def label_spot(px: float, rate: float) -> tuple[float, float]:
        """Where the partnership's two-line label goes (its centre, in data units), an arrow from it to the point: the
        place nearest its point where the label covers no other area's point, no limit or group-rate line and not its
        own point. Written beside its point it covered a neighbour and crossed the group rate line, and on a phone ran
        past the plot's right-hand edge (an outside audit). The label's box is taken as on a phone (about 131 of a
        200 px plot at 342 px wide, two lines of 17 px type in a plot about 300 px high); where no place is clear,
        the place that covers least."""
        sx, sy = (x_range[1] - x_range[0]) or 1.0, (y_range[1] - y_range[0]) or 1.0
        fx = [(v - x_range[0]) / sx for v in x]
        me = ((px - x_range[0]) / sx, (rate - y_range[0]) / sy)
        pts = [((ox - x_range[0]) / sx, (oy - y_range[0]) / sy) for ox, oy in others]
        curves = [[None if v is None else (v - y_range[0]) / sy for v in c] for c in lines]
        hw, hh, mark = 0.335, 0.075, 0.03
        steps = np.linspace(0.0, 1.0, 6)  # points along a label's arrow, from its edge to the point
        drawn = []  # each line as (x, y) arrays of its drawn points, x ascending, for `leader_crossings`
        for c in curves:
            kept = sorted((f, v) for f, v in zip(fx, c) if v is not None)
            if len(kept) > 1:
                drawn.append((np.array([f for f, _ in kept]), np.array([v for _, v in kept])))

        def costs(cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
            """What a label centred at each (cx, cy) covers, all places at once (a loop over them took a third of
            the Compare view's building): each other area's point under it, its own point, each line under it,
            and each limit or group-rate line its arrow crosses from the label's nearest edge to the point (a
            label set below the funnel drew an arrow the plot's height, across both limits, read as a line of
            its own: an outside audit). An arrow across a line reads less well than a label clear of it, but a
            label over a neighbour hides data: three lines crossed cost less than one point covered (two cost as
            much as one, and on a phone the label was set over a neighbour rather than above the limits)."""
            cx, cy = cx[:, None], cy[:, None]
            hits = np.zeros(len(cx), dtype=int)
            if pts:
                ox, oy = np.array([q[0] for q in pts]), np.array([q[1] for q in pts])
                hits = ((np.abs(ox - cx) < hw + mark) & (np.abs(oy - cy) < hh + mark)).sum(axis=1)
            own = ((np.abs(me[0] - cx) < hw + mark) & (np.abs(me[1] - cy) < hh + mark))[:, 0].astype(int)
            crossed = np.zeros(len(cx), dtype=int)
            for c in curves:
                keep = [i for i, v in enumerate(c) if v is not None]
                if not keep:
                    continue
                f, v = np.array([fx[i] for i in keep]), np.array([c[i] for i in keep], dtype=float)
                inside = (cx - hw <= f) & (f <= cx + hw)
                low = np.where(inside, v, np.inf).min(axis=1)
                high = np.where(inside, v, -np.inf).max(axis=1)
                crossed += inside.any(axis=1) & (low < cy[:, 0] + hh) & (high > cy[:, 0] - hh)
            ex = np.minimum(np.maximum(me[0], cx - hw), cx + hw)
            ey = np.minimum(np.maximum(me[1], cy - hh), cy + hh)
            qx, qy = ex + (me[0] - ex) * steps, ey + (me[1] - ey) * steps
            leaders = np.zeros(len(cx), dtype=int)
            for cxs, cys in drawn:
                above = qy > np.interp(qx, cxs, cys)
                leaders += above.any(axis=1) & ~above.all(axis=1)
            return hits + 2 * own + crossed + 0.3 * leaders

        spots = [
            (hw + 0.01 + i * 0.025, hh + 0.01 + j * 0.02)
            for i in range(int((1 - 2 * hw - 0.02) / 0.025) + 1)
            for j in range(int((1 - 2 * hh - 0.02) / 0.02) + 1)
        ]
        cost = costs(np.array([c[0] for c in spots]), np.array([c[1] for c in spots])).tolist()
        best = min(range(len(spots)), key=lambda i: (cost[i], math.hypot(spots[i][0] - me[0], spots[i][1] - me[1])))
        (cx, cy), covered = spots[best], cost[best]
        return x_range[0] + cx * sx, y_range[0] + cy * sy, covered

    def room_for_label(px: float, rate: float) -> tuple[float, float]:
        """`label_spot`, with room made for the label where it has no clear place: the rate axis taken a fifth,
        then two fifths, further on the side of the funnel the point is on, then on the other side (a point above
        the upper limits near the plot's top edge had its label set over the limits, or below the funnel with an
        arrow across both; on a phone a point among its neighbours below the centre, the axis at 0 already, had
        its label over a neighbour); the first place that covers nothing, else the one that covers least."""
        ax, ay, covered = label_spot(px, rate)
        kept = list(y_range)
        span = y_range[1] - y_range[0]
        best = (covered, ax, ay, kept)
        for side in (1, 0) if rate >= p0 else (0, 1):
            for more in (0.2, 0.4):
                if not best[0]:
                    break
                y_range[:] = kept
                if side:
                    y_range[1] += more * span
                elif y_range[0] > 0:
                    y_range[0] = max(y_range[0] - more * span, 0)
                else:
                    continue
                bx, by, again = label_spot(px, rate)
                if again < best[0]:
                    best = (again, bx, by, list(y_range))
        y_range[:] = best[3]
        return best[1], best[2]

    for sel, name, colour, symbol, size, text_font in (
        (~mine, "Other areas", _OTHERS, "circle", 13, dict(size=14, color="#333333")),
        (mine, "This partnership", _PARTNERSHIP, "diamond", 22, dict(size=17, color="#000000")),
    ):
        a = areas[sel]
        if not len(a):
            continue
        # Named on the chart: the partnership, any area outside the 95% limits, and every area of a group too
        # small to judge (a few points); every other area is named on hover and in the table (a name for every
        # point would pile up where areas are alike).
        outside = (
            a["position"].astype(str).str.startswith(("above", "below", "not judged"))
            if "position" in a
            else a["rate"] != a["rate"]
        )
        # the partnership is named by a label of its own with an arrow (`label_spot`), the others beside their point
        texts = [
            "" if name == "This partnership" else (text(n) if out else "") for n, out in zip(a["area_name"], outside)
        ]
        fig.add_trace(
            go.Scatter(
                x=_num_list(a["population"]),
                y=_num_list(a["rate"]),
                mode="markers" if name == "This partnership" else "markers+text",
                name=name,
                marker=dict(color=colour, symbol=symbol, size=size, line=dict(color="#000000", width=1.5)),
                text=texts,
                # a label points into the plot, so it is never cut at the right-hand edge
                textposition=[towards_middle(px, "middle") for px in a["population"]],
                textfont=text_font,
                cliponaxis=False,
                customdata=list(zip(map(text, a["area_name"]), a["total"], a["months_with_data"], a["position"])),
                hovertemplate="%{customdata[0]}: %{y:,.1f} a year per 1,000 residents<br>"
                "Residents %{x:,.0f}; %{customdata[1]:,} "
                + _unit(indicator)
                + " in %{customdata[2]} months with data<br>Against the limits: %{customdata[3]}<extra></extra>",
            )
        )
    for n, px, r in zip(areas["area_name"][mine], _num_list(areas["population"][mine]), _num_list(areas["rate"][mine])):
        if px is None or r is None:
            continue
        ax, ay = room_for_label(px, r)
        fig.add_annotation(
            x=px,
            y=r,
            ax=ax,
            ay=ay,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            text=f"<b>{text(n)}</b><br>(this partnership)",
            showarrow=True,
            arrowhead=0,
            arrowwidth=1.5,
            arrowcolor="#000000",
            standoff=13,
            font=dict(size=17, color="#000000"),
            bgcolor="rgba(255,255,255,0.85)",
            name="partnership label",
        )
    # tick labels stand off from the axes, so the lowest rate's tick and the first population's never meet in the
    # corner (wider limits put a rate tick at the very bottom: "5" under "100,000")
    # the axis's title short enough for a 320 px screen (WCAG 1.4.10: "Residents (ONS mid-year estimate)" ran off it)
    fig.update_xaxes(title_text="Residents (ONS estimate)", tickformat=",", range=x_range, ticklabelstandoff=6)
    fig.update_yaxes(
        title_text=f"Annual rate per 1,000 residents ({_unit(indicator)})",
        tickformat=",",
        range=y_range,
        ticklabelstandoff=8,
    )
    _base_layout(
        fig,
        f"{label}: annual rate per 1,000 residents against similar areas",
        f"{_months_words(period)}. " + _funnel_note(f["method"]),
        height=660,
        margin=dict(l=90, r=30, t=130, b=150),
    )
    _legend_at_bottom(fig)
    _add_synthetic(fig, synthetic)
    return fig


def _funnel_note(method: str) -> str:
    """The funnel's subtitle: how to read it, and the method the engine used (up to its reference)."""
    how = method.replace(" (95% and 99.8%)", "").split(" (")[0] + "."
    if "no area is judged" in method:
        return how + " Every area is named."
    centre = "the typical rate" if "typical rate" in how else "the group rate"
    return (
        f"Points outside the funnel differ from {centre} by more than chance would explain; areas outside "
        "the 95% limits are named. " + how
    )


END_LABEL_WRAP = 11  # characters a line of a name at the end of a line, in 15 px bold type
END_LABEL_PX = 9  # px a character of it, about (measured in Chromium: 9.1 at 16 px)


def comparator_trend_chart(trend: pd.DataFrame, indicator: dict, synthetic: bool) -> go.Figure:
    """The rolling 12-month rate per 1,000 residents of every comparator area over time: the partnership's line
    thick, vermillion and labelled at its end; the others thin grey; the group rate dashed black. A month
    without 12 months of data is a gap, never 0."""
    label = _label(indicator)
    fig = go.Figure()
    t = trend.copy()
    t["date"] = [month_to_date(m) for m in t["month"].astype(str)]
    right = 110  # px: the right margin, widened for a long name at the end of the partnership's line
    first_other = True
    for _code, a in t.groupby("area_code", sort=False):
        mine = bool(a["is_partnership"].iloc[0])
        if mine:
            continue
        fig.add_trace(
            go.Scatter(
                x=a["date"].tolist(),
                y=_num_list(a["rate_12m_per_1000"]),
                mode="lines",
                name="Other areas",
                legendgroup="others",
                showlegend=first_other,
                line=dict(color="#9E9E9E", width=1.5),
                connectgaps=False,
                hovertemplate=f"{text(a['area_name'].iloc[0])}: " + "%{y:,.1f} (%{x|%b %Y})<extra></extra>",
            )
        )
        first_other = False
    g = t.drop_duplicates("month")
    fig.add_trace(
        go.Scatter(
            x=g["date"].tolist(),
            y=_num_list(g["group_rate_12m_per_1000"]),
            mode="lines",
            name="All the areas together",
            line=dict(color="#000000", width=2.5, dash="dash"),
            connectgaps=False,
            hovertemplate="All areas: %{y:,.1f} (%{x|%b %Y})<extra></extra>",
        )
    )
    m = t[t["is_partnership"].astype(bool)]
    if len(m):
        name = text(m["area_name"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=m["date"].tolist(),
                y=_num_list(m["rate_12m_per_1000"]),
                mode="lines",
                name=f"{name} (this partnership)",
                line=dict(color=_PARTNERSHIP, width=4.5),
                connectgaps=False,
                hovertemplate=f"{name}: " + "%{y:,.1f} (%{x|%b %Y})<extra></extra>",
            )
        )
        last = m.dropna(subset=["rate_12m_per_1000"]).tail(1)
        if len(last):
            # In lines of at most END_LABEL_WRAP characters, and a right margin as wide as its longest line, so a
            # long name ("King's Lynn and West Norfolk") is drawn whole on a phone's narrow chart too.
            label = _wrap_words(name, END_LABEL_WRAP, hyphens=True)
            longest = max(len(line) for line in label.split("<br>"))
            right = max(right, round(END_LABEL_PX * longest) + 12)
            fig.add_annotation(
                x=last["date"].iloc[0],
                y=float(last["rate_12m_per_1000"].iloc[0]),
                text=f"<b>{label}</b>",
                name="partnership end label",
                xanchor="left",
                showarrow=False,
                xshift=8,
                font=dict(size=15, color="#000000"),
            )
    if len(t):
        fig.update_xaxes(
            range=[month_to_date(str(t["month"].min())), month_to_date(_shift_month(str(t["month"].max()), 9))]
        )
    fig.update_xaxes(title_text="12 months ending")
    fig.update_yaxes(
        title_text=f"Rate per 1,000 residents, last 12 months ({_unit(indicator)})", rangemode="tozero", tickformat=","
    )
    _base_layout(
        fig,
        f"{label}: rolling 12-month rate per 1,000 residents, against similar areas",
        "Shown only where all 12 months have data (for all the areas together, in every area): gaps are missing "
        "months, never zero.",
        height=560,
        margin=dict(l=90, r=right, t=130, b=140),
    )
    _legend_at_bottom(fig)
    _add_synthetic(fig, synthetic)
    return fig
