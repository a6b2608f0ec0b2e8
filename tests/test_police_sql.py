"""DuckDB's check of police.uk files (safer.police_sql) is never less strict than the Python checker, and every
message and line number is the Python checker's.

Each variant below is one police.uk file; the Python checker (`contract._police_result`) and DuckDB
(`police_sql.check_files`) both look at it. Whatever Python finds (an error or a warning), DuckDB must not pass
the file; a file DuckDB passes must be one Python passes, with the same row count, months and (force, month)
pairs. Then the whole data directory is validated with DuckDB first and with Python alone: the messages are
identical.
"""

from __future__ import annotations

import gzip

import pytest
from helpers import POLICE_ROWS, police_csv

from safer import contract, police_sql
from safer.store import Store

REL = "police_uk/2020-06-test-street.csv"
GOOD = police_csv("2020-06", POLICE_ROWS["2020-06"] + POLICE_ROWS["2020-04"])  # 9 data rows, lines 2-10
HEADER = ",".join(contract.POLICE_UK_COLUMNS)


def _row(month="2020-06", lon="-2.1", lat="53.4", lsoa="E01000001", ctype="Burglary", force="Test Police", **kw):
    v = {"cid": "x1", "loc": "On or near Test Street", "name": "Testborough 001A", "outcome": "Under investigation"}
    v |= kw
    return f"{v['cid']},{month},{force},{force},{lon},{lat},{v['loc']},{lsoa},{v['name']},{ctype},{v['outcome']},"


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


def _last(new: str) -> str:
    return GOOD.rstrip("\n") + "\n" + new  # a bad value on the last line, no newline after it


