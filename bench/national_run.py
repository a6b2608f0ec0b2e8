"""Benchmark: every partnership in England and Wales from the national police.uk files (issue 13).

Run by hand, never in CI:

    python -m bench.national_run                       # ten years, 43 forces, about 60 million rows
    python -m bench.national_run --months 12           # a quicker run (about 6 million rows)
    python -m bench.national_run --work DIR --rows-per-month 500000 --authority E06800060

It generates the synthetic national files once (`bench/national.py`, under `--work`), makes a data
directory for one local authority over ALL of them (hard links), then, in a fresh process each:
the full build from an empty cache (validate every row with file and line, load, build the model),
a restart with unchanged extracts, and one more national month (43 files) added. It prints each
target beside its measurement and writes the figures to `--work/national-results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TARGETS = {"build_s": 120.0, "add_month_s": 10.0, "peak_mb": 2048.0}


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def child_build(data: str, cache_base: str, next_dir: str) -> dict:
    os.environ["SAFER_CACHE_DIR"] = cache_base
    from safer import config
    from safer.store import Store, police_cache_dir

    data_p = Path(data)
    cache = config.cache_dir(data_p)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(police_cache_dir(cache), ignore_errors=True)  # from nothing: no shared police.uk cache either
    t0, c0 = time.perf_counter(), time.process_time()
    s = Store(data_p, cache=cache)
    out = {"build_s": time.perf_counter() - t0, "build_cpu_s": time.process_time() - c0}
    out["rows"] = int(s.sql("SELECT sum(rows) FROM police_uk_files").iloc[0, 0] or 0)
    out["rows_in_area"] = int(s.sql("SELECT count(*) FROM police_uk_rows").iloc[0, 0] or 0)
    out["build_peak_mb"] = _rss_mb()
    out["workers_peak_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    s.close()
    t0 = time.perf_counter()
    s = Store(data_p, cache=cache)
    out["reopen_s"] = time.perf_counter() - t0
    linked = []
    nxt = Path(next_dir)
    for p in sorted(nxt.glob("*-street.csv")):
        target = data_p / "police_uk" / "next" / p.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        os.link(p, target)
        linked.append(target)
    t0, c0 = time.perf_counter(), time.process_time()
    s.refresh()
    out["add_month_s"] = time.perf_counter() - t0
    out["add_month_cpu_s"] = time.process_time() - c0
    out["add_month_files"] = len(linked)
    out["current_after_add"] = bool(s.status.current)
    s.close()
    for t in linked:  # leave the data directory as generated
        t.unlink()
    out["peak_mb"] = _rss_mb()
    out["workers_peak_mb"] = max(out["workers_peak_mb"], _rss_mb(resource.RUSAGE_CHILDREN))
    return out


def child_second(data: str, cache_base: str) -> dict:
    """Another local authority's dashboard starting over the same national files (hard links): its own small
    database, from the shared police.uk cache, with no file validated or read again."""
    os.environ["SAFER_CACHE_DIR"] = cache_base
    from safer import config
    from safer.store import Store

    data_p = Path(data)
    cache = config.cache_dir(data_p)
    shutil.rmtree(cache, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    s = Store(data_p, cache=cache)
    out = {"second_s": time.perf_counter() - t0, "second_cpu_s": time.process_time() - c0, "second_peak_mb": _rss_mb()}
    out["second_rows_in_area"] = int(s.sql("SELECT count(*) FROM police_uk_rows").iloc[0, 0] or 0)
    out["second_rows"] = int(s.sql("SELECT sum(rows) FROM police_uk_files").iloc[0, 0] or 0)
    s.close()
    return out


def _child(kw: dict) -> dict | None:
    cmd = [sys.executable, "-m", "bench.national_run", "--child", json.dumps(kw)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(PROJECT))
    if r.returncode:
        sys.stderr.write(r.stderr[-4000:])
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/safer-national"))
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--rows-per-month", type=int, default=500_000)
    ap.add_argument("--authority", default="E06800060")
    ap.add_argument("--second-authority", default=None, help="started after the build (default: the last one)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        kw = json.loads(a.child)
        print(json.dumps(child_second(**kw) if "next_dir" not in kw else child_build(**kw)))
        return 0
    from bench import national

    files = a.work / f"files-{a.months}"
    t0 = time.perf_counter()
    gen = national.generate(files, a.months, rows_per_month=a.rows_per_month)
    print(f"generated {gen['rows_written']:,} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    data = national.make_authority_dir(a.authority, files, a.work / f"la-{a.months}")
    second = a.second_authority or str(national.geography()["authority"]["code"][-1])
    data2 = national.make_authority_dir(second, files, a.work / f"la2-{a.months}")
    cache_base = str(a.work / "cache")
    load_before = os.getloadavg()
    res = _child({"data": str(data), "cache_base": cache_base, "next_dir": str(files / "next_month")})
    res2 = _child({"data": str(data2), "cache_base": cache_base})
    if res is None or res2 is None:
        return 1
    res |= res2 | {"second_authority": second, "authority": a.authority}
    res |= {
        "months": a.months,
        "rows_per_month": a.rows_per_month,
        "load_average": os.getloadavg(),
        "load_average_before": load_before,
    }
    (a.work / "national-results.json").write_text(json.dumps(res, indent=2))
    scale = 120 / a.months
    print(f"| figure | measured ({a.months} months, {res['rows']:,} rows) | target (120 months) | |")
    print("|---|---:|---:|---|")
    for key, label in (("build_s", "full build, s"), ("add_month_s", "one more national month, s")):
        v = res[key]
        est = f" (≈{v * scale:.0f} s at 120 months)" if key == "build_s" and scale != 1 else ""
        ok = (v * (scale if key == "build_s" else 1)) <= TARGETS[key]
        print(f"| {label} | {v:.1f}{est} | ≤ {TARGETS[key]:.0f} | {'met' if ok else 'MISSED'} |")
        cpu = res[key.replace("_s", "_cpu_s")]
        print(f"|   CPU time of the process (user + system, all threads), s | {cpu:.1f} |  |  |")
    print(
        f"| peak memory, building process, MB | {res['peak_mb']:.0f} | ≤ {TARGETS['peak_mb']:.0f} | "
        f"{'met' if res['peak_mb'] <= TARGETS['peak_mb'] else 'MISSED'} |"
    )
    print(f"| peak memory, validation workers, MB | {res['workers_peak_mb']:.0f} |  |  |")
    print(f"| rows read / rows in the authority | {res['rows']:,} / {res['rows_in_area']:,} |  |  |")
    print(f"| restart, unchanged extracts, s | {res['reopen_s']:.2f} |  |  |")
    print(
        f"| second authority at start ({second}: its own database from the shared cache), s | "
        f"{res['second_s']:.1f} (CPU {res['second_cpu_s']:.1f}) |  |  |"
    )
    print(f"| peak memory, second authority's process, MB | {res['second_peak_mb']:.0f} |  |  |")
    print(
        f"| rows read / rows in the second authority | {res['second_rows']:,} / {res['second_rows_in_area']:,} |  |  |"
    )
    print(f"load average (1, 5, 15 min): {res['load_average_before']} before, {res['load_average']} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
