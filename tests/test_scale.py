"""Validation and building at scale: police.uk rows are not kept, results are cached per file, rebuilds are
incremental."""

from __future__ import annotations

import pandas as pd

from safer import contract, police_sql, queries
from safer.store import Store


def _values(s, **kw) -> list:
    return [None if pd.isna(v) else int(v) for v in queries.run(s, "monthly", **kw).value]


def _break(path, line_no: int, bad: str = "2020-13") -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line_no - 1] = lines[line_no - 1].replace(lines[line_no - 1].split(",")[1], bad, 1)
    path.write_text("".join(lines))


def test_police_rows_are_not_kept_but_counted_and_dated(data_dir):
    rep = contract.validate(data_dir)
    assert rep.ok
    t = next(t for t in rep.police_files if t.rel.endswith("2020-01-test-street.csv"))
    assert t.rows == [] and t.n_rows == 8 and t.period == ("2020-01", "2020-01")
    assert t.month_keys == {("Test Police", "2020-01"): 2}
    assert rep.rows_checked == sum(t.n_rows for t in rep.police_files) + sum(len(t.rows) for t in rep.tables.values())


def test_cached_results_are_reused_and_a_changed_file_is_checked_again(data_dir, tmp_path, monkeypatch):
    cache = tmp_path / "vcache"
    f = data_dir / "police_uk" / "2020-02-test-street.csv"
    _break(f, 3)
    first = [str(p) for p in contract.validate(data_dir, cache_dir=cache).errors]
    assert first == ["police_uk/2020-02-test-street.csv:3: Month: '2020-13' is not a month (YYYY-MM, month 01-12)"]
    calls, sql_calls = [], []
    real, real_sql = contract._police_result, police_sql.check_files
    monkeypatch.setattr(contract, "_police_result", lambda p, r: calls.append(r) or real(p, r))
    monkeypatch.setattr(
        police_sql, "check_files", lambda files, *a: sql_calls.extend(p.name for p, _i in files) or real_sql(files, *a)
    )
    assert [str(p) for p in contract.validate(data_dir, cache_dir=cache).errors] == first
    assert calls == [] and sql_calls == []  # nothing read again
    f.write_text(f.read_text().replace("2020-13", "2020-02"))
    assert contract.validate(data_dir, cache_dir=cache).ok
    assert sql_calls == ["2020-02-test-street.csv"]  # only the changed file, found clean by DuckDB
    assert calls == []
    _break(f, 4)
    errs = [str(p) for p in contract.validate(data_dir, cache_dir=cache).errors]
    assert errs == ["police_uk/2020-02-test-street.csv:4: Month: '2020-13' is not a month (YYYY-MM, month 01-12)"]
    assert calls == ["police_uk/2020-02-test-street.csv"]  # a bad file: the Python checker says where


def test_parallel_validation_reports_the_same_problems(data_dir, monkeypatch):
    _break(data_dir / "police_uk" / "2020-04-test-street.csv", 4)
    (data_dir / "police_uk" / "2020-05-test-street.csv").write_text(
        (data_dir / "police_uk" / "2020-05-test-street.csv").read_text() + "x,2020-05,too,few\n"
    )
    serial = [str(p) for p in contract.validate(data_dir, workers=1).problems]
    monkeypatch.setattr(contract, "PARALLEL_MIN_BYTES", 0)
    assert [str(p) for p in contract.validate(data_dir, workers=2).problems] == serial
    assert "police_uk/2020-05-test-street.csv:6: -: row has 4 fields, the header has 12" in serial


def test_double_counted_month_is_still_found_without_rows(data_dir):
    src = data_dir / "police_uk" / "2020-06-test-street.csv"
    (data_dir / "police_uk" / "again").mkdir()
    (data_dir / "police_uk" / "again" / "2020-06-copy-street.csv").write_text(src.read_text())
    errs = [str(p) for p in contract.validate(data_dir).errors]
    assert errs == [
        "police_uk/again/2020-06-copy-street.csv:2: Month: 2020-06 for Test Police is also in "
        "police_uk/2020-06-test-street.csv: it would be counted twice; keep one release of each month"
    ]


def test_incremental_rebuild_follows_added_changed_and_removed_files(data_dir):
    s = Store(data_dir)
    assert _values(s, indicator="asb") == [5, 4, None, 6, 1, 2, 7]
    pol = data_dir / "police_uk"
    (pol / "2020-03-test-street.csv").write_text(
        (pol / "2020-06-test-street.csv").read_text().replace("2020-06", "2020-03")
    )
    s.refresh()
    assert _values(s, indicator="asb") == [5, 4, 2, 6, 1, 2, 7]
    (pol / "2020-07-test-street.csv").unlink()
    f = pol / "2020-01-test-street.csv"
    f.write_text(f.read_text().replace("E01000003", "E01000001"))  # same count, other ward
    s.refresh()
    assert _values(s, indicator="asb") == [5, 4, 2, 6, 1, 2]
    assert _values(s, indicator="asb", area="E05000002") == [0, 0, 0, 6, 0, 0]
    files = queries.run(s, "police_uk_files")
    assert len(files) == 6 and int(files.rows.sum()) == 8 + 7 + 2 + 7 + 4 + 2
    cached = s.sql("SELECT count(*) FROM police_uk_files").iloc[0, 0]
    assert cached == 6
    s.close()
