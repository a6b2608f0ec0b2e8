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


@pytest.mark.slow
@pytest.mark.parametrize("indicator", ["cse", "missing_episodes"])
def test_two_overlapping_periods_never_pin_a_month(demo, indicator):
    last = demo.sql("SELECT max(month) AS m FROM indicator_months WHERE indicator_id = $i", {"i": indicator}).m[0]
    last = str(last)[:7]
    pinned = []
    for k in range(18):
        end = fmt.shift_month(last, -k)
        a = {r["area_code"]: r for r in _published(demo, "ward_rates", indicator=indicator,
                                                    start_month=fmt.shift_month(end, -11), end_month=end)}  # fmt: skip
        b = {r["area_code"]: r for r in _published(demo, "ward_rates", indicator=indicator,
                                                    start_month=fmt.shift_month(end, -10), end_month=end)}  # fmt: skip
        truth = _true(demo, "monthly", indicator=indicator, area=None)
        for code, ra in a.items():
            if ra["area_type"] != "ward":
                continue
            lo_a, hi_a = _interval(ra["total"])
            lo_b, hi_b = _interval(b[code]["total"])
            lo, hi = max(lo_a - hi_b, 0), hi_a - lo_b  # the first month of the longer window
            if lo == hi:
                true_month = _true(demo, "monthly", indicator=indicator, area=code).set_index("month")["value"]
                v = true_month.get(fmt.shift_month(end, -11))
                if v is not None and 1 <= v < T:
                    pinned.append((code, end, lo))
        assert len(truth)
    assert not pinned, pinned


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
