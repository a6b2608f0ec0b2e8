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
3. A journal listing the renames is written (atomically), then the renames are done. Each rename is atomic;
   if the process is killed part-way, the next ingest, validate or store refresh completes the journal, so
   the data directory always ends up either as it was or with the whole ingest applied.

Overlapping police.uk releases never double count: each force-month is written to one file,
`police_uk/YYYY-MM-<force>-street.csv.gz`, holding the rows inside the partnership's area; the release a
month came from (the latest month of the file or archive it was read from) is kept in
`police_uk_releases.csv`, and a month is replaced only by the same or a newer release.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import io
import json
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import contract, datadir

JOURNAL = datadir.JOURNAL
STAGING_PREFIX = ".ingest-staging-"
RELEASES = "police_uk_releases.csv"
STREET_RE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")


class IngestError(Exception):
    def __init__(self, problems: list[contract.Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problems; nothing was changed")


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
        for m in sorted(self.months, key=lambda m: (m.force, m.month)):
            if m.action == "added":
                out.append(f"added    {m.month} {m.force}: {m.rows_in_area} rows")
            elif m.action == "replaced":
                out.append(
                    f"replaced {m.month} {m.force}: {m.rows_before} rows -> {m.rows_in_area} rows (release {m.release})"
                )
            else:
                out.append(f"kept     {m.month} {m.force}: {m.note}")
        out += self.partner
        out += [f"replaced {f}" for f in self.files_replaced]
        added = sum(m.action == "added" for m in self.months)
        replaced = sum(m.action == "replaced" for m in self.months)
        kept = sum(m.action == "kept" for m in self.months)
        out.append(
            f"{self.rows_read} police.uk rows read: {added} months added, {replaced} replaced, {kept} kept; "
            f"{self.rows_outside_area} rows outside the area and {self.rows_without_location} rows without a "
            f"location left out"
        )
        return out


# --------------------------------------------------------------------------- progress


class Progress:
    """A one-line progress bar on standard error (nothing when quiet)."""

    def __init__(self, total: int, label: str, enabled: bool = True):
        self.total, self.label, self.n = max(total, 1), label, 0
        self.enabled = enabled and total > 1

    def step(self, what: str = "") -> None:
        self.n += 1
        if self.enabled:
            width = 30
            done = int(width * self.n / self.total)
            sys.stderr.write(
                f"\r{self.label} [{'#' * done}{'.' * (width - done)}] {self.n}/{self.total} {what[:40]:<40}"
            )
            if self.n >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------- inputs


@dataclass
class Member:
    """One CSV to ingest: its display name (archive!member) and its bytes (decompressed)."""

    name: str
    data: bytes
    release: str = ""


def _expand(paths: list[Path]) -> tuple[list[Member], list[contract.Problem]]:
    members, problems = [], []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            problems.append(contract.Problem(str(p), 0, "", "no such file"))
            continue
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                names = [n for n in z.namelist() if STREET_RE.search(n)]
                if not names:
                    problems.append(contract.Problem(p.name, 0, "", "archive holds no police.uk *-street.csv file"))
                release = max(STREET_RE.search(n).group(1) for n in names) if names else ""
                for n in sorted(names):
                    members.append(Member(f"{p.name}!{n}", z.read(n), release))
            continue
        try:
            data = contract.read_text(p)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            problems.append(contract.Problem(p.name, 1, "", f"cannot be read: {exc}"))
            continue
        members.append(Member(p.name, data))
    return members, problems


def _spec_for(data: bytes) -> contract.FileSpec | None:
    first = data.decode("utf-8-sig", errors="replace").splitlines()[0] if data.strip() else ""
    header = [h.strip() for h in next(csv.reader([first]))] if first else []
    for spec in contract.SPECS.values():
        if set(header) == set(spec.column_names):
            return spec
    return None


def _check_bytes(name: str, data: bytes, spec: contract.FileSpec, problems: list) -> contract.Table | None:
    """contract.check_file on bytes (inputs may be archive members)."""
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"safer-ingest-{os.getpid()}.csv"
    tmp.write_bytes(data)
    try:
        return contract.check_file(tmp, name, spec, problems)
    finally:
        tmp.unlink(missing_ok=True)


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
        text = contract.read_text(p).decode("utf-8-sig", errors="replace")
        for r in csv.DictReader(io.StringIO(text, newline="")):
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


def locked(data_dir: Path):
    """One ingest (or recovery) at a time per data directory: the lock lives in the data directory."""
    return datadir.lock(Path(data_dir))


interrupted = datadir.interrupted


def recover(data_dir: Path) -> bool:
    """Complete an interrupted ingest (roll forward its journal); clear stale staging. True if it did work."""
    data_dir = Path(data_dir)
    with locked(data_dir):
        return _recover(data_dir)


def _recover(data_dir: Path) -> bool:
    jpath = data_dir / JOURNAL
    did = False
    if jpath.exists():
        ops = json.loads(jpath.read_text())
        _apply(data_dir, ops, fail_after=None)
        jpath.unlink()
        did = True
    for st in data_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(st, ignore_errors=True)
        did = True
    return did


def _apply(data_dir: Path, ops: list[dict], fail_after: int | None) -> None:
    for i, op in enumerate(ops):
        if fail_after is not None and i >= fail_after:
            os._exit(137)  # fault injection for tests: as if killed here
        target = data_dir / op["target"]
        if op["op"] == "replace":
            src = data_dir / op["source"]
            if src.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, target)
        elif op["op"] == "delete":
            target.unlink(missing_ok=True)


# --------------------------------------------------------------------------- ingest


def ingest(paths: list[Path], data_dir: Path, progress: bool = True) -> Report:
    """Validate the inputs, stage the new data directory, validate it whole, then swap it in."""
    data_dir = Path(data_dir)
    with locked(data_dir):
        _recover(data_dir)
        return _ingest(paths, data_dir, progress)


def _ingest(paths: list[Path], data_dir: Path, progress: bool) -> Report:
    rep = Report()
    members, problems = _expand(paths)
    pspec = contract.SPECS["police_uk/"]
    lookup_path = data_dir / "lsoa_ward_lookup.csv"
    new_contract: dict[str, tuple[Member, contract.Table]] = {}
    police_in: dict[tuple[str, str], dict] = {}  # (force, month) -> {"rows", "release", "source", "read"}

    bar = Progress(len(members), "checking", progress)
    for m in members:
        bar.step(m.name)
        spec = _spec_for(m.data)
        if spec is None:
            problems.append(
                contract.Problem(m.name, 1, "", "header matches no file of the data contract (see data/README.md)")
            )
            continue
        t = _check_bytes(m.name, m.data, spec, problems)
        if t is None:
            continue
        rep.warnings += [p for p in problems if p.file == m.name and p.severity == "warning"]
        if spec is pspec:
            mine: set[tuple[str, str]] = set()
            for line, r in t.rows:
                key = (_slug(r["Falls within"]), r["Month"])
                slot = police_in.setdefault(key, {"rows": [], "release": "", "source": m.name, "read": 0})
                if slot["source"] != m.name:
                    problems.append(
                        contract.Problem(
                            m.name,
                            line,
                            "Month",
                            f"{r['Month']} for {r['Falls within']} "
                            f"is also in {slot['source']}: give one release of each month",
                        )
                    )
                    break
                slot["rows"].append([r[c] for c in pspec.column_names])
                slot["read"] += 1
                mine.add(key)
            # The release of a file is the latest month in it, or in the archive it came from.
            release = m.release or max(k[1] for k in mine)
            for key in mine:
                police_in[key]["release"] = release
        else:
            if spec.name in new_contract:
                problems.append(
                    contract.Problem(
                        m.name,
                        1,
                        "",
                        f"a second {spec.name} in the same ingest (first: {new_contract[spec.name][0].name})",
                    )
                )
            new_contract[spec.name] = (m, t)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise IngestError(errors)

    staging = data_dir / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _stage_copy(data_dir, staging)
        # Contract files first: a new lookup decides which police rows are in the area.
        for name, (m, t) in new_contract.items():
            if name == "partner_monthly.csv" and (staging / name).exists():
                rep.partner += _merge_partner(staging / name, t)
            else:
                _replace_link(staging / name, m.data)
                rep.files_replaced.append(name)
        lookup = _lsoa_set(
            staging / "lsoa_ward_lookup.csv" if (staging / "lsoa_ward_lookup.csv").exists() else lookup_path
        )
        _stage_police(staging, data_dir, police_in, lookup, rep, progress)
        check = contract.validate(staging)
        errors = check.errors
        if errors:
            raise IngestError([_unstage(p, staging) for p in errors])
        ops = _plan(data_dir, staging)
        _write_bytes(data_dir / (JOURNAL + ".tmp"), json.dumps(ops).encode())
        os.replace(data_dir / (JOURNAL + ".tmp"), data_dir / JOURNAL)
        fail = os.environ.get("SAFER_INGEST_FAIL_AFTER")
        _apply(data_dir, ops, int(fail) if fail else None)
        (data_dir / JOURNAL).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rep


def _unstage(p: contract.Problem, staging: Path) -> contract.Problem:
    return contract.Problem(p.file, p.line, p.column, p.message + " (after this ingest)", p.severity)


def _stage_copy(data_dir: Path, staging: Path) -> None:
    """The current extracts, hard-linked (no copying) into the staging folder."""
    for p in contract.extract_files(data_dir):
        dst = staging / p.relative_to(data_dir)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, dst)


