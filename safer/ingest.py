"""Safe ingest of new extracts into a data directory: `python -m safer ingest FILE... [--data DIR]`.

What it takes:
- police.uk street files (`YYYY-MM-<force>-street.csv`, `.csv.gz`) and the zip archives data.police.uk
  serves (many months and forces; only the `*-street.csv` members are read);
- partner extracts whose header is a contract file's header: `partner_monthly.csv`-shaped files are merged
  (the extract's indicator-months replace the same indicator-months, the rest is kept); any other contract
  file replaces the current one.

How it keeps the data safe:
1. Every input is validated first, with FILE:LINE: COLUMN messages; on any error nothing changes.
2. The new state is staged in a hidden folder beside the extracts (unchanged files are hard links) and the
   whole staged directory is validated, references and double counting included.
3. Hard links to every file it will replace or delete are kept in the staging folder, a journal listing
   the renames (and each new file's SHA-256) is written atomically, then the renames are done. Until the
   journal exists nothing has changed; once it does, the staging folder stays until the journal is done.
4. Ctrl-C and SIGTERM wait until the renames are done (before them they stop the ingest, which changes
   nothing). An OSError part-way (a folder not writable, a full disk) undoes the renames done so far from
   the kept links: the directory is exactly as before, and the error is reported.
5. If the process is killed part-way (kill -9, power loss), the next ingest, or `python -m safer recover`,
   completes the journal; if a staged file is gone, it undoes it instead; if it can do neither, it says so,
   keeps the journal and changes nothing more (the dashboard keeps serving the last good build meanwhile).
   The directory always ends up either exactly as it was or with the whole ingest applied.
6. Archives are read member by member, each refused with a message beyond 256 MiB (declared or actual) or
   when it inflates more than 200 times (a zip bomb); a corrupt member is a message, not a traceback. One
   ingest copies out at most 5,000 members and 12 GiB in all, and no archive inflates to more than 200 times
   its size on disk (many small members are a zip bomb too). Sizes are checked as declared before anything is
   copied out, and as actually inflated before each chunk is written; a limit stops the ingest, and what was
   copied out is removed.

Overlapping police.uk releases never double count: each force-month is written to one file,
`police_uk/YYYY-MM-<force>-street.csv.gz`, holding the rows inside the partnership's area (and inside the
comparator areas counted from police.uk: `area_lookup.csv` with `comparator_groups.csv`); the release a
month came from (the newest month the rows of its file or archive hold: never a file or folder name) is kept in
`police_uk_releases.csv`, and a month is replaced only by the same or a newer release.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import sys
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from . import contract, datadir

JOURNAL = datadir.JOURNAL
STAGING_PREFIX = ".ingest-staging-"
RELEASES = "police_uk_releases.csv"


class IngestError(Exception):
    def __init__(self, problems: list[contract.Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems; nothing was changed")


NO_ROWS = "no rows inside the area, so nothing was written: check lsoa_ward_lookup.csv covers this force"


@dataclass
class MonthChange:
    force: str
    month: str
    action: str  # added | replaced | kept
    rows_in_area: int
    rows_before: int | None = None
    release: str = ""
    note: str = ""


@dataclass
class Report:
    months: list[MonthChange] = field(default_factory=list)
    rows_read: int = 0
    rows_outside_area: int = 0
    rows_without_location: int = 0
    files_replaced: list[str] = field(default_factory=list)
    partner: list[str] = field(default_factory=list)
    warnings: list[contract.Problem] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        # A national archive holds every force: when some months were written, the forces with no row inside
        # the area (or its comparators) are one line, not a warning each (the warning stays when none was).
        empty = [m for m in self.months if m.note == NO_ROWS]
        group = bool(empty) and any(m.action != "kept" for m in self.months)
        for m in sorted(self.months, key=lambda m: (m.force, m.month)):
            if group and m.note == NO_ROWS:
                continue
            if m.action == "added":
                out.append(f"added    {m.month} {m.force}: {m.rows_in_area} rows")
            elif m.action == "replaced":
                out.append(
                    f"replaced {m.month} {m.force}: {m.rows_before} rows -> {m.rows_in_area} rows (release {m.release})"
                )
            else:
                out.append(f"kept     {m.month} {m.force}: {m.note}")
        if group:
            forces = sorted({m.force for m in empty})
            out.append(
                f"kept     {len(empty)} force-month{'s' if len(empty) != 1 else ''} of {len(forces)} "
                f"force{'s' if len(forces) != 1 else ''} with no row inside the area or its comparators, so "
                f"nothing was written: {', '.join(forces[:5])}{', ...' if len(forces) > 5 else ''}"
            )
        out += self.partner
        out += [f"replaced {f}" for f in self.files_replaced]
        added = sum(m.action == "added" for m in self.months)
        replaced = sum(m.action == "replaced" for m in self.months)
        kept = sum(m.action == "kept" for m in self.months)
        out.append(
            f"{self.rows_read} police.uk rows read: {added} months added, {replaced} replaced, {kept} kept; "
            f"{self.rows_outside_area} rows outside the area and its comparators (the LSOAs of "
            f"lsoa_ward_lookup.csv and area_lookup.csv) and {self.rows_without_location} rows without a location "
            "left out"
        )
        return out


# --------------------------------------------------------------------------- progress


class Progress:
    """A progress bar on standard error (tqdm; nothing when quiet or for a single item)."""

    def __init__(self, total: int, label: str, enabled: bool = True):
        self.bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr, disable=not enabled or total <= 1)

    def step(self, what: str = "") -> None:
        self.bar.set_postfix_str(what[:40], refresh=False)
        self.bar.update()
        if self.bar.n >= self.bar.total:
            self.bar.close()


# --------------------------------------------------------------------------- inputs


@dataclass
class Member:
    """One CSV to ingest: its display name (archive!member) and where its text is."""

    name: str
    path: Path  # the file itself, or an archive member copied out to a temporary file (never held in memory)
    archive: str = ""  # the zip it came from: its release is the newest month any of its files holds


MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one police.uk force-month is tens of MB; more is not an extract
MAX_RATIO = contract.MAX_RATIO  # a member inflating more than this from its compressed size (an archive: its size)
# Real police.uk files compress 5-10 times; only a member smaller than this may inflate more than MAX_RATIO
# times (a header and a few rows can), and an archive of many such members is held to MAX_RATIO as a whole.
RATIO_FLOOR = contract.RATIO_FLOOR
# One ingest copies out at most this many street files: a 36-month national archive holds 43 forces x 36 months
# = 1,548 of them (4,644 files with its outcomes and stop-and-search files, which are never copied out).
MAX_MEMBERS = 5_000
# ... and at most this many bytes in all: a 36-month national archive's street files are about 6 GB (some
# 640,000 rows a month at about 250 bytes a row), so this is twice that.
MAX_INFLATED_BYTES = 12 * 1024**3


@dataclass
class CopyBudget:
    """What one ingest copies out of its archives, all of them together: members and bytes, against
    `MAX_MEMBERS` and `MAX_INFLATED_BYTES`; and out of the archive being read, against `MAX_RATIO` times its
    size on disk (many members each below `RATIO_FLOOR`, or members that share or misstate their compressed
    data, each look harmless: the archive as a whole does not)."""

    members: int = 0
    total: int = 0
    archive_size: int = 0
    from_archive: int = 0

    @property
    def archive_limit(self) -> int:
        return max(RATIO_FLOOR, MAX_RATIO * self.archive_size)

    def start(self, archive_size: int, infos: list[zipfile.ZipInfo]) -> None:
        """Start an archive whose members `infos` will be copied out: ValueError when their number or their
        declared sizes are beyond the limits (nothing is copied out of it then)."""
        self.archive_size, self.from_archive = archive_size, 0
        before = f" with the {self.members:,} of the archives before it," if self.members else ""
        if self.members + len(infos) > MAX_MEMBERS:
            raise ValueError(
                f"holds {len(infos):,} police.uk street files,{before} more than the {MAX_MEMBERS:,} one ingest "
                "copies out: refused (ingest fewer archives, or months, at a time)"
            )
        declared = sum(i.file_size for i in infos)
        if self.total + declared > MAX_INFLATED_BYTES:
            before = f" with the {self.total:,} of the archives before it," if self.total else ""
            raise ValueError(
                f"its street files declare {declared:,} bytes,{before} more than the {MAX_INFLATED_BYTES:,} one "
                "ingest copies out: refused (ingest fewer archives, or months, at a time)"
            )
        if declared > self.archive_limit:
            raise ValueError(
                f"its street files declare {declared:,} bytes, {declared / max(archive_size, 1):,.0f} times its "
                f"{archive_size:,} bytes: refused as a zip bomb"
            )
        self.members += len(infos)

    def add(self, n: int) -> None:
        """Count `n` more bytes copied out, before they are written: ValueError beyond the limits."""
        self.total += n
        self.from_archive += n
        if self.total > MAX_INFLATED_BYTES:
            raise ValueError(f"inflates past the {MAX_INFLATED_BYTES:,} bytes one ingest copies out: refused")
        if self.from_archive > self.archive_limit:
            raise ValueError(
                f"the archive inflates to more than {MAX_RATIO} times its {self.archive_size:,} bytes: refused as a "
                "zip bomb"
            )


def check_declared(info: zipfile.ZipInfo) -> None:
    """ValueError when a zip member's declared size is beyond `MAX_MEMBER_BYTES` or it declares it inflates
    like a zip bomb (more than `MAX_RATIO` times, once beyond `RATIO_FLOOR`)."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"declares {info.file_size:,} bytes, more than the {MAX_MEMBER_BYTES:,} allowed")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
        raise ValueError(f"inflates {info.file_size / max(info.compress_size, 1):,.0f} times: refused as a zip bomb")


