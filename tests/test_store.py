"""The store: kept on disk, rebuilt when extracts change, and the last good build keeps serving."""

from __future__ import annotations

import os

import pytest
from helpers import FILES

from safer import contract, queries
from safer import store as store_mod
from safer.store import BuildError, Store


def test_restart_with_unchanged_extracts_does_not_rebuild(data_dir, monkeypatch):
    first = Store(data_dir)
    path = first.status.serving
    first.close()

    def no_build(*a, **k):
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(store_mod, "build", no_build)
    second = Store(data_dir)
    assert second.status.serving == path
    assert queries.run(second, "monthly", indicator="asb").value.iloc[0] == 5
    second.close()


def test_changed_or_added_file_triggers_a_rebuild(data_dir):
    s = Store(data_dir)
    old = s.status.serving
    (data_dir / "police_uk" / "2020-03-test-street.csv").write_text(
        (data_dir / "police_uk" / "2020-06-test-street.csv").read_text().replace("2020-06", "2020-03")
    )
    s.refresh()
    assert s.status.serving != old and s.status.current
    assert queries.run(s, "monthly", indicator="asb").value.tolist()[:3] == [5, 4, 2]
    s.close()


def test_the_data_version_is_the_data_s_wherever_it_lies_and_whenever_it_was_touched(data_dir, tmp_path):
    """The cited data version was the build's cache key (the files' paths, inodes and modification times): the
    same extracts copied elsewhere, or a file touched, were cited under another version (an outside audit). It
    is now a hash of what the build holds: the same for a byte-identical copy in another directory, built in
    another cache, for a touched police.uk file, for files written in another month, gzipped or moved into a
    sub-folder; another for one count changed, and back again when the change is undone."""
    import gzip
    import shutil
    import time

    a = Store(data_dir)
    copy = tmp_path / "elsewhere" / "data"
    shutil.copytree(data_dir, copy)  # new inodes and modification times
    b = Store(copy, cache=tmp_path / "other-cache")
    try:
        assert a.version != b.version  # two builds (the cache keys differ) ...
        assert a.data_version == b.data_version and len(a.data_version) == 10  # ... of the same data
        police = next((copy / "police_uk").iterdir())
        before = b.status.serving
        os.utime(police, (time.time() + 5, time.time() + 5))
        b.refresh()
        assert b.status.serving != before and b.data_version == a.data_version  # rebuilt, the same data
        # written in another month (a copy made later, without its times), gzipped, moved into a sub-folder: the
        # same rows, the same version (an outside audit: the months the files were written, and their paths)
        for f in copy.rglob("*.csv"):
            os.utime(f, (time.time() - 86400 * 62, time.time() - 86400 * 62))
        gz = police.with_name(police.name + ".gz")
        gz.write_bytes(gzip.compress(police.read_bytes()))
        police.unlink()
        (copy / "police_uk" / "2020").mkdir()
        gz.rename(copy / "police_uk" / "2020" / gz.name)
        b.refresh()
        assert b.status.current and b.data_version == a.data_version
        original = (copy / "partner_monthly.csv").read_text()
        (copy / "partner_monthly.csv").write_text(
            original.replace("cse,2020-02,E05000001,4", "cse,2020-02,E05000001,6")
        )
        b.refresh()
        changed = b.data_version
        assert changed != a.data_version and queries.run(b, "monthly", indicator="cse").value.iloc[1] != 4
        (copy / "partner_monthly.csv").write_text(original)
        b.refresh()
        assert b.data_version == a.data_version != changed
    finally:
        a.close()
        b.close()


def test_broken_extract_keeps_the_last_good_build_serving(data_dir):
    s = Store(data_dir)
    good = s.status.serving
    (data_dir / "partner_monthly.csv").write_text(FILES["partner_monthly.csv"] + "cse,2020-05,E05000001,-3\n")
    st = s.refresh()
    assert not st.current
    assert st.serving == good
    assert [str(p) for p in st.problems] == [
        "partner_monthly.csv:8: value: the count (not quoted: it may be a small number) is below the minimum 0"
    ]
    assert queries.run(s, "monthly", indicator="cse").value.tolist()[0] == 3
    # A new process also finds the last good build.
    again = Store(data_dir)
    assert again.status.serving == good and not again.status.current
    s.close()
    again.close()


def test_nothing_to_serve_raises_with_the_problems(data_dir):
    (data_dir / "areas.csv").write_text("area_code\n")
    with pytest.raises(BuildError) as exc:
        Store(data_dir)
    assert "areas.csv:1: area_name: column is missing from the header" in [str(p) for p in exc.value.report.problems]


