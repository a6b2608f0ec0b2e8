"""A differencing attack on the published ward figures of small-number indicators (suppress_below 5).

The attacker sees every published figure (the CLI `query` output, which is what every page and export
shows) and knows the rule: below borough level a count under 5 (zero included) is `<5`, any other count
is rounded to the nearest 5, so a published figure F means a true count in [F − 2, F + 2] and `<5` means
[0, 4]; borough figures are exact. For every way of combining figures — two overlapping periods, a borough
month against its wards, a plan cycle against its months — we work out the feasible interval of each
hidden count and check that no count from 1 to 4 is ever pinned to a single value.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pandas as pd
import pytest
from helpers import PROJECT

from safer import fmt, queries
from safer.store import Store

T = 5


def _interval(published: str) -> tuple[int, int]:
    if published == "<5":
        return 0, T - 1
    v = int(published)
    return max(v - 2, 0), v + 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    s = Store(PROJECT / "data", cache=tmp_path_factory.mktemp("cache"))
    yield s
    s.close()


def _published(store, name, **params) -> list[dict]:
    names, rows = queries.run_rows(store, name, **params)
    return [dict(zip(names, ["" if v is None else str(v) for v in r])) for r in rows]


def _true(store, name, **params):
    return queries.run_true(store, name, **params)


def test_the_cli_output_is_what_run_rows_publishes(demo, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "safer", "query", "ward_rates", "--indicator", "cse", "--data", str(PROJECT / "data")],
        capture_output=True, text=True, cwd=PROJECT, env={"SAFER_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin"},
    )  # fmt: skip
    cli = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["total"] for r in cli] == [r["total"] for r in _published(demo, "ward_rates", indicator="cse")]


@pytest.mark.parametrize("indicator", ["cse", "missing_episodes"])
def test_every_published_ward_count_is_rounded_or_withheld(demo, indicator):
    for r in _published(demo, "ward_rates", indicator=indicator):
        if r["area_type"] == "ward":
            assert r["total"] == "<5" or int(r["total"]) % 5 == 0, r


@pytest.mark.parametrize("indicator", ["cse", "missing_episodes"])
def test_ward_totals_are_published_for_set_periods_only(demo, indicator):
    """Each window's ward total is rounded on its own, but hundreds of overlapping windows together pinned 43 of
    45 ward-months (an integer program over 1,035 windows, most of them published as `<5`). So below borough
    level a small-number indicator's totals are given for the periods the Areas page offers only: the latest 12
    months and each plan cycle; any other window is refused, the asb (not small-number) ones are not."""
    last = str(demo.sql("SELECT max(month) AS m FROM indicator_months WHERE indicator_id = $i", {"i": indicator}).m[0])
    last = last[:7]
    for k in range(1, 18):
        end = fmt.shift_month(last, -k)
        with pytest.raises(queries.QueryError, match="published for the latest 12 months and each plan cycle only"):
            _published(demo, "ward_rates", indicator=indicator, start_month=fmt.shift_month(end, -11), end_month=end)
        with pytest.raises(queries.QueryError, match="small-number indicator"):
            _published(demo, "ward_rates", indicator=indicator, end_month=end)
    assert _published(demo, "ward_rates", indicator="asb", start_month="2025-01", end_month="2025-12")
    published = [_published(demo, "ward_rates", indicator=indicator)]
    published.append(_published(demo, "ward_rates", indicator=indicator, start_month=fmt.shift_month(last, -11),
                                end_month=last))  # fmt: skip
    for c in demo.sql("SELECT strftime(start_month, '%Y-%m') AS s, strftime(end_month, '%Y-%m') AS e FROM plan_cycles"
                      " WHERE start_month <= $m::DATE", {"m": last + "-01"}).itertuples():  # fmt: skip
        published.append(_published(demo, "ward_rates", indicator=indicator, start_month=c.s, end_month=min(c.e, last)))
    assert published[0] == published[1] and len(published) >= 4
    for rows in published:
        for r in rows:
            if r["area_type"] == "ward":
                assert r["total"] == "<5" or int(r["total"]) % 5 == 0


@pytest.mark.slow
@pytest.mark.parametrize("indicator", ["cse", "missing_episodes"])
def test_two_published_periods_never_pin_the_months_between_them(demo, indicator):
    """The latest 12 months and the current plan cycle overlap: their difference is the cycle's first months."""
    last = str(demo.sql("SELECT max(month) AS m FROM indicator_months WHERE indicator_id = $i", {"i": indicator}).m[0])
    last = last[:7]
    cyc = demo.sql("SELECT strftime(start_month, '%Y-%m') AS s FROM plan_cycles WHERE start_month <= $m::DATE "
                   "ORDER BY start_month DESC LIMIT 1", {"m": last + "-01"}).s[0]  # fmt: skip
    a = {
        r["area_code"]: r for r in _published(demo, "ward_rates", indicator=indicator, start_month=cyc, end_month=last)
    }
    b = {r["area_code"]: r for r in _published(demo, "ward_rates", indicator=indicator)}
    gap = fmt.months_between(cyc, fmt.shift_month(last, -12))
    assert gap  # the cycle started more than 12 months before the last month
    for code, ra in a.items():
        if ra["area_type"] != "ward":
            continue
        lo_a, hi_a = _interval(ra["total"])
        lo_b, hi_b = _interval(b[code]["total"])
        lo, hi = max(lo_a - hi_b, 0), hi_a - lo_b  # the months of the cycle before the latest 12
        true = _true(demo, "monthly", indicator=indicator, area=code).set_index("month")["value"]
        t = true.reindex(gap).sum()
        assert lo <= t <= hi
        assert hi - lo >= 4 or not (1 <= t < T), (code, lo, hi, t)