# What reading a zip member can raise besides a refusal: a damaged or truncated archive, a bad stream, a
# compression method zipfile does not support (NotImplementedError), an encrypted member (RuntimeError).
UNREADABLE_MEMBER = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)


def copy_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: CopyBudget | None = None) -> None:
    """Copy a zip member to `dest` in 1 MiB chunks; ValueError when its declared or actual size is beyond the
    limits (a size header can lie), or it inflates like a zip bomb, or (with an ingest's `budget`) its bytes
    take the ingest beyond its limits. Each chunk is checked before it is written; on any error `dest` is
    removed."""
    check_declared(info)
    n = 0
    try:
        with z.open(info) as f, open(dest, "wb") as out:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                n += len(chunk)
                if n > MAX_MEMBER_BYTES:
                    raise ValueError(f"holds more than the {MAX_MEMBER_BYTES:,} bytes allowed")
                if n > RATIO_FLOOR and n > MAX_RATIO * info.compress_size:
                    ratio = n / max(info.compress_size, 1)
                    raise ValueError(f"inflates {ratio:,.0f} times or more: refused as a zip bomb")
                if budget is not None:
                    budget.add(len(chunk))
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _expand(paths: list[Path], tmp: Path) -> tuple[list[Member], list[contract.Problem]]:
    """The CSVs to ingest: files as they are, and each police.uk member of a zip copied out under `tmp`.

    A member beyond a limit (its size, a zip bomb, the members or bytes one ingest copies out: `CopyBudget`)
    stops the ingest: every member copied out so far is removed and `IngestError` is raised, with the
    problems found so far."""
    members: list[Member] = []
    problems: list[contract.Problem] = []
    budget = CopyBudget()

    def refuse(where: str, message: str) -> IngestError:
        for m in members:
            if m.archive:
                m.path.unlink(missing_ok=True)
        return IngestError([*problems, contract.Problem(where, 0, "", message)])

    for p in paths:
        p = Path(p)
        if not p.is_file():
            what = "is a folder, not a file: name the files in it" if p.is_dir() else "no such file"
            problems.append(contract.Problem(str(p), 0, "", what))
            continue
        if zipfile.is_zipfile(p):
            try:
                with zipfile.ZipFile(p) as z:
                    infos = sorted(
                        (i for i in z.infolist() if contract.STREET_RE.search(i.filename)), key=lambda i: i.filename
                    )
                    if not infos:
                        msg = "archive holds no police.uk *-street.csv file"
                        problems.append(contract.Problem(p.name, 0, "", msg))
                    for info in infos:  # every declared size first: nothing is copied out of a refused archive
                        try:
                            check_declared(info)
                        except ValueError as exc:
                            raise refuse(
                                f"{p.name}!{info.filename}", f"cannot be read from the archive: {exc}"
                            ) from None
                    try:
                        budget.start(p.stat().st_size, infos)
                    except ValueError as exc:
                        raise refuse(p.name, str(exc)) from None
                    for info in infos:
                        where = f"{p.name}!{info.filename}"
                        dest = tmp / f"{len(members)}.csv"
                        try:
                            copy_member(z, info, dest, budget)
                        except ValueError as exc:
                            raise refuse(where, f"cannot be read from the archive: {exc}") from None
                        except UNREADABLE_MEMBER as exc:
                            problems.append(contract.Problem(where, 0, "", f"cannot be read from the archive: {exc}"))
                            continue
                        members.append(Member(where, dest, p.name))
            except (OSError, zipfile.BadZipFile) as exc:
                problems.append(contract.Problem(p.name, 0, "", f"cannot be read as a zip archive: {exc}"))
            continue
        members.append(Member(p.name, p))
    return members, problems


