"""Benchmark: counting every comparator borough from the force-wide police.uk files (area_lookup.csv +
comparator_groups.csv) against the same build without comparator groups.

    python -m bench.comparators [--force-dir /tmp/safer-bench/force-120x37500] [--work /tmp/safer-bench-cmp]

Run by hand, not in CI. It makes a Stockport data directory over the force-wide files (`bench.gm`,
hard-linked; generated first with `--months` when `--force-dir` has none), builds the store once (the
police.uk validation and rows are then cached per file), then times rebuilds with the police.uk cache warm:
with the ten boroughs as a comparator group counted from the files, and with the group list removed (no
counting from the files). The difference is what counting every borough's rows costs the build; the
target is the full build's (30 s at 4.5 million rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def _rebuild(data: Path, cache: Path) -> float:
    from safer import store

    t0 = time.perf_counter()
    store.build(data, cache / "bench.duckdb", cache_dir=cache)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    from bench import gm
    from safer import queries
    from safer.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force-dir", default="/tmp/safer-bench/force-120x37500")
    ap.add_argument("--work", default="/tmp/safer-bench-cmp")
    ap.add_argument("--months", type=int, default=12, help="months to generate when --force-dir has no files")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    work = Path(args.work)
    force = Path(args.force_dir)
    if not list((force / "police_uk").glob("*.csv*")):
        force = work / "force"
        gm.generate(force, months=args.months)
    data = gm.make_borough_dir(gm.STOCKPORT, force, work / "stockport")
    cache = work / "cache"
    t0 = time.perf_counter()
    s = Store(data, cache=cache)
    first = time.perf_counter() - t0
    rows = int(queries.run(s, "police_uk_files")["rows"].sum())
    areas = queries.run_true(s, "comparator_rates", indicator="asb")
    s.close()
    with_groups = [_rebuild(data, cache) for _ in range(args.repeat)]
    groups = data / "comparator_groups.csv"
    kept = groups.read_bytes()
    groups.unlink()
    try:
        without = [_rebuild(data, cache) for _ in range(args.repeat)]
    finally:
        groups.write_bytes(kept)
    w, wo = statistics.median(with_groups), statistics.median(without)
    load = os.getloadavg()
    print(f"police.uk rows: {rows:,} in {len(list((data / 'police_uk').glob('*.csv*')))} files")
    print(f"areas in the group with a rate (asb): {len(areas)}")
    print(f"first build (validate + load + model), s: {first:.1f}   target <= 30 s")
    print(f"rebuild, police.uk cache warm, with the group counted from the files, s (median of {args.repeat}): {w:.2f}")
    print(f"rebuild, police.uk cache warm, without comparator groups, s (median of {args.repeat}): {wo:.2f}")
    print(f"cost of counting every borough from the files, s: {w - wo:.2f}")
    print(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