@pytest.mark.slow
@pytest.mark.parametrize("indicator", ["cse", "missing_episodes"])
def test_a_borough_month_minus_its_wards_never_pins_a_ward(demo, indicator):
    wards = demo.sql("SELECT area_code FROM areas WHERE area_type = 'ward' ORDER BY area_code").area_code.tolist()
    borough = _true(demo, "monthly", indicator=indicator).set_index("month")["value"]  # published exactly
    series = {
        w: {r["month"]: r["value"] for r in _published(demo, "monthly", indicator=indicator, area=w)} for w in wards
    }
    true = {w: _true(demo, "monthly", indicator=indicator, area=w).set_index("month")["value"] for w in wards}
    pinned = []
    for month, b in borough.items():
        if pd.isna(b):
            continue
        iv = {w: _interval(series[w][month]) for w in wards if series[w].get(month)}
        if len(iv) != len(wards):
            continue
        for w in wards:
            others_lo = sum(iv[o][0] for o in wards if o != w)
            others_hi = sum(iv[o][1] for o in wards if o != w)
            lo, hi = max(iv[w][0], int(b) - others_hi), min(iv[w][1], int(b) - others_lo)
            if lo == hi and pd.notna(true[w][month]) and 1 <= true[w][month] < T:
                pinned.append((w, month, lo))
    assert not pinned, pinned[:10]


@pytest.mark.slow
def test_a_plan_cycle_total_minus_its_months_never_pins_a_month(demo):
    wards = demo.sql("SELECT area_code FROM areas WHERE area_type = 'ward' ORDER BY area_code").area_code.tolist()
    pinned = []
    for w in wards[:8]:
        totals = {r["cycle_id"]: r["total"] for r in _published(demo, "cycle_summary", indicator="cse", area=w)}
        months = _published(demo, "cycle_months", indicator="cse", area=w)
        true = _true(demo, "cycle_months", indicator="cse", area=w)
        for cid, total in totals.items():
            ms = [r for r in months if r["cycle_id"] == cid and r["value"]]
            if not total or not ms:
                continue
            t_lo, t_hi = _interval(total)
            ivs = [_interval(r["value"]) for r in ms]
            for i, r in enumerate(ms):
                o_lo = sum(x[0] for j, x in enumerate(ivs) if j != i)
                o_hi = sum(x[1] for j, x in enumerate(ivs) if j != i)
                lo, hi = max(ivs[i][0], t_lo - o_hi), min(ivs[i][1], t_hi - o_lo)
                tv = true[(true.cycle_id == cid) & (true.month == r["month"])].value
                if lo == hi and len(tv) and 1 <= int(tv.iloc[0]) < T:
                    pinned.append((w, cid, r["month"]))
    assert not pinned, pinned[:10]


