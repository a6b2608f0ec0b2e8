"""One police.uk cache for every data directory under a cache base, keyed by the file's identity (device, inode,
size, modification time) and the build code: a second partnership over the same (hard-linked) files reads none
of them again, and a changed file never reuses what was read from the old one."""

from __future__ import annotations

import os
import shutil

import pandas as pd

from safer import contract, police_sql, queries
from safer.store import Store


def _linked_dir(src, dst):
    """A second data directory: its own copies of the small extracts, hard links to the police.uk files."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("police_uk"))
    for p in sorted((src / "police_uk").rglob("*.csv")):
        target = dst / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, target)
    return dst


def _reads(monkeypatch) -> list[str]:
    """Every police.uk file read by either checker or loaded, by name."""
    reads: list[str] = []
    real_check, real_load, real_py = police_sql.check_files, police_sql.load_files, contract._police_result
    monkeypatch.setattr(
        police_sql, "check_files", lambda files, *a: reads.extend(p.name for p, _i in files) or real_check(files, *a)
    )
    monkeypatch.setattr(
        police_sql,
        "load_files",
        lambda con, t, files, r: reads.extend(p for _i, p in files) or real_load(con, t, files, r),
    )
    monkeypatch.setattr(contract, "_police_result", lambda p, r: reads.append(r) or real_py(p, r))
    return reads


def _asb_in_ward(data_dir, police_file, ward: str) -> int:
    """An independent count: anti-social behaviour rows of `police_file` (as in `data_dir`) placed in `ward`."""
    lookup = pd.read_csv(data_dir / "lsoa_ward_lookup.csv")
    lsoas = set(lookup.loc[lookup.ward_code == ward, "lsoa_code"])
    rows = pd.read_csv(data_dir / "police_uk" / police_file.name, dtype=str, keep_default_na=False)
    return int(((rows["Crime type"] == "Anti-social behaviour") & rows["LSOA code"].isin(lsoas)).sum())


def _monthly(s, **kw) -> list:
    return [None if pd.isna(v) else int(v) for v in queries.run(s, "monthly", **kw).value]


def test_a_second_data_directory_over_the_same_files_reads_none_of_them(data_dir, tmp_path, monkeypatch):
    base = tmp_path / "cache-base"
    a = Store(data_dir, cache=base / "store-a")
    want = _monthly(a, indicator="asb")
    b_dir = _linked_dir(data_dir, tmp_path / "b")
    reads = _reads(monkeypatch)
    b = Store(b_dir, cache=base / "store-b")
    assert reads == []  # validated and loaded once, for both
    assert b.police_cache == a.police_cache == base / "police-shared"
    assert _monthly(b, indicator="asb") == want == [5, 4, None, 6, 1, 2, 7]
    paths = "SELECT source_path, rows FROM police_uk_files ORDER BY source_path"
    assert b.sql(paths).values.tolist() == a.sql(paths).values.tolist()
    a.close()
    b.close()


def test_a_file_changed_in_one_directory_is_read_again_and_the_other_keeps_its_own(data_dir, tmp_path, monkeypatch):
    base = tmp_path / "cache-base"
    a = Store(data_dir, cache=base / "store-a")
    b_dir = _linked_dir(data_dir, tmp_path / "b")
    b = Store(b_dir, cache=base / "store-b")
    reads = _reads(monkeypatch)
    # b's January is replaced (a new file, renamed over the link: a new inode), same size, other LSOA
    f = b_dir / "police_uk" / "2020-01-test-street.csv"
    tmp = f.with_suffix(".new")
    tmp.write_text(f.read_text().replace("E01000003", "E01000001"))
    st = f.stat()
    os.replace(tmp, f)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old modification time
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    b.refresh()
    assert reads == ["2020-01-test-street.csv"]
    jan_b = _monthly(b, indicator="asb", area="E05000002")[0]
    assert jan_b == _asb_in_ward(b_dir, f, "E05000002")
    a.refresh()
    jan_a = _monthly(a, indicator="asb", area="E05000002")[0]
    assert jan_a == _asb_in_ward(data_dir, f, "E05000002") and jan_a != jan_b  # each its own file
    assert _monthly(a, indicator="asb") == [5, 4, None, 6, 1, 2, 7]
    # a file rewritten in place (same inode, shared by both directories): both read it again, once
    reads.clear()
    g = data_dir / "police_uk" / "2020-02-test-street.csv"
    g.write_text(g.read_text().replace("2020-02", "2020-03"))
    a.refresh()
    b.refresh()
    assert reads == ["2020-02-test-street.csv"]
    assert _monthly(a, indicator="asb") == _monthly(b, indicator="asb")
    assert 4 in _monthly(a, indicator="asb") and a.status.current and b.status.current
    a.close()
    b.close()


def test_the_cache_is_only_a_cache(data_dir, tmp_path):
    """A damaged shared cache is started again; the build stays right."""
    base = tmp_path / "cache-base"
    s = Store(data_dir, cache=base / "store-a")
    want = _monthly(s, indicator="asb")
    s.close()
    (base / "police-shared" / "rows.duckdb").write_bytes(b"not a database")
    (base / "police-shared" / contract.VALIDATION_CACHE).write_text("{not json")
    shutil.rmtree(base / "store-a")
    s = Store(data_dir, cache=base / "store-a")
    assert _monthly(s, indicator="asb") == want
    s.close()


def test_a_cache_kept_with_other_columns_is_started_again_and_keeps_only_what_is_counted(data_dir, tmp_path):
    """The row cache keeps the columns the model reads (`police_sql.KEPT`): writing every column (a 64-character
    id per crime, its point, street and outcome) was half of a national build. A cache written by a version that
    kept others is started again, not read with the wrong columns, and the figures are the same."""
    import duckdb

    base = tmp_path / "cache-base"
    s = Store(data_dir, cache=base / "store-a")
    want = _monthly(s, indicator="asb")
    assert list(s.sql("SELECT * FROM police_uk_rows LIMIT 0").columns) == [
        "month",
        "crime_type",
        "ward_code",
        "lsoa_code",
        "source_path",
    ]
    s.close()
    db = base / "police-shared" / "rows.duckdb"
    con = duckdb.connect(str(db))
    kept = [r[0] for r in con.execute("DESCRIBE rows").fetchall()]
    assert kept == ["file_id", "month", "falls_within", "lsoa_code", "crime_type", "ok"]
    con.execute("ALTER TABLE rows ADD COLUMN crime_id VARCHAR")  # as an older version kept it
    con.close()
    shutil.rmtree(base / "store-a")
    s = Store(data_dir, cache=base / "store-b")
    try:
        assert _monthly(s, indicator="asb") == want and s.status.current
    finally:
        s.close()
    con = duckdb.connect(str(db))
    assert [r[0] for r in con.execute("DESCRIBE rows").fetchall()] == kept
    con.close()
