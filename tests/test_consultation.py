"""Survey percentages with Wilson 95% intervals, small bases, and perception against recorded."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import binomtest

from safer import charts, queries, stats
from safer.store import Store


def test_wilson_interval_against_hand_computed_values():
    # 40 of 100, z = 1.959964: centre (0.4 + z²/200) / (1 + z²/100) = 0.403699,
    # half-width z·sqrt(0.4·0.6/100 + z²/40000) / (1 + z²/100) = 0.094298.
    lo, hi = stats.wilson_interval(40, 100)
    assert lo == pytest.approx(0.309401, abs=1e-6) and hi == pytest.approx(0.497997, abs=1e-6)
    # 0 of 10: (0, z²/(10 + z²)) = (0, 0.277533); 10 of 10 mirrors it.
    assert stats.wilson_interval(0, 10) == (0.0, pytest.approx(0.277533, abs=1e-6))
    lo, hi = stats.wilson_interval(10, 10)
    assert lo == pytest.approx(0.722467, abs=1e-6) and hi == pytest.approx(1.0)


@pytest.mark.parametrize("k,n", [(255, 1009), (1, 7), (112, 1066), (40, 112)])
def test_wilson_interval_agrees_with_scipy(k, n):
    ci = binomtest(k, n).proportion_ci(method="wilson")
    lo, hi = stats.wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


def test_no_base_gives_no_interval_never_zero():
    assert all(math.isnan(x) for x in stats.wilson_interval(0, 0))
    assert all(math.isnan(x) for x in stats.wilson_interval(None, 100))
    assert all(math.isnan(x) for x in stats.wilson_interval(5, 4))


def test_survey_estimates_percent_interval_and_small_base_flag():
    df = pd.DataFrame({"respondents": [100, 99, None], "agreeing": [40, 40, None]})
    out = stats.survey_estimates(df)
    assert out.percent.tolist()[:2] == [40.0, 40.4]
    assert out.ci_low_pct[0] == 30.9 and out.ci_high_pct[0] == 49.8
    assert out.small_base.tolist() == [False, True, False]
    assert math.isnan(out.percent[2]) and math.isnan(out.ci_low_pct[2])
    assert "Wilson" in stats.SURVEY_METHOD


CONSULTATION = (
    "source,source_type,period,start_month,end_month,theme,question,answer,respondents,agreeing,indicator_id,summary,synthetic\n"
    "Survey,survey,Q1 2020,2020-01,2020-03,ASB,Is ASB a problem?,Yes,200,50,asb,,true\n"
    "Survey,survey,Q2 2020,2020-04,2020-06,ASB,Is ASB a problem?,Yes,80,30,asb,,true\n"
    "Survey,survey,Q1 2020,2020-01,2020-03,Safety,Do you feel safe?,Yes,200,180,,,true\n"
    "Group,group,2020,2020-05,2020-05,ASB,Patrols,,,,,Wants patrols,true\n"
)


@pytest.fixture
def consult_store(data_dir):
    (data_dir / "consultation.csv").write_text(CONSULTATION)
    s = Store(data_dir)
    yield s
    s.close()


def test_perception_against_recorded_leaves_missing_months_out(consult_store):
    df = queries.run(consult_store, "perception_vs_recorded", indicator="asb")
    assert df.period.tolist() == ["Q1 2020", "Q2 2020"]
    # ASB: Jan 5, Feb 4, Mar no data -> 9 over 2 months; Apr 6, May 1, Jun 2 -> 9 over 3 months.
    assert df.months_with_data.tolist() == [2, 3] and df.months_in_period.tolist() == [3, 3]
    assert df.recorded_total.tolist() == [9, 9]
    assert df.recorded_monthly_mean.tolist() == [4.5, 3.0]
    south = queries.run(consult_store, "perception_vs_recorded", indicator="asb", area="E05000002")
    assert south.recorded_total.tolist() == [2, 6]
    assert queries.run(consult_store, "perception_vs_recorded", indicator="burglary").empty


def test_consultation_query_filters_by_source_and_theme(consult_store):
    assert len(queries.run(consult_store, "consultation")) == 4
    assert len(queries.run(consult_store, "consultation", source="Survey")) == 3
    g = queries.run(consult_store, "consultation", theme="ASB", source="Group")
    assert len(g) == 1 and pd.isna(g.respondents[0]) and g.summary[0] == "Wants patrols"


def test_perception_chart_has_two_labelled_panels(consult_store):
    pv = stats.survey_estimates(queries.run(consult_store, "perception_vs_recorded", indicator="asb"))
    monthly = queries.run(consult_store, "monthly", indicator="asb")
    ind = {"indicator_id": "asb", "label": "Anti-social behaviour", "unit": "incidents"}
    fig = charts.perception_chart(pv, monthly, ind, synthetic=True).to_plotly_json()
    lay = fig["layout"]
    assert lay["yaxis"]["title"]["text"] == "% of residents"
    assert lay["yaxis2"]["title"]["text"] == "Incidents per month"
    assert lay["xaxis2"]["title"]["text"].startswith("Month")
    assert any("SYNTHETIC" in a.get("text", "") for a in lay["annotations"])
    survey = fig["data"][0]
    assert survey["y"] == [25.0, 37.5] and survey["error_y"]["array"][0] > 0
    assert survey["marker"]["symbol"][1].endswith("-open")  # base 80: small
    recorded = fig["data"][1]
    assert None in list(recorded["y"])  # March 2020 is a gap, not 0
    assert lay["font"]["size"] >= 14


def test_the_recorded_panel_labels_its_gaps_no_data_as_every_time_chart_does(consult_store):
    """The briefing's perception slide showed police.uk's gap (GMP, from July 2019) as an unexplained hole in the
    recorded panel: each run of months with no data is shaded in that panel only (the survey panel has its own
    data) and labelled 'No data' with its months on a row above the panel, under the panel's title, on the page
    and in a slide's projector type."""
    from safer import briefing

    pv = stats.survey_estimates(queries.run(consult_store, "perception_vs_recorded", indicator="asb"))
    monthly = queries.run(consult_store, "monthly", indicator="asb")
    ind = {"indicator_id": "asb", "label": "Anti-social behaviour", "unit": "incidents"}
    page = charts.perception_chart(pv, monthly, ind, synthetic=True)
    for fig in (page, briefing.for_projector(page)):
        labels = [a for a in fig.layout.annotations if a.name == "no data label"]
        assert [a.text.replace("<br>", " ") for a in labels] == ["<b>No data</b> Mar 2020"]  # March 2020 is a gap
        assert labels[0].yref == "y2 domain" and labels[0].y == 1 and labels[0].yanchor == "bottom"
        shades = [sh for sh in fig.layout.shapes if sh.name == "no data"]
        assert len(shades) == 1 and shades[0].yref == "y2 domain" and shades[0].xref == "x2"
        title = next(a for a in fig.layout.annotations if str(a.text).startswith("What is recorded"))
        lines = labels[0].text.count("<br>") + 1  # two on the page (a phone's plot is narrow), one on a slide
        assert title.yshift >= lines * 1.3 * labels[0].font.size, (title.yshift, labels[0].font.size)
        assert lines == (1 if fig is not page else 2)
    assert max(a.font.size for a in briefing.for_projector(page).layout.annotations) >= briefing.PROJECTOR_FONT