def _ward_counts_shown(v) -> list[tuple[str, str, object]]:
    """Every count a view shows for a ward: (table, column, value)."""
    out = []
    for name, t in v.tables.items():
        for col in ("value", "total", "Total"):
            if col in t.columns:
                out += [(name, col, x) for x in t[col]]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("published", [False, True], ids=["store", "parquet"])
def test_every_view_shows_a_ward_count_only_rounded_or_withheld(demo, tmp_path, published):
    """What the pages, slides, pack and exports show is a view's tables: for every small-number indicator,
    every ward and every period a view offers, each ward count is withheld or a multiple of 5, and each
    rate is the rate of the published count (so it cannot be turned back into the true count) — on the
    build and on the same build served from Parquet by another store."""
    from safer import views
    from safer.store import ParquetStore, publish_parquet

    s = ParquetStore(publish_parquet(demo, tmp_path / "pub")) if published else demo
    views.clear_cache()
    sensitive = s.sql("SELECT indicator_id FROM indicators WHERE suppress_below > 1").indicator_id.tolist()
    wards = s.sql("SELECT area_code FROM areas WHERE area_type = 'ward' ORDER BY area_code").area_code.tolist()
    assert sensitive and wards
    shown = []
    for ind in sensitive:
        for w in wards:
            shown += _ward_counts_shown(views.trend(s, ind, w)) + _ward_counts_shown(views.cycle_comparison(s, ind, w))
        for period in views.area_periods(s)[0]:
            t = views.areas(s, ind, period).tables["ward rates"]
            t = t[t.area_type == "ward"]
            shown += [("ward rates", "total", x) for x in t.total]
            rated = t[t.total.notna() & t.rate_per_1000.notna() & (t.person_years > 0)]
            implied = rated.rate_per_1000 * rated.person_years / 1000
            assert ((implied - rated.total.astype(float)).abs() < 0.01 * rated.total.astype(float) + 0.05).all()
    bad = [x for x in shown if not (pd.isna(x[2]) or x[2] == "<5" or int(x[2]) % 5 == 0)]
    assert len(shown) > 1000 and not bad, bad[:10]
    views.clear_cache()


def test_plan_cycles_page_shows_the_verdict_every_other_screen_shows(demo):
    """The Plan cycles table and sentences show each cycle's comparison as adjusted among every indicator of
    that cycle (Benjamini–Hochberg), the same verdict and p-value as the Overview, the pack and `explain`;
    below borough level a small-number indicator's p-value is withheld there as everywhere."""
    from safer import views
    from safer.views import comparisons

    wards = list(queries.run(demo, "areas").query("area_type == 'ward'").area_code[:3])
    checked = 0
    for ind, geography in queries.run(demo, "indicators")[["indicator_id", "geography"]].itertuples(index=False):
        for code in [None, *wards] if geography == "ward" else [None]:
            t = views.cycle_comparison(demo, ind, code).tables["plan cycles"]
            for row in t.iloc[1:].to_dict("records"):
                c = comparisons.in_family(demo, "cycle", ind, code, row["Plan cycle"])
                assert row["Verdict"] == c.shown_verdict, (ind, code, row["Plan cycle"])
                p = row["p-value adjusted for many tests"]
                if c.shown_verdict == "not enough data" or comparisons.withheld(demo, ind, code):
                    assert pd.isna(p)
                else:
                    assert p == pytest.approx(c.family_p_value)
                checked += 1
    assert checked == 2 * (4 * 4 + 1)  # two cycles after the first; 4 ward indicators × 4 areas, 1 borough-only