VARIANTS: dict[str, bytes | str] = {
    "good": GOOD,
    "bom": "\ufeff" + GOOD,
    "no final newline": GOOD.rstrip("\n"),
    "crlf": GOOD.replace("\n", "\r\n"),
    "crlf, no final newline": GOOD.rstrip("\n").replace("\n", "\r\n"),
    "crlf and lf mixed": _replace_line(GOOD, 4, GOOD.split("\n")[3] + "\r"),
    "crlf with a blank line": GOOD.replace("\n", "\r\n") + "\r\n",
    "crlf header, then a blank line": GOOD.replace("\n", "\r\n", 1).replace("\r\n", "\r\n\r\n", 1),
    "cr at the very end": GOOD + "\r",
    "lone cr": GOOD.replace("\n", "\r"),
    "cr inside a value": _replace_line(GOOD, 3, _row(loc="On or\rnear")),
    "quoted newline": _replace_line(GOOD, 3, _row(loc='"On or\nnear Test Street"')),
    "quoted value": _replace_line(GOOD, 3, _row(loc='"On or near, Test Street"')),
    "quoted month": _replace_line(GOOD, 3, _row(month='"2020-06"')),
    "space before quote": _replace_line(GOOD, 3, _row(month=' "2020-06"')),
    "text after closing quote": _replace_line(GOOD, 3, _row(loc='"On or near"x')),
    "quote inside a value": _replace_line(GOOD, 3, _row(loc='On or "near"')),
    "unterminated quote": _replace_line(GOOD, 3, _row(loc='"On or near')),
    "trailing blank lines": GOOD + "\n\n",
    "blank line in the middle": _replace_line(GOOD, 4, "\n" + _row()),
    "blank lines before the header": "\n\n" + GOOD,
    "all-empty row": _replace_line(GOOD, 5, "," * 11),
    "whitespace-only row": _replace_line(GOOD, 5, "   "),
    "whitespace-only last line": GOOD + "   ",
    "empty file": "",
    "header only": HEADER + "\n",
    "header with spaces": GOOD.replace("Crime ID,Month", " Crime ID , Month", 1),
    "quoted header": GOOD.replace("Crime ID,Month", '"Crime ID",Month', 1),
    "wrong header order": GOOD.replace("Crime ID,Month", "Month,Crime ID", 1),
    "missing column": GOOD.replace(",Context", "", 1),
    "extra column": GOOD.replace(",Context", ",Context,Extra", 1),
    "too many fields": _replace_line(GOOD, 4, _row() + ",extra"),
    "too few fields": _replace_line(GOOD, 4, "x,2020-06,Test Police"),
    "bad month on the last line": _last(_row(month="2020-13")),
    "month 00": _replace_line(GOOD, 6, _row(month="2020-00")),
    "year 0": _replace_line(GOOD, 6, _row(month="0000-06")),
    "future month": _replace_line(GOOD, 6, _row(month="2099-01")),
    "before the first release": _replace_line(GOOD, 6, _row(month="2009-05")),
    "month with a day": _replace_line(GOOD, 6, _row(month="2020-06-01")),
    "month with a space": _replace_line(GOOD, 6, _row(month="2020-06 ")),
    "month in Arabic-Indic digits": _replace_line(GOOD, 6, _row(month="٢٠٢٠-٠٦")),
    "empty month": _replace_line(GOOD, 6, _row(month="")),
    "longitude ٣": _replace_line(GOOD, 7, _row(lon="-٣.1")),
    "latitude 1_0": _replace_line(GOOD, 7, _row(lat="5_3.4")),
    "longitude inf": _replace_line(GOOD, 7, _row(lon="inf")),
    "longitude nan": _replace_line(GOOD, 7, _row(lon="nan")),
    "longitude 1e999": _replace_line(GOOD, 7, _row(lon="1e999")),
    "longitude 181": _replace_line(GOOD, 7, _row(lon="181")),
    "latitude -90.5": _replace_line(GOOD, 7, _row(lat="-90.5")),
    "longitude +2.1": _replace_line(GOOD, 7, _row(lon="+2.1")),
    "longitude .5": _replace_line(GOOD, 7, _row(lon=".5")),
    "longitude 5.": _replace_line(GOOD, 7, _row(lon="5.")),
    "longitude with a space": _replace_line(GOOD, 7, _row(lon=" -2.1")),
    "longitude 0x10": _replace_line(GOOD, 7, _row(lon="0x10")),
    "longitude decimal comma": _replace_line(GOOD, 7, _row(lon='"-2,1"')),
    "longitude 1e2 (fine)": _replace_line(GOOD, 7, _row(lon="1e2", lat="-5E-1")),
    "lsoa lower case": _replace_line(GOOD, 8, _row(lsoa="e01000001")),
    "lsoa too long": _replace_line(GOOD, 8, _row(lsoa="E010000011")),
    "lsoa ١": _replace_line(GOOD, 8, _row(lsoa="E0100000١")),
    "lsoa S01 (Scotland)": _replace_line(GOOD, 8, _row(lsoa="S01000001")),
    "empty crime type": _replace_line(GOOD, 9, _row(ctype="")),
    "empty falls within": _replace_line(GOOD, 9, _row(force="")),
    "space crime type (fine)": _replace_line(GOOD, 9, _row(ctype=" ")),
    "unknown crime type (fine)": _replace_line(GOOD, 9, _row(ctype="Pickpocketing")),
    "two forces in one file (fine)": _replace_line(GOOD, 9, _row(force="Other Police")),
    "two months in one file (fine)": _replace_line(GOOD, 9, _row(month="2020-05")),
    "not UTF-8": GOOD.encode().replace(b"Test Street", b"Test Stra\xdfe", 1),
    "UTF-8 surrogate": GOOD.encode().replace(b"Test Street", b"Test \xed\xa0\x80Street", 1),
    "NUL byte": GOOD.replace("Test Street", "Test\x00Street", 1),
    "line over 1 MiB": _replace_line(GOOD, 3, _row(loc="x" * (1 << 20))),
    "line of 1,040,000 bytes": _replace_line(GOOD, 3, _row(loc="x" * 1_040_000)),
}
GZIPPED = {
    "gzip": GOOD,
    "gzip, crlf": GOOD.replace("\n", "\r\n"),
    "gzip with a bad month": _last(_row(month="2020-13")),
    "gzip with a quoted value": _replace_line(GOOD, 3, _row(loc='"On or near, Test Street"')),
    "gzip with a blank line": GOOD + "\n",
    "gzip, line over 1 MiB": _replace_line(GOOD, 3, _row(loc="x" * (1 << 20))),
    "gzip, one endless line": HEADER + "\n" + "x" * (3 << 20),
}
BROKEN_GZIP = {
    "gzip cut short": gzip.compress(GOOD.encode())[:-12],
    "gzip with a corrupt stream": gzip.compress(GOOD.encode())[:20] + b"\xff" * 40,
    "gzip header only, no stream": gzip.compress(GOOD.encode())[:10],
}


def _write(data_dir, name: str):
    pol = data_dir / "police_uk"
    (pol / "2020-06-test-street.csv").unlink()
    if name in GZIPPED or name in BROKEN_GZIP:
        path = pol / "2020-06-test-street.csv.gz"
        path.write_bytes(BROKEN_GZIP[name] if name in BROKEN_GZIP else gzip.compress(GZIPPED[name].encode()))
    else:
        path = pol / "2020-06-test-street.csv"
        v = VARIANTS[name]
        path.write_bytes(v if isinstance(v, bytes) else v.encode())
    return path


