"""The committed demo data: valid, reproducible, honest about the police.uk gap, documented."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pytest

from safer import contract, demo
from safer.contract import validate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REAL = ROOT.parent / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is absent")


def _files(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _police_months(base: Path) -> list[str]:
    return sorted(p.name[:7] for p in (base / "police_uk").glob("*-greater-manchester-street.csv.gz"))


def test_committed_data_validates_cleanly():
    rep = validate(DATA)
    assert not rep.errors, "\n".join(map(str, rep.errors[:20]))
    assert not rep.warnings, "\n".join(map(str, rep.warnings[:20]))
    # Every contract file is shipped, except the release log that only `safer ingest` writes.
    assert set(rep.tables) == {n for n in contract.SPECS if not n.endswith("/")} - {"police_uk_releases.csv"}


@needs_real
def test_regeneration_is_byte_identical(tmp_path):
    demo.generate(tmp_path)
    want, got = _files(DATA), _files(tmp_path)
    assert sorted(got) == sorted(want)
    differ = [name for name in want if want[name] != got[name]]
    assert not differ, f"regenerated files differ: {differ[:10]}"


def test_police_uk_gap_and_coverage():
    all_months = demo.month_list()
    assert all_months[0] == "2015-04" and all_months[-1] == "2026-09"
    gap = {m for m in all_months if "2019-07" <= m <= "2020-12"}
    assert len(gap) == 18
    have = _police_months(DATA)
    assert len(have) == len(set(have)), "a month has more than one file"
    assert set(have) == set(all_months) - gap
    assert not gap & set(have)
    # Besides them, only the neighbouring forces' files of the comparator group (the last 24 months, less
    # Derbyshire's January 2026): nothing else under police_uk/ that the store would read.
    others = sorted(p.name for p in contract.police_files(DATA) if "greater-manchester" not in p.name)
    cheshire = [n[:7] for n in others if n.endswith("-cheshire-street.csv.gz")]
    derbyshire = [n[:7] for n in others if n.endswith("-derbyshire-street.csv.gz")]
    assert cheshire == all_months[-24:]
    assert derbyshire == [m for m in all_months[-24:] if m != "2026-01"]
    assert len(others) == len(cheshire) + len(derbyshire)


def test_police_files_have_the_published_header_and_their_own_month():
    for p in contract.police_files(DATA)[::17]:
        text = gzip.decompress(p.read_bytes()).decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert tuple(rows[0]) == contract.POLICE_UK_COLUMNS
        assert {r[1] for r in rows[1:]} == {p.name[:7]}


def test_data_directory_is_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 20 * 1024 * 1024, f"data/ is {total / 1e6:.1f} MB"


def test_readme_documents_every_file_and_column():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    for name, spec in contract.SPECS.items():
        assert f"`{name}`" in text, f"{name} is not documented"
        for col in spec.column_names:
            assert f"`{col}`" in text, f"{name}: column {col} is not documented"
    for name in contract.OPTIONAL_FILES:
        assert f"`{name}`" in text
    assert "synthetic" in text.lower() and "[DEMO.md](DEMO.md)" in text
    notes = (DATA / "DEMO.md").read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in notes and "Crown copyright" in notes
    assert "**Synthetic (not real figures):**" in notes


def test_partner_data_has_gaps_and_explicit_months():
    with open(DATA / "partner_monthly.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    months: dict[str, set[str]] = {}
    for r in rows:
        months.setdefault(r["indicator_id"], set()).add(r["month"])
    assert set(months) == {"cse", "missing_episodes", "modern_slavery"}
    gaps = {}
    for ind, ms in months.items():
        span = [m for m in demo.month_list() if min(ms) <= m <= max(ms)]
        gaps[ind] = [m for m in span if m not in ms]
    assert any(2 <= len(g) <= 3 for g in gaps.values()), gaps
    assert {r["area_code"] for r in rows if r["indicator_id"] == "modern_slavery"} == {"E08000007"}


@needs_real
def test_burglary_follows_the_real_series():
    with open(REAL / "stockport_burglary_monthly_2016-02_2019-01.csv", newline="", encoding="utf-8") as f:
        real = {r["month"]: int(r["burglary_count"]) for r in csv.DictReader(f)}
    with open(DATA / "lsoa_ward_lookup.csv", newline="", encoding="utf-8") as f:
        lsoas = {r["lsoa_code"] for r in csv.DictReader(f)}
    ours = {}
    for m in real:
        path = DATA / "police_uk" / f"{m}-greater-manchester-street.csv.gz"
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        ours[m] = sum(
            1 for r in csv.DictReader(io.StringIO(text)) if r["Crime type"] == "Burglary" and r["LSOA code"] in lsoas
        )
    x = np.array([real[m] for m in real], dtype=float)
    y = np.array([ours[m] for m in real], dtype=float)
    r = float(np.corrcoef(x, y)[0, 1])
    assert r > 0.8, f"Pearson r = {r:.3f}"


def test_the_demo_is_never_written_over_a_partnership_s_own_data(data_dir, tmp_path, capsys):
    """`safer demo --out DIR` replaces every extract and the demo forces' police.uk files: a directory whose
    partnership.csv is not marked synthetic, or any other folder with files in it, is refused and left as it was;
    an earlier demo (the shipped data/) or an empty folder is written."""
    from safer.cli import main

    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert main(["demo", "--out", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "not marked synthetic" in err and "nothing was written" in err
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before
    other = tmp_path / "notes"
    other.mkdir()
    (other / "minutes.txt").write_text("keep me", encoding="utf-8")
    assert main(["demo", "--out", str(other)]) == 1
    assert "has files in it" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["minutes.txt"]
    demo.check_out_dir(DATA)  # an earlier demo: written over
    demo.check_out_dir(tmp_path / "new")  # not there yet
    # without the real reference data it reads (a clone with no ../shared): one line, and no folder made
    assert main(["demo", "--out", str(tmp_path / "new"), "--real", str(tmp_path / "no-such")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: real reference data not found at {tmp_path / 'no-such'}: ") and err.count("\n") == 1
    assert "nothing was written" in err and not (tmp_path / "new").exists()


def test_reference_data_missing_a_file_or_a_column_writes_nothing(real_dir, tmp_path, capsys):
    """`demo --real DIR` with a lookup cut short, or a file missing, gave a traceback, and over an earlier demo left
    `areas.csv` and `lsoa_ward_lookup.csv` rewritten and the rest old: a directory that no longer validated (an
    outside audit). Now one line, and the earlier demo as it was, byte for byte; a new folder is not made."""
    import shutil

    from safer.cli import main

    earlier = tmp_path / "earlier"
    shutil.copytree(DATA, earlier)
    before = {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()}
    cut = tmp_path / "cut"
    shutil.copytree(real_dir, cut)
    lookup = cut / "stockport_lsoa21_to_ward22_bestfit.csv"
    lookup.write_bytes(lookup.read_bytes()[:300])  # a header and a few rows, the last cut mid-row
    missing = tmp_path / "missing"
    shutil.copytree(real_dir, missing)
    (missing / "gm_la_population.csv").unlink()  # read late, after most files are made
    for ref in (cut, missing):
        assert main(["demo", "--out", str(earlier), "--real", str(ref)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: the reference data in {ref} is not what the generator reads"), err
        assert err.rstrip().endswith("nothing was written") and err.count("\n") == 1, err
        assert {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()} == before
        assert main(["demo", "--out", str(tmp_path / "new"), "--real", str(ref)]) == 1
        capsys.readouterr()
        assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no folder left beside them


def test_the_demo_never_follows_a_link_out_of_its_folder(tmp_path, capsys):
    """A demo folder whose police_uk/ or an extract is a link to real files elsewhere would have those files
    deleted and written over: refused, and a folder marked synthetic under another partnership's name too."""
    import shutil

    from safer.cli import main

    real = tmp_path / "real"
    real.mkdir()
    (real / "2099-01-greater-manchester-street.csv").write_text("keep", encoding="utf-8")
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(DATA / "partnership.csv", d / "partnership.csv")
    (d / "police_uk").symlink_to(real)
    assert main(["demo", "--out", str(d)]) == 1
    assert "holds links (police_uk)" in capsys.readouterr().err
    assert [p.name for p in real.iterdir()] == ["2099-01-greater-manchester-street.csv"]
    (d / "police_uk").unlink()
    (d / "partner_monthly.csv").symlink_to(real / "2099-01-greater-manchester-street.csv")
    assert main(["demo", "--out", str(d)]) == 1
    (d / "partner_monthly.csv").unlink()
    text = (d / "partnership.csv").read_text(encoding="utf-8")
    (d / "partnership.csv").write_text(text.replace(demo.PARTNERSHIP_NAME, "Safer Elsewhere"), encoding="utf-8")
    assert main(["demo", "--out", str(d)]) == 1
    assert "other than the demo's" in capsys.readouterr().err