@pytest.fixture(scope="module")
def busy_wards(tmp_path_factory):
    """The demo with two wards whose missing episodes are 6 to 8 every month (no month under 5, so the Trends
    view draws limits there), each month's count not a multiple of 5."""
    import shutil

    d = tmp_path_factory.mktemp("busy") / "data"
    shutil.copytree(PROJECT / "data", d)
    pm = pd.read_csv(d / "partner_monthly.csv", dtype={"value": "Int64"})
    wards = ["E05000779", "E05000795"]
    busy = pm.indicator_id.eq("missing_episodes") & pm.area_code.isin(wards)
    months = sorted(pm[pm.indicator_id.eq("missing_episodes")].month.unique())
    add = pd.DataFrame(
        [("missing_episodes", m, w, 6 + (i * 7 + j) % 3) for j, w in enumerate(wards) for i, m in enumerate(months)],
        columns=pm.columns,
    )
    pd.concat([pm[~busy], add]).to_csv(d / "partner_monthly.csv", index=False)
    c = pd.read_csv(d / "consultation.csv", dtype=str, keep_default_na=False)
    survey = c[c.source_type.eq("survey")].iloc[[0]].assign(indicator_id="missing_episodes")
    pd.concat([c, survey]).to_csv(d / "consultation.csv", index=False)
    s = Store(d, cache=tmp_path_factory.mktemp("cache"))
    yield s, wards
    s.close()


def test_a_ward_trend_s_expected_counts_add_up_to_the_published_counts_not_the_true_ones(busy_wards):
    """A Poisson GLM's fitted counts add up to the counts it was fitted to in each level it has (each plan
    cycle, each calendar month). Fitted to the true counts, a ward's `expected` column would give its true
    total beside a published total rounded to 5: it is fitted to the published counts."""
    from safer import views

    demo, wards = busy_wards
    indicator = "missing_episodes"
    checked = 0
    for w in wards:
        t = views.trend(demo, indicator, w).tables["monthly"]
        if "expected" not in t:
            continue  # a ward with a suppressed month has no limits at all
        true = _true(demo, "monthly", indicator=indicator, area=w).set_index("month")["value"]
        for phase, g in t.dropna(subset=["expected"]).groupby("phase"):
            published, fitted = g["value"].astype(float).sum(), g["expected"].sum()
            assert fitted == pytest.approx(published, abs=0.05 * len(g) + 1e-6), (w, phase)  # shown to 1 d.p.
            assert published % 5 == 0
            checked += 1
            assert true.reindex(g.month).sum() != published  # 6-8 a month: the rounded total differs
            # the expected counts give the published total, not the true one
            assert abs(fitted - published) < abs(fitted - true.reindex(g.month).sum())
    assert checked >= 2 * 3  # two wards, a plan cycle each


def test_every_query_of_an_area_s_counts_declares_what_it_suppresses():
    """A query that reads an indicator's counts in a chosen area (`series($indicator, $area)`) can be asked for a
    ward, so it must say which of its columns are counts to suppress there (perception_vs_recorded printed a
    ward's exact small total)."""
    reads_area = [q for q in queries.list_queries() if "series($indicator, $area)" in q.sql]
    assert {q.name for q in reads_area} >= {"monthly", "cycle_summary", "cycle_months", "perception_vs_recorded"}
    assert all(q.suppress for q in reads_area), [q.name for q in reads_area if not q.suppress]


def test_the_survey_s_recorded_total_for_a_ward_is_rounded_or_withheld(busy_wards):
    demo, wards = busy_wards
    rows = _published(demo, "perception_vs_recorded", indicator="missing_episodes", area=wards[0])
    true = _true(demo, "perception_vs_recorded", indicator="missing_episodes", area=wards[0])
    assert rows and len(rows) == len(true)
    for r, t in zip(rows, true.itertuples()):
        assert r["recorded_total"] == "<5" or int(r["recorded_total"]) % 5 == 0
        if r["recorded_total"] not in ("", "<5"):
            months = int(r["months_with_data"])
            assert float(r["recorded_monthly_mean"]) == round(int(r["recorded_total"]) / months, 2)
        assert r["recorded_total"] != str(t.recorded_total)  # 6-8 a month: the true total is never a multiple of 5
