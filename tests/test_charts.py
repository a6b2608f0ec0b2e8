"""Tests for safer.charts: gaps stay gaps, every chart is labelled, figures serialise."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from safer import charts, stats, verdicts

NAN = float("nan")
IND = {"indicator_id": "asb", "label": "Recorded ASB incidents", "unit": "incidents", "good_direction": "down"}


def months(start: str, n: int) -> list[str]:
    return pd.period_range(start, periods=n, freq="M").strftime("%Y-%m").tolist()


@pytest.fixture
def monthly():
    # 2018-01 .. 2020-12 (36 months); missing 2019-07..2019-12 (6 months) and 2020-05
    ms = months("2018-01", 36)
    v = [100.0 + (i % 5) * 3 for i in range(36)]
    for i, m in enumerate(ms):
        if "2019-07" <= m <= "2019-12" or m == "2020-05":
            v[i] = NAN
    v[ms.index("2018-06")] = 160.0  # one month clearly above the limits
    return pd.DataFrame({"month": ms, "value": v})


@pytest.fixture
def cycles():
    return pd.DataFrame(
        {
            "cycle_id": ["2018-21", "2022-25"],
            "title": ["Plan one", "Plan two"],
            "start_month": ["2018-04", "2022-04"],
            "end_month": ["2021-03", "2025-03"],
        }
    )


@pytest.fixture
def events():
    return pd.DataFrame(
        {
            "event_date": ["2018-05-10", "2018-05-20", "2020-03-23", "2030-01-01"],
            "title": ["New ASB team", "Town centre operation with a very long title", "First lockdown", "Out of range"],
            "category": ["local", "local", "national", "local"],
        }
    )


def _annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text or "" for a in fig.layout.annotations]


def _synthetic_present(fig: go.Figure) -> bool:
    # the stamp is on two lines, to fit a phone's width
    return any(charts.SYNTHETIC_TEXT in t.replace("<br>", " ") for t in _annotation_texts(fig))


def _rects(fig: go.Figure) -> list:
    return [s for s in fig.layout.shapes if s.type == "rect"]


# --------------------------------------------------------------------------- missing runs


def test_missing_runs(monthly):
    assert charts.missing_runs(monthly) == [("2019-07", "2019-12"), ("2020-05", "2020-05")]
    tail = pd.DataFrame({"month": months("2020-01", 3), "value": [1.0, NAN, NAN]})
    assert charts.missing_runs(tail) == [("2020-02", "2020-03")]
    assert charts.missing_runs(pd.DataFrame({"month": months("2020-01", 2), "value": [1.0, 2.0]})) == []


# --------------------------------------------------------------------------- trend chart


def _trend(monthly, cycles, events, synthetic=False):
    roll = stats.rolling_mean(monthly["value"], 12)
    lim = verdicts.control_limits(monthly, cycles)
    return charts.trend_chart(monthly, roll, lim, cycles, events, IND, "Stockport", synthetic)


def test_cycle_means_chart(cycle_months):
    g = cycle_months.groupby("cycle_id", sort=False)["value"]
    comp = pd.DataFrame(
        {
            "cycle_id": ["2018-21", "2022-25"],
            "months_in_cycle": 36,
            "months_with_data": g.count().values,
            "total": g.sum().values,
        }
    )
    comp["monthly_mean"] = comp.total / comp.months_with_data
    cis = [stats.garwood_interval(t, n) for t, n in zip(comp.total, comp.months_with_data)]
    comp["ci_low"], comp["ci_high"] = [c[0] for c in cis], [c[1] for c in cis]
    comp["dispersion"] = 1.0
    fig = charts.cycle_means_chart(comp, IND, synthetic=False)
    bar = fig.data[0]
    # horizontal bars, first cycle at the top, so each bar's label (above it) fits a phone's width
    assert bar.type == "bar" and bar.orientation == "h" and list(bar.y) == ["2018-21", "2022-25"]
    assert list(bar.x) == pytest.approx([47 / 4, 99 / 5])
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]
    # error bars reach the 95% CI
    assert bar.error_x.array[0] == pytest.approx(comp.ci_high[0] - comp.monthly_mean[0])
    assert bar.error_x.arrayminus[1] == pytest.approx(comp.monthly_mean[1] - comp.ci_low[1])
    texts = _annotation_texts(fig)
    assert any("4 of 36 months with data" in t and "11.8" in t for t in texts)
    assert any("5 of 36 months with data" in t and "19.8" in t for t in texts)
    assert not _synthetic_present(fig)
    assert fig.layout.xaxis.title.text == "Average incidents per month"
    assert "Error bars: 95% interval for a count that varies by chance alone (exact, Garwood's)" in (
        fig.layout.title.subtitle.text.replace("<br>", " ")
    )
    fig.to_json()


def test_trend_chart_missing_months_are_gaps_not_zero(monthly, cycles, events):
    fig = _trend(monthly, cycles, events)
    main = [t for t in fig.data if t.name == "Recorded ASB incidents (monthly)"]
    assert len(main) == 1
    tr = main[0]
    assert tr.mode == "lines+markers" and tr.connectgaps is False
    xs = list(tr.x)
    assert xs[0] == "2018-01-01"  # dates, first of the month
    ys = list(tr.y)
    for m in ["2019-07", "2019-09", "2019-12", "2020-05"]:
        y = ys[xs.index(f"{m}-01")]
        assert y is None or (isinstance(y, float) and math.isnan(y))
    assert 0 not in ys and 0.0 not in ys
    # and after serialisation the gap is null, never 0
    data = json.loads(fig.to_json())["data"]
    main_json = [t for t in data if t.get("name") == "Recorded ASB incidents (monthly)"][0]
    assert main_json["y"][xs.index("2019-07-01")] is None


def test_trend_chart_rolling_mean_line(monthly, cycles, events):
    fig = _trend(monthly, cycles, events)
    roll = [t for t in fig.data if t.name and t.name.startswith("12-month rolling mean")][0]
    assert roll.line.dash and roll.line.dash != "solid"
    assert roll.line.color != fig.data[-1].line.color
    assert roll.connectgaps is False
    ys = list(roll.y)
    assert ys[10] is None and ys[11] is not None  # first full window ends in month 12
    # any window containing 2019-07..2019-12 is missing, e.g. the one ending 2020-06
    assert ys[months("2018-01", 36).index("2020-06")] is None


def test_trend_chart_one_rect_per_cycle_and_per_missing_run(monthly, cycles, events):
    fig = _trend(monthly, cycles, events)
    rects = _rects(fig)
    # 2018-21 is within the months shown; 2022-25 lies after them and is left out
    assert len(rects) == 1 + 2
    texts = _annotation_texts(fig)
    assert any("2018-21" in t for t in texts)
    no_data = [t for t in texts if "No data" in t]
    assert len(no_data) == 2
    assert any("Jul 2019" in t and "Dec 2019" in t for t in no_data)
    assert any("May 2020" in t for t in no_data)


def test_trend_chart_two_cycles_in_range(monthly):
    cyc = pd.DataFrame(
        {
            "cycle_id": ["A", "B"],
            "title": ["", ""],
            "start_month": ["2018-01", "2019-04"],
            "end_month": ["2019-03", "2020-12"],
        }
    )
    fig = charts.trend_chart(monthly, None, None, cyc, None, IND, "Stockport", False)
    assert len(_rects(fig)) == 2 + 2


def test_trend_chart_events_and_signals(monthly, cycles, events):
    fig = _trend(monthly, cycles, events)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 3  # the 2030 event is outside the months shown
    assert all(s.line.dash == "dot" for s in lines)
    ev_labels = [a for a in fig.layout.annotations if a.name == "event number"]
    # numbered in date order on the chart; the titles are listed beneath it (numbered_events), on hover too
    assert [a.text for a in ev_labels] == ["<b>1</b>", "<b>2</b>", "<b>3</b>"]
    listed = charts.numbered_events(events, "2018-01", "2020-12")
    assert listed["number"].tolist() == [1, 2, 3]
    assert [h.split(". ", 1)[1].split(" (")[0] for h in (a.hovertext for a in ev_labels)] == listed["title"].tolist()
    # the two May 2018 events are ten days apart: their numbers are staggered
    may = [a for a in ev_labels if str(a.x).startswith("2018-05")]
    assert (may[0].y, may[0].yshift) != (may[1].y, may[1].yshift)
    names = [t.name for t in fig.data]
    assert "Above the upper limit" in names
    above = [t for t in fig.data if t.name == "Above the upper limit"][0]
    assert above.marker.symbol == "diamond" and list(above.x) == ["2018-06-01"]
    limits = [t for t in fig.data if t.name and t.name.startswith("Limits (99.73%)")][0]
    assert limits.line.dash == "dash" and limits.line.shape == "hv"


def test_trend_chart_labels_units_and_fonts(monthly, cycles, events):
    fig = _trend(monthly, cycles, events)
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Month"
    assert fig.layout.yaxis.title.text == "Recorded ASB incidents per month"
    assert fig.layout.template.layout.paper_bgcolor in ("white", "#FFFFFF", "#ffffff", "rgb(255,255,255)")
    assert fig.layout.font.size >= 14
    assert all((a.font.size or fig.layout.font.size) >= 14 for a in fig.layout.annotations)
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.xaxis.type == "date"


def test_trend_chart_synthetic_annotation_iff_synthetic(monthly, cycles, events):
    assert _synthetic_present(_trend(monthly, cycles, events, synthetic=True))
    assert not _synthetic_present(_trend(monthly, cycles, events, synthetic=False))
    assert charts.SYNTHETIC_TEXT == "SYNTHETIC DEMO DATA – not real figures"


# --------------------------------------------------------------------------- cycle charts


@pytest.fixture
def cycle_months():
    rows = []
    for cid, start, vals in (
        ("2018-21", "2018-04", [10, 12, NAN, 14, 11]),
        ("2022-25", "2022-04", [20, 18, 22, 20, 19]),
    ):
        for i, (m, v) in enumerate(zip(months(start, 5), vals)):
            rows.append((cid, i + 1, m, float(v)))
    return pd.DataFrame(rows, columns=["cycle_id", "month_of_cycle", "month", "value"])


def test_cycle_lines_chart(cycle_months):
    fig = charts.cycle_lines_chart(cycle_months, IND, synthetic=True)
    assert [t.name for t in fig.data] == ["2018-21", "2022-25"]
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert list(fig.data[0].y)[2] is None and fig.data[0].connectgaps is False
    assert fig.layout.xaxis.title.text == "Month of plan cycle"
    assert "April" in fig.layout.title.subtitle.text
    assert "per month" in fig.layout.yaxis.title.text
    # no labels at the lines' ends (they fell off a phone's plot): the legend names each line
    assert not [a for a in fig.layout.annotations if a.name == "direct label"]
    assert fig.layout.legend.yref == "container" and all(t.showlegend is not False for t in fig.data)
    assert _synthetic_present(fig)
    fig.to_json()


def test_cycle_lines_chart_marks_withheld_months_apart_from_months_with_no_data(cycle_months):
    """A ward's small-number months were drawn as gaps under "gaps are months with no data", and a ward with every
    month withheld as an empty chart (an outside audit): each withheld month is now a dash in its cycle's colour
    in a grey band from 0 to the threshold less one (where its count lies), a month with no data still a gap."""
    cm = cycle_months.astype({"value": "object"})
    cm["value_suppressed"] = False
    cm.loc[[1, 3], ["value", "value_suppressed"]] = [None, True]  # 2018-21's months 2 and 4: fewer than 5
    cm.attrs["suppress_below"] = 5
    fig = charts.cycle_lines_chart(cm, IND, synthetic=False)
    lines = {t.name: t for t in fig.data}
    assert list(lines) == ["2018-21", "2018-21, withheld", "2022-25", "Fewer than 5 (withheld: 0 to 4)"]
    assert list(lines["2018-21"].y) == [10, None, None, None, 11]  # month 3 had no data: a gap, not a dash
    held = lines["2018-21, withheld"]
    assert list(held.x) == [2, 4] and all(0 < y < 4 for y in held.y) and held.showlegend is False
    assert held.marker.color == lines["2018-21"].line.color and held.legendgroup == "2018-21"
    (band,) = [sh for sh in fig.layout.shapes if sh.type == "rect"]
    assert (band.y0, band.y1) == (0, 4)
    subtitle = fig.layout.title.subtitle.text.replace("<br>", " ")  # wrapped to the chart's width
    assert "a dash in the grey band is a month withheld (fewer than 5)" in subtitle
    every = cm.assign(value=None, value_suppressed=True)  # every month withheld: the band, never an empty chart
    fig = charts.cycle_lines_chart(every, IND, synthetic=False)
    assert fig.layout.yaxis.range[1] >= 5 and sum(len(t.x) for t in fig.data if t.name.endswith("withheld")) == 10
    plain = charts.cycle_lines_chart(cycle_months, IND, synthetic=False)  # no small numbers: nothing of this
    assert not plain.layout.shapes or not [sh for sh in plain.layout.shapes if sh.type == "rect"]
    assert "withheld" not in plain.layout.title.subtitle.text


# --------------------------------------------------------------------------- ward charts


@pytest.fixture
def ward_rates():
    return pd.DataFrame(
        {
            "area_code": ["E05000001", "E05000002", "E05000003", "E05000004", "E08000007"],
            "area_name": ["Alpha", "Bravo", "Charlie", "Delta", "Stockport"],
            "area_type": ["ward", "ward", "ward", "ward", "borough"],
            "total": [120, 360, 240, 0, 720],
            "months_with_data": [12, 12, 12, 0, 12],
            "population": [10000, 12000, 9600, 9000, 39000],
            # 120/12*12/10000*1000 = 12.0 ; 360/12*12/12000*1000 = 30.0 ; 240/12*12/9600*1000 = 25.0 ;
            # Delta has no months with data -> NaN ; borough 720/39000*1000 = 18.46
            "rate_per_1000": [12.0, 30.0, 25.0, NAN, 720 / 39000 * 1000],
        }
    )


def test_ward_rates_fixture_matches_rate_per_1000(ward_rates):
    got = [
        stats.rate_per_1000(*r) for r in ward_rates[["total", "months_with_data", "population"]].itertuples(index=False)
    ]
    assert got[:3] == pytest.approx([12.0, 30.0, 25.0]) and math.isnan(got[3])
    assert got[4] == pytest.approx(ward_rates.rate_per_1000[4])


def test_ward_rank_chart_orders_by_rate(ward_rates):
    fig = charts.ward_rank_chart(ward_rates, IND, synthetic=True)
    bar = fig.data[0]
    assert bar.orientation == "h"
    # plotly draws the first category at the bottom: highest rate last = at the top
    assert list(bar.y) == ["Alpha", "Charlie", "Bravo"]
    assert list(bar.x) == [12.0, 25.0, 30.0]
    assert list(fig.layout.yaxis.categoryarray) == ["Alpha", "Charlie", "Bravo"]
    assert "Stockport" not in list(bar.y)  # the borough is the reference line, not a bar
    borough = [t for t in fig.data if t.type == "scatter"]
    assert [t.name for t in borough] == ["Stockport (whole borough): 18.5"]
    # the borough's rate: a dash across each ward's bar only (shapes by row index), leaving the labels above clear
    # (test_chart_layout checks the drawn boxes)
    dashes = [sh for sh in fig.layout.shapes if sh.type == "line" and sh.yref == "y"]
    assert [(sh.x0, sh.x1) for sh in dashes] == [(ward_rates.rate_per_1000[4],) * 2] * 3
    m = charts.WARD_MARK
    assert [(sh.y0, sh.y1) for sh in dashes] == [pytest.approx((i - m, i + m)) for i in range(3)]
    assert charts.WARD_BAR / 2 <= m < charts.WARD_LABEL_SHIFT / charts.WARD_ROW  # the mark stops under the label
    assert m < charts.WARD_LABEL_SHIFT_TWO / charts.WARD_ROW_TWO  # a two-line label's too
    # each ward named with its rate above its bar, not as a tick label that squeezes the bars on a phone
    assert sorted(a.text for a in fig.layout.annotations if a.name == "ward label") == [
        "Alpha: <b>12.0</b>",
        "Bravo: <b>30.0</b>",
        "Charlie: <b>25.0</b>",
    ]
    assert fig.layout.yaxis.showticklabels is False
    assert fig.layout.xaxis.title.text == "Annual rate per 1,000 residents"
    assert "Delta" in fig.layout.title.subtitle.text  # no rate: named, not drawn as 0
    assert _synthetic_present(fig)
    fig.to_json()


def test_ward_rank_chart_height_grows():
    def wr(n):
        return pd.DataFrame(
            {
                "area_code": [f"E05{i:06d}" for i in range(n)],
                "area_name": [f"W{i}" for i in range(n)],
                "area_type": "ward",
                "total": 1,
                "months_with_data": 12,
                "population": 1000,
                "rate_per_1000": np.arange(n, dtype=float),
            }
        )

    h5 = charts.ward_rank_chart(wr(5), IND, False).layout.height
    h21 = charts.ward_rank_chart(wr(21), IND, False).layout.height
    assert h21 > h5 and h21 / 21 >= 25  # at least 25 px per ward label


def _square(code, x, y, d=0.02):
    return {
        "type": "Feature",
        "properties": {"area_code": code, "area_name": code},
        "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]},
    }


def test_ward_map(ward_rates):
    gj = {
        "type": "FeatureCollection",
        "features": [
            _square("E05000001", -2.2, 53.4),
            _square("E05000002", -2.18, 53.4),
            _square("E05000003", -2.16, 53.4),
            {
                "type": "Feature",
                "properties": {"area_code": "E05000004"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [[[-2.2, 53.42], [-2.19, 53.42], [-2.19, 53.43], [-2.2, 53.42]]],
                        [[[-2.18, 53.42], [-2.17, 53.42], [-2.17, 53.43], [-2.18, 53.42]]],
                    ],
                },
            },
        ],
    }
    fig = charts.ward_map(ward_rates, gj, IND, synthetic=False)
    # drawn offline: no geo subplot (plotly.js would fetch a world topojson from a CDN)
    assert not any(t.type in ("choropleth", "choroplethmap", "choroplethmapbox") for t in fig.data)
    wards = [t for t in fig.data if t.fill == "toself"]
    assert len(wards) == 4
    hover = " ".join(t.text for t in wards)
    assert "Alpha" in hover and "12.0 a year per 1,000 residents" in hover and "No data" in hover
    scale = [t for t in fig.data if t.marker and t.marker.showscale]
    assert len(scale) == 1 and "per 1,000" in scale[0].marker.colorbar.title.text
    bravo = [t for t in wards if "Bravo" in t.text][0]
    alpha = [t for t in wards if "Alpha" in t.text][0]
    assert bravo.fillcolor != alpha.fillcolor
    assert fig.layout.yaxis.scaleanchor == "x"
    assert not _synthetic_present(fig)
    fig.to_json()
    # a ward whose small count is withheld is said to be so, not "No data" (hover, legend, and so the image)
    held = ward_rates.assign(total_suppressed=[False, False, True, False, False])
    held.loc[2, "rate_per_1000"] = NAN
    held.attrs["suppress_below"] = 5
    fig = charts.ward_map(held, gj, IND, synthetic=False)
    charlie = [t for t in fig.data if t.fill == "toself" and "Charlie" in t.text][0]
    assert charlie.text.endswith("Fewer than 5 (withheld)") and charlie.showlegend
    assert [t.name for t in fig.data if t.showlegend] == ["Fewer than 5 (withheld)", "No data"]


# --------------------------------------------------------------------------- sparkline + text


def test_sparkline(monthly):
    ms = monthly.copy()
    ms.loc[ms.index[-1], "value"] = NAN  # last month missing: the marker goes on the last month *with* data
    fig = charts.sparkline(ms, "#0072B2")
    assert fig.layout.height == 80
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.data[0].connectgaps is False and list(fig.data[0].y)[-1] is None
    assert list(fig.data[1].x) == ["2020-11-01"]
    fig.to_json()


def test_describe_trend(monthly):
    text = charts.describe_trend(monthly, IND, "Stockport")
    assert "Stockport" in text and "January 2018" in text and "December 2020" in text
    assert "7 of 36 months have no data" in text
    assert "July 2019 to December 2019" in text and "May 2020" in text
    empty = charts.describe_trend(pd.DataFrame({"month": months("2020-01", 2), "value": [NAN, NAN]}), IND, "Stockport")
    assert "no months with data" in empty


# --------------------------------------------------------------------------- all figures


def test_every_figure_serialises_and_is_readable(monthly, cycles, events, cycle_months, ward_rates):
    figs = [
        _trend(monthly, cycles, events, True),
        charts.cycle_lines_chart(cycle_months, IND, False),
        charts.ward_rank_chart(ward_rates, IND, False),
        charts.ward_map(ward_rates, {"type": "FeatureCollection", "features": [_square("E05000001", 0, 0)]}, IND, True),
        charts.sparkline(monthly, "#0072B2"),
    ]
    for fig in figs:
        assert isinstance(fig, go.Figure)
        json.loads(fig.to_json())
        assert fig.layout.font.size >= 14
        assert fig.layout.template.layout.paper_bgcolor is not None  # plotly_white applied


def test_empty_monthly_does_not_raise():
    empty = pd.DataFrame({"month": pd.Series([], dtype=str), "value": pd.Series([], dtype=float)})
    fig = charts.trend_chart(empty, None, None, None, None, IND, "Stockport", True)
    assert _synthetic_present(fig)
    fig.to_json()


# --------------------------------------------------------------------------- text alternatives, contrast


def test_the_sentences_describing_a_chart_keep_an_indicator_s_label_as_written(monthly):
    """They are page text, escaped where they are shown: escaped for Plotly as well, "Drugs & alcohol" read
    "Drugs &amp; alcohol" on Trends, Plan cycles and Areas (an outside audit)."""
    ind = {**IND, "label": "Drugs & alcohol <b>x</b>", "unit": "crimes & offences", "rate_per": "children & young"}
    comp = pd.DataFrame({"cycle_id": ["a"], "months_in_cycle": [1], "months_with_data": [1], "monthly_mean": [1.0],
                         "change_vs_previous_pct": [NAN], "beyond_chance": [False]})  # fmt: skip
    months_df = pd.DataFrame({"cycle_id": ["a"], "month_of_cycle": [1], "month": ["2020-01"], "value": [3.0]})
    rates = pd.DataFrame({"area_code": ["W1"], "area_name": ["North"], "area_type": ["ward"], "rate_per_1000": [2.0],
                          "total": [10.0], "person_years": [5000.0]})  # fmt: skip
    said = [
        charts.describe_trend(monthly, ind, "Stockport"),
        charts.describe_cycles(comp, ind),
        charts.describe_cycle_months(months_df, ind),
        charts.describe_ward_rates(rates, ind),
    ]
    for text in said:
        assert text.startswith("Drugs & alcohol <b>x</b>") and "&amp;" not in text and "&lt;" not in text, text
    assert "crimes & offences" in said[1] and "per 1,000 children & young" in said[3]


def test_describe_cycles():
    comp = pd.DataFrame(
        {
            "cycle_id": ["2018-21", "2022-25", "2025-28"],
            "months_in_cycle": [36, 36, 36],
            "months_with_data": [18, 36, 0],
            "monthly_mean": [747.56, 512.9, NAN],
            "change_vs_previous_pct": [NAN, -31.4, NAN],
            "beyond_chance": [False, True, False],
        }
    )
    text = charts.describe_cycles(comp, IND)
    assert text.startswith("Recorded ASB incidents, average incidents per month in each plan cycle:")
    # the means read side by side, as the bars' labels and the sentences beside them write them (fmt.numbers)
    assert "2018-21: 748 (18 of 36 months with data)" in text and "2022-25: 513 (" in text
    assert "2018-21: 747.6 (18 of 36" in charts.describe_cycles(comp, IND, decimals=1)  # as the view says
    assert "2025-28: no months with data" in text
    assert "against" not in text  # the last cycle has no change to report
    text = charts.describe_cycles(comp.iloc[:2], IND)
    # plan cycles are judged against how much yearly levels move (comparisons._against_usual), not chance alone
    assert "2022-25 against 2018-21: −31.4%, more than the usual yearly moves." in text
    within = charts.describe_cycles(comp.iloc[:2].assign(beyond_chance=False), IND)
    assert "2022-25 against 2018-21: −31.4%, within the usual yearly moves." in within and "chance" not in within
    assert "no plan cycles" in charts.describe_cycles(comp.iloc[:0], IND)


def test_describe_cycle_months(cycle_months):
    text = charts.describe_cycle_months(cycle_months, IND)
    assert "2018-21: lowest 10 (Apr 2018), highest 14 (Jul 2018), 4 of 5 months with data" in text
    assert "2022-25: lowest 18 (May 2022), highest 22 (Jun 2022), 5 of 5 months with data" in text


def test_describe_cycle_months_counts_a_cycle_under_way_so_far(cycle_months):
    """The Plan cycles page said "2025-28: ..., 18 of 36 months with data" beside a bar saying "18 of 18 months so
    far with data": months not yet happened read as months missing (an outside audit). With the data's last month,
    a cycle under way counts its months so far."""
    text = charts.describe_cycle_months(cycle_months, IND, last_month="2022-07")
    assert "2018-21: lowest 10 (Apr 2018), highest 14 (Jul 2018), 4 of 5 months with data" in text
    assert "2022-25: lowest 18 (May 2022), highest 22 (Jun 2022), 4 of 4 months so far with data" in text
    assert charts.describe_cycle_months(cycle_months, IND, last_month="2030-01") == charts.describe_cycle_months(
        cycle_months, IND
    )


def test_describe_ward_rates(ward_rates):
    text = charts.describe_ward_rates(ward_rates, IND, n=2)
    assert "highest Bravo 30.0, Charlie 25.0; lowest Alpha 12.0." in text
    assert "Whole borough 18.5; 2 of 3 wards are above it." in text
    assert text.endswith("No rate for Delta.")
    assert "no ward" in charts.describe_ward_rates(ward_rates[ward_rates.area_type == "borough"], IND)


def _contrast(fg: str, bg: str) -> float:
    def lum(h: str) -> float:
        c = [int(h.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted([lum(fg), lum(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_in_figures_meets_wcag_aa_contrast(monthly, cycles, events, cycle_months, ward_rates):
    """Every annotation we colour (captions, stamps, labels) is at least 4.5:1 against its box or white."""
    figs = [
        _trend(monthly, cycles, events, True),
        charts.cycle_lines_chart(cycle_months, IND, True),
        charts.ward_rank_chart(ward_rates, IND, True),
    ]
    checked = 0
    for fig in figs:
        for a in fig.layout.annotations:
            fg, bg = a.font.color, a.bgcolor
            if not (isinstance(fg, str) and fg.startswith("#")):
                continue
            bg = bg if isinstance(bg, str) and bg.startswith("#") else "#FFFFFF"  # rgba(255,255,255,x) boxes
            assert _contrast(fg, bg) >= 4.5, (a.name, a.text, fg, bg)
            checked += 1
    assert checked > 5
    assert _contrast(charts.NEUTRAL, "#FFFFFF") >= 4.5
    for fig in figs:  # set on the figure, so Streamlit's theme cannot draw the axes 12 px in #808495
        for ax in (fig.layout.xaxis, fig.layout.yaxis):
            assert _contrast(ax.tickfont.color, "#FFFFFF") >= 4.5 and ax.tickfont.size >= 14
            assert _contrast(ax.title.font.color, "#FFFFFF") >= 4.5 and ax.title.font.size >= 14


def test_describe_trend_tells_a_withheld_small_count_from_a_month_with_no_data():
    """A month withheld as a small number has a count; a month with no data has none: the words differ."""
    m = months("2020-01", 6)
    df = pd.DataFrame(
        {
            "month": m,
            "value": pd.array([None, None, 10, None, None, 15], dtype="Int64"),
            "value_suppressed": [True, True, False, False, False, False],
        }
    )
    text = charts.describe_trend(df, IND, "Heald Green")
    assert "10" in text and "(first month shown)" in text and "15" in text
    assert "2 of 6 months have a count too small to publish (withheld, not missing)" in text
    assert "2 of 6 months have no data (April 2020 to May 2020); they are shown as gaps, not zero." in text
    # a police.uk indicator's missing month says why (a new partnership's Trends page said which, not why)
    police = charts.describe_trend(df, dict(IND, police_uk_crime_type="Burglary"), "Heald Green")
    assert "(April 2020 to May 2020: no police.uk data from the force); they are shown as gaps" in police
    one = df.assign(value=pd.array([None, 7, 10, None, 9, 15], dtype="Int64"), value_suppressed=[True] + [False] * 5)
    police = charts.describe_trend(one, dict(IND, police_uk_crime_type="Burglary"), "Heald Green")
    assert "1 of 6 months has no data (April 2020: no police.uk data from the force); it is shown as a gap" in police
    every = df.assign(value=pd.array([None] * 6, dtype="Int64"), value_suppressed=[True] * 6)
    text = charts.describe_trend(every, IND, "Heald Green")
    assert "no month's count can be shown" in text and "no months with data" not in text
    assert "6 of 6 months have a count too small to publish" in text and "have no data" not in text


def test_a_monthly_axis_names_what_is_counted():
    # the label alone ("Anti-social behaviour per month") did not say what was counted: incidents, crimes, reports
    for ind, want in (
        ({"label": "Anti-social behaviour", "unit": "incidents"}, "Anti-social behaviour incidents per month"),
        ({"label": "Burglary", "unit": "crimes"}, "Burglary crimes per month"),
        (
            {"label": "Child sexual exploitation reports", "unit": "reports"},
            "Child sexual exploitation reports per month",
        ),
        ({"label": "Referrals per month", "unit": "referrals"}, "Referrals per month"),
    ):
        assert charts._per_month_title(ind) == want


def test_a_chart_s_months_read_as_the_sentences_beside_it():
    # the Compare funnel's subtitle said "2025-10 to 2026-09" beside sentences saying "Oct 2025 to Sep 2026"
    assert charts._months_words("2025-10 to 2026-09") == "Oct 2025 to Sep 2026"
    assert charts._months_words("no months") == "no months"
    assert charts._months_words("2025-10 to later") == "2025-10 to later"


def test_a_series_too_short_for_limits_names_no_limits_in_its_legend_and_says_why(store):
    """The fixture has 6 months of police.uk data: too few to fit an expected line and limits. The trend chart
    then has no such traces (a legend entry for a line not drawn), its table no empty limit columns, and the view
    says why and explains only what is drawn."""
    from safer.views import trends

    v = trends.trend(store, "asb")
    names = {t.name for t in v.figures["trend chart"].data}
    assert not names & {"Limits (99.73%)", "Lower control limit", "Expected (season and plan cycle)"}, names
    assert not {"upper_limit", "lower_limit", "expected"} & set(v.tables["monthly"].columns)
    assert v.data["how_to_read"] == trends.HOW_TO_READ_PLAIN
    assert "No expected line or limits are drawn: fitting them needs at least 12 months with data" in " ".join(v.notes)
    assert "6 months with data" in " ".join(v.notes)


def test_the_trend_table_gives_its_12_month_mean_to_one_decimal(demo_env):
    """The monthly table (the page's CSV and the SIA pack's) gave the 12-month mean at full precision
    (418.8333333333333) beside counts and limits read at a glance: one decimal, as the expected count."""
    from safer.store import Store
    from safer.views import trends

    s = Store(demo_env)
    try:
        t = trends.trend(s, "asb").tables["monthly"]
    finally:
        s.close()
    means = t["rolling_12_mean"].dropna()
    assert len(means) > 90 and (means == means.round(1)).all()
    assert means.iloc[-1] == round(t["value"].iloc[-12:].mean(), 1)


@pytest.mark.parametrize(
    ("code", "word"),
    [("E08000007", "borough"), ("E09000033", "borough"), ("E07000105", "district"), ("E06000023", "area"),
     ("W06000015", "area")],
)  # fmt: skip
def test_the_whole_area_is_called_what_its_council_is(ward_rates, code, word):
    """A shire district's or a unitary authority's partnership read "(whole borough)" on every chart and picker
    (a new user's audit): the word follows the authority's ONS code."""
    from safer import fmt

    assert fmt.whole_area(code) == word
    fig = charts.ward_rank_chart(ward_rates, IND, False, fmt.whole_area(code))
    assert any(f"(whole {word}):" in (t.name or "") for t in fig.data)
    assert f"the dashed line is the whole {word}." in fig.layout.title.subtitle.text.replace("<br>", " ")
    assert f"Whole {word} " in charts.describe_ward_rates(ward_rates, IND, whole=word)