def _spec_for(m: Member, problems: list) -> contract.FileSpec | None:
    """The contract file whose header the member's first line is (None with a problem if unreadable)."""
    try:
        first = next(contract.text_lines(m.path), "")
    except contract.Unreadable as exc:
        problems.append(contract.Problem(m.name, exc.line, "", str(exc)))
        return None
    try:
        header = [h.strip() for h in next(csv.reader([first]), [])] if first.strip() else []
    except csv.Error as exc:  # a field beyond the csv module's limit: what validation says of the same file
        problems.append(contract.Problem(m.name, 1, "", f"cannot be parsed: {contract.csv_message(exc)}"))
        return None
    named = contract.SPECS.get(Path(m.name).name) if not m.archive else None  # a contract file's own name
    spec = _header_spec(header, named)
    if spec is not None and named is not None and spec is not named:
        # a careless save (targets under the name events.csv) would have replaced another file
        msg = (
            f"is named {named.name} but its header is {spec.name}'s: nothing is replaced by it; rename the "
            f"file, or give it {named.name}'s header (see data/README.md)"
        )
        problems.append(contract.Problem(m.name, 1, "", msg))
        return None
    if spec is not None:
        return spec
    if named is not None:
        # named for a contract file: what validation says of its header (separated by semicolons, a column twice
        # or missing), each at its column, rather than that it matches nothing
        found: list[contract.Problem] = []
        contract.check_file(m.path, m.name, named, found, keep_rows=False)
        said = [p for p in found if p.severity == "error" and p.line <= 1]
        if said:
            problems.extend(said)
            return None
    problems.append(contract.Problem(m.name, 1, "", "header matches no file of the data contract (see data/README.md)"))
    return None


