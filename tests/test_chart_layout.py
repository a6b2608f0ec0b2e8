"""Chart text that covers nothing: each figure drawn by plotly.js in Chromium at a phone's, a desktop's and a
projector's width, and the boxes of its labels checked against its data, its lines, its mode bar and each
other (`figure_layout`). Needs Chromium, as the PDF and image exports do: marked `browser`, so the fast loop
(`pytest -m "not browser"`) leaves these out, and skipped, as tests/test_browser.py is, with SAFER_SKIP_BROWSER=1."""

from __future__ import annotations

import os

import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_layout import (
    DESKTOP,
    PHONE,
    PROJECTOR,
    data_in_box,
    draw,
    overlap,
    overlapping_texts,
    plot_box,
    svg_texts,
)
from helpers import PROJECT

from safer import briefing, charts, contract, stats, verdicts

# `pytest -m "not browser"` is the fast loop: every test here draws in Chromium (`figure_layout.draw`)
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _skip_on_purpose():
    """SAFER_SKIP_BROWSER=1 skips these too, as it does tests/test_browser.py (without Chromium they fail)."""
    if os.environ.get("SAFER_SKIP_BROWSER") == "1":
        pytest.skip("SAFER_SKIP_BROWSER=1: browser tests skipped on purpose")


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


def test_many_short_gaps_never_draw_one_label_over_another():
    """A partner extract that left out its zero months: ten short gaps in three years. With every row of labels
    taken, a label was drawn over another ("No data Jul 2025" over "No data Oct 2025 – Nov 2025", a new user's
    audit): one that has no room is not drawn (its band still shows the gap)."""
    ms = _months("2023-10", 36)
    gaps = {"2024-01", "2024-03", "2024-06", "2024-07", "2024-10", "2025-01", "2025-02", "2025-04", "2025-07",
            "2025-10", "2025-11", "2026-02"}  # fmt: skip
    monthly = pd.DataFrame({"month": ms, "value": [NAN if m in gaps else 3.0 + i % 4 for i, m in enumerate(ms)]})
    cycles = pd.DataFrame(
        {"cycle_id": ["2025-28"], "title": [""], "start_month": ["2025-04"], "end_month": ["2028-03"]}
    )
    fig = charts.trend_chart(monthly, None, None, cycles, None, IND, "Medway Vale", False)
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        shown = [a for a in drawing["annotations"] if a["name"] == "no data label"]
        assert shown, width
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def test_gap_labels_keep_clear_on_a_slide_in_projector_type():
    fig = briefing.for_projector(_gappy_trend())
    assert fig.layout.height == 600  # a slide keeps its height: the plot gives up the room
    for drawing, width in zip(draw([(fig, 760), (fig, 1200)]), (760, 1200)):
        for label in (a for a in drawing["annotations"] if a["name"] == "no data label"):
            assert not data_in_box(drawing, label["box"]), (width, label["text"])
            assert not [s for s in drawing["shapes"] if s["type"] == "line" and overlap(s["box"], label["box"])]
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def _ward_rates(n: int = 21, names: list[str] | None = None) -> pd.DataFrame:
    names = names or [f"Ward {'with a long name ' * (i % 3)}{i}".strip() for i in range(n)]
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
        # a long ward name ("Ward with a long name with a long name 20") ran off a phone's chart: it breaks onto a
        # second line, whole, and the label stays clear of every bar (its own below, the next above)
        cut = [a["text"] for a in labels if a["box"][0] < -1 or a["box"][2] > width + 1]
        assert not cut, (width, cut[:3])
        assert len(drawing["bars"]) == n
        assert not [a["text"] for a in labels for b in drawing["bars"] if overlap(a["box"], b)], width


