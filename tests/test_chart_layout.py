"""Chart text that covers nothing: each figure drawn by plotly.js in Chromium at a phone's, a desktop's and a
projector's width, and the boxes of its labels checked against its data, its lines, its mode bar and each
other (`figure_layout`). Needs Chromium, as the PDF and image exports do."""

from __future__ import annotations

import pandas as pd
import pytest
from figure_layout import DESKTOP, PHONE, PROJECTOR, data_in_box, draw, overlap, overlapping_texts, svg_texts
from helpers import PROJECT

from safer import briefing, charts, stats, verdicts

NAN = float("nan")
IND = {"indicator_id": "asb", "label": "Recorded ASB incidents", "unit": "incidents", "good_direction": "down"}
WIDTHS = (PHONE, DESKTOP, PROJECTOR)


def _months(start: str, n: int) -> list[str]:
    return pd.period_range(start, periods=n, freq="M").strftime("%Y-%m").tolist()


def _gappy_trend(synthetic: bool = True):
    """Counts around the middle of the plot with three gaps (the middle one as in the CSE demo, two months),
    and events inside the gaps (as the ASB page's events 3 and 4 fall inside its gap)."""
    ms = _months("2016-04", 120)
    v = [20.0 + 8 * ((i * 7) % 5) for i in range(120)]
    for i, m in enumerate(ms):
        if "2017-02" <= m <= "2017-04" or "2019-11" <= m <= "2019-12" or "2022-06" <= m <= "2023-09":
            v[i] = NAN
    monthly = pd.DataFrame({"month": ms, "value": v})
    cycles = pd.DataFrame(
        {"cycle_id": ["2018-21", "2022-25"], "title": ["", ""], "start_month": ["2018-04", "2022-04"],
         "end_month": ["2021-03", "2025-03"]}
    )  # fmt: skip
    events = pd.DataFrame(
        {"event_date": ["2017-03-01", "2019-11-15", "2022-08-01", "2023-03-01"],
         "title": ["a", "b", "c", "d"], "category": ["local"] * 4}
    )  # fmt: skip
    roll = stats.rolling_mean(monthly["value"], 12)
    lim = verdicts.control_limits(monthly, cycles)
    return charts.trend_chart(monthly, roll, lim, cycles, events, IND, "Stockport", synthetic)


def test_gap_labels_cover_no_data_no_event_line_and_no_other_text():
    fig = _gappy_trend()
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        labels = [a for a in drawing["annotations"] if a["name"] == "no data label"]
        assert len(labels) == 3
        lines = [s for s in drawing["shapes"] if s["type"] == "line"]
        assert len(lines) == 4
        for label in labels:
            assert not data_in_box(drawing, label["box"]), (width, label["text"], data_in_box(drawing, label["box"]))
            crossed = [s["name"] for s in lines if overlap(s["box"], label["box"])]
            assert not crossed, (width, label["text"], crossed)
            x0, _, x1, _ = label["box"]
            assert x0 >= 0 and x1 <= width, (width, label["text"], label["box"])
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def test_gap_labels_keep_clear_on_a_slide_in_projector_type():
    fig = briefing.for_projector(_gappy_trend())
    assert fig.layout.height == 600  # a slide keeps its height: the plot gives up the room
    for drawing, width in zip(draw([(fig, 760), (fig, 1200)]), (760, 1200)):
        for label in (a for a in drawing["annotations"] if a["name"] == "no data label"):
            assert not data_in_box(drawing, label["box"]), (width, label["text"])
            assert not [s for s in drawing["shapes"] if s["type"] == "line" and overlap(s["box"], label["box"])]
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def _ward_rates(n: int = 21) -> pd.DataFrame:
    names = [f"Ward {'with a long name ' * (i % 3)}{i}".strip() for i in range(n)]
    rates = [8.0 + 1.7 * i for i in range(n)]
    return pd.DataFrame(
        {
            "area_code": [f"E05{i:06d}" for i in range(n)] + ["E08000007"],
            "area_name": names + ["Stockport"],
            "area_type": ["ward"] * n + ["borough"],
            "total": 100,
            "months_with_data": 12,
            "population": 10000,
            "rate_per_1000": rates + [sum(rates) / n],
        }
    )