def _header_spec(header: list[str], named: contract.FileSpec | None) -> contract.FileSpec | None:
    """The contract file a header is: one whose columns it holds exactly; else the file it is named for, or the one
    file whose header it is by validation's rule (`contract.header_faults`: an events.csv with no `source`)."""
    for spec in contract.SPECS.values():
        if set(header) == set(spec.column_names):
            return spec
    if named is not None and not contract.header_faults(header, named):
        return named
    fits = [spec for spec in contract.SPECS.values() if not contract.header_faults(header, spec)]
    return fits[0] if len(fits) == 1 else None


def _slug(text: str) -> str:
    return contract.force_key(text)  # one normalisation for the ingest and the double-count check


# --------------------------------------------------------------------------- the data directory as it is


def _releases(data_dir: Path) -> dict[tuple[str, str], dict]:
    path = data_dir / RELEASES
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {(r["force"], r["month"]): r for r in csv.DictReader(f)}


def _existing_police(data_dir: Path) -> tuple[dict, dict]:
    """The police.uk files now in the data directory.

    Returns ({(force slug, month): [(file, rows)]}, {file: set of (force slug, month)}).
    """
    by_key: dict[tuple[str, str], list[tuple[Path, int]]] = {}
    by_file: dict[Path, set] = {}
    for p in contract.police_files(data_dir):
        counts: dict[tuple[str, str], int] = {}
        for r in csv.DictReader(contract.text_lines(p)):  # a stream: a force-wide file is never whole in memory
            if r.get("Month"):
                k = (_slug(r.get("Falls within") or ""), r["Month"])
                counts[k] = counts.get(k, 0) + 1
        by_file[p] = set(counts)
        for k, n in counts.items():
            by_key.setdefault(k, []).append((p, n))
    return by_key, by_file


def _gzip_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    return out.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# --------------------------------------------------------------------------- journal

BEFORE = ".before"  # inside the staging folder: hard links to every file the ingest replaces or deletes


class RecoveryError(RuntimeError):
    """An interrupted ingest that can be neither completed nor undone: the message says what to do."""


def locked(data_dir: Path):
    """One ingest (or recovery) at a time per data directory: the lock lives in the data directory."""
    return datadir.lock(Path(data_dir))


interrupted = datadir.interrupted


def recover(data_dir: Path) -> list[str]:
    """Finish an interrupted ingest: complete it (roll its journal forward), or, where a staged file is
    gone, undo it from the copies kept of what it replaced; clear stale staging. Returns what it did, one line a
    change (empty, so false, when there was nothing to do). Raises `RecoveryError` (and changes nothing more)
    when it can do neither."""
    data_dir = Path(data_dir)
    with locked(data_dir):
        return _recover(data_dir)


def _read_journal(data_dir: Path) -> dict:
    raw = json.loads((data_dir / JOURNAL).read_text(encoding="utf-8"))
    return raw if isinstance(raw, dict) else {"staging": None, "ops": raw}  # a journal of an earlier version


def _journal_problem(data_dir: Path, journal: dict) -> str | None:
    """Why a journal cannot be one this tool wrote, or None: its staging folder is a `STAGING_PREFIX` folder of the
    data directory, each step replaces or deletes an extract of the contract (a file the contract names, or one in
    a folder it names) inside the data directory, from a file of that staging folder. A journal planted in the data
    directory (a shared folder where partners drop extracts) could otherwise delete or overwrite any file the
    analyst may write (`../x`, an absolute path)."""
    root = os.path.realpath(data_dir)

    def inside(rel: str) -> bool:
        return os.path.commonpath([os.path.realpath(data_dir / rel), root]) == root

    def plain(rel) -> bool:  # a relative POSIX path without `..`, `.` or empty parts
        return (
            isinstance(rel, str)
            and rel != ""
            and "\\" not in rel
            and "\0" not in rel
            and not rel.startswith("/")
            and all(part not in ("", ".", "..") for part in rel.split("/"))
        )

    staging = journal.get("staging")
    if staging is not None and not (plain(staging) and "/" not in staging and staging.startswith(STAGING_PREFIX)):
        return (
            f"its staging folder {contract.shown(str(staging))} is not a {STAGING_PREFIX}* folder of the data directory"
        )
    ops = journal.get("ops")
    if not isinstance(ops, list):
        return "it holds no list of steps"
    files = {name for name in contract.SPECS if not name.endswith("/")} | set(contract.OPTIONAL_FILES)
    for i, op in enumerate(ops, 1):
        if not isinstance(op, dict) or op.get("op") not in ("replace", "delete"):
            return f"step {i} is neither a replace nor a delete"
        target = op.get("target")
        extract = plain(target) and (target in files or target.startswith(contract.POLICE_DIR + "/"))
        if not extract or not inside(target):
            return f"step {i}'s target {contract.shown(str(target))} is not an extract of the data directory"
        if op["op"] == "replace":
            source = op.get("source")
            if not (staging and plain(source) and source.startswith(staging + "/") and inside(source)):
                return f"step {i}'s source {contract.shown(str(source))} is not in the ingest's staging folder"
    return None