def test_a_ward_name_of_three_lines_or_one_long_word_keeps_to_two_lines_clear_of_the_bars():
    """Real ward names run to 60 characters ("Stoke Bishop, Westbury-on-Trym and Henleaze with Sneyd Park"): wrapped
    to three lines in rows made for two, the label covered the bar above (an outside audit), and a 160-character
    word ran off the chart. Each label keeps to two lines, cut with "…" where it must (the whole name is in the
    hover), whole at every width and clear of every bar."""
    long = [
        "Stoke Bishop, Westbury-on-Trym and Henleaze with Sneyd Park",
        "Bramhall South and Woodford & Poynton with Adlington East",
        "Llanfairpwllgwyngyll" * 8,  # one word of 160 characters
        "Manor",
        "Hazel Grove",
    ]
    names = long + [f"Ward {i}" for i in range(7)]
    fig = charts.ward_rank_chart(_ward_rates(len(names), names), IND, synthetic=True)
    labels = [a for a in fig.layout.annotations if a.name == "ward label"]
    assert all(a.text.count("<br>") <= 1 for a in labels), [a.text for a in labels]
    assert any("…" in a.text for a in labels)
    assert "&amp;" in next(a.text for a in labels if a.text.startswith("Bramhall"))  # escaped once, not cut inside
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        drawn = [a for a in drawing["annotations"] if a["name"] == "ward label"]
        cut = [a["text"] for a in drawn if a["box"][0] < -1 or a["box"][2] > width + 1]
        assert not cut, (width, cut[:3])
        assert not [a["text"] for a in drawn for b in drawing["bars"] if overlap(a["box"], b)], width
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def test_the_trend_chart_gives_its_plot_most_of_a_phone_s_width_and_its_text_covers_nothing(demo_env):
    """On a phone (a chart about 342 px wide) side margins of 90 and 40 px left the plot 212 px: the time chart's
    margins are narrow (the y axis's labels push the left one out only as far as they need), one figure for every
    width, its text inside the chart and apart (the demo's ASB chart has a plan cycle's label near its right
    edge)."""
    from safer import views
    from safer.store import Store

    store = Store(PROJECT / "data")
    try:
        asb = views.trend(store, "asb", None).figures["trend chart"]
    finally:
        store.close()
    for drawing in draw([(_gappy_trend(), PHONE), (asb, PHONE)]):
        assert drawing["plot"]["w"] >= 245, drawing["plot"]
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
            views.trend(store, "asb", None).figures["trend chart"],
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


# --------------------------------------------------------------------------- long titles

LONG = {
    "indicator_id": "missing_episodes",
    "label": "Children missing from home or care episodes",  # an indicator's long name: the title wraps
    "unit": "episodes",
    "good_direction": "down",
}


LONGEST = {
    **LONG,
    "label": ("Children reported missing from home or from local authority care, episodes recorded by the police and "
              "by children's services together, all ages under 18, as both services count them, each episode once "
              "however many reports there were")[: contract.LABEL_MAX],
    "unit": ("episodes reported to the police or to children's services by a parent, a carer, a school or the "
             "child")[: contract.UNIT_MAX],
}  # fmt: skip


def _long_titled_figures(synthetic: bool, ind: dict = LONG) -> dict:
    """Charts whose titles carry the long name (trend, plan cycles, perception, ward ranking), real or synthetic."""
    from safer import views
    from safer.store import Store

    ms = _months("2016-04", 120)
    monthly = pd.DataFrame({"month": ms, "value": [20.0 + 8 * ((i * 7) % 5) for i in range(120)]})
    cycles = pd.DataFrame(
        {"cycle_id": ["2018-21", "2022-25"], "title": ["", ""], "start_month": ["2018-04", "2022-04"],
         "end_month": ["2021-03", "2025-03"]}
    )  # fmt: skip
    store = Store(PROJECT / "data")
    try:
        months = views.cycle_comparison(store, "missing_episodes", None).tables["month by month"]
        pv = views.consultation(store, "all", "all", "asb").tables["perception against recorded"]
    finally:
        store.close()
    return {
        "trend": charts.trend_chart(monthly, stats.rolling_mean(monthly["value"], 12), None, cycles, None, ind,
                                    "Stockport", synthetic),
        "cycles lined up": charts.cycle_lines_chart(months, ind, synthetic),
        "perception": charts.perception_chart(pv, monthly, ind, synthetic),
        "ward ranking": charts.ward_rank_chart(_ward_rates(21), ind, synthetic),
    }  # fmt: skip


