"""Survey percentages with Wilson 95% intervals, small bases, and perception against recorded."""

from __future__ import annotations

import io
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


def _newcombe(k1, n1, k2, n2):
    """Newcombe's hybrid score interval for p2 - p1 (1998, method 10), written out from the two Wilson intervals
    (scipy's), as a check independent of statsmodels."""
    a, b = (binomtest(k, n).proportion_ci(method="wilson") for k, n in ((k1, n1), (k2, n2)))
    p1, p2 = k1 / n1, k2 / n2
    d = p2 - p1
    return d - math.hypot(p2 - b.low, a.high - p1), d + math.hypot(b.high - p2, p1 - a.low)


@pytest.mark.parametrize(
    "k1,n1,k2,n2", [(243, 983, 316, 1092), (255, 1009, 338, 1174), (30, 80, 50, 200), (0, 50, 3, 60)]
)
def test_a_change_between_survey_periods_is_newcombes_interval_for_the_difference(k1, n1, k2, n2):
    lo, hi = _newcombe(k1, n1, k2, n2)
    ch = stats.survey_change(k1, n1, k2, n2)
    assert ch["low_pct"] == pytest.approx(100 * lo, abs=1e-9) and ch["high_pct"] == pytest.approx(100 * hi, abs=1e-9)
    assert ch["change_pct"] == pytest.approx(100 * (k2 / n2 - k1 / n1))
    assert ch["beyond_chance"] == (lo > 0 or hi < 0)


def test_two_periods_whose_intervals_overlap_can_differ_beyond_chance():
    """The statistician's case (an outside audit): 24.7% of 983 in 2021/22 against 28.9% of 1,092 in 2022/23.
    Their Wilson intervals overlap (22.1-27.5 and 26.3-31.7), which the page's old rule read as chance; a test of
    the difference gives p = 0.03 (a two-proportion z test), and Newcombe's interval leaves out no change."""
    from statsmodels.stats.proportion import proportions_ztest

    from safer.views.consultation import change_words

    (_, a_hi), (b_lo, _) = stats.wilson_interval(243, 983), stats.wilson_interval(316, 1092)
    assert b_lo < a_hi  # the intervals overlap
    assert proportions_ztest([243, 316], [983, 1092])[1] == pytest.approx(0.0306, abs=5e-4)
    ch = stats.survey_change(243, 983, 316, 1092)
    assert ch["beyond_chance"] and round(ch["low_pct"], 1) == 0.4 and round(ch["high_pct"], 1) == 8.0
    first = pd.Series({"agreeing": 243, "respondents": 983, "percent": 24.7})
    last = pd.Series({"agreeing": 316, "respondents": 1092, "percent": 28.9})
    assert change_words(first, last) == (
        "up 4.2 points, beyond chance (95% interval for the change +0.4 to +8.0 points, Newcombe)"
    )
    later = pd.Series({"agreeing": 338, "respondents": 1174, "percent": 28.8})
    first19 = pd.Series({"agreeing": 255, "respondents": 1009, "percent": 25.3})
    assert change_words(first19, later) == (
        "up 3.5 points, which chance alone could give (95% interval for the change −0.2 to +7.2 points, Newcombe)"
    )
    assert change_words(first, pd.Series({"agreeing": 0, "respondents": 0, "percent": float("nan")})) == (
        "the change cannot be judged (a period has no base)"
    )
    assert stats.survey_change(5, 4, 1, 10) is None and stats.survey_change(None, 10, 1, 10) is None
    # the same percentage to one decimal: "no change" only when there is none; a large base's small change is given
    same = pd.Series({"agreeing": 300, "respondents": 1000, "percent": 30.0})
    assert change_words(same, same.copy()).startswith("no change, which chance alone could give")
    big = pd.Series({"agreeing": 3_004_000, "respondents": 10_000_000, "percent": 30.0})  # 30.04%
    assert change_words(same, big).startswith("up 0.04 points, which chance alone could give")


