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
from helpers import PROJECT, police_csv

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
        "7 police.uk rows read: 1 months added, 0 replaced, 0 kept; 2 rows outside the area and "
        "1 rows without a location left out"
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


@pytest.fixture
def states(data_dir, tmp_path):
    """The directory before the ingest, and after it when nothing goes wrong (on a copy)."""
    import shutil

    z = _archive(tmp_path)
    before = _content(data_dir)
    ref = tmp_path / "reference"
    shutil.copytree(data_dir, ref)
    r = _run_ingest(z, ref)
    assert r.returncode == 0, r.stdout + r.stderr
    after = _content(ref)
    assert after != before
    return z, before, after


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