@pytest.mark.parametrize("ind", [LONG, LONGEST], ids=["long", "the longest the contract takes"])
@pytest.mark.parametrize("synthetic", [False, True], ids=["real", "synthetic"])
def test_a_long_title_keeps_clear_of_the_mode_bar_legend_stamp_and_plot(demo_env, synthetic, ind):
    """A title of 30+ characters wraps onto lines of its own, above the plot and under the mode bar's row, at a
    phone's, a desktop's and a projector's width: it covers no other text (ticks, labels, legend), no stamp; so
    does the longest label and unit the contract takes (contract.LABEL_MAX, UNIT_MAX characters)."""
    figs = _long_titled_figures(synthetic, ind)
    jobs = [(name, fig, w) for name, fig in figs.items() for w in WIDTHS]
    for (name, _fig, width), drawing in zip(jobs, draw([(f, w) for _, f, w in jobs])):
        titles = [t for t in drawing["texts"] if t["what"].startswith("title")]
        assert titles and ind["label"].split()[0] in titles[0]["text"], (name, width)
        others = [t for t in drawing["texts"] if not t["what"].startswith("title")]
        stamps = [a["box"] for a in drawing["annotations"] if a["name"] == "synthetic"]
        assert len(stamps) == (1 if synthetic else 0)
        top = plot_box(drawing)[1]
        for t in titles:
            where = (name, width, t["what"], [round(v) for v in t["box"]])
            assert not overlap(t["box"], drawing["modebar"]), where + ("the mode bar",)
            assert not [s for s in stamps if overlap(t["box"], s)], where + ("the stamp",)
            assert t["box"][3] <= top, where + ("the plot, which starts at", top)
            assert t["box"][0] >= 0 and t["box"][2] <= width, where + ("cut at the edge",)
            hit = [o["what"] for o in others if overlap(t["box"], o["box"], 1)]
            assert not hit, where + (hit,)
        if ind is LONGEST and name != "ward ranking":
            # a unit as long as the contract takes: axis titles of two lines at most, the panel's title cut to
            # one line, so no text runs into another or off the chart (a 40-character unit did both on a phone)
            texts = [t for t in drawing["texts"] if not t["what"].startswith("legend")]
            assert not overlapping_texts(texts), (name, width, overlapping_texts(texts))
            cut = [t["what"] for t in drawing["texts"] if t["box"][0] < -1 or t["box"][2] > width + 1]
            assert not cut, (name, width, cut)


def test_a_chart_shown_under_its_page_title_keeps_its_plot_and_its_labels_and_stamp_in_place(demo_env):
    """On a page a chart's title and subtitle are the page's own text (`ui.chart`, `charts.lift_title`): wrapped in
    the figure for a phone, they gave a desktop's chart a header of three to five short lines. The figure drawn
    without them has the same plot, 1-5 title lines shorter, its stamp still at its top under the mode bar, and
    no text over another at a phone's, a desktop's and a projector's width."""
    figs = list(_long_titled_figures(True).values()) + [_gappy_trend(), _close_events_trend()]
    lifted = [charts.lift_title(f) for f in figs]
    for f, (title, subtitle, g) in zip(figs, lifted):
        assert title and "<" not in title and not g.layout.title.text and not g.layout.title.subtitle.text
        assert subtitle == charts._plain(f.layout.title.subtitle.text) and "<br>" not in subtitle
        assert title == " ".join(charts._plain(f.layout.title.text).split())
        block = f.layout.meta["title_block"]
        assert f.layout.height - g.layout.height == block == f.layout.margin.t - g.layout.margin.t
        assert block >= charts.TITLE_LINE
    jobs = [(i, w) for i in range(len(figs)) for w in WIDTHS]
    drawn = draw([(lifted[i][2], w) for i, w in jobs] + [(figs[i], w) for i, w in jobs])
    for (i, width), low, whole in zip(jobs, drawn[: len(jobs)], drawn[len(jobs) :]):
        where = (i, width)
        assert low["plot"]["h"] == pytest.approx(whole["plot"]["h"], abs=4), where  # automargin: a pixel or two
        assert low["plot"]["w"] == pytest.approx(whole["plot"]["w"], abs=1), where
        assert plot_box(low)[1] <= plot_box(whole)[1] - charts.TITLE_LINE + 1, where  # the plot moved up
        stamp = [a["box"] for a in low["annotations"] if a["name"] == "synthetic"]
        assert len(stamp) == 1 and stamp[0][1] >= 0 and not overlap(stamp[0], low["modebar"]), where
        assert not overlapping_texts(low["texts"]), (where, overlapping_texts(low["texts"]))
    # a figure laid out some other way (a map) is shown as it is
    plain = go.Figure()
    assert charts.lift_title(plain) == ("", "", plain)


