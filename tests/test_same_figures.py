"""A mean shown both on a chart (its labels, its hover) and in a sentence beside it reads the same in both.

An audit found the Plan cycles bar labelled "747.6" beside the sentence "... against 748": bars had one decimal
place, sentences whole numbers from 100 upwards (safer.fmt). Each view now writes every mean it shows with one
rule, so a reader sees one figure. These tests read the demo data's views: the labels and hover texts as the
browser shows them (a hover template filled in as Plotly fills it), and the sentences as the page shows them.
"""

from __future__ import annotations

import re

import pytest

from safer import fmt, views
from safer.views import comparisons, slides

INDICATORS = ("asb", "burglary", "cse", "missing_episodes", "modern_slavery")
WARD = "E05000794"  # a ward of the demo (small-number indicators are withheld there)


@pytest.fixture
def demo(demo_env):
    from safer.store import Store

    s = Store(demo_env)
    yield s
    s.close()


def _filled(template: str, point: dict) -> str:
    """A Plotly hover template filled in for one point, as the browser shows it (the forms the charts use)."""

    def one(m: re.Match) -> str:
        name, spec = m.group(1), m.group(2) or ""
        value = point[name]
        if spec.startswith("|"):  # a date format: the months here are YYYY-MM-01
            return fmt.month_label(str(value)[:7])
        if spec.startswith(":"):
            return format(float(value), spec[1:])
        return str(value)

    return re.sub(r"%\{(\w+)([:|][^}]*)?\}", one, template.replace("<extra></extra>", ""))


def _bar_labels(fig) -> dict[str, str]:
    """Each plan cycle's mean as its bar's label writes it (the bold figure above the bar)."""
    bars = list(fig.data[0].y)
    labels = [a.text for a in fig.layout.annotations if a.name == "bar label"]
    return {cid: re.match(r"<b>([^<]+)</b>", t).group(1) for cid, t in zip(bars, labels, strict=True)}


def _same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9


def test_a_plan_cycle_s_mean_reads_the_same_on_its_bar_its_hover_and_in_the_sentences(demo):
    """The bar, its hover and the chart in words write a cycle's mean as the sentences beside it do (the plain
    verdict on the page and its slide, the figures in "How the verdicts were worked out")."""
    checked = []
    for iid in INDICATORS:
        for area in (None, WARD):
            ind = comparisons.indicator(demo, iid)
            if ind.get("geography") == "borough" and area:
                continue
            v = views.cycle_comparison(demo, iid, area)
            fig = v.figures["cycle means chart"]
            labels = _bar_labels(fig)
            table = v.tables["plan cycles"].set_index("Plan cycle")
            means = (
                table[f"Total ({ind['unit']})"].astype(float) / table["Months with data"]
            )  # each bar's mean, unrounded
            hover = dict(zip(fig.data[0].y, fig.data[0].hovertext, strict=True))
            for cid, label in labels.items():
                if label in ("Not started", "No data", "Withheld (small numbers)"):
                    continue
                assert hover[cid].startswith(f"{cid}: {label} a month"), (iid, area, hover[cid], label)
                assert f"{cid}: {label} (" in v.data["described"]["cycle means chart"], (iid, area, label)
            plain = dict(zip(v.data["comparisons"], v.data["plain"]))  # each verdict in plain words, as on the page
            for cid, c in v.data["comparisons"].items():
                ids = list(labels)
                before = ids[ids.index(cid) - 1]
                # the figures' sentence names both bars when the verdict compared other months: as labelled
                for line in v.data["with_figures"]:
                    m = re.search(
                        r"The bars show each cycle's mean over all its months with data \((\S+) and (\S+)\)", line
                    )
                    if line.startswith(f"{cid} against") and m:
                        assert m.groups() == (labels[cid], labels[before]), (iid, area, line, labels)
                        checked.append((iid, area, cid, "bars"))
                # a verdict whose means are the bars' own (whole cycles, every month with data in both): the same
                for mean, bar in ((c.current_mean, cid), (c.previous_mean, before)):
                    if _same(mean, means[bar]):
                        said = re.search(
                            r": (\S+) "
                            + re.escape(str(ind["unit"]))
                            + r" a month against (\d{1,3}(?:,\d{3})*(?:\.\d)?)",
                            plain[cid],
                        )
                        assert said, plain[cid]
                        shown = said.group(1) if bar == cid else said.group(2)
                        assert shown == labels[bar], (iid, area, cid, plain[cid], labels)
                        checked.append((iid, area, cid, bar))
    # the demo's modern slavery referrals compare whole cycles, every month with data: both bars are the means
    assert ("modern_slavery", None, "2022-25", "2022-25") in checked
    assert ("modern_slavery", None, "2022-25", "2018-21") in checked
    assert sum(1 for x in checked if x[3] == "bars") >= 5, checked