def _replace_link(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)  # break the hard link: never write through to the live file
    _write_bytes(path, data)


def _lsoa_set(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["lsoa_code"] for r in csv.DictReader(f) if r.get("lsoa_code")}


def _merge_partner(path: Path, new: contract.Table) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        old = list(csv.DictReader(f))
    cols = contract.SPECS["partner_monthly.csv"].column_names
    new_rows = [r for _, r in new.rows]
    new_keys = {(r["indicator_id"], r["month"]) for r in new_rows}
    old_keys = {(r["indicator_id"], r["month"]) for r in old if any(r.values())}
    kept = [r for r in old if any(r.values()) and (r["indicator_id"], r["month"]) not in new_keys]
    merged = sorted(kept + new_rows, key=lambda r: (r["indicator_id"], r["month"], r["area_code"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerows([[r[c] for c in cols] for r in merged])
    _replace_link(path, buf.getvalue().encode("utf-8"))
    lines = []
    for ind in sorted({k[0] for k in new_keys}):
        added = sorted(m for i, m in new_keys - old_keys if i == ind)
        replaced = sorted(m for i, m in new_keys & old_keys if i == ind)
        if added:
            lines.append(f"added    partner_monthly {ind}: {len(added)} months ({added[0]} to {added[-1]})")
        if replaced:
            lines.append(f"replaced partner_monthly {ind}: {len(replaced)} months ({replaced[0]} to {replaced[-1]})")
    return lines


def _stage_police(
    staging: Path, data_dir: Path, police_in: dict, lookup: set[str], rep: Report, progress: bool
) -> None:
    if not police_in:
        return
    pspec = contract.SPECS["police_uk/"]
    i_lsoa = pspec.column_names.index("LSOA code")
    releases = _releases(data_dir)
    existing, keys_of_file = _existing_police(staging)
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    bar = Progress(len(police_in), "staging", progress)
    for (force, month), slot in sorted(police_in.items()):
        bar.step(f"{month} {force}")
        rep.rows_read += slot["read"]
        keep = [r for r in slot["rows"] if r[i_lsoa] in lookup]
        no_loc = sum(1 for r in slot["rows"] if not r[i_lsoa])
        rep.rows_without_location += no_loc
        rep.rows_outside_area += len(slot["rows"]) - len(keep) - no_loc
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
                    note=(
                        "no rows inside the area, so nothing was written: check lsoa_ward_lookup.csv covers this force"
                    ),
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