# --------------------------------------------------------------------------- event numbers close together


def _close_events_trend(synthetic: bool = True):
    """A ten-year trend with events a few weeks apart (three within two months, two a fortnight apart)."""
    ms = _months("2016-04", 120)
    monthly = pd.DataFrame({"month": ms, "value": [20.0 + 8 * ((i * 7) % 5) for i in range(120)]})
    events = pd.DataFrame(
        {"event_date": ["2018-05-03", "2018-05-17", "2019-11-15", "2019-12-10", "2020-01-05", "2023-06-01"],
         "title": list("abcdef"), "category": ["local"] * 6}
    )  # fmt: skip
    roll = stats.rolling_mean(monthly["value"], 12)
    return charts.trend_chart(monthly, roll, None, None, events, IND, "Stockport", synthetic)


def _numbers_readable(drawing: dict, where) -> None:
    nums = [a for a in drawing["annotations"] if a["name"] == "event number"]
    assert len(nums) == 6, where
    plot = plot_box(drawing)
    for i, a in enumerate(nums):
        clash = [b["text"] for b in nums[i + 1 :] if overlap(a["box"], b["box"])]
        assert not clash, (where, a["text"], "sits on", clash)
        assert not data_in_box(drawing, a["box"]), (where, a["text"], data_in_box(drawing, a["box"]))
        x0, y0, x1, y1 = a["box"]
        assert x0 >= plot[0] - 12 and x1 <= plot[2] + 12 and y0 >= plot[1] - 1, (where, a["text"], a["box"], plot)
    assert not overlapping_texts(drawing["texts"]), (where, overlapping_texts(drawing["texts"]))


def test_the_axis_is_raised_for_the_counts_under_the_event_numbers_not_for_the_peak_elsewhere():
    """Event numbers over months at a third of the series' peak need no taller axis than the peak itself does
    (raising it for the peak under every row of numbers gave the demo's ASB chart an axis to 2,000 over counts
    below 1,200); numbers over the peak still raise it, and no count reaches a number either way."""
    ms = _months("2016-04", 120)
    values = [300.0 if i < 12 else 100.0 + 5 * (i % 4) for i in range(120)]  # the peak in the first year only
    monthly = pd.DataFrame({"month": ms, "value": values})
    roll = stats.rolling_mean(monthly["value"], 12)

    def chart(dates):
        ev = pd.DataFrame({"event_date": dates, "title": list("abc"), "category": ["local"] * 3})
        return charts.trend_chart(monthly, roll, None, None, ev, IND, "Stockport", True)

    low = chart(["2021-05-03", "2021-05-20", "2021-06-10"])  # three rows of numbers over counts of about 100
    high = chart(["2016-05-03", "2016-05-20", "2016-06-10"])  # the same over the peak
    assert low.layout.yaxis.range[1] == pytest.approx(300 * 1.12)
    assert high.layout.yaxis.range[1] > 300 * 1.3
    for fig in (low, high):
        for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
            for a in (a for a in drawing["annotations"] if a["name"] == "event number"):
                assert not data_in_box(drawing, a["box"]), (width, a["text"], data_in_box(drawing, a["box"]))


def test_event_numbers_weeks_apart_are_each_readable_on_a_page():
    fig = _close_events_trend()
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        _numbers_readable(drawing, width)