def _recover(data_dir: Path) -> list[str]:
    """What `recover` did, one line a change (empty: nothing to recover)."""
    did: list[str] = []
    if (data_dir / JOURNAL).exists():
        try:
            journal = _read_journal(data_dir)
        except (OSError, ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise RecoveryError(f"{data_dir / JOURNAL}: cannot be read ({why}); nothing was changed") from None
        why = _journal_problem(data_dir, journal)
        if why:
            raise RecoveryError(
                f"{data_dir / JOURNAL}: not a journal this tool wrote ({why}); nothing was changed. If no ingest "
                "was interrupted here, delete that file."
            )
        staging = data_dir / journal["staging"] if journal.get("staging") else None
        try:
            _apply(data_dir, journal["ops"])
            did += [f"{'replaced' if op['op'] == 'replace' else 'deleted'} {op['target']}" for op in journal["ops"]]
        except (OSError, RecoveryError) as forward:
            if staging is None or not staging.is_dir():
                msg = f"{data_dir / JOURNAL}: the interrupted ingest cannot be completed: {forward}"
                raise RecoveryError(msg) from None
            try:
                _undo(data_dir, journal["ops"], staging)
                did.append(f"undid the interrupted ingest ({forward}): the data directory is as it was before it")
            except (OSError, RecoveryError) as back:
                raise RecoveryError(
                    f"{data_dir / JOURNAL}: the interrupted ingest can be neither completed ({forward}) nor undone "
                    f"({back}); nothing more was changed. Fix the cause (permissions, disk space) and run "
                    f"`python -m safer recover --data {data_dir}` again."
                ) from None
        (data_dir / JOURNAL).unlink()
        did = did or ["finished an interrupted ingest (nothing left to change)"]
    for st in data_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(st, ignore_errors=True)
        did.append(f"removed the staging folder {st.name}")
    return did


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fault(i: int | str) -> None:
    """Fault injection for tests, at the i-th rename (or at "staged", before any): SAFER_INGEST_FAIL_AFTER=N
    is a kill (exit 137); SAFER_INGEST_FAULT=KIND:N raises an OSError (KIND oserror) or sends this process
    SIGINT or SIGTERM."""
    fail = os.environ.get("SAFER_INGEST_FAIL_AFTER")
    if fail and isinstance(i, int) and i >= int(fail):
        os._exit(137)  # as if killed here (kill -9)
    kind, _, at = os.environ.get("SAFER_INGEST_FAULT", "").partition(":")
    if kind and at == str(i):
        if kind == "oserror":
            raise PermissionError(13, "Permission denied (injected)", f"rename {i}")
        os.kill(os.getpid(), {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM}[kind])


def _apply(data_dir: Path, ops: list[dict], inject: bool = False) -> None:
    """Do the journal's renames in order. Each step is idempotent, so a second run finishes a first one;
    a staged file that is gone is accepted only if its target already holds it (same SHA-256)."""
    for i, op in enumerate(ops):
        if inject:
            _fault(i)
        target = data_dir / op["target"]
        if op["op"] == "replace":
            src = data_dir / op["source"]
            if src.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, target)
            elif not (target.exists() and op.get("sha256") in (None, _sha256(target))):
                raise RecoveryError(f"{op['source']} (the new {op['target']}) is missing from the staging folder")
        elif op["op"] == "delete":
            target.unlink(missing_ok=True)


def _undo(data_dir: Path, ops: list[dict], staging: Path) -> None:
    """Put back every file the journal replaced or deleted (from the hard links kept in `staging/.before`),
    and take back every file it added: the data directory as it was before the ingest. Checks first that
    every step can be undone (raising `RecoveryError` if not, having changed nothing), then does them."""
    before = staging / BEFORE
    steps = []
    for op in reversed(ops):
        target, kept = data_dir / op["target"], before / op["target"]
        if kept.exists():
            steps.append((kept, target))
        elif op.get("before_sha256"):  # it had a file: still there unchanged, or it cannot be put back
            if not (target.exists() and _sha256(target) == op["before_sha256"]):
                raise RecoveryError(f"the copy kept of {op['target']} as it was is gone")
        elif op["op"] == "replace" and target.exists():
            steps.append((target, data_dir / op["source"]))  # a file this ingest added goes back to staging
    for src, dst in steps:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait until the renames are done (then act): they cannot stop an ingest half-way.
    Outside the main thread signals cannot be caught, and none are delivered there."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old = {s: signal.signal(s, lambda signum, _frame: got.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if got:
        raise KeyboardInterrupt(f"interrupted by signal {got[0]} after the ingest was applied") from None


