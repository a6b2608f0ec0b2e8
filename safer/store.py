"""The DuckDB store: validated extracts loaded with explicit schemas, kept on disk.

A build is keyed by a fingerprint of the extracts (path and identity: device, inode, size, modification
time; for the partnership's own extracts, their content too) and of the code that builds it. A restart with
unchanged extracts opens the existing database without reading a CSV; a changed or added file triggers a
rebuild. A build that fails validation changes nothing: the last good database keeps serving and the problems
are kept for display.

Connections: one read-only connection per store, and a cursor per query, so that Streamlit's
threads never share a cursor.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import json
import os
import shutil
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import config, contract, datadir, police_sql, queries

# Bump when the shape of the built database changes; the source hash below covers code edits.
STORE_VERSION = "1"


class BuildError(Exception):
    """The extracts did not pass validation; `report.problems` says where."""

    def __init__(self, report: contract.Report):
        self.report = report
        super().__init__(
            f"{len(report.errors)} problems in the extracts; first: {report.errors[0]}"
            if report.errors
            else "extracts are not valid"
        )


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256(STORE_VERSION.encode())
    for mod in ("store.py", "contract.py", "police_sql.py"):  # what is checked, and what of it is kept
        h.update((Path(__file__).parent / mod).read_bytes())
    for model in sorted((config.QUERIES_DIR / "model").glob("*.sql")):  # the model the build runs
        h.update(model.name.encode() + model.read_bytes())
    return h.hexdigest()


_DIGESTS: dict[tuple[str, str, int], str] = {}  # (path, identity, change time) -> the file's content hash
_DIGESTS_LOCK = threading.Lock()


def _content_digest(p: Path, st: os.stat_result) -> str:
    """A hash of the file's content, read again only when its status changes (ctime, which no one can set back):
    a file rewritten with its old size and modification time put back (`cp -p`, `rsync -t`, `touch -r`) is seen,
    and a new hard link to it (which changes its ctime, not its content) leaves the fingerprint as it was."""
    key = (str(p), contract.file_identity(st), st.st_ctime_ns)
    with _DIGESTS_LOCK:
        hit = _DIGESTS.get(key)
    # a change time within the last seconds may be shared by two writes (the clock behind it ticks coarsely)
    if hit is not None and time.time_ns() - st.st_ctime_ns > 2 * 10**9:
        return hit
    h = hashlib.blake2b(digest_size=16)
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    with _DIGESTS_LOCK:
        if len(_DIGESTS) > 4096:
            _DIGESTS.clear()
        _DIGESTS[key] = h.hexdigest()
    return h.hexdigest()


def last_change(data_dir: Path) -> float:
    """When an extract last changed (the latest change time, seconds since the epoch; 0 for none): a copy in
    progress moves it with every write, and no one can set it back (as they can a modification time)."""
    newest = 0.0
    for p in contract.extract_files(data_dir):
        with contextlib.suppress(OSError):  # gone since it was listed: the next check sees that
            newest = max(newest, p.stat().st_ctime)
    return newest


def settle(data_dir: Path, quiet: float | None = None, most: float | None = None) -> None:
    """Wait until no extract has changed for `quiet` seconds (`SETTLE_SECONDS`), or `most` seconds at most
    (`SETTLE_MOST_SECONDS`): a build then reads whole files, not a copy in progress."""
    quiet = SETTLE_SECONDS if quiet is None else quiet
    deadline = time.monotonic() + (SETTLE_MOST_SECONDS if most is None else most)
    while quiet > 0:
        age = time.time() - last_change(data_dir)
        left = deadline - time.monotonic()
        if age >= quiet or age < 0 or left <= 0:  # a change time ahead of the clock (a share's) cannot be judged
            return
        time.sleep(min(quiet - age, left) + 0.01)


def fingerprint(data_dir: Path) -> str:
    """Hash of every extract's path and identity (device, inode, size, modification time), and of the build code.
    The partnership's own extracts (every file but police.uk's, small and edited by hand) add their content's
    hash (`_content_digest`); police.uk's downloads, up to tens of GB, are known by their identity alone."""
    items = []
    walk = contract.police_walk(data_dir)  # police_uk/ listed once for all four
    police = {e.path for e in walk}
    for p in contract.extract_files(data_dir, walk):  # a file replaced by another (a new inode) is a change too
        st = p.stat()
        item = [p.relative_to(data_dir).as_posix(), contract.file_identity(st)]
        if p not in police:
            item.append(_content_digest(p, st))
        items.append(item)
    items += [("link outside", n, kind) for n, kind in contract.outside_links(data_dir, walk)]  # refused: a change
    items += [("not a file", n) for n in contract.not_files(data_dir, walk)]  # refused (a named pipe): a change
    items += [("not read", n) for n in contract.police_not_read(data_dir, walk)]  # named in a warning: a change
    h = hashlib.sha256(_code_hash().encode())
    h.update(json.dumps(items).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- build

_SQL_TYPE = {"month": "DATE", "date": "DATE", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}


def _qi(name: str) -> str:
    """Quote an identifier that comes from the contract (never from user input)."""
    if not all(ch.isalnum() or ch in " _-" for ch in name):
        raise ValueError(f"unexpected identifier {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _cast(col: contract.Column, as_name: str) -> str:
    src = f"nullif({_qi(col.name)}, '')"
    if col.type == "month":
        expr = f"strptime({src} || '-01', '%Y-%m-%d')::DATE"
    elif col.type == "bool":
        expr = f"({src} = 'true')"
    elif col.type in _SQL_TYPE:
        expr = f"CAST({src} AS {_SQL_TYPE[col.type]})"
    else:
        expr = src
    return f"{expr} AS {_qi(as_name)}"


LOAD_CHUNK = 100_000  # rows a statement when rows read by Python are loaded


def _frames(rows: contract.Rows) -> Iterator[pd.DataFrame]:
    """Rows read by Python, as DataFrames of text, `LOAD_CHUNK` rows at a time."""
    for start in range(0, len(rows), LOAD_CHUNK):
        yield pd.DataFrame(rows.columns(start, start + LOAD_CHUNK), dtype=object)


def _load_table(con, table: str, spec: contract.FileSpec, t: contract.Table) -> None:
    """Load the rows validation read (as text, with the defaults of columns left out), cast to the contract's
    types. The file is never read again: a file rewritten after validation read it (in the same second, with
    its old modification time put back) cannot slip unvalidated values into the build."""
    _empty_table(con, table, spec)
    casts = ", ".join(_cast(spec.column(c), c) for c in spec.column_names)  # defaults are in the rows
    for frame in _frames(t.rows):
        con.register("rows_read", frame)
        try:
            con.execute(f"INSERT INTO {table} SELECT {casts} FROM rows_read")
        finally:
            con.unregister("rows_read")


def _empty_table(con, table: str, spec: contract.FileSpec) -> None:
    cols = ", ".join(f"{_qi(c.name)} {_SQL_TYPE.get(c.type, 'VARCHAR')}" for c in spec.columns)
    con.execute(f"CREATE TABLE {table} ({cols})")


def build(data_dir: Path, out_path: Path, cache_dir: Path, report: contract.Report | None = None) -> contract.Report:
    """Validate `data_dir` and build a fresh database at `out_path` (written aside, then renamed).

    In `cache_dir` (the shared police.uk cache, `police_cache_dir`), police.uk validation results and rows
    are kept per file, keyed by the file's identity, so a rebuild reads again only the files that were
    added or changed, and another data directory over the same (hard-linked) files reads none of them. One
    DuckDB read both checks a file and keeps its rows. Nothing is served from a build that failed.
    """
    data_dir = Path(data_dir)
    before = fingerprint(data_dir)  # the extracts this build is of: if they change while it runs, it is thrown away
    tmp = out_path.with_name(out_path.name + f".tmp-{os.getpid()}-{threading.get_ident()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    ok = False
    try:
        con.execute("SET threads TO 2")
        con.execute(f"SET memory_limit = '{BUILD_MEMORY_LIMIT}'")
        with _police_cache(con, Path(cache_dir)) as sink:
            if report is None:
                con.execute("SET preserve_insertion_order = false")  # police.uk rows: order is not kept
                try:
                    report = contract.validate(data_dir, cache_dir=cache_dir, sink=sink)
                finally:
                    con.execute("SET preserve_insertion_order = true")  # the extracts keep their order
            if not report.ok:
                raise BuildError(report)
            for name, spec in contract.SPECS.items():
                if name.endswith("/"):
                    continue
                table = name.removesuffix(".csv")
                t = report.tables.get(name)
                if t is None:
                    _empty_table(con, table, spec)
                else:
                    _load_table(con, table, spec, t)
            # when each extract was last written: a partner month not over by then is incomplete (the model)
            # partner indicators whose small counts look left out of the extract (validation's rule), for the pages
            con.execute("CREATE TABLE small_counts_left_out (indicator_id VARCHAR, lowest INTEGER)")
            if report.left_out:
                con.executemany("INSERT INTO small_counts_left_out VALUES (?, ?)", sorted(report.left_out.items()))
            con.execute("CREATE TABLE extract_files (file VARCHAR, written_month DATE)")
            written = [
                (n, contract.partner_written_month(t) if n == "partner_monthly.csv" else contract.written_month(t.path))
                for n, t in report.tables.items()
                if t.path.is_file()
            ]  # None: a modification time that cannot be believed (partner_written_month)
            con.executemany("INSERT INTO extract_files VALUES (?, CAST(? || '-01' AS DATE))", written)
            # the ward boundaries as validation checked them (`contract.Boundaries`): the Areas map reads them from
            # the build, never from the file, so a file broken since keeps the last good build's boundaries
            con.execute("CREATE TABLE ward_boundaries (geojson VARCHAR)")
            geo = report.boundaries.geojson if report.boundaries is not None else None
            if geo is not None:
                con.execute("INSERT INTO ward_boundaries VALUES (?)", [json.dumps(geo, separators=(",", ":"))])
            with _police_source(con, report, sink):
                for model in queries.list_models():  # queries/model/*.sql, each after what it reads
                    con.execute(model.sql)
            twice = _published_twice(con, report, data_dir)
            if twice:
                raise BuildError(contract.Report(problems=twice))
        if fingerprint(data_dir) != before:
            # a file was rewritten after validation read it: what was loaded may not be what was validated
            msg = "an extract changed while the build ran, so it was not used; it is built again at the next check"
            raise BuildError(contract.Report(problems=[contract.Problem("(build)", 0, "", msg)]))
        meta = {
            "fingerprint": before,
            "data_version": content_version(con),
            "data_dir": str(data_dir),
            "built_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "rows_checked": str(report.rows_checked),
            "files_checked": str(report.files_checked),
            "warnings": json.dumps([str(p) for p in report.warnings]),
        }
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        con.execute("CHECKPOINT")
        ok = True
    finally:
        con.close()
        if not ok:
            for p in (tmp, Path(str(tmp) + ".wal")):
                p.unlink(missing_ok=True)
    os.replace(tmp, out_path)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return report


# What a build holds about its files rather than their data, left out of the data version (`content_version`):
# when each extract was written (its effect on the figures, a partner month left out as incomplete, is in the
# model's tables) and the police.uk files' paths (a file gzipped, unzipped or moved to a sub-folder holds the same
# rows). An outside audit found the same extracts cited under two versions when copied in another month.
NOT_DATA_TABLES = ("extract_files", "meta")
NOT_DATA_COLUMNS = ("source_path", "other_source_path")


def content_version(con) -> str:
    """The data version cited on every stamp: a hash of what the build holds (every table's rows, names and
    columns, but what it holds about its files rather than their data: `NOT_DATA_TABLES`, `NOT_DATA_COLUMNS`),
    so the same extracts give the same version wherever they lie, however copied, touched, compressed or
    arranged in folders, and any change to what is served gives another. The build's identity (`fingerprint`:
    the files' identities and the code) keys the cache, not this.

    Rows are summed as hashes (DuckDB's `hash`, the same on every machine with the pinned DuckDB), so their
    order does not count; a DOUBLE column, the model's shares and ratios, is rounded to 9 decimal places
    first (a sum in parallel threads can differ in its last bits from one build to the next)."""
    cols = con.execute(
        "SELECT c.table_name, list(c.column_name ORDER BY c.column_index), "
        "list(c.data_type ORDER BY c.column_index) FROM duckdb_columns() AS c JOIN duckdb_tables() AS t "
        "ON c.table_oid = t.table_oid WHERE t.database_name = current_database() AND t.schema_name = 'main' "
        "AND NOT t.temporary GROUP BY c.table_name ORDER BY c.table_name"
    ).fetchall()
    h = hashlib.sha256(b"safer data version 1")
    for table, all_names, all_types in cols:
        if table in NOT_DATA_TABLES:
            continue
        kept = [(n, t) for n, t in zip(all_names, all_types, strict=True) if n not in NOT_DATA_COLUMNS]
        names, types = [n for n, _t in kept], [t for _n, t in kept]
        values = ", ".join(
            f"round({_qi(n)}, 9)" if t in ("DOUBLE", "FLOAT") else _qi(n) for n, t in zip(names, types, strict=True)
        )
        n, total = con.execute(f"SELECT count(*), sum(hash({values})) FROM {_qi(table)}").fetchone()
        h.update(json.dumps([table, names, types, n, str(total)]).encode())
    return h.hexdigest()[:10]


def _published_twice(con, report: contract.Report, data_dir: Path) -> list[contract.Problem]:
    """One force's month published again under a second name (the model's `police_uk_twice`), as problems at
    the line of the second name's file where that month's rows begin: counted, the month would be doubled and
    every month before the second name's first file read as missing."""
    rows = con.execute(
        "SELECT strftime(month, '%Y-%m'), falls_within, source_path, force_rows, other_falls_within, "
        "other_source_path, other_rows, shared_rows, other_first_month < first_month "
        "FROM police_uk_twice ORDER BY month, other_source_path"
    ).fetchall()
    files = {t.rel: t for t in report.police_files} | {str(t.path.resolve()): t for t in report.police_files}

    def where(path: str, name: str, month: str) -> tuple[str, int]:
        t = files.get(path) or files.get(str((data_dir / path).resolve()))
        if t is None:
            return str(path), 0
        line = (t.month_keys or {}).get((name, month))
        if not line:  # 0: not known (a file of more than one month, checked by DuckDB): the Python checker says
            exact = contract.check_file(t.path, t.rel, t.spec, [], keep_rows=False)
            line = ((exact.month_keys or {}) if exact is not None else {}).get((name, month)) or 2
        return t.rel, line

    out, seen = [], set()
    for month, name, path, n, other, other_path, other_n, shared, other_first in rows:
        if other_first:  # the file named is the second name's: the one whose first month with a file is later
            name, path, n, other, other_path, other_n = other, other_path, other_n, name, path, n
        rel, _line = where(path, name, month)
        other_rel, line = where(other_path, other, month)
        if (month, rel, other_rel) in seen:
            continue
        seen.add((month, rel, other_rel))
        msg = (
            f"{month} under {contract.shown(other)} ({other_n:,} rows where counts are made) holds largely the rows "
            f"{rel} holds under {contract.shown(name)} ({n:,}): {shared:,} fall in the same LSOAs and crime types. "
            "One force's month under two names would be counted twice (and every month before the second name's "
            "first file read as missing): keep one of the two files (a force renamed is counted under each name "
            "it has had, in different months)"
        )
        out.append(contract.Problem(other_rel, line, "Falls within", msg))
    return out


def check_build(data_dir: Path, report: contract.Report) -> list[contract.Problem]:
    """What a build of `data_dir` would be refused for beyond its validation (`report`, which passed): one
    force's month under a second name (`_published_twice`, from the built rows). Built aside in the cache, then
    removed; the police.uk rows it reads stay in the shared cache for the build after. `ingest` runs it on its
    staged directory, so such a file is refused before anything changes."""
    cache = config.cache_dir(Path(data_dir))  # the directory's own folder is not made: a staged one is new each time
    cache.parent.mkdir(parents=True, exist_ok=True)
    out = cache.parent / f"check-{os.getpid()}-{threading.get_ident()}.duckdb"
    try:
        build(Path(data_dir), out, police_cache_dir(cache), report=report)
    except BuildError as exc:
        return list(exc.report.errors)
    finally:
        for p in (out, Path(str(out) + ".wal")):
            p.unlink(missing_ok=True)
    return []


# How long the dashboard's check of the disk waits for a build of new extracts before serving the last good
# build while it runs (`Store.refresh(wait=False)`): a small directory is built by then, a large one is not.
BUILD_WAIT_SECONDS = config.seconds("SAFER_BUILD_WAIT_SECONDS", 3)

# The dashboard builds changed extracts once none has changed for this long: a file still being copied in (an
# analyst dropping a partner extract into the directory) is not built half-written. A copy cut at a row's end is
# valid by the contract, so it was served, and then kept as the last good data (an outside audit). Waited for by a
# store already serving (the dashboard's, in its build thread), at most `SETTLE_MOST_SECONDS`; the last good build
# serves meanwhile. A command's store, with nothing served yet, builds what it finds.
SETTLE_SECONDS = config.seconds("SAFER_SETTLE_SECONDS", 2)
SETTLE_MOST_SECONDS = 60.0

BUILD_MEMORY_LIMIT = "900MB"  # DuckDB's share of a build (issue 13: the whole process within 2 GB)
POLICE_SHARED = "police-shared"  # one police.uk cache for every store under a cache base
POLICE_ROWS_DB = "rows.duckdb"


def police_cache_dir(store_cache: Path) -> Path:
    """The police.uk cache shared by every store beside `store_cache` (under the same cache base)."""
    return Path(store_cache).parent / POLICE_SHARED


file_lock = datadir.file_lock  # one builder of a cache at a time (filelock: any OS)


def police_columns_sql() -> str:
    """The columns of the police.uk rows as loaded (`police_uk_source` while the model runs), as SQL."""
    return ", ".join([police_sql.columns_sql(contract.SPECS["police_uk/"]), "source_path VARCHAR"])


class _RowsDiffer(Exception):
    """DuckDB read another number of rows from a file than validation counted."""


class _PoliceSink:
    """The shared per-file police.uk row cache, attached as `pc`: `pc.files` (one row per file identity and
    build code, with the path it was last seen at) and `pc.rows` (each row with its file's id). Validation
    (`contract.validate(..., sink=)`) keeps the rows it read through `file_id` and `on_batch`."""

    table = "pc.rows"

    def __init__(self, con):
        self.con = con
        self.code = _code_hash()
        con.execute(
            "CREATE TABLE IF NOT EXISTS pc.files (file_id BIGINT PRIMARY KEY, ident VARCHAR, code VARCHAR, "
            "path VARCHAR)"
        )
        cols = police_sql.columns_sql(contract.SPECS["police_uk/"])
        con.execute(f"CREATE TABLE IF NOT EXISTS pc.rows (file_id BIGINT, {cols}, ok BOOLEAN)")
        have = [tuple(r[:2]) for r in con.execute("DESCRIBE pc.rows").fetchall()]
        want = [("file_id", "BIGINT"), *police_sql.columns(contract.SPECS["police_uk/"]), ("ok", "BOOLEAN")]
        if have != want:  # a cache written by a version that kept other columns: started again (`_police_cache`)
            raise duckdb.InvalidInputException(f"the police.uk row cache holds {have}, not {want}")
        old = con.execute("SELECT file_id FROM pc.files WHERE code <> $c", {"c": self.code}).fetchall()
        old = [r[0] for r in old]
        self._forget(old)  # rows read by other code
        self.known = dict(con.execute("SELECT ident, file_id FROM pc.files").fetchall())
        self.next_id = (con.execute("SELECT max(file_id) FROM pc.files").fetchone()[0] or 0) + 1
        self.pending: dict[int, tuple[str, str]] = {}

    def _forget(self, ids: list[int]) -> None:
        if ids:
            self.con.execute("DELETE FROM pc.rows WHERE list_contains($ids, file_id)", {"ids": ids})
            self.con.execute("DELETE FROM pc.files WHERE list_contains($ids, file_id)", {"ids": ids})

    def file_id(self, ident: str, path: Path) -> int:
        """A new id for a file about to be read (rows already kept for it are dropped: it is read again)."""
        if ident in self.known:
            self._forget([self.known.pop(ident)])
        fid = self.next_id
        self.next_id += 1
        self.pending[fid] = (ident, str(Path(path).resolve()))
        return fid

    def on_batch(self, con, clean: dict[int, dict]) -> None:
        rows = [[fid, *self.pending[fid], self.code] for fid in clean]
        if rows:
            con.execute(
                "INSERT INTO pc.files (file_id, ident, path, code) SELECT unnest($f), unnest($i), unnest($p), $c",
                {"f": [r[0] for r in rows], "i": [r[1] for r in rows], "p": [r[2] for r in rows], "c": self.code},
            )
            self.known.update({ident: fid for fid, ident, _p, _c in rows})

    def _load(self, batch: list[tuple[contract.Table, str]], python: bool = False) -> dict[int, str]:
        """Load a batch of validated police.uk files into the row cache in one transaction: read by DuckDB, each
        file's row count checked against validation's (raises `_RowsDiffer`, nothing kept); with `python`, the
        rows as Python's reader reads them (what validation read)."""
        con, rules = self.con, contract.police_rules()
        con.execute("BEGIN TRANSACTION")
        try:
            files = [(self.file_id(ident, t.path), str(t.path)) for t, ident in batch]
            if python:
                for (fid, _p), (t, _i) in zip(files, batch):
                    read = contract.check_file(t.path, t.rel, t.spec, [], keep_rows=True)
                    for frame in _frames(read.rows if read is not None else contract.Rows()):
                        police_sql.insert_frame(con, self.table, fid, frame, rules)
            else:
                police_sql.load_files(con, self.table, files, rules)
                ids = [fid for fid, _p in files]
                counts = dict(
                    con.execute(  # the range first: new ids are the highest, so DuckDB skips the rest of the cache
                        f"SELECT file_id, count(*) FROM {self.table} WHERE file_id BETWEEN $lo AND $hi "
                        "AND list_contains($ids, file_id) GROUP BY ALL",
                        {"ids": ids, "lo": min(ids), "hi": max(ids)},
                    ).fetchall()
                )
                if any(counts.get(fid, 0) != t.n_rows for (fid, _p), (t, _i) in zip(files, batch)):
                    raise _RowsDiffer
            self.on_batch(con, {fid: {} for fid, _p in files})
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return {fid: t.rel for (fid, _p), (t, _i) in zip(files, batch)}

    def sync(self, report: contract.Report) -> dict[int, str]:
        """Load the rows of validated files not yet kept (those the Python checker passed, or kept results whose
        rows are gone); drop files no data directory has any more. Returns {file id: path under police_uk/}."""
        here: dict[int, str] = {}
        missing: list[tuple[contract.Table, str]] = []
        for t in report.police_files:
            ident = contract.file_identity(t.path.stat())
            if ident in self.known:
                here[self.known[ident]] = t.rel
            else:
                missing.append((t, ident))
        # a path DuckDB would read as a pattern (`police_sql.literal`) is loaded as Python reads it, on its own
        for one in [m for m in missing if not police_sql.literal(m[0].path)]:
            here.update(self._load([one], python=True))
        missing = [m for m in missing if police_sql.literal(m[0].path)]
        for batch in police_sql.batches(missing, lambda m: police_sql.csv_bytes(m[0].path)):
            try:
                here.update(self._load(batch))
            except (duckdb.Error, _RowsDiffer):  # one file DuckDB cannot read as Python did: each on its own
                for one in batch:
                    try:
                        here.update(self._load([one]))
                    except (duckdb.Error, _RowsDiffer):
                        here.update(self._load([one], python=True))
        gone = [
            fid
            for fid, ident, path in self.con.execute("SELECT file_id, ident, path FROM pc.files").fetchall()
            if fid not in here and not _same_file(path, ident)
        ]
        self._forget(gone)
        return here


def _same_file(path: str, ident: str) -> bool:
    try:
        return contract.file_identity(os.stat(path)) == ident
    except OSError:
        return False


@contextlib.contextmanager
def _police_cache(con, cache_dir: Path):
    """The shared police.uk row cache attached to `con`, its lock held."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    db = cache_dir / POLICE_ROWS_DB
    with file_lock(cache_dir / "rows.lock"):
        try:
            con.execute(f"ATTACH '{str(db).replace(chr(39), chr(39) * 2)}' AS pc")
            sink = _PoliceSink(con)
        except duckdb.Error:
            # A damaged cache is only a cache, as is one kept by a version with other columns: start it again.
            with contextlib.suppress(duckdb.Error):
                con.execute("DETACH pc")
            for p in (db, Path(str(db) + ".wal")):
                p.unlink(missing_ok=True)
            con.execute(f"ATTACH '{str(db).replace(chr(39), chr(39) * 2)}' AS pc")
            sink = _PoliceSink(con)
        try:
            yield sink
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute("DETACH pc")


@contextlib.contextmanager
def _police_source(con, report: contract.Report, sink: _PoliceSink):
    """While the model runs, `police_uk_source` is every police.uk row as loaded (typed, with its file's path),
    from the shared cache (only new or changed files read)."""
    spec = contract.SPECS["police_uk/"]
    cols = ", ".join(f"r.{name}" for name, _kind in police_sql.columns(spec))
    here = sink.sync(report)
    con.execute("CREATE TEMP TABLE police_files_here (file_id BIGINT, source_path VARCHAR)")
    con.execute(
        "INSERT INTO police_files_here SELECT unnest($ids), unnest($paths)",
        {"ids": list(here), "paths": list(here.values())},
    )
    con.execute(
        f"CREATE TEMP VIEW police_uk_source AS SELECT {cols}, f.source_path "
        "FROM pc.rows r JOIN police_files_here f USING (file_id)"
    )
    try:
        yield
    finally:
        con.execute("DROP VIEW police_uk_source")
        con.execute("DROP TABLE police_files_here")


# --------------------------------------------------------------------------- serving


@dataclass
class Status:
    """What the store is serving, and what went wrong with the newest extracts, if anything."""

    data_dir: Path
    serving: Path | None = None
    fingerprint: str | None = None
    data_version: str | None = None  # what the build holds (`content_version`), cited on every stamp
    built_at: str | None = None
    current: bool = False  # True when the served build matches the extracts on disk
    problems: list[contract.Problem] = field(default_factory=list)  # from the last failed build
    warnings: list[str] = field(default_factory=list)
    building: bool = False  # a build of newer extracts is running in the background (`Store.refresh`)


class Store:
    """The built database for one data directory. Thread-safe: a cursor per query."""

    published: dict | None = None  # a build served from Parquet says where it came from (`ParquetStore`)

    def __init__(self, data_dir: str | os.PathLike | None = None, cache: str | os.PathLike | None = None):
        self.data_dir = config.data_dir(data_dir)
        self.cache = Path(cache) if cache else config.cache_dir(self.data_dir)
        self.police_cache = police_cache_dir(self.cache)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self.status = Status(self.data_dir)
        self.disk_fingerprint: str | None = None  # the extracts on disk at the last check (see refresh)
        # the fingerprint of the extracts validation last refused, and its problems (not checked again)
        self._refused: tuple[str, list[contract.Problem]] | None = None
        self._builder: threading.Thread | None = None  # a build running in the background (refresh(wait=False))
        self._builder_lock = threading.Lock()
        self.refresh()

    # -- building
    def _pointer(self) -> Path:
        return self.cache / "last_good"

    def refresh(self, wait: bool = True) -> Status:
        """Serve a build matching the extracts on disk, building one if needed.

        If the extracts are broken, keep serving the last good build (if there is one) and
        record the problems in `status.problems`; raise BuildError only when nothing can be served.
        Extracts validation refused are not checked again until a file changes.

        With `wait=False` (the dashboard, whose every session checks the disk), a build runs in a background
        thread while the last good build keeps serving every reader; the call waits for it at most
        `BUILD_WAIT_SECONDS` (a small directory's build is done by then), and `status.building` says whether
        it is still running. With nothing built yet, it waits as `refresh()` does.
        """
        if not wait and self._con is not None:
            return self._refresh_in_background()
        with self._lock:
            return self._refresh_locked()

    def _refresh_in_background(self) -> Status:
        with self._builder_lock:
            builder = self._builder
            if builder is None or not builder.is_alive():
                if not self._lock.acquire(blocking=False):
                    return self.status  # a refresh that waits (the command line) is building: serve as served
                try:
                    if not self._stale():
                        return self.status
                finally:
                    self._lock.release()
                builder = self._builder = threading.Thread(target=self._build_in_background, name="safer-build")
                builder.daemon = True
                self.status.building = True
                builder.start()
        builder.join(BUILD_WAIT_SECONDS)
        return self.status

    def _build_in_background(self) -> None:
        try:
            self.refresh()
        except Exception:  # noqa: BLE001 - the last good build keeps serving; the reason is in status.problems
            traceback.print_exc()
        finally:
            self.status.building = False

    def _stale(self) -> bool:
        """Whether the extracts on disk differ from what is served (and were not refused already); called with
        the lock held. Records what is on disk (`disk_fingerprint`)."""
        if datadir.interrupted(self.data_dir):
            return True
        self.disk_fingerprint = fingerprint(self.data_dir)
        return self._settled(self.disk_fingerprint) is None

    def _settled(self, fp: str) -> str | None:
        """What is served already answers for the extracts `fp`: "served" (they are the build's), "refused"
        (validation refused them and nothing changed since), else None (a build is due)."""
        if self._con is None:
            return None
        if fp == self.status.fingerprint:
            return "served"
        return "refused" if self._refused is not None and fp == self._refused[0] else None

    def _refresh_locked(self) -> Status:
        if datadir.interrupted(self.data_dir) and self._con is not None:
            # An ingest is being applied (or was killed while applied): keep the last good build.
            self.status.current = False
            self.status.problems = [
                contract.Problem(
                    datadir.JOURNAL,
                    0,
                    "",
                    "an ingest is in progress or was interrupted; "
                    "run `python -m safer recover` if no ingest is running",
                )
            ]
            return self.status
        fp = fingerprint(self.data_dir)
        if self._con is not None and self._settled(fp) is None and SETTLE_SECONDS > 0:
            # something serves meanwhile: build once the extracts have stopped changing (a copy in progress)
            settle(self.data_dir)
            fp = fingerprint(self.data_dir)
        self.disk_fingerprint = fp  # what is on disk now, served or not (the Data page compares)
        settled = self._settled(fp)
        if settled == "refused":
            self.status.current, self.status.problems = False, self._refused[1]
        if settled:
            return self.status
        self.cache.mkdir(parents=True, exist_ok=True)
        path = self.cache / f"{fp[:24]}.duckdb"
        problems: list[contract.Problem] = []
        if not path.exists():
            try:
                build(self.data_dir, path, cache_dir=self.police_cache)
            except BuildError as exc:
                problems = exc.report.errors
                if not any(p.file == "(build)" for p in problems):
                    self._refused = (fp, problems)  # refused by validation: not checked until a file changes
            except (duckdb.Error, OSError) as exc:  # not foreseen by validation: the last good build serves
                traceback.print_exc()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                problems = [contract.Problem("(build)", 0, "", f"the build failed: {first}")]
        if path.exists():
            for legacy in (self.cache / "police", self.cache / contract.VALIDATION_CACHE):  # per-store caches
                shutil.rmtree(legacy, ignore_errors=True) if legacy.is_dir() else legacy.unlink(missing_ok=True)
            self._open(path)
            self._pointer().write_text(path.name)
            self._prune(keep=path)
        else:
            last = self._last_good()
            if last is None:
                self.status.problems = problems
                raise BuildError(contract.Report(problems=problems))
            if self.status.serving != last:
                self._open(last)
        self.status.current = not problems
        self.status.problems = problems
        return self.status

    def _last_good(self) -> Path | None:
        ptr = self._pointer()
        if ptr.exists():
            p = self.cache / ptr.read_text().strip()
            if p.exists():
                return p
        return None

    def _open(self, path: Path) -> None:
        con = duckdb.connect(str(path), read_only=True)
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        # The previous connection is left to the garbage collector: another thread may still
        # be reading from it, and its file stays readable after it is pruned.
        self._con = con
        self.status.serving = path
        self.status.fingerprint = meta.get("fingerprint")
        self.status.data_version = meta.get("data_version")
        self.status.built_at = meta.get("built_at")
        self.status.warnings = json.loads(meta.get("warnings", "[]"))

    def _prune(self, keep: Path) -> None:
        """Remove older builds, and what builds that were killed left behind (their temporary files)."""
        stale = [p for p in self.cache.glob("*.duckdb") if p != keep]
        stale += [p for p in self.cache.glob("*.duckdb.tmp-*") if datadir.abandoned(p)]
        for p in stale:
            with contextlib.suppress(OSError):
                p.unlink()

    # -- reading
    def cursor(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise RuntimeError("store is not open")
        return self._con.cursor()

    def sql(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run SQL with bound parameters and return a DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or {}).df()
        finally:
            cur.close()

    def rows(self, sql: str, params: dict | None = None) -> tuple[list[str], list[tuple]]:
        """Run SQL and return (column names, rows) with Python values (ints stay ints, NULL is None)."""
        cur = self.cursor()
        try:
            cur.execute(sql, params or {})
            names = [d[0] for d in cur.description]
            return names, cur.fetchall()
        finally:
            cur.close()

    @property
    def version(self) -> str:
        """The build's identity (its fingerprint, short): keys the view cache, changes with every build."""
        return (self.status.fingerprint or "")[:10]

    @property
    def data_version(self) -> str:
        """The data version stamps and citations give: what the build holds (`content_version`), the same for
        the same extracts wherever they lie."""
        return self.status.data_version or ""

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


# --------------------------------------------------------------------------- published as Parquet


def publish_parquet(store: Store, out_dir: str | os.PathLike) -> Path:
    """Write the build `store` is serving as Parquet: one file per table (the extracts as loaded, the model's
    tables, `meta`), written beside `out_dir` and renamed into place, so a reader never sees half of it.

    This is the first step beyond one machine (docs/scaling.md): the same files in object storage are read by
    DuckDB over `read_parquet('s3://...')`, by any number of dashboard processes (`ParquetStore`).
    """
    out = Path(out_dir)
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    cur = store.cursor()
    try:
        tables = [
            r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
        ]
        for t in tables:
            target = str(tmp / f"{t}.parquet").replace("'", "''")
            cur.execute(f"COPY {_qi(t)} TO '{target}' (FORMAT parquet)")
    finally:
        cur.close()
    if out.exists():
        old = out.with_name(out.name + f".old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    return out


class ParquetStore:
    """A build published as Parquet (`publish_parquet`), served read-only by another process, unchanged:
    each table is a view over its file, and the model's macros (`series`, ...) are made from
    queries/model/ as the build makes them. It answers `sql`, `rows`, `cursor` and `version` as `Store` does,
    so every named query and view runs on it."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not (self.path / "meta.parquet").is_file():
            raise FileNotFoundError(f"{self.path}: not a published build (no meta.parquet)")
        self.data_dir = self.path
        self.cache = None
        self._con = duckdb.connect()
        self._con.execute("SET threads TO 2")
        for f in sorted(self.path.glob("*.parquet")):
            literal = str(f).replace("'", "''")
            # rowid is a row's place in its file, as in the build (queries keep the extracts' order by it)
            self._con.execute(
                f"CREATE VIEW {_qi(f.stem)} AS SELECT * EXCLUDE (file_row_number), file_row_number AS rowid "
                f"FROM read_parquet('{literal}', file_row_number = true)"
            )
        for model in queries.list_models():
            if model.builds.startswith("macro"):
                self._con.execute(model.sql)
        meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        self.status = Status(
            self.path,
            serving=self.path,
            fingerprint=meta.get("fingerprint"),
            data_version=meta.get("data_version"),
            current=True,
        )
        self.status.built_at = meta.get("built_at")
        self.status.warnings = json.loads(meta.get("warnings", "[]"))
        # where the build came from: the Data page says so, and lists the extracts it was made from (query
        # build_extracts), not the files of this folder, which is not a data directory
        self.published = {
            "path": str(self.path),
            "data_dir": meta.get("data_dir"),
            "built_at": meta.get("built_at"),
            "files_checked": meta.get("files_checked"),
            "rows_checked": meta.get("rows_checked"),
        }

    def refresh(self) -> Status:
        return self.status  # a published build does not change under its readers

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    sql = Store.sql
    rows = Store.rows
    version = Store.version
    data_version = Store.data_version

    def close(self) -> None:
        self._con.close()