def test_event_numbers_weeks_apart_are_each_readable_on_a_slide():
    """In projector type the numbers are bigger: on a printed slide (760 px), at 1280x720, 1440x900 and
    1920x1080 (the chart column at the height the page gives it), each number stands clear of the others."""
    fig = briefing.for_projector(_close_events_trend())
    sizes = [(briefing.SLIDE_MIN_WIDTH, briefing.SLIDE_HEIGHT), (805, 580), (912, 760), (1232, 940)]
    for drawing, (w, h) in zip(draw([(fig, w, h) for w, h in sizes]), sizes):
        _numbers_readable(drawing, (w, h))


# --------------------------------------------------------------------------- a slide on a projector


def test_a_slide_gives_the_plot_the_room_a_projector_screen_has(demo_env):
    """Drawn as the page draws it on a 1920x1080 projector (the chart column, the screen's height under the
    heading), a slide's plot takes most of the chart: its legend's entries on one line each (not wrapped for
    a phone's width)."""
    from safer.store import Store

    store = Store(PROJECT / "data")
    try:
        b = briefing.load("scrutiny-current-cycle")
        slides = [briefing.build_slide(store, b, i) for i in range(1, len(b.slides) + 1)]
    finally:
        store.close()
    for s, drawing in zip(slides, draw([(s.figure, 1232, 940) for s in slides])):
        plot = plot_box(drawing)
        assert plot[3] - plot[1] >= 0.6 * 940, (s.title, plot)
        legend = [t for t in drawing["texts"] if t["what"].startswith("legend")]
        tall = [t["what"] for t in legend if t["box"][3] - t["box"][1] > 1.6 * briefing.PROJECTOR_FONT]
        assert not tall, (s.title, "legend entries on two lines", tall)
        assert not overlapping_texts(drawing["texts"]), (s.title, overlapping_texts(drawing["texts"]))


# --------------------------------------------------------------------------- image exports


def _exported_figures() -> dict:
    from safer import views
    from safer.store import Store

    store = Store(PROJECT / "data")
    try:
        c = views.consultation(store, "all", "all", "asb")
        return {
            "consultation": (c.figures["perception chart"], c.meta),
            "trend": (views.trend(store, "cse", None).figures["trend chart"], c.meta),
            "cycles": (
                views.cycle_comparison(store, "missing_episodes", None).figures["cycles lined up chart"],
                c.meta,
            ),
        }
    finally:
        store.close()


def test_an_exported_image_keeps_its_legend_stamp_and_plot_apart_at_every_width(demo_env):
    """The image exports (PNG and SVG are drawn from the same stamped figure) at each width offered, the
    default 1400 px and a report's 760 px column among them: the stamp, the legend and the plot never meet."""
    from safer import export

    assert 760 in export.IMAGE_WIDTHS and 1400 in export.IMAGE_WIDTHS
    jobs = [(name, export.stamped_figure(fig, meta, w), w)
            for name, (fig, meta) in _exported_figures().items() for w in export.IMAGE_WIDTHS]  # fmt: skip
    for (name, _fig, width), drawing in zip(jobs, draw([(f, w) for _, f, w in jobs])):
        stamp = [a["box"] for a in drawing["annotations"] if a["name"] == "stamp"]
        assert len(stamp) == 1, (name, width)
        legend = [t for t in drawing["texts"] if t["what"].startswith("legend")]
        assert legend, (name, width)
        plot = plot_box(drawing)
        for t in legend:
            assert not overlap(t["box"], stamp[0]), (name, width, t["what"], "covers the stamp")
            assert not overlap(t["box"], plot), (name, width, t["what"], "covers the plot")
        assert not overlap(stamp[0], plot), (name, width, "the stamp covers the plot")
        _, y0, _, y1 = stamp[0]
        assert y1 <= drawing["size"][1] and y0 >= 0, (name, width, stamp[0])
        assert not overlapping_texts(drawing["texts"]), (name, width, overlapping_texts(drawing["texts"]))
        titles = [t for t in drawing["texts"] if t["what"].startswith("title")]
        assert titles and all(t["box"][3] <= plot[1] and t["box"][2] <= width for t in titles), (name, width)
        synthetic = [a["box"] for a in drawing["annotations"] if a["name"] == "synthetic"]
        assert all(b[1] >= 0 and not any(overlap(b, t["box"]) for t in titles) for b in synthetic), (name, width)


