"""Real police.uk burglary for Stockport (../shared/data/real), loaded through the police.uk path.

The real points are written out as police.uk street files (one per month, Stockport rows placed in a
Stockport LSOA of their ward, the rest of Greater Manchester in an LSOA outside the area), and the
store's answers are checked against figures computed here, independently, from the published counts.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict

import pytest
from helpers import POLICE_HEADER, PROJECT

from safer import contract, queries, stats
from safer.store import Store


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    from helpers import REAL

    if not REAL.is_dir():
        pytest.skip("../shared/data/real is not present")
    d = tmp_path_factory.mktemp("real") / "data"
    shutil.copytree(PROJECT / "data", d, ignore=shutil.ignore_patterns("police_uk", "README.md"))
    # Partner indicators are synthetic: keep the reference files only.
    (d / "partner_monthly.csv").unlink()
    (d / "partnership.csv").write_text(
        "name,area_code,police_force,synthetic,data_note\n"
        "Safer Stockport Partnership,E08000007,Greater Manchester Police,false,Real police.uk burglary 2016-02 "
        "to 2019-01\n"
    )
    lsoa_of_ward = {}
    for r in csv.DictReader(open(d / "lsoa_ward_lookup.csv")):
        lsoa_of_ward.setdefault(r["ward_code"], r["lsoa_code"])
    by_month = defaultdict(list)
    for r in csv.DictReader(open(REAL / "stockport_burglary_points_2016-02_2019-01.csv")):
        by_month[r["month"]].append((r["longitude"], r["latitude"], lsoa_of_ward[r["ward_code_2017"]]))
    # The rest of Greater Manchester: every GM point beyond Stockport's count, in an LSOA outside the area.
    gm = defaultdict(int)
    for r in csv.DictReader(open(REAL / "gm_burglary_points_2016-02_2019-01.csv")):
        gm[r["Month"]] += 1
    (d / "police_uk").mkdir()
    for month, rows in by_month.items():
        lines = [POLICE_HEADER]
        for i, (lon, lat, lsoa) in enumerate(rows):
            lines.append(
                f"id{month}{i},{month},Greater Manchester Police,Greater Manchester Police,{lon},{lat},"
                f"On or near a street,{lsoa},,Burglary,Under investigation,"
            )
        for i in range(gm[month] - len(rows)):
            lines.append(
                f"gm{month}{i},{month},Greater Manchester Police,Greater Manchester Police,-2.2,53.5,"
                f"On or near a street,E01099999,Elsewhere 001A,Burglary,Under investigation,"
            )
        (d / "police_uk" / f"{month}-greater-manchester-street.csv").write_text("\n".join(lines) + "\n")
    rep = contract.validate(d)
    assert rep.ok, [str(p) for p in rep.errors[:5]]
    s = Store(d, cache=tmp_path_factory.mktemp("real-cache"))
    yield s
    s.close()


def published_monthly():
    from helpers import REAL

    return {
        r["month"]: int(r["burglary_count"])
        for r in csv.DictReader(open(REAL / "stockport_burglary_monthly_2016-02_2019-01.csv"))
    }


def test_monthly_equals_the_published_stockport_counts(real_store):
    pub = published_monthly()
    df = queries.run(real_store, "monthly", indicator="burglary")
    assert list(df.month) == sorted(pub)
    assert [int(v) for v in df.value] == [pub[m] for m in sorted(pub)]
    assert min(pub.values()) == 185 and max(pub.values()) == 385


def test_ward_counts_equal_the_published_ward_counts_with_zeros_filled(real_store):
    from helpers import REAL

    rows = list(csv.DictReader(open(REAL / "stockport_burglary_ward_monthly_2016-02_2019-01.csv")))
    ward = "E05000788"  # Edgeley and Cheadle Heath
    pub = {r["month"]: int(r["burglary_count"]) for r in rows if r["ward_code_2017"] == ward}
    df = queries.run(real_store, "monthly", indicator="burglary", area=ward)
    assert {m: int(v) for m, v in zip(df.month, df.value)} == {m: pub.get(m, 0) for m in df.month}
    assert int(df.value.sum()) == 428  # PROVENANCE.md: 36-month total for the ward


def test_cycle_summary_arithmetic_by_hand(real_store):
    pub = published_monthly()
    in_cycle = [v for m, v in pub.items() if "2018-04" <= m <= "2021-03"]
    assert len(in_cycle) == 10  # 2018-04 .. 2019-01
    df = queries.run(real_store, "cycle_summary", indicator="burglary")
    first = df.iloc[0]
    assert first.cycle_id == "2018-21"
    assert first.months_in_cycle == 36 and first.months_with_data == 10
    assert first.total == sum(in_cycle)
    assert first.monthly_mean == round(sum(in_cycle) / 10, 2)
    later = df.iloc[1:]
    assert (later.months_with_data == 0).all() and later.total.isna().all() and later.monthly_mean.isna().all()


def test_rolling_12_month_mean_by_hand(real_store):
    pub = published_monthly()
    months = sorted(pub)
    df = queries.run(real_store, "monthly", indicator="burglary")
    roll = stats.rolling_mean(df.value)
    assert roll.iloc[:11].isna().all()
    for i in range(11, len(months)):
        expected = sum(pub[m] for m in months[i - 11 : i + 1]) / 12
        assert roll.iloc[i] == pytest.approx(expected)


def test_rows_outside_the_area_are_left_out_and_counted(real_store):
    files = queries.run(real_store, "police_uk_files")
    assert int(files.rows_in_area.sum()) == 9645
    assert int(files.rows.sum()) == 92666
    assert int(files.rows_outside_area.sum()) == 92666 - 9645