def test_the_latest_12_month_mean_reads_the_same_on_the_trend_chart_and_in_its_sentence(demo):
    """The 12-month mean line's hover at the latest month is the mean of the latest 12 months, which the verdict's
    sentence beside the chart gives: on the Trends page and on a trend slide, written the same."""
    checked = 0
    for iid in INDICATORS:
        v = views.trend(demo, iid, None)
        c = v.data["comparison"]
        if c.current_mean is None or len(c.current_months) < 12 or c.left_out:
            continue  # the sentence's mean is of other months than the line's
        unit = str(v.data["indicator"]["unit"])
        said = re.search(r": (\S+) " + re.escape(unit) + r" a month against", v.data["plain"]).group(1)
        slide = slides.trend_slide(demo, iid, comparisons.partnership_area(demo))
        assert slide.sentences[0] == v.data["plain"]
        for fig in (v.figures["trend chart"], slide.figures["chart"]):
            line = next(t for t in fig.data if t.name == "12-month rolling mean")
            last = max(i for i, y in enumerate(line.y) if y is not None)
            assert float(line.y[last]) == pytest.approx(c.current_mean)
            point = {"x": line.x[last], "y": line.y[last]}
            if line.customdata is not None:
                point["customdata"] = line.customdata[last]
            hover = _filled(line.hovertemplate, point)
            assert hover.endswith(f": 12-month mean {said}"), (iid, hover, v.data["plain"])
            checked += 1
    assert checked >= 8  # ASB's 418.8 (the sentence's 419) among them


def test_an_overview_card_s_figure_is_the_one_its_sentence_gives(demo):
    """The card's large figure is the mean of the latest 12 months; where the verdict under it compares those
    same 12 months it gives the same mean, written the same: the CSE card said "26" above "26.0 reports a month"."""
    checked = 0
    for cycle in views.overview_cycles(demo).cycle_id:
        for card in views.overview(demo, cycle).data["cards"]:
            c = card.comparison
            if c.current_mean is None or len(c.current_months) < 12 or c.left_out:
                continue
            assert f": {card.headline} {card.unit} a month against" in card.plain, (cycle, card.headline, card.plain)
            checked += 1
    assert checked >= 8


def test_the_priorities_page_gives_the_latest_mean_as_the_overview_card_does(demo):
    """A target's latest 12 months on the Priorities page are the Overview card's 12 months for the same plan: the
    same figure, written the same ("Latest 418.8 a month" there was "419" on the card)."""
    assessed = views.priorities(demo).data["assessed"]
    checked = 0
    for cycle in views.overview_cycles(demo).cycle_id:
        for card in views.overview(demo, cycle).data["cards"]:
            rows = assessed[(assessed.cycle_id == cycle) & (assessed.indicator_id == card.indicator_id)]
            for a in rows.to_dict("records"):
                if fmt.period_label(a["latest_first_month"], a["latest_last_month"]) != card.period:
                    continue
                # with what it counts, as the card's label says it ("Crimes a month": an outside audit)
                assert a["card_line"].startswith(f"Latest {card.headline} {a['unit']} a month"), a["card_line"]
                assert card.metric_label.lower().startswith(f"{a['unit']} a month"), card.metric_label
                checked += 1
    assert checked >= 8


def test_where_a_verdict_s_means_are_not_the_bars_the_page_says_what_the_bars_are(demo):
    """ASB's 2025-28 bar reads 442 and 2022-25's 513; the verdict beside them compares the first 18 months of each
    (442 against 562). The page said only the verdict's figures (an audit: 513 on the bar, 531 in the sentence
    beside it). Each bullet whose means are not the bars' names the bars' figures too; one whose means are the
    bars' adds nothing."""
    said = 0
    for iid in INDICATORS:
        v = views.cycle_comparison(demo, iid, None)
        labels = _bar_labels(v.figures["cycle means chart"])
        ids = list(labels)
        bullets = dict(zip(v.data["comparisons"], v.data["beside bars"]))
        for cid, c in v.data["comparisons"].items():
            if c.current_mean is None or c.shown_verdict == "not enough data":
                continue
            note = (
                f"(The bars, {labels[cid]} and {labels[ids[ids.index(cid) - 1]]}, are means over all months with data.)"
            )
            assert bullets[cid].startswith(dict(zip(v.data["comparisons"], v.data["plain"]))[cid])
            means = re.search(r": (\S+) \S.* a month against (\S+?),", bullets[cid]).groups()
            apart = means != (labels[cid], labels[ids[ids.index(cid) - 1]])
            assert bullets[cid].endswith(note) == apart, (iid, cid, bullets[cid], labels)
            said += apart
    assert said >= 3


def test_each_overview_sparkline_says_which_months_it_draws(demo):
    """An Overview card's sparkline drew three years under a line about the last twelve months, with no axis to
    tell (an outside audit): a caption under it names its months, the figure's own first and last."""
    from safer.views import headlines

    cards = headlines.overview(demo).data["cards"]
    assert cards
    for card in cards:
        xs = [str(x)[:7] for x in card.sparkline.data[0].x]
        first, last = fmt.period_label(xs[0], xs[-1]).split(" to ")
        unit = comparisons.indicator(demo, card.indicator_id)["unit"]
        assert card.sparkline_caption == f"Line: {unit} each month, {first} to {last}", card.sparkline_caption