def test_an_exported_image_s_title_is_wrapped_for_its_width_not_a_phone_s(demo_env):
    """An exported 1400 px image kept the title wrapped for a phone ("Anti-social behaviour in / Stockport, by
    month"), a header of short lines over an empty width (an outside audit): the title and subtitle are wrapped
    for the image's width, the same words, and the plot keeps its size."""
    from safer import export

    meta = next(iter(_exported_figures().values()))[1]
    trend = _gappy_trend()
    assert "<br>" in trend.layout.title.text  # wrapped for a phone in the figure
    wide, narrow = export.stamped_figure(trend, meta, 1400), export.stamped_figure(trend, meta, 760)
    assert "<br>" not in wide.layout.title.text and charts._plain(wide.layout.title.text) == charts._plain(
        trend.layout.title.text
    )
    assert wide.layout.title.subtitle.text.count("<br>") < trend.layout.title.subtitle.text.count("<br>")
    assert wide.layout.height < narrow.layout.height
    for name, (fig, m) in _exported_figures().items():
        assert export.stamped_figure(fig, m, 1400).layout.title.text.count("<br>") <= fig.layout.title.text.count(
            "<br>"
        ), name
    rewrapped, plain = draw([(charts.rewrap_title(trend, 1400), 1400), (trend, 1400)])
    assert rewrapped["plot"]["h"] == pytest.approx(plain["plot"]["h"], abs=4)
    assert not overlapping_texts(rewrapped["texts"]), overlapping_texts(rewrapped["texts"])
    titles = [t for t in rewrapped["texts"] if t["what"].startswith("title")]
    stamp = [a["box"] for a in rewrapped["annotations"] if a["name"] == "synthetic"]
    assert titles and stamp and not any(overlap(stamp[0], t["box"]) for t in titles)
    assert all(t["box"][3] <= plot_box(rewrapped)[1] for t in titles)


def _cycle_comparison_row(cid, mean, with_data, not_yet=0, held=0, n=36):
    return {
        "cycle_id": cid, "months_in_cycle": n, "months_not_yet": not_yet, "months_with_data": with_data,
        "months_withheld": held, "total": mean * with_data, "total_withheld": False, "monthly_mean": mean,
        "ci_low": mean * 0.6, "ci_high": mean * 1.5, "dispersion": 1.0,
    }  # fmt: skip


def test_a_four_line_bar_label_keeps_clear_of_the_bar_above(demo_env):
    """A ward's plan cycle under way with months withheld (small numbers) and months with no data as well has a bar
    label of four lines (its mean, 10 of 18 months so far, 6 withheld, 2 with no data): its first line was drawn
    over the bar above (an outside audit, CSE in Bramhall North with two months missing). Each label sits in the
    gap between its bar and the one above, at a phone's, a desktop's and a projector's width."""
    comp = pd.DataFrame(
        [
            _cycle_comparison_row("2018-21", 0.1, 34),
            _cycle_comparison_row("2022-25", 0.4, 36),
            _cycle_comparison_row("2025-28", 1.0, 10, not_yet=18, held=6),
        ]
    )
    fig = charts.cycle_means_chart(comp, IND, synthetic=True)
    labels = [a.text for a in fig.layout.annotations if a.name == "bar label"]
    assert labels[-1].count("<br>") == 3 and labels[-1].endswith("6 withheld (small numbers)<br>2 with no data")
    lo, hi = fig.layout.yaxis.range  # categories 0, 1, 2 downwards: the range runs from the bottom up
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        p = drawing["plot"]

        def y_px(c, p=p):
            return p["t"] + p["h"] * (c - hi) / (lo - hi)

        boxes = [a["box"] for a in drawing["annotations"] if a["name"] == "bar label"]
        assert len(boxes) == 3
        for i, (_x0, y0, _x1, y1) in enumerate(boxes):
            assert y1 <= y_px(i - 0.2) + 2, (width, i, "the label covers its own bar")
            if i:
                assert y0 >= y_px(i - 1 + 0.2) + 2, (width, i, "the label covers the bar above", y0, y_px(i - 0.8))
        assert not overlapping_texts(drawing["texts"]), (width, overlapping_texts(drawing["texts"]))