def test_the_periods_compared_are_one_measure_s_first_and_last():
    """The sentence compares the earliest and latest period of the first result's source, question and answer,
    never one source's first year with another's last."""
    from safer.views.consultation import compared_periods

    pv = pd.DataFrame(
        {
            "source": ["A", "B", "A", "B"],
            "question": ["Q"] * 4,
            "answer": ["Yes"] * 4,
            "start_month": ["2019-04", "2020-04", "2021-04", "2024-04"],
            "end_month": ["2020-03", "2021-03", "2022-03", "2025-03"],
            "period": ["2019/20", "2020/21", "2021/22", "2024/25"],
        }
    )
    first, last = compared_periods(pv)
    assert (first.source, first.period, last.source, last.period) == ("A", "2019/20", "A", "2021/22")
    one, same = compared_periods(pv.iloc[[1]])
    assert one.name == same.name == 1


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
        title = next(a for a in fig.layout.annotations if str(a.text).startswith("Recorded ("))
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


def test_the_consultation_view_judges_the_change_it_states(consult_store):
    """The page's sentence gives the change between the two periods it names with its own test (Newcombe), and
    the method beside it; it no longer tells readers to compare intervals for overlap."""
    from safer import views

    v = views.consultation(consult_store, "all", "all", "asb")
    lo, hi = _newcombe(50, 200, 30, 80)  # Q1 2020: 25.0% of 200; Q2 2020: 37.5% of 80
    assert lo > 0  # beyond chance
    said = v.sentences[0]
    assert "25.0% in Q1 2020" in said and "37.5% in Q2 2020" in said, said
    assert f"up 12.5 points, beyond chance (95% interval for the change +{100 * lo:.1f} to +{100 * hi:.1f}" in said
    assert "overlap" not in said and stats.SURVEY_CHANGE_METHOD in v.detail


def test_each_consultation_table_names_its_own_sources_and_months(demo_env):
    """The table and chart of what residents say against what is recorded hold the recorded counts too: their
    stamps (the page's, the downloads', the slide's) name the counts' source and the months drawn; the survey
    table names consultation.csv alone (an outside audit: every stamp and the citation said consultation.csv)."""
    from safer import views
    from safer.views import comparisons

    s = Store(demo_env)
    v = views.consultation(s, "all", "all", "asb")
    source = comparisons.indicator(s, "asb")["source"]
    both = f"consultation.csv; {source}"
    assert v.meta.source == both and v.meta_of("survey results").source == "consultation.csv"
    for name in ("perception against recorded", "perception chart"):
        assert (v.meta_of(name).source, v.meta_of(name).period) == (both, v.data["period"])
    assert v.meta_of("survey results").period == v.meta.period != v.data["period"]
    assert views.perception_slide(s, "asb", comparisons.area(s, None)["area_code"]).meta.source == both
    assert views.consultation(s, "all", "all", None).meta.source == "consultation.csv"  # no counts shown
    s.close()


def test_the_commands_behind_the_consultation_view_are_for_the_filters_chosen(demo_env, capsys):
    """An SIA analyst: the view listed "python -m safer query consultation [--source S] [--theme T]", not the
    filters chosen. Each command it lists now runs as shown (a source's name with spaces quoted for a shell) and
    prints the rows the view holds for that source and theme."""
    import shlex

    from safer import cli, views

    s = Store(demo_env)
    try:
        sources, themes, _linked = views.consultation_choices(s)
        spaced = next(x for x in sources if " " in x)
        for source, theme in ((spaced, "all"), ("all", themes[0]), ("all", "all")):
            v = views.consultation(s, source, theme, "asb")
            (cmd,) = [q for q in v.queries if " consultation" in q]
            argv = shlex.split(cmd)
            assert argv[:3] == ["python", "-m", "safer"] and "[" not in cmd, cmd
            assert cli.main(argv[3:]) == 0
            printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
            want = queries.run(s, "consultation", source=None if source == "all" else source,
                               theme=None if theme == "all" else theme)  # fmt: skip
            assert len(printed) == len(want) > 0 and set(printed.source) == set(want.source), cmd
            assert (source == "all") == ("--source" not in cmd) and (theme == "all") == ("--theme" not in cmd)
        assert any("perception_vs_recorded --indicator asb" in q for q in v.queries), v.queries
    finally:
        s.close()