def test_building_never_writes_into_the_data_directory(data_dir, tmp_path):
    before = sorted(p.as_posix() for p in data_dir.rglob("*"))
    Store(data_dir).close()
    assert sorted(p.as_posix() for p in data_dir.rglob("*")) == before


def test_threads_each_get_their_own_cursor(store):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: queries.run(store, "cycle_summary", indicator="asb").total.sum(), range(40)))
    assert results == [25] * 40


def test_a_killed_build_leaves_no_temporary_file_behind_for_long(data_dir, tmp_path):
    """A build killed mid-write leaves `NAME.duckdb.tmp-PID-THREAD` (and its .wal); the next build prunes it
    once its process is gone, and leaves a live builder's file alone."""
    import subprocess
    import sys

    s = Store(data_dir)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    killed = [s.cache / f"abc.duckdb.tmp-{dead_pid}-1", s.cache / f"abc.duckdb.tmp-{dead_pid}-1.wal"]
    live = s.cache / f"def.duckdb.tmp-{os.getppid()}-1"  # a process that is running
    for p in [*killed, live]:
        p.write_bytes(b"x" * 1000)
    ev = data_dir / "events.csv"
    st = ev.stat()
    os.utime(ev, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a changed file: the next refresh builds anew
    s.refresh()
    assert not any(p.exists() for p in killed)
    assert live.exists()
    s.close()


@pytest.mark.parametrize(
    "name, change",
    [
        ("a row of spaces", lambda text: text + "   \n"),
        ("a row of spaces in the middle", lambda text: text.replace("\n", "\n  \n", 2)),
        ("a last line ending in a lone carriage return", lambda text: text.rstrip("\n") + "\r"),
        ("Windows line endings", lambda text: text.replace("\n", "\r\n")),
        ("old Mac line endings", lambda text: text.replace("\n", "\r")),
        ("mixed line endings", lambda text: text.replace("\n", "\r", 2)),
    ],
)
def test_every_extract_validation_passes_is_served_as_validated(data_dir, name, change):
    """Python's reader (validation) accepts a few lines DuckDB's refuses or reads otherwise; the build then
    loads the rows validation read, so it never fails on valid data and never serves other rows. What
    validation refuses leaves the last good build serving."""
    clean = Store(data_dir)
    want = {f: clean.sql(f"SELECT * FROM {f.removesuffix('.csv')}") for f in FILES if "/" not in f}
    clean.close()
    for f in want:
        path = data_dir / f
        path.write_bytes(change(path.read_text()).encode())
    valid = contract.validate(data_dir).ok  # a lone \r ending a line inside a file is refused, with its line
    s = Store(data_dir)
    if valid:
        assert s.status.current and not s.status.problems, (name, [str(p) for p in s.status.problems])
    else:  # the last good build keeps serving
        assert not s.status.current and "carriage return" in s.status.problems[0].message, name
    for f, frame in want.items():
        got = s.sql(f"SELECT * FROM {f.removesuffix('.csv')}")
        assert got.equals(frame), (name, f)
    s.close()


def test_a_build_failing_where_validation_did_not_foresee_keeps_the_last_good_build(data_dir, monkeypatch):
    first = Store(data_dir)
    served = first.status.serving
    before = queries.run(first, "monthly", indicator="asb")

    def failing(*a, **k):
        raise store_mod.duckdb.IOException("IO Error: Input is not a GZIP stream\nmore detail")

    monkeypatch.setattr(store_mod, "build", failing)
    (data_dir / "events.csv").write_text((data_dir / "events.csv").read_text() + "\n")  # a change: a new build
    status = first.refresh()
    assert status.serving == served and not status.current
    assert [str(p) for p in status.problems] == ["(build):0: -: the build failed: IO Error: Input is not a GZIP stream"]
    assert queries.run(first, "monthly", indicator="asb").equals(before)
    first.close()


def test_an_event_of_one_source_is_drawn_only_on_that_sources_indicators(data_dir):
    """A police.uk gap names `source` police_uk: it marks burglary (police.uk) but not CSE (a partner's)."""
    (data_dir / "events.csv").write_text(
        "event_date,title,category,indicator_id,source,description\n"
        "2020-02-15,Campaign,service,cse,,\n"
        "2020-03-01,Force supplied no data,recording,,police_uk,\n"
        "2020-03-23,Lockdown,covid,,,\n"
        "2020-04-01,Partner system change,recording,,partner,\n"
    )
    s = Store(data_dir)
    titles = {i: list(queries.run(s, "events", indicator=i).title) for i in ("asb", "cse", "slavery")}
    assert titles == {
        "asb": ["Force supplied no data", "Lockdown"],
        "cse": ["Campaign", "Lockdown", "Partner system change"],
        "slavery": ["Lockdown", "Partner system change"],
    }
    changes = queries.run(s, "recording_changes")
    assert list(changes.source) == ["police_uk", "partner"]


def test_a_partner_month_not_over_when_the_file_was_written_is_left_out_as_incomplete(data_dir):
    """partner_monthly.csv last written on 15 April 2020: its April rows are a part month. They are named by a
    warning (file, line, column) and left out of every figure, as a missing month is; March and before stay."""
    from safer import views

    pm = data_dir / "partner_monthly.csv"
    written = 1586908800  # 2020-04-15 00:00 UTC
    os.utime(pm, (written, written))
    warnings = [str(p) for p in contract.validate(data_dir).problems if p.severity == "warning"]
    assert warnings == [
        "partner_monthly.csv:5: month: warning: 2020-04 had not ended when this file was last written (2020-04): "
        "cse's 2020-04 is incomplete and left out of every figure"
    ]
    s = Store(data_dir)
    cse = queries.run(s, "monthly", indicator="cse")
    assert list(cse.month) == ["2020-01", "2020-02"] and list(cse.value) == [3, 4]
    assert list(queries.run(s, "monthly", indicator="slavery").value) == [1, 2]  # earlier months kept
    assert (
        s.sql("SELECT count(*) AS n FROM fact_monthly WHERE month >= DATE '2020-04-01' AND indicator_id = 'cse'").n[0]
        == 0
    )
    cov = queries.run(s, "extract_coverage").set_index("indicator_id")
    assert (cov.loc["cse", "last_month"], cov.loc["cse", "incomplete_months"]) == ("2020-02", "2020-04")
    assert cov.incomplete_months.isna().sum() == 3
    notes = views.trend(s, "cse", None).notes
    assert any(n.startswith("Apr 2020 is left out: partner_monthly.csv was last written in Apr 2020") for n in notes)
    # written again after April ended: the month is whole, and is counted
    os.utime(pm, (written + 40 * 86400,) * 2)
    s2 = Store(data_dir)
    assert list(queries.run(s2, "monthly", indicator="cse").month) == ["2020-01", "2020-02", "2020-03", "2020-04"]


def test_an_extract_rewritten_while_the_build_runs_is_not_served(data_dir, monkeypatch):
    """Validation reads a file, then the build loads it again: a file rewritten in between (same row count,
    unvalidated values) must not be served as current. The build is thrown away and the next check builds the
    new files, which validation then refuses."""
    s = Store(data_dir)
    good = s.version
    pm = data_dir / "partner_monthly.csv"
    real_validate = contract.validate

    def validate_then_rewrite(*args, **kwargs):
        report = real_validate(*args, **kwargs)
        pm.write_text(FILES["partner_monthly.csv"].replace("cse,2020-02,E05000001,4", "cse,2020-02,E05999999,-4"))
        return report

    monkeypatch.setattr(contract, "validate", validate_then_rewrite)
    (data_dir / "events.csv").write_text(FILES["events.csv"] + "2020-05-01,New,other,,\n")
    status = s.refresh()
    assert not status.current and s.version == good
    assert [str(p) for p in status.problems] == [
        "(build):0: -: an extract changed while the build ran, so it was not used; it is built again at the next check"
    ]
    monkeypatch.setattr(contract, "validate", real_validate)
    status = s.refresh()  # the rewritten file is validated now, and refused
    assert not status.current and s.version == good
    assert any(p.file == "partner_monthly.csv" and p.line == 4 for p in status.problems)
    assert int(s.sql("SELECT min(value) AS v FROM partner_monthly").v[0]) >= 0


def test_the_dashboard_s_check_builds_new_extracts_aside_while_the_last_good_build_serves(data_dir, monkeypatch):
    """`refresh(wait=False)`: a build of changed extracts runs in a background thread; meanwhile every reader
    gets the last good build at once (a large or broken extract no longer holds every session's page), and
    `status.building` says so; when it is done, the new build serves. Extracts validation refused are not
    validated again at every check."""
    import threading

    s = Store(data_dir)
    old = s.version
    release, started = threading.Event(), threading.Event()
    real_build = store_mod.build

    def slow_build(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(store_mod, "build", slow_build)
    monkeypatch.setattr(store_mod, "BUILD_WAIT_SECONDS", 0.05)
    (data_dir / "events.csv").write_text(FILES["events.csv"] + "2020-05-01,New,other,,\n")
    status = s.refresh(wait=False)
    assert started.wait(10) and status.building and s.version == old
    assert len(queries.run(s, "events", indicator="asb")) == 1  # the last good build answers meanwhile
    assert s.refresh(wait=False).building  # one build at a time; the next check just waits a little
    release.set()
    s._builder.join(30)
    assert not s.status.building and s.status.current and s.version != old
    assert len(queries.run(s, "events", indicator="asb")) == 2
    # a broken extract: validated once, then not again until a file changes
    calls = []
    monkeypatch.setattr(store_mod, "build", lambda *a, **k: (calls.append(1), real_build(*a, **k))[1])
    (data_dir / "partner_monthly.csv").write_text(FILES["partner_monthly.csv"] + "cse,2020-05,E05999999,1\n")
    for _ in range(3):
        s.refresh(wait=False)
        if s._builder:
            s._builder.join(30)
    assert len(calls) == 1 and not s.status.current and s.status.problems[0].file == "partner_monthly.csv"


def test_a_same_size_rewrite_with_its_old_modification_time_put_back_is_seen(data_dir):
    """A corrected partner extract copied in with its old size and modification time kept (`cp -p`, `rsync -t`:
    one figure 4 -> 5) was not seen: the old build kept serving, the correction never shown. The partnership's
    own extracts are known by their content too (`store._content_digest`); a new hard link to one (its change
    time moves, its content does not) is no change."""
    s = Store(data_dir)
    pm = data_dir / "partner_monthly.csv"
    before = FILES["partner_monthly.csv"]
    after = before.replace("cse,2020-02,E05000001,4", "cse,2020-02,E05000001,5")
    assert len(after) == len(before) and after != before
    old = s.version
    st = pm.stat()
    pm.write_text(after)
    os.utime(pm, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert contract.file_identity(pm.stat()) == contract.file_identity(st)  # nothing but the content moved
    status = s.refresh()
    assert status.current and s.version != old
    rows = s.sql("SELECT value FROM partner_monthly WHERE month = DATE '2020-02-01' AND area_code = 'E05000001' "
                 "AND indicator_id = 'cse'")  # fmt: skip
    assert list(rows.value) == [5]
    fp = store_mod.fingerprint(data_dir)
    os.link(pm, data_dir.parent / "another-link.csv")  # its ctime moves
    assert store_mod.fingerprint(data_dir) == fp and s.refresh().current and s.version != old


def test_a_same_size_rewrite_with_its_old_modification_time_put_back_while_the_build_runs_is_not_served(
    data_dir, monkeypatch
):
    """A rewrite in place of the same size whose modification time is set back, after validation read the file
    and before the build ends: the build loads the rows validation read, never the file again, and the
    fingerprint (which holds the content of the partnership's own extracts) sees the change, so the build is
    thrown away and the next check validates the file as it is now."""
    s = Store(data_dir)
    pm = data_dir / "partner_monthly.csv"
    good = FILES["partner_monthly.csv"].replace("cse,2020-02,E05000001,4", "cse,2020-02,E05000001,5")
    bad = good.replace("cse,2020-02,E05000001,5", "cse,2020-02,E05999999,9")
    assert len(bad) == len(good)
    real_validate = contract.validate

    def validate_then_rewrite(*args, **kwargs):
        report = real_validate(*args, **kwargs)
        st = pm.stat()
        with open(pm, "r+", encoding="utf-8") as f:
            f.write(bad)
        os.utime(pm, ns=(st.st_atime_ns, st.st_mtime_ns))
        return report

    pm.write_text(good)
    old = s.version
    monkeypatch.setattr(contract, "validate", validate_then_rewrite)
    status = s.refresh()
    assert not status.current and s.version == old
    assert [str(p) for p in status.problems] == [
        "(build):0: -: an extract changed while the build ran, so it was not used; it is built again at the next check"
    ]
    monkeypatch.setattr(contract, "validate", real_validate)
    status = s.refresh()  # the file as it is now: refused, and the last good build serves
    assert not status.current and s.version == old
    assert any(p.file == "partner_monthly.csv" and "E05999999" in p.message for p in status.problems)
    rows = s.sql(
        "SELECT area_code, value FROM partner_monthly WHERE month = DATE '2020-02-01' AND indicator_id = 'cse'"
    )
    assert list(zip(rows.area_code, rows.value)) == [("E05000001", 4)]  # the last good build, never the bad rows


def test_a_modification_time_before_the_months_a_file_holds_is_not_believed(data_dir):
    """Unzipped from an archive dated 1 January 1980 (or copied with `cp -p`), partner_monthly.csv's time says
    nothing about which month was not over: one warning says so, and every month is kept (before, every partner
    month was left out as "not over")."""
    pm = data_dir / "partner_monthly.csv"
    os.utime(pm, (315532800, 315532800))  # 1980-01-01 UTC
    warnings = [str(p) for p in contract.validate(data_dir).problems if p.severity == "warning"]
    assert warnings == [
        "partner_monthly.csv:1: -: warning: the file's modification time (1980-01) is before months it holds, so it "
        "cannot say which month was not over when it was written: every month is kept (touch the file once it is "
        "saved)"
    ]
    s = Store(data_dir)
    assert list(queries.run(s, "monthly", indicator="cse").dropna().month) == ["2020-01", "2020-02", "2020-04"]
    assert s.sql("SELECT count(*) AS n FROM incomplete_months").n[0] == 0


def test_the_month_a_file_was_written_is_the_uk_s(tmp_path):
    """A nightly extract written at 00:30 BST on 1 October 2026 (23:30 UTC on 30 September) was written in
    October: September is whole, and is not left out."""
    import datetime as dt

    f = tmp_path / "partner_monthly.csv"
    f.write_text("x")
    t = dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC).timestamp()
    os.utime(f, (t, t))
    assert contract.written_month(f) == "2026-10"
    t = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC).timestamp()  # GMT in winter: still December
    os.utime(f, (t, t))
    assert contract.written_month(f) == "2026-12"


def test_a_file_still_being_copied_in_is_not_built_half_written(data_dir, monkeypatch):
    """An analyst copies a new partner extract into the directory while the dashboard checks it: the part copied
    so far ends at a row's end, valid by the contract, and was built and served (cse's last month 10 instead of
    27 in an outside audit), then kept as the last good data. A store already serving now builds once no extract
    has changed for `SETTLE_SECONDS`, so it builds the whole file."""
    import threading
    import time

    monkeypatch.setattr(store_mod, "SETTLE_SECONDS", 0.5)
    s = Store(data_dir)
    pm = data_dir / "partner_monthly.csv"
    rows = [f"cse,2020-0{m},E05000001,{m}\n" for m in range(5, 10)]
    full = FILES["partner_monthly.csv"] + "".join(rows)
    pm.write_text(full[: len(full) - sum(map(len, rows[2:]))])  # the first two new rows copied so far

    def copy_the_rest():
        for r in rows[2:]:
            time.sleep(0.15)
            with pm.open("a") as f:
                f.write(r)

    writer = threading.Thread(target=copy_the_rest)
    writer.start()
    try:
        status = s.refresh()
    finally:
        writer.join()
    assert status.current and s.refresh().current  # the build served is of the whole file: nothing to rebuild
    got = s.sql("SELECT value FROM partner_monthly WHERE indicator_id = 'cse' AND month >= DATE '2020-05-01'")
    assert sorted(got.value.astype(int)) == [5, 6, 7, 8, 9]


def test_a_modification_time_ahead_of_the_clock_never_makes_this_month_complete(data_dir):
    """partner_monthly.csv holding this month's first rows, with a modification time half a year ahead (a
    share's skewed clock, an archive's): the month is not over, so it is incomplete and left out, as with the
    file written now (an outside audit: it was counted as a whole month of 2 where about 25 is usual)."""
    import datetime as dt
    import time

    this_month = dt.datetime.now().strftime("%Y-%m")
    pm = data_dir / "partner_monthly.csv"
    pm.write_text(FILES["partner_monthly.csv"] + f"cse,{this_month},E05000001,2\n")
    ahead = time.time() + 200 * 86400
    os.utime(pm, (ahead, ahead))
    assert contract.written_month(pm) in {this_month, dt.datetime.now(dt.UTC).strftime("%Y-%m")}
    warnings = [p.message for p in contract.validate(data_dir).problems if p.severity == "warning"]
    assert any(f"cse's {this_month} is incomplete and left out of every figure" in w for w in warnings)