@pytest.mark.parametrize("n", [3, 21])
def test_the_borough_line_runs_through_no_ward_label(n):
    fig = charts.ward_rank_chart(_ward_rates(n), IND, synthetic=True)
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        labels = [a for a in drawing["annotations"] if a["name"] == "ward label"]
        marks = [s for s in drawing["shapes"] if s["type"] == "line"]
        assert len(labels) == n and len(marks) == n
        hits = [(a["text"], round(s["box"][1])) for a in labels for s in marks if overlap(a["box"], s["box"])]
        assert not hits, (width, hits[:5])
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def test_the_trend_chart_for_a_phone_gives_its_plot_more_of_the_width_and_its_text_covers_nothing(demo_env):
    """On a phone (a chart about 342 px wide) the desktop's margins left the plot 212 px: the Trends page shows
    `charts.for_phone` there, the same figure with narrower margins, its text inside the chart and apart (the
    demo's ASB chart has a plan cycle's label near its right edge)."""
    from safer import views
    from safer.store import Store

    fig = _gappy_trend()
    phone = charts.for_phone(fig)
    assert len(phone.data) == len(fig.data) and phone.layout.title.text == fig.layout.title.text
    assert len(phone.layout.annotations) == len(fig.layout.annotations)
    store = Store(PROJECT / "data")
    try:
        asb = views.trend(store, "asb", None).data["phone chart"]
    finally:
        store.close()
    desktop_at_phone, *drawings = draw([(fig, PHONE), (phone, PHONE), (asb, PHONE)])
    for drawing in drawings:
        assert drawing["plot"]["w"] >= 245 and drawing["plot"]["w"] >= desktop_at_phone["plot"]["w"] + 35
        assert not overlapping_texts(drawing["texts"]), overlapping_texts(drawing["texts"])
        outside = [t["what"] for t in drawing["texts"] if t["box"][0] < 0 or t["box"][2] > PHONE]
        assert not outside, outside
        for label in (a for a in drawing["annotations"] if a["name"] == "no data label"):
            assert not data_in_box(drawing, label["box"]), label


def _synthetic_figures() -> list:
    from safer import views
    from safer.store import Store

    store = Store(PROJECT / "data")
    try:
        areas = views.areas(store, "asb")
        compare = views.compare(store, "asb")
        return [
            areas.data["map"],
            areas.figures["ward ranking chart"],
            *compare.figures.values(),
            views.trend(store, "cse", None).figures["trend chart"],
            views.trend(store, "asb", None).data["phone chart"],
            briefing.build_slide(store, briefing.load("scrutiny-current-cycle"), 1).phone_figure,
        ]
    finally:
        store.close()


def test_the_synthetic_stamp_is_clear_of_the_mode_bar_and_inside_the_chart_at_every_width(demo_env):
    figs = _synthetic_figures()
    assert len(figs) >= 5
    widths = (PHONE, 358, DESKTOP, PROJECTOR)
    for drawing, (fig, width) in zip(
        draw([(f, w) for f in figs for w in widths]), [(f, w) for f in figs for w in widths]
    ):
        stamp = [a for a in drawing["annotations"] if a["name"] == "synthetic"]
        assert len(stamp) == 1, fig.layout.title.text
        box, bar = stamp[0]["box"], drawing["modebar"]
        assert bar and not overlap(box, bar), (width, fig.layout.title.text, box, bar)
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0, (width, fig.layout.title.text, box)
        texts = [t for t in drawing["texts"] if "SYNTHETIC" in t["text"] or "not real" in t["text"]]
        assert texts and all(not overlap(t["box"], bar) for t in texts)


def test_the_printed_briefing_stamps_each_page_once_and_its_chart_text_does_not_overlap(demo_env):
    from safer.store import Store

    store = Store(PROJECT / "data")
    try:
        b = briefing.load("scrutiny-current-cycle")
        slides = briefing.build_slides(store, b)
        svgs = [briefing._svg(s.figure, s.meta) for s in slides]
        page = briefing.slides_html(b, slides, svgs=svgs)
    finally:
        store.close()
    for s, svg in zip(slides, svgs):
        texts = svg_texts(svg)
        assert not [t for t in texts if "Data version" in t["text"]], s.title  # the page's footer is the stamp
        assert any("SYNTHETIC" in t["text"] for t in texts)  # the chart keeps its synthetic band
        assert not overlapping_texts(texts), (s.title, overlapping_texts(texts))
    assert page.count(f"Data version {slides[0].meta.data_version}") == len(slides)  # once a page, in its footer