def _python_only(data_dir, monkeypatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setattr(police_sql, "check_files", lambda *a, **k: {})
        return [str(p) for p in contract.validate(data_dir).problems]


@pytest.mark.parametrize("name", [*VARIANTS, *GZIPPED, *BROKEN_GZIP])
def test_duckdb_never_passes_what_python_refuses_and_messages_are_unchanged(data_dir, monkeypatch, name):
    path = _write(data_dir, name)
    rel = path.relative_to(data_dir).as_posix()
    py_problems, py_summary = contract._police_result(str(path), rel)
    found = police_sql.check_files([(path, 7)], contract.police_rules())
    if py_problems:
        assert 7 not in found, (name, py_problems)
    if 7 in found:
        sql = police_sql.summary_for_contract(found[7], contract.POLICE_UK_COLUMNS)
        assert py_summary is not None
        assert sql["row_count"] == py_summary["row_count"] and sql["period"] == py_summary["period"]
        py_keys = sorted(py_summary["month_keys"])
        assert [k[:2] for k in sql["month_keys"]] == [k[:2] for k in py_keys]
        assert all(s[2] in (0, p[2]) for s, p in zip(sql["month_keys"], py_keys))  # a line said is exact
    assert [str(p) for p in contract.validate(data_dir).problems] == _python_only(data_dir, monkeypatch)


@pytest.mark.parametrize(
    "name",
    [
        "good",
        "bom",
        "no final newline",
        "crlf",
        "crlf, no final newline",
        "crlf and lf mixed",
        "gzip",
        "gzip, crlf",
        "longitude 1e2 (fine)",
        "space crime type (fine)",
        "two months in one file (fine)",
    ],
)
def test_clean_files_are_passed_by_duckdb_without_python(data_dir, name):
    path = _write(data_dir, name)
    assert 7 in police_sql.check_files([(path, 7)], contract.police_rules())  # so the fast path is the one tested above


@pytest.mark.parametrize("name", [*VARIANTS])
def test_the_byte_checks_give_the_same_answer_whatever_the_chunks(name):
    """Big and gzipped files are checked a few MB at a time: a line ending, an empty line or the header split
    across two chunks is seen as in one piece."""
    v = VARIANTS[name]
    data = v if isinstance(v, bytes) else v.encode()
    whole = police_sql._bytes_clean([data], HEADER)
    for size in (1, 2, 3, 5, 64):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert police_sql._bytes_clean(chunks, HEADER) == whole, (name, size)


@pytest.mark.parametrize("name", [*VARIANTS])
def test_the_line_length_check_gives_the_same_answer_whatever_the_chunks(name):
    """A gzipped file's lines are measured as it is inflated (a gzip bomb of one endless line never reaches
    DuckDB): a line split across chunks is measured whole."""
    v = VARIANTS[name]
    data = v if isinstance(v, bytes) else v.encode()
    if len(data) > 100_000:
        return
    lines = data.split(b"\n")  # a line ending \r\n: its \r counts, as DuckDB counts it
    top = max(map(len, lines))
    for longest in (top - 1, top, len(HEADER) + 1):
        want = police_sql._bytes_clean([data], HEADER) and max(map(len, lines)) <= longest
        for size in (1, 3, 64, 1000):
            chunks = [data[i : i + size] for i in range(0, len(data), size)]
            assert police_sql._bytes_clean(chunks, HEADER, longest) == want, (name, longest, size)


def test_crlf_and_gzipped_files_load_the_same_rows_as_plain_ones(data_dir):
    """A file saved with Windows line endings, or gzipped, goes through DuckDB and its rows are the plain file's
    (no carriage return left in the last column)."""

    def rows(name):
        path = _write(data_dir, name)
        s = Store(data_dir)
        got = s.sql("SELECT * EXCLUDE (source_path) FROM police_uk_rows WHERE source_path LIKE $p", {"p": REL + "%"})
        s.close()
        path.unlink()
        (data_dir / "police_uk" / "2020-06-test-street.csv").write_text(GOOD)
        return got.sort_values(list(got.columns)).reset_index(drop=True)

    plain = rows("good")
    assert len(plain) == 9
    for name in ("crlf", "crlf and lf mixed", "gzip, crlf"):
        assert rows(name).equals(plain), name


def test_a_month_in_two_files_names_the_exact_lines_even_when_duckdb_checked_them(data_dir, monkeypatch):
    """DuckDB does not know the line of each (force, month) pair in a file holding several: the Python checker
    is asked for them only when a pair is in two files, and the message is the one Python alone gives."""
    _write(data_dir, "two months in one file (fine)")  # 2020-06, and 2020-05 first on line 9
    (data_dir / "police_uk" / "again").mkdir()
    (data_dir / "police_uk" / "again" / "2020-05-copy-street.csv").write_text(police_csv("2020-05", [("", "Drugs")]))
    errs = [str(p) for p in contract.validate(data_dir).errors]
    assert errs == [
        "police_uk/2020-06-test-street.csv:9: Month: 2020-05 for Test Police is also in "
        "police_uk/2020-05-test-street.csv: it would be counted twice; keep one release of each month",
        "police_uk/again/2020-05-copy-street.csv:2: Month: 2020-05 for Test Police is also in "
        "police_uk/2020-05-test-street.csv: it would be counted twice; keep one release of each month",
    ]
    assert [str(p) for p in contract.validate(data_dir).problems] == _python_only(data_dir, monkeypatch)


def test_a_file_python_passes_but_duckdb_does_not_is_still_loaded(data_dir):
    """Quoted values send a file to the Python checker; its rows still reach the store (loaded on their own), each
    with the values Python read (a quoted value over two lines does not shift the row's other columns)."""
    import csv

    path = _write(data_dir, "quoted newline")
    s = Store(data_dir)
    files = s.sql("SELECT source_path, rows FROM police_uk_files WHERE source_path = $p", {"p": REL})
    assert files.rows.tolist() == [9]
    wards = {r["lsoa_code"] for r in csv.DictReader((data_dir / "lsoa_ward_lookup.csv").open())}
    with path.open(newline="") as f:
        read = sorted(
            (r["Month"], r["Crime type"], r["LSOA code"]) for r in csv.DictReader(f) if r["LSOA code"] in wards
        )
    got = s.sql(
        "SELECT strftime(month, '%Y-%m') AS m, crime_type, lsoa_code FROM police_uk_rows WHERE source_path = $p",
        {"p": REL},
    )
    assert sorted(got.itertuples(index=False, name=None)) == read and len(read) >= 5, (read, got)
    s.close()


PADDED_GZIP = {"gzip padded with zeros": gzip.compress(GOOD.encode()) + b"\0" * 512}


@pytest.mark.parametrize("name", [*VARIANTS, *GZIPPED, *PADDED_GZIP])
def test_every_file_python_passes_is_loaded_whole(data_dir, name):
    """Whatever reads a valid file into the store (DuckDB, or Python where DuckDB cannot), the store holds
    every row Python counted, or the build says which file it could not load: never a crash, never fewer rows."""
    if name in PADDED_GZIP:
        path = data_dir / "police_uk" / "2020-06-test-street.csv.gz"
        (data_dir / "police_uk" / "2020-06-test-street.csv").unlink()
        path.write_bytes(PADDED_GZIP[name])
    else:
        path = _write(data_dir, name)
    rel = path.relative_to(data_dir).as_posix()
    _py_problems, py_summary = contract._police_result(str(path), rel)
    if contract.validate(data_dir).errors:
        return  # not valid: the build keeps the last good data (tests/test_store.py)
    s = Store(data_dir)
    try:
        assert s.status.current and not s.status.problems, (name, [str(p) for p in s.status.problems])
        # every row read (police_uk_rows keeps the counted forces' rows in the area: one row of another force in
        # a file is read and left out of the counts, as a transport police file's are)
        n = s.sql("SELECT rows AS n FROM police_uk_files WHERE source_path = $p", {"p": rel}).n[0]
        assert n == py_summary["row_count"], name
    finally:
        s.close()


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_the_byte_checks_side_by_side_pass_the_same_files_as_one_at_a_time(tmp_path, monkeypatch, threads):
    """The byte checks' statements each read their files on one core (19 s of a 108 s national build), so they
    run side by side, one connection a worker: whatever the number of workers and however the files fall into
    statements, the same files pass, an unreadable one (not UTF-8) fails alone without its statement's others."""
    import duckdb

    bad = {
        "quote": _replace_line(GOOD, 3, _row(loc='"On or near, Test Street"')).encode(),
        "nul": GOOD.replace("Test Street", "Test\0Street", 1).encode(),
        "not utf-8": GOOD.encode().replace(b"Test Street", b"Test \xff Street", 1),
        "blank line": _replace_line(GOOD, 4, "\n" + _row()).encode(),
        "lone cr": GOOD.replace("\n", "\r").encode(),
        "header": GOOD.replace("Crime ID,Month", "Month,Crime ID", 1).encode(),
    }
    paths, want = [], set()
    for i in range(24):
        kind = list(bad)[i % len(bad)] if i % 3 == 0 else "good"
        p = tmp_path / f"2020-{i:02d}-test-street.csv"
        p.write_bytes(bad.get(kind, GOOD.encode()))
        paths.append(p)
        if kind == "good":
            want.add(str(p))
    assert 0 < len(want) < len(paths)
    for limit in (1, 2 * len(GOOD), 10 * len(GOOD), 10**9):  # one file a statement, a few, all in one
        monkeypatch.setattr(police_sql, "TEXT_SCAN_BYTES", limit)
        con = duckdb.connect()
        try:
            con.execute(f"SET threads TO {threads}")
            assert police_sql._bytes_ok(con, paths, HEADER) == want, (threads, limit)
        finally:
            con.close()