@contextlib.contextmanager
def _sigterm_as_exit():
    """SIGTERM (a service stopping, `kill`) unwinds like Ctrl-C, so staging is cleaned up before exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _commit(data_dir: Path, staging: Path) -> None:
    """Swap the staged directory in: keep hard links to what is replaced, write the journal, rename.

    Until the journal is written nothing in the data directory has changed. Once it is, the staging
    folder stays until the journal is finished: by these renames, or by `recover` (which completes them,
    or undoes them from the kept links). An OSError part-way (a folder not writable, a full disk) undoes
    the renames done so far, so the directory is as before and the error is reported.
    """
    ops = _plan(data_dir, staging)
    for op in ops:
        if op["op"] == "replace":
            op["sha256"] = _sha256(data_dir / op["source"])
        old = data_dir / op["target"]
        if old.exists():
            op["before_sha256"] = _sha256(old)
            keep = staging / BEFORE / op["target"]
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.link(old, keep)
    _write_bytes(data_dir / (JOURNAL + ".tmp"), json.dumps({"staging": staging.name, "ops": ops}).encode())
    with _signals_held():
        os.replace(data_dir / (JOURNAL + ".tmp"), data_dir / JOURNAL)
        try:
            _apply(data_dir, ops, inject=True)
        except OSError as exc:
            try:
                _undo(data_dir, ops, staging)
            except OSError:
                raise RecoveryError(
                    f"{data_dir}: the ingest stopped part-way ({exc}) and could not be undone; the journal "
                    f"{JOURNAL} is kept: fix the cause and run `python -m safer recover --data {data_dir}`"
                ) from exc
            (data_dir / JOURNAL).unlink()
            raise IngestError(
                [contract.Problem(data_dir.name, 0, "", f"could not be changed ({exc}); it is as it was before")]
            ) from exc
        (data_dir / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- ingest


def ingest(paths: list[Path], data_dir: Path, progress: bool = True, check_staged=None) -> Report:
    """Validate the inputs, stage the new data directory, validate it whole, then swap it in.

    `check_staged(staging, report)`: what else would refuse the staged directory, as problems (the command line
    passes the store's `check_build`: a build of it, for what only the built rows show, such as one force's
    month under a second name); this module does not import the store."""
    data_dir = Path(data_dir)
    with _sigterm_as_exit(), locked(data_dir):
        done = _recover(data_dir)
        if done:  # said whether or not --quiet: the data directory changed before this ingest began
            print(f"{data_dir}: an interrupted ingest was found and finished first:\n  " + "\n  ".join(done))
        links = contract.outside_links(data_dir)
        if links:  # validate refuses them: an ingest would write into a folder outside, which recover cannot reach
            raise IngestError([contract.Problem(rel, 0, "", contract.OUTSIDE_LINK[kind]) for rel, kind in links])
        return _ingest(paths, data_dir, progress, check_staged)


def _ingest(paths: list[Path], data_dir: Path, progress: bool, check_staged=None) -> Report:
    with datadir.ingest_tmp() as tmp:
        rep = Report()
        members, problems = _expand(paths, Path(tmp))
        police, new_contract = _check_members(members, problems, rep, progress)
        # A new lookup in the same ingest decides which police.uk rows are in the area.
        lookup_file = new_contract["lsoa_ward_lookup.csv"][0].path if "lsoa_ward_lookup.csv" in new_contract else None
        lookup = _lsoa_set(lookup_file or data_dir / "lsoa_ward_lookup.csv") | comparator_lsoas(data_dir)
        police_in = _read_police(police, lookup, problems)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise IngestError(errors)
        return _stage_and_commit(data_dir, new_contract, police_in, rep, progress, check_staged)


def _check_members(members: list[Member], problems: list, rep: Report, progress: bool):
    """Validate every member as a stream (FILE:LINE: COLUMN); police.uk files are only checked here, and
    contract files kept as tables. Returns (valid police.uk members, {contract file: (member, table)})."""
    pspec = contract.SPECS["police_uk/"]
    police: list[Member] = []
    new_contract: dict[str, tuple[Member, contract.Table]] = {}
    bar = Progress(len(members), "checking", progress)
    for m in members:
        bar.step(m.name)
        spec = _spec_for(m, problems)
        if spec is None:
            continue
        # Rows are not kept: the staged directory is validated whole (cross-file checks) before it is used.
        t = contract.check_file(m.path, m.name, spec, problems, keep_rows=False)
        if t is None or any(p.file == m.name and p.severity == "error" for p in problems):
            continue
        rep.warnings += [p for p in problems if p.file == m.name and p.severity == "warning"]
        if spec is pspec:
            police.append(m)
        elif spec.name in new_contract:
            first = new_contract[spec.name][0].name
            problems.append(
                contract.Problem(m.name, 1, "", f"a second {spec.name} in the same ingest (first: {first})")
            )
        else:
            new_contract[spec.name] = (m, t)
    return police, new_contract


def _read_police(police: list[Member], lookup: set[str], problems: list) -> dict[tuple[str, str], dict]:
    """Each (force, month) in the police.uk members: its rows inside the area (only those are kept in
    memory), the rows read, without a location and outside the area, its source and its release.

    A release is the newest month the rows of its file, or of the archive it came from, hold (validated:
    never after next month), never a file or folder name. A force-month in two inputs is an error."""
    pspec = contract.SPECS["police_uk/"]
    cols = pspec.column_names
    police_in: dict[tuple[str, str], dict] = {}
    newest: dict[str, str] = {}
    for m in police:
        reader = csv.reader(contract.text_lines(m.path), strict=True)
        header = [h.strip() for h in next(reader)]
        i_f, i_m, i_l = header.index("Falls within"), header.index("Month"), header.index("LSOA code")
        order = [header.index(c) for c in cols]
        group = m.archive or m.name
        mine: set[tuple[str, str]] = set()
        for rec in reader:
            if not rec or not "".join(rec).strip():
                continue
            key = (_slug(rec[i_f]), rec[i_m])
            slot = police_in.setdefault(
                key, {"rows": [], "source": m.name, "read": 0, "no_loc": 0, "outside": 0, "group": group}
            )
            if slot["source"] != m.name:
                msg = f"{rec[i_m]} for {rec[i_f]} is also in {slot['source']}: give one release of each month"
                problems.append(contract.Problem(m.name, reader.line_num, "Month", msg))
                break
            slot["read"] += 1
            mine.add(key)
            if not rec[i_l]:
                slot["no_loc"] += 1
            elif rec[i_l] in lookup:
                slot["rows"].append([rec[i] for i in order])
            else:
                slot["outside"] += 1
        newest[group] = max([newest.get(group, ""), *(k[1] for k in mine)])
    for slot in police_in.values():
        slot["release"] = newest[slot["group"]]
    return police_in


def _stage_and_commit(
    data_dir: Path, new_contract: dict, police_in: dict, rep: Report, progress: bool, check_staged=None
) -> Report:
    """Stage the new data directory beside the old (hard links for what is unchanged), validate it whole, and
    commit it (see `_commit`)."""
    staging = data_dir / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    committing = False
    try:
        _stage_copy(data_dir, staging)
        for name, (m, t) in new_contract.items():
            if name == "partner_monthly.csv" and (staging / name).exists():
                rep.partner += _merge_partner(staging / name, t)
            else:
                served = _data_rows(staging / name)
                if t.n_rows == 0 and served:
                    msg = (
                        f"has no rows: it would empty {name} ({served} row{'s' if served != 1 else ''} now served). "
                        f"To empty it on purpose, remove its rows in the data directory's own {name}"
                    )
                    raise IngestError([contract.Problem(m.name, 1, "", msg)])
                _stage_file(m.path, staging / name)
                rep.files_replaced.append(name)
        _stage_police(staging, data_dir, police_in, rep, progress)
        check = contract.validate(staging)
        errors = check.errors
        if not errors and check_staged is not None and police_in:  # what it checks comes from police.uk files
            errors = check_staged(staging, check)
        if errors:
            raise IngestError([_unstage(p, staging) for p in errors])
        _fault("staged")  # tests: a signal once everything is staged, before anything changes
        committing = True
        _commit(data_dir, staging)
    finally:
        # Before the journal exists the staging folder is only a draft; after, it belongs to the journal.
        if not committing or not (data_dir / JOURNAL).exists():
            shutil.rmtree(staging, ignore_errors=True)
    return rep


def _data_rows(path: Path) -> int:
    """The rows under the header of a CSV file of the data directory (0 if there is none)."""
    if not path.is_file():
        return 0
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        return max(sum(1 for row in csv.reader(f) if any(v.strip() for v in row)) - 1, 0)


def _unstage(p: contract.Problem, staging: Path) -> contract.Problem:
    return contract.Problem(p.file, p.line, p.column, p.message + " (after this ingest)", p.severity)


def _stage_copy(data_dir: Path, staging: Path) -> None:
    """The current extracts, hard-linked (no copying) into the staging folder."""
    for p in contract.extract_files(data_dir):
        dst = staging / p.relative_to(data_dir)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, dst)


def _stage_file(src: Path, dst: Path) -> None:
    """A contract file from the ingest into the staging folder, gunzipped, in chunks (never whole in memory);
    the staged hard link is broken first, so the live file is never written through."""
    dst.unlink(missing_ok=True)
    opener = gzip.open if src.name.endswith(".gz") else open
    with opener(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())


def _replace_link(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)  # break the hard link: never write through to the live file
    _write_bytes(path, data)


def comparator_lsoas(data_dir: Path) -> set[str]:
    """The LSOAs of the comparator areas counted from police.uk (in area_lookup.csv and comparator_groups.csv):
    their rows are kept too, or the Compare page would count them as 0."""
    lookup, groups = data_dir / contract.AREA_LOOKUP, data_dir / "comparator_groups.csv"
    if not lookup.exists() or not groups.exists():
        return set()
    t = contract.check_ons_file(lookup, contract.AREA_LOOKUP, [])
    with open(groups, encoding="utf-8-sig", newline="") as f:
        las = {r.get("area_code") for r in csv.DictReader(f)}
    return {r["lsoa_code"] for _, r in t.rows if r["lad_code"] in las} if t else set()


def _lsoa_set(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["lsoa_code"] for r in csv.DictReader(f) if r.get("lsoa_code")}


def _merge_partner(path: Path, new: contract.Table) -> list[str]:
    """Replace, in the staged `partner_monthly.csv`, every (indicator, month) the new file holds by the new
    file's rows: the old rows of other months stay as and where they were, the new rows follow in their
    own order. Both files are read as streams and only the new file's (indicator, month) pairs are held, so
    a 200 MB partner extract is merged in a few MB."""
    cols = contract.SPECS["partner_monthly.csv"].column_names
    new_keys: set[tuple[str, str]] = set()
    for r in csv.DictReader(contract.text_lines(new.path)):
        if any(r.values()):
            new_keys.add((r["indicator_id"], r["month"]))
    old_keys: set[tuple[str, str]] = set()  # only those the new file replaces
    merged = path.with_name(path.name + ".merging")
    with open(merged, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in csv.DictReader(contract.text_lines(path)):
            k = (r.get("indicator_id") or "", r.get("month") or "")
            if k in new_keys:
                old_keys.add(k)
            elif any(r.values()):
                w.writerow([r.get(c) or "" for c in cols])
        for r in csv.DictReader(contract.text_lines(new.path)):
            if any(r.values()):
                w.writerow([r.get(c) or "" for c in cols])
        f.flush()
        os.fsync(f.fileno())
    os.replace(merged, path)  # replaces the staged hard link: the live file is never written through
    lines = []
    for ind in sorted({k[0] for k in new_keys}):
        added = sorted(m for i, m in new_keys - old_keys if i == ind)
        replaced = sorted(m for i, m in new_keys & old_keys if i == ind)
        if added:
            lines.append(f"added    partner_monthly {ind}: {len(added)} months ({added[0]} to {added[-1]})")
        if replaced:
            lines.append(f"replaced partner_monthly {ind}: {len(replaced)} months ({replaced[0]} to {replaced[-1]})")
    return lines


def _stage_police(staging: Path, data_dir: Path, police_in: dict, rep: Report, progress: bool) -> None:
    if not police_in:
        return
    pspec = contract.SPECS["police_uk/"]
    releases = _releases(data_dir)
    existing, keys_of_file = _existing_police(staging)
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    bar = Progress(len(police_in), "staging", progress)
    for (force, month), slot in sorted(police_in.items()):
        bar.step(f"{month} {force}")
        rep.rows_read += slot["read"]
        keep = slot["rows"]  # only the rows inside the area were kept (`_read_police`)
        rep.rows_without_location += slot["no_loc"]
        rep.rows_outside_area += slot["outside"]
        old_release = releases.get((force, month), {}).get("release", "")
        if old_release and old_release > slot["release"]:
            rep.months.append(
                MonthChange(
                    force,
                    month,
                    "kept",
                    len(keep),
                    note=(
                        f"the data directory has it from a newer release ({old_release}) than {slot['source']} "
                        f"({slot['release']})"
                    ),
                )
            )
            continue
        before = existing.get((force, month), [])
        target = staging / "police_uk" / f"{month}-{force}-street.csv.gz"
        if len(before) == 1 and keys_of_file[before[0][0]] == {(force, month)}:
            target = before[0][0]  # same file name: the month is swapped by one atomic rename
        for path, _n in before:
            if path != target:
                _drop_month(path, force, month)
        if not keep:
            rep.months.append(
                MonthChange(
                    force,
                    month,
                    "kept",
                    0,
                    note=NO_ROWS,
                )
            )
            continue
        data = (
            _gzip_csv(pspec.column_names, keep) if target.name.endswith(".gz") else _csv_bytes(pspec.column_names, keep)
        )
        _replace_link(target, data)
        action = "replaced" if before else "added"
        rep.months.append(
            MonthChange(force, month, action, len(keep), sum(n for _, n in before) if before else None, slot["release"])
        )
        releases[(force, month)] = {
            "force": force,
            "month": month,
            "release": slot["release"],
            "source": slot["source"],
            "rows_read": str(slot["read"]),
            "rows_in_area": str(len(keep)),
            "ingested_at": now,
        }
    cols = contract.SPECS[RELEASES].column_names
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for k in sorted(releases):
        w.writerow([releases[k].get(c, "") for c in cols])
    _replace_link(staging / RELEASES, buf.getvalue().encode("utf-8"))


def _drop_month(path: Path, force: str, month: str) -> None:
    """Remove one force-month's rows from a staged police.uk file (the file goes if nothing is left)."""
    raw = contract.read_text(path).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    header, body = rows[0], rows[1:]
    i_m, i_f = header.index("Month"), header.index("Falls within")
    left = [r for r in body if r and not (r[i_m] == month and _slug(r[i_f]) == force)]
    path.unlink()
    if left:
        data = _gzip_csv(header, left) if path.name.endswith(".gz") else _csv_bytes(header, left)
        _write_bytes(path, data)


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _plan(data_dir: Path, staging: Path) -> list[dict]:
    """Renames that turn the data directory into the staged one (unchanged hard links are skipped)."""
    ops = []
    staged = {p.relative_to(staging).as_posix(): p for p in staging.rglob("*") if p.is_file()}
    current = {p.relative_to(data_dir).as_posix(): p for p in contract.extract_files(data_dir)}
    for rel, p in sorted(staged.items()):
        cur = current.get(rel)
        if cur is not None and os.path.samefile(cur, p):
            continue
        ops.append({"op": "replace", "source": p.relative_to(data_dir).as_posix(), "target": rel})
    for rel in sorted(set(current) - set(staged)):
        ops.append({"op": "delete", "target": rel})
    return ops