def test_a_survey_year_with_too_few_recorded_months_gets_no_mean(consult_store):
    """Q1 2020 has recorded data in 2 of its 3 months: a mean of part of the period is not the period's (three
    spring months are the season's peak), so no step is drawn across it and the sentence says why; Q2 2020
    (3 of 3) keeps its mean."""
    from safer import views

    assert not stats.enough_months(2, 3) and stats.enough_months(3, 3) and stats.enough_months(9, 12)
    assert not stats.enough_months(8, 12) and not stats.enough_months(0, 0)
    pv = stats.survey_estimates(queries.run(consult_store, "perception_vs_recorded", indicator="asb"))
    monthly = queries.run(consult_store, "monthly", indicator="asb")
    ind = {"indicator_id": "asb", "label": "Anti-social behaviour", "unit": "incidents"}
    fig = charts.perception_chart(pv, monthly, ind, synthetic=False).to_plotly_json()
    steps = [t for t in fig["data"] if t.get("legendgroup") == "steps"]
    assert [list(t["y"]) for t in steps] == [[3.0, 3.0]]
    v = views.consultation(consult_store, indicator_id="asb")
    assert (
        "Recorded: too few months in Q1 2020 for a mean of the whole period (2 of 3 months with data); 3.0 a month "
        "in Q2 2020 (3 of 3 months with data)." in v.sentences[0]
    )


def test_the_theme_filter_applies_to_the_perception_chart_too(demo_env):
    """On the demo, only 'Anti-social behaviour' surveys are set against ASB: with that theme the chart is
    drawn from them alone; with 'Exploitation' there is no chart, and the page says why (as for a source)."""
    from safer import views

    s = Store(demo_env)
    try:
        same = views.consultation(s, theme="Anti-social behaviour", indicator_id="asb")
        assert "perception chart" in same.figures
        assert set(same.tables["perception against recorded"].theme) == {"Anti-social behaviour"}
        other = views.consultation(s, theme="Exploitation", indicator_id="asb")
        assert "perception chart" not in other.figures
        assert other.data["perception_missing"] == (
            "No survey on Exploitation is set against Anti-social behaviour: choose all sources and themes to see "
            "what residents say."
        )
    finally:
        s.close()