def test_the_partnership_s_label_on_the_funnel_covers_no_point_or_line(demo_env):
    """The partnership's two-line label was written beside its point: on the demo's ASB funnel it covered a
    neighbouring borough's point and crossed the group rate line, and on a phone ran past the plot's right-hand edge
    (an outside audit). It is placed where it covers no point and no line, inside the plot, with an arrow to its
    point, at a phone's, a desktop's and a projector's width."""
    from safer import views
    from safer.store import Store

    store = Store()
    try:
        gid = views.group_choices(store)[2]
        figs = {iid: views.compare(store, iid, gid).figures["funnel plot"] for iid in ("asb", "burglary")}
    finally:
        store.close()
    jobs = [(iid, fig, w) for iid, fig in figs.items() for w in WIDTHS]
    for (iid, _fig, width), drawing in zip(jobs, draw([(f, w) for _, f, w in jobs])):
        labels = [a for a in drawing["annotations"] if a["name"] == "partnership label"]
        assert len(labels) == 1 and "this partnership" in labels[0]["text"], (iid, width)
        box = labels[0]["box"]
        covered = data_in_box(drawing, box)
        assert not covered, (iid, width, covered)
        px0, py0, px1, py1 = plot_box(drawing)
        assert px0 - 1 <= box[0] and box[2] <= px1 + 1 and py0 - 1 <= box[1] and box[3] <= py1 + 1, (iid, width, box)
        texts = [t for t in drawing["texts"] if not t["what"].startswith("legend")]
        assert not overlapping_texts(texts), (iid, width, overlapping_texts(texts))


def _comparator_trend(name: str) -> go.Figure:
    """Five areas over ten years, the partnership called `name`, its line ending mid-height."""
    ms = _months("2016-04", 120)
    rows = []
    for k, (code, area) in enumerate([("E1", name), ("E2", "Otherton"), ("E3", "Elsewhere"), ("E4", "Far"),
                                      ("E5", "Near")]):  # fmt: skip
        for i, m in enumerate(ms):
            rows.append(
                {"area_code": code, "area_name": area, "is_partnership": k == 0, "month": m,
                 "rate_12m_per_1000": 20.0 + 6 * k + (i % 7) * 0.3, "group_rate_12m_per_1000": 31.0}
            )  # fmt: skip
    return charts.comparator_trend_chart(pd.DataFrame(rows), IND, True)


@pytest.mark.parametrize(
    "name",
    [
        "Stockport",
        "Folkestone and Hythe",
        "Newcastle-under-Lyme",
        "King's Lynn and West Norfolk",
        "Northumberland",
    ],  # fmt: skip
)
def test_the_partnership_s_name_at_the_end_of_its_line_over_time_is_never_cut_or_covering(name):
    """On the Compare page's chart over time a long name at the end of the partnership's line ran past the right
    edge of a phone's chart ("Folkestone and Hyt", an outside audit). It is drawn whole inside the figure and
    covers no other text, at a phone's, a desktop's and a projector's width."""
    fig = _comparator_trend(name)
    for drawing, width in zip(draw([(fig, w) for w in WIDTHS]), WIDTHS):
        labels = [a for a in drawing["annotations"] if a["name"] == "partnership end label"]
        assert len(labels) == 1, width
        box = labels[0]["box"]
        assert 0 <= box[0] and box[2] <= drawing["size"][0], (name, width, box, drawing["size"])
        assert labels[0]["text"].replace("<br>", " ").replace("- ", "-").replace("<b>", "").replace("</b>", "") == name
        texts = [t for t in drawing["texts"] if not t["what"].startswith("legend")]
        assert not overlapping_texts(texts), (name, width, overlapping_texts(texts))
