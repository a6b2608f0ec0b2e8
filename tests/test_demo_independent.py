"""`query cycle_summary` on the demo data agrees with an independent count of the police_uk/ files."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter

from helpers import PROJECT

from safer.cli import main

DATA = PROJECT / "data"


def count_by_month(crime_type: str) -> tuple[Counter, set]:
    """Plain Python: read every police.uk file, keep rows whose LSOA is in the lookup."""
    lookup = {r["lsoa_code"] for r in csv.DictReader(open(DATA / "lsoa_ward_lookup.csv", encoding="utf-8"))}
    counts, months = Counter(), set()
    for path in sorted((DATA / "police_uk").glob("*.csv.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        for r in csv.DictReader(io.StringIO(text)):
            months.add(r["Month"])
            if r["Crime type"] == crime_type and r["LSOA code"] in lookup:
                counts[r["Month"]] += 1
    return counts, months


def test_cycle_summary_for_asb_matches_an_independent_count(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFER_CACHE_DIR", str(tmp_path / "c"))
    counts, months = count_by_month("Anti-social behaviour")
    cycles = list(csv.DictReader(open(DATA / "plan_cycles.csv", encoding="utf-8")))
    expected, prev = [], None
    for c in cycles:
        ms = [m for m in months if c["start_month"] <= m <= c["end_month"]]
        total = sum(counts[m] for m in ms)
        mean = total / len(ms) if ms else None
        change = "" if prev is None or mean is None else repr(round((mean - prev) / prev * 100, 1))
        n_months = (
            (int(c["end_month"][:4]) - int(c["start_month"][:4])) * 12
            + int(c["end_month"][5:])
            - int(c["start_month"][5:])
            + 1
        )
        expected.append(f"{c['cycle_id']},{n_months},{len(ms)},{total},{round(mean, 2)!r},{change}")
        prev = mean
    assert main(["query", "cycle_summary", "--indicator", "asb", "--data", str(DATA)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "cycle_id,months_in_cycle,months_with_data,total,monthly_mean,change_in_whole_cycle_means_pct"
    assert out[1:] == expected
    # The 2018-21 cycle (2018-04 .. 2021-03) lost all 18 months of the police.uk gap (2019-07 .. 2020-12).
    assert out[1].startswith("2018-21,36,18,")
