"""police.uk street files checked (and loaded) by DuckDB, at national scale.

Python's `csv` module checks about 250,000 rows a second a core, which is what keeps every message
`FILE:LINE: COLUMN: message` exact; sixty million rows need something faster. DuckDB reads the files and
checks, in SQL, every rule `safer.contract` applies to a police.uk row. The rule is one-sided: a file DuckDB
finds clean is accepted as it is; a file with any problem, or anything DuckDB could not be sure it read the
way Python's reader would, is handed back to the Python checker, which writes the messages (so every message
and line number is exactly as before). The SQL check is never less strict than the Python one
(`tests/test_police_sql.py` runs both over every bad file the tests know).

What sends a file back to Python (each is cheap to see, and each is something where the two readers could
differ or where a line number is needed):

- its first line is not exactly the published header (a byte-order mark allowed);
- it holds a double quote, a carriage return that does not end a line (`\r\n` and `\n` endings both
  pass, mixed or not), a NUL byte or an empty line anywhere (quoting is where Python's and DuckDB's CSV
  readers disagree, quoted values may span lines, a lone `\r` ends a line for Python, and DuckDB skips empty
  lines silently where Python reports them); a gzipped file's bytes are checked as they are decompressed;
- its path holds a character DuckDB's file readers take as a wildcard (`*`, `?`, `[`): DuckDB would read the
  files the path matches as a pattern, not the file itself (`police_uk/2024-0[1]-x-street.csv` reads
  `2024-01-x-street.csv`, a second time), so such a file is checked and loaded by Python only (`literal`);
- DuckDB rejects a row (wrong number of fields, bad UTF-8, an over-long line) or cannot read the file;
- it has no data rows;
- any value breaks a rule: Month `YYYY-MM` (ASCII digits, month 01-12) from the first police.uk release to next
  month; Reported by, Falls within and Crime type present; Longitude and Latitude blank or an ASCII decimal
  number (`-?[0-9]+(.[0-9]+)?(e±NNN)?`) within ±180 / ±90; LSOA code blank or `[EW]01` and six digits; a line
  of at most 1,000,000 bytes (Python allows 1 MiB; a gzipped file's lines are measured before DuckDB reads
  it, so a gzip bomb of one endless line is not inflated by DuckDB).

With a target table (the store's per-file row cache) the rows DuckDB read while checking are kept for the
files it found clean, so one read both checks and loads. Files go through in batches of about
`BATCH_BYTES`, so memory stays bounded whatever the number of files.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

BATCH_BYTES = 256 * 1024 * 1024  # CSV bytes per DuckDB statement
TEXT_SCAN_BYTES = 32 * 1024 * 1024  # bytes read as text per DuckDB statement (each file whole)
TEXT_SCAN_MAX_BYTES = 64 * 1024 * 1024  # bigger files are scanned in chunks by Python, not held whole
OWN_MEMORY_LIMIT = "256MB"  # checking without a row cache (`safer validate`: issue 11 keeps it within 500 MB)
GZIP_RATIO = 8  # a police.uk street file gzipped is about an eighth of its size (batches are sized in CSV bytes)
MAX_LINE_SIZE = 1_000_000  # DuckDB rejects a longer line: below contract.MAX_LINE_BYTES, whatever it counts
# A gzipped file inflating more than MAX_RATIO times its size is a gzip bomb (police.uk files gzip about 8 times);
# only one smaller than RATIO_FLOOR inflated may exceed it (a header and a few rows can). The ingest holds zip
# archives' members to the same numbers; `contract` uses these.
MAX_RATIO = 200
RATIO_FLOOR = 64 * 1024


def inflate_limit(path: Path) -> int:
    """The most bytes the gzipped file at `path` may inflate to (`MAX_RATIO`, `RATIO_FLOOR`)."""
    return max(RATIO_FLOOR, MAX_RATIO * path.stat().st_size)


FLOAT_PATTERN = r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?"  # contract.FLOAT_RE
MONTH_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]"  # contract.MONTH_RE (and the month 01-12 beside it)
LSOA_GLOB = "[EW]01[0-9][0-9][0-9][0-9][0-9][0-9]"  # contract.LSOA_CODE_RE


GLOB_CHARACTERS = "*?["  # what DuckDB's file readers (read_csv, read_text) expand as a pattern in a path


def literal(path: str | Path) -> bool:
    """Whether DuckDB's file readers read `path` as the one file it names: a path holding a wildcard character
    (`GLOB_CHARACTERS`) is read as a pattern, the files it matches instead (another month's file, twice), so such
    a file is never given to them: the Python checker and loader read it."""
    return not any(ch in str(path) for ch in GLOB_CHARACTERS)


@dataclass(frozen=True)
class Rules:
    """What the contract says of a police.uk file (given by `safer.contract`, which this module does not import):
    its FileSpec (columns in the published order, with types), the first police.uk month and next month."""

    spec: Any
    first_month: str
    next_month: str

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.spec.columns]


def _name(col: str) -> str:
    return col.lower().replace(" ", "_")


# The columns of a police.uk row the store keeps: what its model reads (the month, the force, the crime type, the
# LSOA that places it in a ward). Every column of every row is still checked as it is read; the others (the crime's
# id, its point and street, its outcome) are not kept: writing them was half of a national build (a 64-character
# id per crime, 1.6 s a GB of 5.5; the kept four 2.8 s a GB), and no query reads them.
KEPT = ("Month", "Falls within", "Crime type", "LSOA code")


def kept(spec) -> list:
    """The contract's police.uk columns (`spec`: its FileSpec) the store keeps (`KEPT`), in the file's order."""
    return [c for c in spec.columns if c.name in KEPT]


def columns(spec) -> list[tuple[str, str]]:
    """The (name, DuckDB type) of each column a police.uk row (`spec`: the contract's police.uk FileSpec) is loaded
    as (`KEPT`)."""
    types = {"month": "DATE", "float": "DOUBLE"}
    return [(_name(c.name), types.get(c.type, "VARCHAR")) for c in kept(spec)]


def columns_sql(spec) -> str:
    """`columns` as SQL: 'month DATE, falls_within VARCHAR, ...'."""
    return ", ".join(f"{name} {kind}" for name, kind in columns(spec))


def _q(col: str) -> str:
    return '"' + col + '"'


def _typed_select(spec) -> str:
    """Each kept raw value (`KEPT`) cast to its type; `try_` so that a bad value gives NULL (its file is then
    rejected: the checks in `row_ok_sql` read the raw values of every column)."""
    out = []
    for c in kept(spec):
        src = f"nullif({_q(c.name)}, '')"
        if c.type == "month":
            expr = f"TRY_CAST({src} || '-01' AS DATE)"
        elif c.type == "float":
            expr = f"TRY_CAST({src} AS DOUBLE)"
        else:
            expr = src
        out.append(f"{expr} AS {_name(c.name)}")
    return ", ".join(out)


def _float_ok(col: str, limit: int) -> str:
    v = _q(col)
    return (
        f"({v} IS NULL OR (regexp_full_match({v}, '{FLOAT_PATTERN}') "
        f"AND TRY_CAST({v} AS DOUBLE) BETWEEN -{limit} AND {limit}))"
    )


def row_ok_sql() -> str:
    """True for a row every Python check passes (empty values are NULL as DuckDB reads them). GLOB patterns
    where they say exactly what the regular expression says (they are cheaper); a line's length is left to
    DuckDB's `max_line_size` (a longer line is rejected, so its file goes to Python). The months it allows are
    bound ($first_month, $next_month: `_params`), never written into the SQL."""
    m = _q("Month")
    lsoa = _q("LSOA code")
    return (
        "coalesce("
        + " AND ".join(
            [
                f"{m} GLOB '{MONTH_GLOB}'",
                f"substr({m}, 6, 2) BETWEEN '01' AND '12'",
                f"{m} BETWEEN $first_month AND $next_month",
                *(f"{_q(c)} IS NOT NULL" for c in ("Reported by", "Falls within", "Crime type")),
                _float_ok("Longitude", 180),
                _float_ok("Latitude", 90),
                f"({lsoa} IS NULL OR {lsoa} GLOB '{LSOA_GLOB}')",
            ]
        )
        + ", false)"
    )


def _read_csv(columns: list[str], param: str, rejects: bool) -> str:
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
    extra = (
        ", store_rejects=true, rejects_table='police_rejects', rejects_scan='police_reject_scans'" if rejects else ""
    )
    return (
        f"read_csv(${param}, auto_detect=false, header=true, delim=',', quote='\"', escape='\"', "
        f"columns={{{cols}}}, filename=true, max_line_size={MAX_LINE_SIZE}{extra})"
    )


# --------------------------------------------------------------------------- the bytes


def _bytes_clean(chunks: Iterable[bytes], header: str, longest: int | None = None) -> bool:
    """The byte checks (see the module doc) over a file given as consecutive chunks, never whole in memory; with
    `longest`, also no line longer than that (a gzipped file: DuckDB would inflate the whole of a gzip bomb of
    one endless line before finding it too long, Python's checker names it at once)."""
    head = header.encode()
    start = b""  # the file's first bytes, until they hold the header line (a BOM and "\r\n" at most)
    carry = b""  # the last two bytes of what came before: a line ending or an empty line may span chunks
    line = 0  # bytes of the line still open at the end of the chunks so far
    for chunk in chunks:
        if start is not None:
            start += chunk
            if len(start) < len(head) + 5:
                continue
            body = start[3:] if start.startswith(b"\xef\xbb\xbf") else start
            if not (body.startswith(head + b"\n") or body.startswith(head + b"\r\n")):
                return False
            chunk, start = start, None
        if b'"' in chunk or b"\0" in chunk:
            return False
        if b"\r" in chunk or carry.endswith(b"\r"):
            text = (carry + chunk).replace(b"\r\n", b"\n")
            if b"\r" in text[:-1] or b"\n\n" in text:  # a final \r may end a line with the next chunk's \n
                return False
        elif b"\n\n" in chunk or (carry.endswith(b"\n") and chunk.startswith(b"\n")):
            return False
        carry = (carry + chunk[-2:])[-2:]
        if longest is None:
            continue
        first_nl = chunk.find(b"\n")
        if first_nl < 0:
            line += len(chunk)
        else:
            line, before = len(chunk) - chunk.rfind(b"\n") - 1, line + first_nl
            if before > longest or max(map(len, chunk.split(b"\n"))) > longest:
                return False
        if line > longest:
            return False
    if start is not None:  # a file shorter than its header line and a few bytes: no data row
        return False
    return not carry.endswith(b"\r")


class _Inflated(Exception):
    """A gzipped file inflating beyond `inflate_limit`: Python's checker names it (a gzip bomb)."""


def _chunks(path: Path, size: int = 1 << 24) -> Iterable[bytes]:
    gz = path.name.endswith(".gz")
    limit, total = (inflate_limit(path) if gz else None), 0
    with gzip.open(path, "rb") if gz else open(path, "rb") as f:
        while chunk := f.read(size):
            total += len(chunk)
            if limit is not None and total > limit:  # DuckDB would read it all into the store
                raise _Inflated
            yield chunk


def _bytes_ok_python(path: Path, header: str) -> bool:
    """The byte checks for a big or gzipped file, a few MB at a time."""
    try:
        return _bytes_clean(_chunks(path), header, MAX_LINE_SIZE if path.name.endswith(".gz") else None)
    except (OSError, EOFError, zlib.error, _Inflated):  # unreadable, a corrupt gzip stream or a gzip bomb: Python's
        return False  # checker says why


def _bytes_ok(con, paths: list[Path], header: str) -> set[str]:
    """The files (as str) whose bytes allow DuckDB's reading to stand in for Python's (see the module doc)."""
    ok: set[str] = set()
    small = []
    for p in paths:
        if not literal(p):  # DuckDB would read the files it matches as a pattern: Python checks it
            continue
        try:
            size = p.stat().st_size
        except OSError:
            continue
        if size > TEXT_SCAN_MAX_BYTES or p.name.endswith(".gz"):
            if _bytes_ok_python(p, header):
                ok.add(str(p))
        else:
            small.append(str(p))
    if not small:
        return ok
    sql = (  # lf: the content with \r\n endings read as \n (a file without \r is not copied)
        "SELECT filename FROM (SELECT filename, content, CASE WHEN contains(content, chr(13)) "
        "THEN replace(content, chr(13) || chr(10), chr(10)) ELSE content END AS lf FROM read_text($files)) "
        "WHERE (starts_with(lf, $head) OR starts_with(lf, chr(65279) || $head)) AND NOT contains(content, '\"') "
        "AND NOT contains(content, chr(0)) AND NOT contains(lf, chr(13)) AND NOT contains(lf, chr(10) || chr(10))"
    )
    head = header + "\n"

    def scan(cur, groups: list[list[str]]) -> set[str]:
        got: set[str] = set()
        for group in groups:
            try:
                got.update(r[0] for r in cur.execute(sql, {"files": group, "head": head}).fetchall())
            except duckdb.Error:  # one unreadable file (not UTF-8, gone): each on its own
                for f in group:
                    with contextlib.suppress(duckdb.Error):
                        got.update(r[0] for r in cur.execute(sql, {"files": [f], "head": head}).fetchall())
        return got

    # read_text holds a file whole, and a whole statement's files at once: a few MB at a time. One statement reads
    # its files on one core, so the groups are scanned side by side, as many at once as DuckDB has threads, each
    # worker with a connection of its own to the same database (the national build's byte checks took 19 s of its
    # 108 on one of two cores)
    groups = list(batches(small, lambda f: Path(f).stat().st_size, TEXT_SCAN_BYTES))
    workers = min(len(groups), _threads(con))
    if workers <= 1:
        return ok | scan(con, groups)
    cursors = [con.cursor() for _ in range(workers)]
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="safer-bytes") as pool:
            for got in pool.map(scan, cursors, [groups[i::workers] for i in range(workers)]):
                ok.update(got)
    finally:
        for cur in cursors:
            cur.close()
    return ok


def _threads(con) -> int:
    """DuckDB's thread setting for `con` (`SET threads`), at least 1."""
    try:
        return max(1, int(con.execute("SELECT current_setting('threads')").fetchone()[0]))
    except (duckdb.Error, TypeError, ValueError):
        return 1


# --------------------------------------------------------------------------- checking (and loading)


def csv_bytes(path: Path) -> int:
    """About how many bytes of CSV DuckDB reads from `path` (a gzipped police.uk file inflates about 8 times)."""
    size = path.stat().st_size
    return size * GZIP_RATIO if path.name.endswith(".gz") else size


def batches(items: list, size_of: Callable, limit: int = BATCH_BYTES) -> Iterable[list]:
    """`items` in consecutive groups of about `limit` bytes (each group at least one item)."""
    group, total = [], 0
    for it in items:
        s = size_of(it)
        if group and total + s > limit:
            yield group
            group, total = [], 0
        group.append(it)
        total += s
    if group:
        yield group


def _rows_sql(rules: Rules, check: bool) -> str:
    """Every row of the files `$files` as typed columns (file_id first; with `check`, `ok` last)."""
    where = "" if check else f"WHERE {_not_all_empty(rules.columns)}"
    return f"""SELECT m.file_id, {_typed_select(rules.spec)}, {row_ok_sql() if check else "true"} AS ok
        FROM {_read_csv(rules.columns, "files", rejects=check)} r
        JOIN (SELECT unnest($paths) AS path, unnest($ids) AS file_id) m ON m.path = r.filename {where}"""


def _params(files: list[tuple[int, str]], rules: Rules, check: bool) -> dict:
    return {
        "files": [p for _i, p in files],
        "paths": [p for _i, p in files],
        "ids": [i for i, _p in files],
        **({"first_month": rules.first_month, "next_month": rules.next_month} if check else {}),
    }


def _insert(con, table: str, files: list[tuple[int, str]], rules: Rules, check: bool) -> None:
    con.execute(f"INSERT INTO {table} {_rows_sql(rules, check)}", _params(files, rules, check))


def _not_all_empty(columns: list[str]) -> str:
    return "NOT (" + " AND ".join(f"nullif({_q(c)}, '') IS NULL" for c in columns) + ")"


SUMMARY = """SELECT file_id, count(*), bool_and(ok), strftime(min(month), '%Y-%m'), strftime(max(month), '%Y-%m'),
    list(DISTINCT [falls_within, strftime(month, '%Y-%m')])"""


def _summaries(con, table: str, ids: list[int]) -> dict[int, dict]:
    """Per file: its row count, first and last month, (Falls within, Month) pairs, and whether every row was ok."""
    rows = con.execute(
        f"{SUMMARY} FROM {table} WHERE file_id BETWEEN $lo AND $hi AND list_contains($ids, file_id) GROUP BY file_id",
        {"lo": min(ids), "hi": max(ids), "ids": ids},
    ).fetchall()
    return _summary_dict(rows)


def _summary_dict(rows: list[tuple]) -> dict[int, dict]:
    return {
        fid: {"rows": n, "ok": bool(ok), "period": [first, last], "keys": keys}
        for fid, n, ok, first, last, keys in rows
    }


def _rejected(con) -> set[str]:
    """The files DuckDB rejected a row of in the last read (and the reject tables emptied). No error is raised
    here: inside a transaction one would abort it."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    if not {"police_rejects", "police_reject_scans"} <= have:
        return set()
    bad = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT s.file_path FROM police_rejects e JOIN police_reject_scans s "
            "ON e.scan_id = s.scan_id AND e.file_id = s.file_id"
        ).fetchall()
    }
    con.execute("DELETE FROM police_rejects")
    con.execute("DELETE FROM police_reject_scans")
    return bad


def _check_batch(con, table: str | None, files: list[tuple[int, str]], rules: Rules) -> dict[int, dict]:
    """Read `files` into `table` checking every row; return the summaries of the files found clean (the rows of
    the others are deleted again). Without a table the rows are only summarised as they are read (memory
    bounded by the summaries, not the rows). Raises duckdb.Error when the batch cannot be read as a whole."""
    ids = [i for i, _p in files]
    _rejected(con)  # no rejects left over from an earlier failed statement
    if table is None:
        sql = f"{SUMMARY} FROM ({_rows_sql(rules, check=True)}) GROUP BY file_id"
        summaries = _summary_dict(con.execute(sql, _params(files, rules, check=True)).fetchall())
        rejected = _rejected(con)
    else:
        _insert(con, table, files, rules, check=True)
        rejected = _rejected(con)
        summaries = _summaries(con, table, ids)
    clean = {i: summaries[i] for i, p in files if p not in rejected and i in summaries and summaries[i]["ok"]}
    dirty = [i for i in ids if i not in clean]
    if dirty and table is not None:
        con.execute(f"DELETE FROM {table} WHERE list_contains($ids, file_id)", {"ids": dirty})
    return clean


def summary_for_contract(s: dict, columns: list[str]) -> dict:
    """A clean file's summary as `contract._police_result` gives it, with the line each (Falls within, Month)
    pair first appears on: line 2 when the file holds one pair (its first line is the header and it has no empty
    line and no value over two lines, or DuckDB would not have passed it); otherwise 0, not known, and
    `contract._check_police_months` asks the Python checker for the lines if a pair is in two files."""
    line = 2 if len(s["keys"]) == 1 else 0
    return {
        "header": list(columns),
        "row_count": s["rows"],
        "period": s["period"],
        "month_keys": sorted([f, m, line] for f, m in s["keys"]),
    }


def check_files(
    files: list[tuple[Path, int]],
    rules: Rules,
    con: duckdb.DuckDBPyConnection | None = None,
    table: str | None = None,
    on_batch: Callable[[duckdb.DuckDBPyConnection, dict[int, dict]], None] | None = None,
) -> dict[int, dict]:
    """Check `files` (path, id) in DuckDB; return {id: summary} for the files found clean (see the module doc).

    With `con` and `table` (a table of `file_id BIGINT`, the columns of `columns_sql()` and `ok BOOLEAN`), the
    rows of clean files are kept in `table`, each batch in its own transaction, `on_batch(con, clean)` called
    inside it (to record the files beside their rows). Without, the rows are summarised as they are read.
    """
    own = con is None
    if own:
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{OWN_MEMORY_LIMIT}'")
        table = None  # rows summarised as they are read, not kept
    clean: dict[int, dict] = {}
    try:
        sizes = {str(p): csv_bytes(p) for p, _i in files}
        for group in batches([(i, str(p)) for p, i in files], lambda f: sizes[f[1]]):
            byte_ok = _bytes_ok(con, [Path(p) for _i, p in group], ",".join(rules.columns))
            batch = [f for f in group if f[1] in byte_ok]
            if not batch:
                continue
            got = _run_batch(con, table, batch, rules, None if own else on_batch)
            if got is None and len(batch) > 1:
                for one in batch:  # a file DuckDB cannot read fails its whole statement: each on its own
                    clean.update(_run_batch(con, table, [one], rules, None if own else on_batch) or {})
            else:
                clean.update(got or {})
    finally:
        if own:
            con.close()
    return clean


def _run_batch(con, table: str | None, part: list[tuple[int, str]], rules: Rules, on_batch) -> dict[int, dict] | None:
    con.execute("BEGIN TRANSACTION")
    try:
        got = _check_batch(con, table, part, rules)
        if on_batch is not None:
            on_batch(con, got)
        con.execute("COMMIT")
    except duckdb.Error:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        return None
    return got


def insert_frame(con, table: str, file_id: int, frame, rules: Rules) -> None:
    """Rows read by Python (a DataFrame of text, the published column names) into `table`, typed as DuckDB
    would type them: for a valid file DuckDB cannot read (a line ending in a lone carriage return, a row of
    spaces, zero bytes after a gzip stream), which Python's reader accepts."""
    con.register("police_rows_read", frame)
    try:
        con.execute(
            f"INSERT INTO {table} SELECT $fid, {_typed_select(rules.spec)}, true FROM police_rows_read",
            {"fid": file_id},
        )
    finally:
        con.unregister("police_rows_read")


def load_files(con, table: str, files: list[tuple[int, str]], rules: Rules) -> None:
    """Read already validated files into `table` (no checks; all-empty rows left out, as Python skips them). A
    path DuckDB would read as a pattern (`literal`) raises ValueError: its caller loads it as Python reads it."""
    odd = [p for _i, p in files if not literal(p)]
    if odd:
        raise ValueError(f"{odd[0]}: a path DuckDB reads as a pattern, not as the file")
    sizes = {p: csv_bytes(Path(p)) for _i, p in files}
    for batch in batches(files, lambda f: sizes[f[1]]):
        _insert(con, table, batch, rules, check=False)
