"""`python -m safer ingest`: validate first, never double count, atomic, and a kill leaves valid data."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import zipfile

import pytest
from helpers import PROJECT, police_csv, write_data_dir

from safer import contract, datadir, queries
from safer.cli import main
from safer.store import Store


def tree(d):
    """Every file of a data directory with its hash; the directory's own lock file (empty, kept between
    ingests, like git's) is not data."""
    return {
        p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file() and p.name != datadir.LOCK
    }


def asb(store):
    store.refresh()
    return dict(zip(*[queries.run(store, "monthly", indicator="asb")[c] for c in ("month", "value")]))


def test_broken_file_changes_nothing_and_names_file_line_column(data_dir, tmp_path, capsys):
    bad = tmp_path / "2020-08-test-street.csv"
    text = police_csv("2020-08", [("E01000001", "Burglary")] * 3).replace("2020-08,Test", "2020-13,Test", 1)
    bad.write_text(text)
    before = tree(data_dir)
    assert main(["ingest", str(bad), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2020-08-test-street.csv:2: Month: '2020-13' is not a month (YYYY-MM, month 01-12)"
    assert out[-1].endswith("1 error: nothing was changed")
    assert tree(data_dir) == before


def test_unknown_header_changes_nothing(data_dir, tmp_path, capsys):
    f = tmp_path / "notes.csv"
    f.write_text("a,b\n1,2\n")
    before = tree(data_dir)
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 1
    assert "notes.csv:1: -: header matches no file of the data contract" in capsys.readouterr().out
    assert tree(data_dir) == before


def test_a_file_named_for_one_extract_with_another_s_header_replaces_nothing(data_dir, tmp_path, capsys):
    """A careless save: targets' header in a file named events.csv was ingested as targets.csv ("replaced
    targets.csv", exit 0), emptying the served targets (an outside audit). The name and the header must agree."""
    (tmp_path / "events.csv").write_text((data_dir / "targets.csv").read_text(encoding="utf-8").splitlines()[0] + "\n")
    before = tree(data_dir)
    assert main(["ingest", str(tmp_path / "events.csv"), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("events.csv:1: -: is named events.csv but its header is targets.csv's"), out
    assert tree(data_dir) == before


def test_an_extract_with_no_rows_does_not_empty_the_one_served(data_dir, tmp_path, capsys):
    """A header-only events.csv replaced the served one's rows (exit 0, no copy kept): refused, naming how many
    rows it would have removed; an extract with rows still replaces it, here one without the optional `source`
    column (ingest took only a header of every column, where validation takes one without the optional ones)."""
    served = (data_dir / "events.csv").read_text(encoding="utf-8").splitlines()
    assert len(served) > 1  # the test directory serves events
    (tmp_path / "events.csv").write_text(served[0] + "\n")
    before = tree(data_dir)
    assert main(["ingest", str(tmp_path / "events.csv"), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out
    n = len([line for line in served[1:] if line.strip()])
    assert f"events.csv:1: -: has no rows: it would empty events.csv ({n} row{'s' if n != 1 else ''} now served)" in out
    assert tree(data_dir) == before
    (tmp_path / "events.csv").write_text("\n".join(served[:2]) + "\n")  # one row: a real replacement
    assert main(["ingest", str(tmp_path / "events.csv"), "--data", str(data_dir), "--quiet"]) == 0
    assert (data_dir / "events.csv").read_text(encoding="utf-8").splitlines() == served[:2]


def test_ingest_names_a_header_s_fault_as_validate_does_and_a_folder_as_a_folder(data_dir, tmp_path, capsys):
    """A file named for an extract whose header matched no file said only that; validate named the cause
    (semicolons, a column twice or missing), and so does ingest now. A folder named like a CSV is not 'no such
    file'."""
    events = (data_dir / "events.csv").read_text(encoding="utf-8")
    (tmp_path / "semi").mkdir()
    (tmp_path / "semi" / "events.csv").write_text(events.replace(",", ";"))
    head, _, rest = events.partition("\n")
    (tmp_path / "twice").mkdir()
    (tmp_path / "twice" / "events.csv").write_text(head.rsplit(",", 1)[0] + ",title\n" + rest)
    (tmp_path / "folder" / "events.csv").mkdir(parents=True)
    before = tree(data_dir)
    for sub, said in (
        ("semi", ["events.csv:1: -: the file's values are separated by semicolons, not commas"]),
        ("twice", ["column appears more than once in the header", "column is missing from the header"]),
        ("folder", [f"{tmp_path / 'folder' / 'events.csv'}:0: -: is a folder, not a file"]),
    ):
        assert main(["ingest", str(tmp_path / sub / "events.csv"), "--data", str(data_dir), "--quiet"]) == 1
        out = capsys.readouterr().out
        assert all(s in out for s in said) and "header matches no file" not in out, (sub, out)
    assert tree(data_dir) == before


def test_new_month_is_added_and_rows_outside_the_area_are_counted(data_dir, tmp_path, capsys):
    s = Store(data_dir)
    f = tmp_path / "2020-08-test-street.csv"
    f.write_text(
        police_csv(
            "2020-08",
            [("E01000001", "Anti-social behaviour")] * 4
            + [("E01099999", "Anti-social behaviour")] * 2
            + [("", "Anti-social behaviour")],
        )
    )
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "added    2020-08 test-police: 4 rows" in out
    assert out[-1] == (
        "7 police.uk rows read: 1 months added, 0 replaced, 0 kept; 2 rows outside the area and its comparators "
        "(the LSOAs of lsoa_ward_lookup.csv and area_lookup.csv) and 1 rows without a location left out"
    )
    assert asb(s)["2020-08"] == 4
    assert contract.validate(data_dir).ok
    s.close()


def test_re_released_month_replaces_and_never_adds(data_dir, tmp_path, capsys):
    s = Store(data_dir)
    assert asb(s)["2020-04"] == 6
    f = tmp_path / "2020-04-test-street.csv.gz"
    f.write_bytes(gzip.compress(police_csv("2020-04", [("E01000003", "Anti-social behaviour")] * 9).encode()))
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "replaced 2020-04 test-police: 7 rows -> 9 rows (release 2020-04)" in out
    assert asb(s)["2020-04"] == 9
    # The same release again: still 9, never 18.
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 0
    assert asb(s)["2020-04"] == 9
    assert len([p for p in (data_dir / "police_uk").iterdir() if p.name.startswith("2020-04")]) == 1
    s.close()


def test_archive_of_several_months_in_one_call_and_older_releases_do_not_win(data_dir, tmp_path, capsys):
    s = Store(data_dir)
    z = tmp_path / "2020-09.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for m, n in (("2020-07", 2), ("2020-08", 5), ("2020-09", 1)):
            zf.writestr(f"{m}/{m}-test-street.csv", police_csv(m, [("E01000002", "Anti-social behaviour")] * n))
            zf.writestr(f"{m}/{m}-test-outcomes.csv", "not,a,street,file\n")
    assert main(["ingest", str(z), "--data", str(data_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "replaced 2020-07 test-police: 8 rows -> 2 rows (release 2020-09)" in out
    assert "added    2020-08 test-police: 5 rows" in out and "added    2020-09 test-police: 1 rows" in out
    got = asb(s)
    assert (got["2020-07"], got["2020-08"], got["2020-09"]) == (2, 5, 1)
    # A single 2020-08 file is an older release (2020-08) than the archive (2020-09): it is kept out.
    old = tmp_path / "2020-08-test-street.csv"
    old.write_text(police_csv("2020-08", [("E01000002", "Anti-social behaviour")] * 50))
    assert main(["ingest", str(old), "--data", str(data_dir), "--quiet"]) == 0
    assert any(
        ln.startswith("kept     2020-08 test-police: the data directory has it from a newer release (2020-09)")
        for ln in capsys.readouterr().out.splitlines()
    )
    assert asb(s)["2020-08"] == 5
    rel = queries.run(s, "monthly", indicator="asb")  # still one row per month
    assert rel.month.is_unique
    s.close()


def test_partner_extract_merges_by_indicator_month(data_dir, tmp_path, capsys):
    s = Store(data_dir)
    f = tmp_path / "cse-update.csv"
    f.write_text("indicator_id,month,area_code,value\ncse,2020-04,E05000001,7\ncse,2020-05,E05000002,2\n")
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "added    partner_monthly cse: 1 months (2020-05 to 2020-05)" in out
    assert "replaced partner_monthly cse: 1 months (2020-04 to 2020-04)" in out
    s.refresh()
    cse = queries.run(s, "monthly", indicator="cse")
    assert dict(zip(cse.month, cse.value))["2020-04"] == 7  # the old 3 (South) is replaced, not added
    assert dict(zip(cse.month, cse.value))["2020-05"] == 2
    s.close()


def test_partner_merge_keeps_every_other_row_exactly_whatever_the_new_files_encoding(data_dir, tmp_path, capsys):
    """The merged file is the old rows of months the new file does not hold, as and where they were, then the
    new rows in their order; a byte-order mark, CRLF line ends, a blank line and reordered columns in the new
    file change nothing."""
    import csv as _csv

    old = list(_csv.DictReader(open(data_dir / "partner_monthly.csv")))
    f = tmp_path / "update.csv"
    f.write_bytes(
        b"\xef\xbb\xbfmonth,area_code,indicator_id,value\r\n2020-02,E05000002,cse,6\r\n\r\n2020-06,E08000099,slavery,3\r\n"
    )
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 0
    new = [
        {"indicator_id": "cse", "month": "2020-02", "area_code": "E05000002", "value": "6"},
        {"indicator_id": "slavery", "month": "2020-06", "area_code": "E08000099", "value": "3"},
    ]
    kept = [r for r in old if (r["indicator_id"], r["month"]) not in {("cse", "2020-02"), ("slavery", "2020-06")}]
    want = kept + new
    text = (data_dir / "partner_monthly.csv").read_text()
    assert text == "indicator_id,month,area_code,value\n" + "".join(
        f"{r['indicator_id']},{r['month']},{r['area_code']},{r['value']}\n" for r in want
    )


def test_ingest_that_would_break_references_changes_nothing(data_dir, tmp_path, capsys):
    f = tmp_path / "p.csv"
    f.write_text("indicator_id,month,area_code,value\ncse,2020-05,E05000777,2\n")
    before = tree(data_dir)
    assert main(["ingest", str(f), "--data", str(data_dir), "--quiet"]) == 1
    assert "'E05000777' is not a ward in areas.csv" in capsys.readouterr().out
    assert tree(data_dir) == before


@pytest.mark.parametrize("fail_after", [0, 1, 2])
def test_killed_ingest_leaves_valid_data(data_dir, tmp_path, fail_after):
    s = Store(data_dir)
    good = asb(s)
    z = tmp_path / "2020-09.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for m, n in (("2020-02", 11), ("2020-08", 5), ("2020-09", 1)):
            zf.writestr(f"{m}/{m}-test-street.csv", police_csv(m, [("E01000002", "Anti-social behaviour")] * n))
    env = dict(os.environ, SAFER_INGEST_FAIL_AFTER=str(fail_after), PYTHONPATH=str(PROJECT))
    r = subprocess.run(
        [sys.executable, "-m", "safer", "ingest", str(z), "--data", str(data_dir), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT,
    )
    assert r.returncode == 137, r.stderr
    # Killed part-way: the dashboard keeps serving the last good build, complete.
    st = s.refresh()
    assert not st.current and asb(s) == good
    assert main(["validate", "--data", str(data_dir)]) == 1
    # Recovery completes the ingest: valid, every month once, the new values in.
    assert main(["recover", "--data", str(data_dir)]) == 0
    assert contract.validate(data_dir).ok
    got = asb(s)
    assert (got["2020-02"], got["2020-08"], got["2020-09"]) == (11, 5, 1)
    assert s.status.current
    assert not any(p.name.startswith(".ingest") for p in data_dir.iterdir())
    s.close()


def test_demo_month_can_be_re_ingested_without_double_counting(tmp_path, capsys):
    import shutil

    d = tmp_path / "demo"
    shutil.copytree(PROJECT / "data", d)
    s = Store(d)
    before = asb(s)
    src = d / "police_uk" / "2026-09-greater-manchester-street.csv.gz"
    again = tmp_path / "2026-09-greater-manchester-street.csv.gz"
    shutil.copy(src, again)
    assert main(["ingest", str(again), "--data", str(d), "--quiet"]) == 0
    assert asb(s) == before
    neighbours = ("2026-09-cheshire-street.csv.gz", "2026-09-derbyshire-street.csv.gz")  # the comparators' forces
    got = sorted(p.name for p in (d / "police_uk").iterdir() if p.name.startswith("2026-09"))
    assert got == sorted([src.name, *neighbours])
    s.close()


def test_a_force_s_month_under_a_second_name_is_refused_and_the_last_good_data_keeps_serving(tmp_path, capsys):
    """Greater Manchester's September file again with "Falls within" spelt "GMP" (an outside audit): both names
    held a fifth of the area's rows, so both were counted: September doubled (322 burglaries, not 161) and every
    earlier month read as missing, with validation silent. `ingest` now refuses it at the second name's file,
    naming the first, and changes nothing; put in the folder by hand, the build refuses it and the dashboard
    keeps the last good data; a renamed force's months of its own (no month under both names) are still counted
    under each name."""
    import gzip
    import shutil

    d = tmp_path / "demo"
    shutil.copytree(PROJECT / "data", d)
    s = Store(d)
    before = asb(s)
    src = d / "police_uk" / "2026-09-greater-manchester-street.csv.gz"
    text = gzip.open(src, "rt", encoding="utf-8").read()
    renamed = text.replace(",Greater Manchester Police,Greater Manchester Police,", ",Greater Manchester Police,GMP,")
    again = tmp_path / "2026-09-gmp-street.csv"
    again.write_text(renamed, encoding="utf-8")
    files = sorted(p.name for p in (d / "police_uk").iterdir())
    capsys.readouterr()
    assert main(["ingest", str(again), "--data", str(d), "--quiet"]) == 1
    said = capsys.readouterr().out
    assert said.startswith(
        "police_uk/2026-09-gmp-street.csv.gz:2: Falls within: 2026-09 under GMP (757 rows where counts are made) "
        "holds largely the rows police_uk/2026-09-greater-manchester-street.csv.gz holds under Greater Manchester "
        "Police (757): 757 fall in the same LSOAs and crime types. One force's month under two names would be "
        "counted twice"
    ), said
    assert said.rstrip().endswith("1 error: nothing was changed")
    assert sorted(p.name for p in (d / "police_uk").iterdir()) == files and asb(s) == before
    # put in the folder by hand: validate names it, the build is refused, the last good build keeps serving
    (d / "police_uk" / "2026-09-gmp-street.csv").write_text(renamed, encoding="utf-8")
    assert main(["validate", "--data", str(d)]) == 1
    assert "police_uk/2026-09-gmp-street.csv:2: Falls within: 2026-09 under GMP" in capsys.readouterr().out
    assert asb(s) == before and not s.status.current
    (problem,) = [str(p) for p in s.status.problems]
    assert problem.startswith("police_uk/2026-09-gmp-street.csv:2: Falls within: 2026-09 under GMP"), problem
    # a file of two months under the second name: each month named at the line where its rows begin
    august = gzip.open(d / "police_uk" / "2026-08-greater-manchester-street.csv.gz", "rt", encoding="utf-8").read()
    august = august.replace(",Greater Manchester Police,Greater Manchester Police,", ",Greater Manchester Police,GMP,")
    both = august + renamed.split("\n", 1)[1]
    (d / "police_uk" / "2026-09-gmp-street.csv").write_text(both, encoding="utf-8")
    assert asb(s) == before and not s.status.current
    lines = [str(p).split(": ")[0] for p in s.status.problems]
    assert lines == [
        "police_uk/2026-09-gmp-street.csv:2",
        f"police_uk/2026-09-gmp-street.csv:{august.count(chr(10)) + 1}",
    ]
    (d / "police_uk" / "2026-09-gmp-street.csv").write_text(renamed, encoding="utf-8")
    # the name changed from September on (no month under both): counted under each name, nothing refused
    src.unlink()
    assert asb(s) == before and s.status.current and not s.status.problems
    s.close()


# --------------------------------------------------------------------------- interrupted at every step


def _content(d):
    """The data directory's content: `tree`, with the release log's `ingested_at` times left out (a second
    run of the same ingest is the same data at another time)."""
    import csv
    import io

    out = tree(d)
    rel = d / "police_uk_releases.csv"
    if rel.exists():
        rows = list(csv.DictReader(io.StringIO(rel.read_text(encoding="utf-8"))))
        out["police_uk_releases.csv"] = [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows]
    return out


def _archive(tmp_path):
    z = tmp_path / "2020-09.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for m, n in (("2020-02", 11), ("2020-08", 5), ("2020-09", 1)):
            zf.writestr(f"{m}/{m}-test-street.csv", police_csv(m, [("E01000002", "Anti-social behaviour")] * n))
        zf.writestr("areas.csv", _areas_with_a_new_name())
    return z


def _areas_with_a_new_name() -> str:
    from helpers import FILES

    return FILES["areas.csv"].replace("North", "North Ward")  # a replaced file, beside the added ones


def _default_signals() -> None:
    """In the child, before Python starts: Ctrl-C and SIGTERM as at a terminal. A test run started in the
    background by a shell (`... &`) inherits SIGINT ignored, and Python then leaves it ignored, so the
    injected Ctrl-C would do nothing (seen once: the ingest completed)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_ingest(z, data_dir, **env):
    return subprocess.run(
        [sys.executable, "-m", "safer", "ingest", str(z), "--data", str(data_dir), "--quiet"],
        env=dict(os.environ, PYTHONPATH=str(PROJECT), **env),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        preexec_fn=_default_signals,
    )


@pytest.fixture(scope="module")
def _reference(tmp_path_factory):
    """The archive, and the data directory before the ingest and after it when nothing goes wrong: worked out
    once for the module (an ingest in its own process), on a directory written as every test's `data_dir` is."""
    base = tmp_path_factory.mktemp("ingest-reference")
    ref = write_data_dir(base / "data")
    z = _archive(base)
    before = _content(ref)
    r = _run_ingest(z, ref, SAFER_CACHE_DIR=str(base / "cache"))
    assert r.returncode == 0, r.stdout + r.stderr
    after = _content(ref)
    assert after != before
    return z, before, after


@pytest.fixture
def states(data_dir, _reference):
    """The directory before the ingest, and after it when nothing goes wrong (`_reference`)."""
    z, before, _after = _reference
    assert _content(data_dir) == before  # the test's directory is the one the reference started from
    return _reference


def _n_renames(states, data_dir):
    return sum(1 for k in set(states[1]) | set(states[2]) if states[1].get(k) != states[2].get(k))


def _clean(d):
    return not any(p.name.startswith(".ingest") for p in d.iterdir())


@pytest.mark.parametrize("at", range(6))
def test_an_io_error_at_any_rename_leaves_the_directory_exactly_as_before(data_dir, states, at):
    z, before, after = states
    r = _run_ingest(z, data_dir, SAFER_INGEST_FAULT=f"oserror:{at}")
    if at >= _n_renames(states, data_dir):  # no rename left to fail: the ingest simply completes
        assert r.returncode == 0 and _content(data_dir) == after
        return
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Permission denied (injected)" in r.stdout and "as it was before" in r.stdout
    assert _content(data_dir) == before and _clean(data_dir)
    assert contract.validate(data_dir).ok


@pytest.mark.parametrize("sig", ["sigint", "sigterm"])
@pytest.mark.parametrize("at", range(6))
def test_ctrl_c_or_sigterm_during_the_renames_waits_for_them_all(data_dir, states, sig, at):
    z, _before, after = states
    r = _run_ingest(z, data_dir, SAFER_INGEST_FAULT=f"{sig}:{at}")
    if at >= _n_renames(states, data_dir):  # no rename left to interrupt: the ingest simply completes
        assert r.returncode == 0, r.stdout + r.stderr
    else:
        assert r.returncode == 130, r.stdout + r.stderr
        assert "after the ingest was applied" in r.stderr
    assert _content(data_dir) == after and _clean(data_dir)


@pytest.mark.parametrize("sig", ["sigint", "sigterm"])
def test_ctrl_c_or_sigterm_before_the_renames_changes_nothing(data_dir, states, sig):
    z, before, _after = states
    r = _run_ingest(z, data_dir, SAFER_INGEST_FAULT=f"{sig}:staged")
    assert r.returncode in (130, 143, -2, -15), r.stdout + r.stderr
    assert _content(data_dir) == before and _clean(data_dir)


@pytest.mark.parametrize("at", range(5))
def test_killed_at_any_rename_recover_completes_it_exactly(data_dir, states, at):
    z, _before, after = states
    r = _run_ingest(z, data_dir, SAFER_INGEST_FAIL_AFTER=str(at))
    if at >= _n_renames(states, data_dir):  # no rename left to kill it at: the ingest simply completes
        assert r.returncode == 0 and _content(data_dir) == after
        return
    assert r.returncode == 137, r.stdout + r.stderr
    assert datadir.interrupted(data_dir)
    assert main(["recover", "--data", str(data_dir)]) == 0
    assert _content(data_dir) == after and _clean(data_dir)


@pytest.mark.parametrize("at", range(1, 4))
def test_killed_then_a_staged_file_lost_recover_undoes_it_exactly(data_dir, states, at, capsys):
    """The case that was signed off half-applied: a staged file gone before recovery. Recovery cannot
    finish, so it undoes the renames from the links it kept, and the directory is as before."""
    z, before, _after = states
    r = _run_ingest(z, data_dir, SAFER_INGEST_FAIL_AFTER=str(at))
    assert r.returncode == 137
    journal = json.loads((data_dir / datadir.JOURNAL).read_text())
    pending = [op for op in journal["ops"][at:] if op["op"] == "replace"]
    if not pending:
        pytest.skip("no staged file left to lose at this step")
    (data_dir / pending[-1]["source"]).unlink()
    assert main(["recover", "--data", str(data_dir)]) == 0
    assert _content(data_dir) == before and _clean(data_dir)


def test_recover_that_can_neither_finish_nor_undo_refuses_loudly_and_keeps_the_journal(data_dir, states, capsys):
    import shutil

    z, _before, _after = states
    assert _run_ingest(z, data_dir, SAFER_INGEST_FAIL_AFTER="1").returncode == 137
    journal = json.loads((data_dir / datadir.JOURNAL).read_text())
    shutil.rmtree(data_dir / journal["staging"])  # the staged files and the kept links both gone
    assert main(["recover", "--data", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "cannot be completed" in err or "neither completed" in err
    assert datadir.interrupted(data_dir)  # the journal stays: nothing is signed off half-applied
    assert main(["validate", "--data", str(data_dir)]) == 1


@pytest.mark.parametrize(
    "journal",
    [
        {"staging": None, "ops": [{"op": "delete", "target": "../victim.txt"}]},
        {"staging": ".ingest-staging-x", "ops": [{"op": "replace", "source": "payload.sh", "target": "../victim.txt"}]},
        {"staging": None, "ops": [{"op": "delete", "target": "/tmp/victim.txt"}]},
        {"staging": ".ingest-staging-x", "ops": [{"op": "replace", "source": "payload.sh", "target": "events.csv"}]},
        {"staging": "../elsewhere", "ops": []},
        {"staging": None, "ops": [{"op": "delete", "target": "police_uk/../../victim.txt"}]},
        {"staging": None, "ops": [{"op": "delete", "target": "notes.txt"}]},
    ],
)
def test_a_planted_journal_changes_nothing_outside_the_extracts(data_dir, tmp_path, capsys, journal):
    """An outside audit planted `.ingest-journal.json` in a data directory (a shared folder where partners drop
    extracts): `recover` deleted a file outside it and overwrote another with a payload. A journal is refused
    unless every step replaces or deletes one of the contract's extracts from the ingest's own staging folder;
    nothing is changed, and the message says so."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (data_dir / "payload.sh").write_text("echo pwned")
    (data_dir / "notes.txt").write_text("not an extract")
    staging = data_dir / ".ingest-staging-x"
    staging.mkdir()
    (staging / "payload.sh").write_text("echo pwned")
    journal = json.loads(json.dumps(journal).replace("/tmp/victim.txt", str(victim)))
    (data_dir / datadir.JOURNAL).write_text(json.dumps(journal))
    before = tree(data_dir)
    assert main(["recover", "--data", str(data_dir)]) == 1
    assert "not a journal this tool wrote" in capsys.readouterr().err
    assert victim.read_text() == "keep me" and tree(data_dir) == before
    assert (data_dir / "events.csv").read_text().startswith("event_date,")


# --------------------------------------------------------------------------- archives: releases and bombs


def test_a_release_is_the_newest_month_an_archive_holds_never_a_folder_name(data_dir, tmp_path, capsys):
    """A member under `2099-12/` is not a release from 2099: that would block every genuine later release."""
    poisoned = tmp_path / "odd.zip"
    with zipfile.ZipFile(poisoned, "w") as zf:
        zf.writestr("2099-12/2099-12-test-street.csv", police_csv("2020-08", [("E01000002", "Burglary")] * 2))
    assert main(["ingest", str(poisoned), "--data", str(data_dir), "--quiet"]) == 0
    import csv

    with open(data_dir / "police_uk_releases.csv", encoding="utf-8") as f:
        releases = {r["month"]: r["release"] for r in csv.DictReader(f)}
    assert releases["2020-08"] == "2020-08" and "2099-12" not in releases.values()
    genuine = tmp_path / "2020-09.zip"
    with zipfile.ZipFile(genuine, "w") as zf:
        for m, n in (("2020-08", 3), ("2020-09", 1)):
            zf.writestr(f"{m}/{m}-test-street.csv", police_csv(m, [("E01000002", "Burglary")] * n))
    capsys.readouterr()
    assert main(["ingest", str(genuine), "--data", str(data_dir), "--quiet"]) == 0
    assert "replaced 2020-08 test-police: 2 rows -> 3 rows (release 2020-09)" in capsys.readouterr().out


def test_zip_bombs_and_corrupt_members_are_messages_and_change_nothing(data_dir, tmp_path, capsys, monkeypatch):
    from safer import ingest

    before = tree(data_dir)
    bomb = tmp_path / "bomb.zip"
    row = police_csv("2020-08", [("E01000002", "Burglary")])
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2020-08/2020-08-test-street.csv", row + row.split("\n", 1)[1] * 40_000)  # ~5 MB, ~1000:1
    assert main(["ingest", str(bomb), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "bomb.zip!2020-08/2020-08-test-street.csv:0: -: cannot be read from the archive: inflates" in out
    assert "zip bomb" in out and tree(data_dir) == before
    monkeypatch.setattr(ingest, "MAX_MEMBER_BYTES", 100)  # a declared size beyond the limit
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w") as zf:
        zf.writestr("2020-08/2020-08-test-street.csv", row)
    assert main(["ingest", str(big), "--data", str(data_dir), "--quiet"]) == 1
    assert "more than the 100 allowed" in capsys.readouterr().out and tree(data_dir) == before
    monkeypatch.undo()
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2020-08/2020-08-test-street.csv", row * 50)
    raw = bytearray(broken.read_bytes())
    raw[60:90] = bytes(b ^ 0xFF for b in raw[60:90])  # damage the compressed stream, keep the directory
    broken.write_bytes(bytes(raw))
    assert main(["ingest", str(broken), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "broken.zip!2020-08/2020-08-test-street.csv:0: -: cannot be read from the archive" in out
    assert tree(data_dir) == before


@pytest.mark.parametrize("errno_, text", [(28, "No space left on device"), (30, "Read-only file system")])
def test_a_full_disk_or_read_only_folder_while_staging_is_a_message(
    data_dir, tmp_path, capsys, monkeypatch, errno_, text
):
    """Root ignores permissions, so the failure is injected where staging writes: the first file it links."""
    from safer import ingest

    z = _archive(tmp_path)
    before = tree(data_dir)

    def fail(src, dst, *a, **k):
        raise OSError(errno_, text, str(dst))

    monkeypatch.setattr(ingest.os, "link", fail)
    assert main(["ingest", str(z), "--data", str(data_dir), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"{text}: nothing was changed" in err and ".ingest-staging-" in err
    assert tree(data_dir) == before and _clean(data_dir)


def test_a_killed_ingests_unpacked_files_are_removed_by_the_next_ingest(data_dir, tmp_path):
    """`kill -9` cannot clean up: the unpacked members stay in the temporary folder until the next ingest
    finds that their process is gone. A running ingest's folder (a live process) is never touched."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {"TMPDIR": str(tmpdir)}
    r = _run_ingest(_archive(tmp_path), data_dir, SAFER_INGEST_FAIL_AFTER="0", **env)
    assert r.returncode == 137, r.stdout + r.stderr
    left = [p for p in tmpdir.iterdir() if p.name.startswith(datadir.INGEST_TMP)]
    assert len(left) == 1 and any(left[0].iterdir())  # what the killed ingest had unpacked
    live = tmpdir / f"{datadir.INGEST_TMP}{os.getppid()}-running"  # a live process (this test's parent)
    live.mkdir()
    assert main(["recover", "--data", str(data_dir)]) == 0
    r = _run_ingest(_archive(tmp_path), data_dir, **env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == [live.name]


def test_forces_with_no_row_in_the_area_are_one_line_unless_no_month_was_written():
    """A national archive holds 43 forces: when a month was written, the others are one line; when none was,
    each force-month keeps its warning (the lookup may not cover the force)."""
    from safer.ingest import NO_ROWS, MonthChange, Report

    empty = [MonthChange(f, "2026-10", "kept", 0, note=NO_ROWS) for f in ("b-police", "a-police")]
    rep = Report(months=[MonthChange("c-police", "2026-10", "added", 12), *empty])
    assert rep.lines()[:2] == [
        "added    2026-10 c-police: 12 rows",
        "kept     2 force-months of 2 forces with no row inside the area or its comparators, so nothing was "
        "written: a-police, b-police",
    ]
    alone = Report(months=empty).lines()
    assert alone[:2] == [f"kept     2026-10 a-police: {NO_ROWS}", f"kept     2026-10 b-police: {NO_ROWS}"]


# --------------------------------------------------------------------------- archives: limits across members


def _spy_on_copies(monkeypatch):
    """The bytes in the ingest's temporary folder after each member is copied out (its peak use of the disk)."""
    from safer import ingest

    written: list[int] = []
    real = ingest.copy_member

    def spy(z, info, dest, *a, **k):
        try:
            return real(z, info, dest, *a, **k)
        finally:
            written.append(sum(p.stat().st_size for p in dest.parent.iterdir() if p.is_file()))

    monkeypatch.setattr(ingest, "copy_member", spy)
    return written


def _ingest_in(tmp_path, monkeypatch, *args):
    """`main(["ingest", ...])` with the system's temporary folder in `tmp_path/tmp` (like TMPDIR)."""
    import tempfile

    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return main(["ingest", *map(str, args), "--quiet"]), tmp


def test_an_archive_of_many_members_of_exactly_a_million_zeros_is_refused_before_any_is_copied_out(
    data_dir, tmp_path, capsys, monkeypatch
):
    """The bomb that passed: 1,000,000 bytes was not `> 1_000_000`, so no member was held to the ratio, and
    all were copied out before any was validated (400 of them: a 444 KB zip wrote 400 MB)."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(100):
            zf.writestr(f"2024-01-f{i:05d}-street.csv", b"\0" * 1_000_000)
        first = zf.infolist()[0]
    written = _spy_on_copies(monkeypatch)
    before = tree(data_dir)
    rc, tmp = _ingest_in(tmp_path, monkeypatch, bomb, "--data", data_dir)
    assert rc == 1
    ratio = f"{first.file_size / first.compress_size:,.0f}"
    assert capsys.readouterr().out.splitlines() == [
        f"bomb.zip!2024-01-f00000-street.csv:0: -: cannot be read from the archive: inflates {ratio} times: "
        "refused as a zip bomb",
        f"{data_dir}: 1 error: nothing was changed",
    ]
    assert tree(data_dir) == before and _clean(data_dir)
    assert max(written, default=0) < 1_000_000  # of the 100,000,000 bytes it inflates to: none was written
    assert list(tmp.iterdir()) == []


def _lying_archive(path, n, size):
    """`n` members of `size` zero bytes whose central directory states a compressed size of `size / 200` (five
    times what it is, the bytes that follow made part of it): each then looks like a file that inflates 200
    times, no more, and Python's zipfile reads them all the same."""
    import random
    import struct

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(n):
            zf.writestr(f"2024-01-f{i:03d}-street.csv", b"\0" * size)
        # What the last member's stated compressed size runs on into (an archive ends with its directory).
        zf.writestr("README.txt", random.Random(0).randbytes(size // 100), zipfile.ZIP_STORED)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    for _ in range(n):
        struct.pack_into("<I", raw, at + 20, size // 200)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("kind", ["members below the floor", "members that misstate their compressed size"])
def test_an_archive_is_held_to_the_ratio_as_a_whole(data_dir, tmp_path, capsys, monkeypatch, kind):
    """No member alone looks like a bomb (each is too small to be held to the ratio, or states a compressed
    size that makes it look like a 200:1 file), but the archive inflates to hundreds of times its size."""
    if kind == "members below the floor":
        z = tmp_path / "small.zip"
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for i in range(60):
                zf.writestr(f"2024-01-f{i:02d}-street.csv", b"\0" * 65_536)  # each at most RATIO_FLOOR
        declared = 60 * 65_536
    else:
        z = _lying_archive(tmp_path / "small.zip", 20, 2_000_000)
        declared = 20 * 2_000_000
    size = z.stat().st_size
    assert declared > 200 * size  # all of it was copied out before the archive was held to the ratio
    written = _spy_on_copies(monkeypatch)
    before = tree(data_dir)
    rc, tmp = _ingest_in(tmp_path, monkeypatch, z, "--data", data_dir)
    assert rc == 1
    assert capsys.readouterr().out.splitlines() == [
        f"small.zip:0: -: its street files declare {declared:,} bytes, {declared / size:,.0f} times its {size:,} "
        "bytes: refused as a zip bomb",
        f"{data_dir}: 1 error: nothing was changed",
    ]
    assert tree(data_dir) == before and _clean(data_dir)
    assert max(written, default=0) < declared / 100 and list(tmp.iterdir()) == []


def test_the_bytes_actually_inflated_are_checked_not_only_the_sizes_a_member_states(tmp_path, monkeypatch):
    """A member's stated sizes can lie: the bytes it inflates to are counted before each chunk is written, and a
    refused member's partial copy is removed."""
    import io

    from safer import ingest

    class Lying:  # a zip whose member inflates far beyond the sizes it states
        def open(self, info):
            return io.BytesIO(b"\0" * 5_000_000)

    info = zipfile.ZipInfo("2024-01-x-street.csv")
    info.file_size = info.compress_size = 1_000
    dest = tmp_path / "0.csv"
    with pytest.raises(ValueError, match=r"^inflates 1,049 times or more: refused as a zip bomb$"):
        ingest.copy_member(Lying(), info, dest)
    assert not dest.exists()
    # A member that inflates within the ratio, but beyond what is left of the ingest's bytes.
    monkeypatch.setattr(ingest, "MAX_INFLATED_BYTES", 3 << 20)
    info.file_size = info.compress_size = 1_000_000
    budget = ingest.CopyBudget()
    budget.start(10_000_000, [info])
    with pytest.raises(ValueError, match=r"^inflates past the 3,145,728 bytes one ingest copies out: refused$"):
        ingest.copy_member(Lying(), info, dest, budget)
    assert not dest.exists() and budget.total <= 4 << 20


def test_members_and_bytes_are_capped_across_the_archives_of_one_ingest(data_dir, tmp_path, capsys, monkeypatch):
    from safer import ingest

    def archive(name, months):
        z = tmp_path / name
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            for m in months:
                zf.writestr(f"{m}/{m}-test-street.csv", police_csv(m, [("E01000002", "Burglary")] * 3))
        return z

    a, b = archive("a.zip", ("2020-07", "2020-08", "2020-09")), archive("b.zip", ("2020-10", "2020-11", "2020-12"))
    before = tree(data_dir)
    monkeypatch.setattr(ingest, "MAX_MEMBERS", 4)
    rc, tmp = _ingest_in(tmp_path, monkeypatch, a, b, "--data", data_dir)
    assert rc == 1
    assert capsys.readouterr().out.splitlines() == [
        "b.zip:0: -: holds 3 police.uk street files, with the 3 of the archives before it, more than the 4 one "
        "ingest copies out: refused (ingest fewer archives, or months, at a time)",
        f"{data_dir}: 1 error: nothing was changed",
    ]
    assert tree(data_dir) == before and list(tmp.iterdir()) == []
    monkeypatch.setattr(ingest, "MAX_MEMBERS", 6)
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        in_a, in_b = (sum(i.file_size for i in z.infolist()) for z in (za, zb))
    monkeypatch.setattr(ingest, "MAX_INFLATED_BYTES", in_a + in_b - 1)
    rc, tmp = _ingest_in(tmp_path, monkeypatch, a, b, "--data", data_dir)
    assert rc == 1
    assert capsys.readouterr().out.splitlines() == [
        f"b.zip:0: -: its street files declare {in_b:,} bytes, with the {in_a:,} of the archives before it, more "
        f"than the {in_a + in_b - 1:,} one ingest copies out: refused (ingest fewer archives, or months, at a time)",
        f"{data_dir}: 1 error: nothing was changed",
    ]
    assert tree(data_dir) == before and list(tmp.iterdir()) == []
    monkeypatch.setattr(ingest, "MAX_INFLATED_BYTES", in_a + in_b)  # exactly enough
    assert main(["ingest", str(a), str(b), "--data", str(data_dir), "--quiet"]) == 0
    assert "added    2020-12 test-police: 3 rows" in capsys.readouterr().out


def test_an_archive_of_real_format_street_files_ingests_within_the_limits(tmp_path, capsys):
    """police.uk street files compress 5-10 times and are well beyond the floor: they are held to the ratio
    and pass; the limits leave room for a 36-month national archive (43 forces, 3 files a month)."""
    import shutil

    from safer import ingest

    assert ingest.MAX_MEMBERS >= 43 * 3 * 36 and ingest.MAX_INFLATED_BYTES >= 6 * 10**9
    assert ingest.RATIO_FLOOR <= 64 * 1024
    d = tmp_path / "demo"
    shutil.copytree(PROJECT / "data", d)
    z = tmp_path / "2026-09.zip"
    months = ("2026-08", "2026-09")
    forces = ("cheshire", "derbyshire", "greater-manchester")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for m in months:
            for f in forces:
                zf.writestr(
                    f"{m}/{m}-{f}-street.csv",
                    gzip.decompress((d / "police_uk" / f"{m}-{f}-street.csv.gz").read_bytes()),
                )
                zf.writestr(f"{m}/{m}-{f}-outcomes.csv", "not,a,street,file\n")
        infos = [i for i in zf.infolist() if i.filename.endswith("-street.csv")]
    assert all(3 < i.file_size / i.compress_size < 20 for i in infos)
    assert sum(i.file_size > ingest.RATIO_FLOOR for i in infos) >= len(months)  # these are held to the ratio
    before = tree(d)
    assert main(["ingest", str(z), "--data", str(d), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    changed = [ln for ln in out if ln.startswith(("added", "replaced"))]
    assert len(changed) == len(months) * len(forces), out
    assert contract.validate(d).ok and tree(d) != before


def _long_header_file(tmp_path, in_zip):
    text = "Crime ID,Month," + "A" * 200_000 + "\n"
    f = tmp_path / "2024-01-x-street.csv"
    f.write_text(text)
    if not in_zip:
        return f, "2024-01-x-street.csv"
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:  # stored: deflated, 200,000 "A" would be refused as a zip bomb
        zf.writestr("2024-01/2024-01-x-street.csv", text)
    return z, "x.zip!2024-01/2024-01-x-street.csv"


@pytest.mark.parametrize("in_zip", [False, True])
def test_a_header_with_a_field_beyond_the_csv_limit_is_a_message_not_a_traceback(data_dir, tmp_path, in_zip):
    """`validate` says `FILE:1: -: cannot be parsed: ...` of this file; the ingest says the same, changes
    nothing and exits 1, as for any bad input."""
    f, name = _long_header_file(tmp_path, in_zip)
    before = tree(data_dir)
    r = _run_ingest(f, data_dir)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.splitlines() == [
        f"{name}:1: -: cannot be parsed: field larger than field limit (131072)",
        f"{data_dir}: 1 error: nothing was changed",
    ]
    assert tree(data_dir) == before and _clean(data_dir)
    # The same words as validation's for the same file in a data directory.
    problems: list = []
    contract.check_file(
        f if not in_zip else tmp_path / "2024-01-x-street.csv", "x", contract.SPECS["police_uk/"], problems
    )
    assert [p.message for p in problems] == ["cannot be parsed: field larger than field limit (131072)"]


def test_a_member_in_a_compression_python_cannot_read_is_a_message_not_a_traceback(data_dir, tmp_path):
    """A zip member compressed by a method zipfile does not support (here PPMd, method 98) is reported against
    the archive and member, with the exit code of bad input; the data directory is unchanged."""
    import hashlib
    import struct

    z = tmp_path / "odd.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as w:
        w.writestr("2020-05/2020-05-test-police-street.csv", b"Crime ID,Month\n")
    raw = bytearray(z.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # the method field of both headers
        at = raw.index(sig)
        raw[at + offset : at + offset + 2] = struct.pack("<H", 98)
    z.write_bytes(bytes(raw))

    def state():  # the extracts (not the ingest's lock file)
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data_dir.rglob("[!.]*") if p.is_file()}

    before = state()
    r = _run_ingest(z, data_dir)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "odd.zip!2020-05/2020-05-test-police-street.csv:0: -: cannot be read from the archive" in r.stdout + r.stderr
    assert before == state()


def test_a_gzipped_file_of_empty_lines_is_refused_in_bounded_memory(data_dir, tmp_path, capsys):
    """A 20 KB gzipped police.uk file of a header and 20 million empty lines (an outside audit's: validation kept
    every empty line's number in a list and took 1.8 GB, 22 GB for 400 KB): it inflates more than 200 times its
    size, is refused at its line as a gzip bomb by `ingest` and `validate`, and the process stays small."""
    import resource

    bomb = tmp_path / "2020-08-test-street.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write((police_csv("2020-08", []).split("\n")[0] + "\n").encode())
        for _ in range(20):
            f.write(b"\n" * 1_000_000)
    assert bomb.stat().st_size < 40_000
    before = tree(data_dir)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["ingest", str(bomb), "--data", str(data_dir), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert f"inflates to more than 200 times its {bomb.stat().st_size:,} bytes: refused as a gzip bomb" in out, out
    assert tree(data_dir) == before
    (data_dir / "police_uk" / bomb.name).write_bytes(bomb.read_bytes())
    problems = contract.validate(data_dir).problems
    assert any("refused as a gzip bomb" in p.message and p.file.endswith(bomb.name) for p in problems)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 300_000  # KB: well under the 1.8 GB


def test_a_million_empty_lines_are_summarised_not_listed(data_dir):
    """Empty lines are counted, not kept: a warning names how many, the first and last, and whether they end the
    file, whatever their number."""
    path = data_dir / "events.csv"
    path.write_text(path.read_text() + "\n" * 3 + "2020-04-01,Later,other,,\n" + "\n" * 1_000_000, encoding="utf-8")
    problems = [p for p in contract.validate(data_dir).problems if p.file == "events.csv"]
    said = ["1000003 all-empty rows (lines 4 to 1000007, some between rows) skipped"]
    assert [p.message for p in problems] == said, problems


def test_a_valid_row_repeated_to_a_gzip_bomb_is_refused_by_validate_and_the_build_too(data_dir):
    """One valid row 300,000 times gzips to 119 KB (294 times smaller): `ingest` refused it, but a file dropped in
    police_uk/ passed DuckDB's byte checks and `validate` (an outside audit: 300,000 ASB in one month, served).
    The byte checks hold a gzipped file to the same 200 times, so Python's checker names it."""
    row = police_csv("2020-08", [("E01000002", "Anti-social behaviour")]).split("\n")
    bomb = data_dir / "police_uk" / "2020-08-test-street.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write((row[0] + "\n").encode())
        f.write(((row[1] + "\n") * 300_000).encode())
    problems = contract.validate(data_dir).errors
    assert [str(p) for p in problems] == [
        f"police_uk/2020-08-test-street.csv.gz:{p.line}: -: inflates to more than 200 times its "
        f"{bomb.stat().st_size:,} bytes: refused as a gzip bomb (police.uk files gzip about 8 times)"
        for p in problems
    ] and len(problems) == 1, problems
