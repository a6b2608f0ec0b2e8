"""Benchmark: the store and every page at demo size and at ten years of Greater Manchester.

    python bench/run.py [--months 120] [--rows-per-month 37500] [--work /tmp/safer-bench] [--repeat 30]

Run by hand, not in CI. It
1. generates (once, deterministically; see bench/gm.py) police.uk street files for all ten GM boroughs,
   `--months` months of about `--rows-per-month` rows, into `--work` (never inside the project);
2. makes a Stockport data directory over them (the demo's extracts; police_uk/ hard-linked);
3. in a fresh process per measurement (so peak memory is that process's own):
   - builds the store from nothing (validation + DuckDB load), then adds one more month and refreshes;
   - runs every page's queries (recorded from a real AppTest run of the page) with varied filters,
     `--repeat` times: median and 95th percentile per page;
   - reruns every page with Streamlit's AppTest (median of 5 warm reruns);
   - computes the same answers with plain pandas (read_csv + groupby) as the baseline;
4. prints one table (demo size and large size) and writes it, with the raw figures, to `--work`.

Peak memory is the process's maximum resident set size (`ru_maxrss`); validation worker processes
(a pool of 2 on this machine) are reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

PAGES = [
    "pages/overview.py",
    "pages/trends.py",
    "pages/plan_cycles.py",
    "pages/areas.py",
    "pages/compare.py",
    "pages/priorities.py",
    "pages/scrutiny.py",
    "pages/consultation.py",
    "pages/data.py",
]


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


# --------------------------------------------------------------------------- children


def child_build(data: Path, cache_base: Path, next_file: Path | None) -> dict:
    os.environ["SAFER_CACHE_DIR"] = str(cache_base)
    from safer import config
    from safer.store import Store

    cache = config.cache_dir(data)
    shutil.rmtree(cache, ignore_errors=True)
    t0 = time.perf_counter()
    s = Store(data, cache=cache)
    build_s = time.perf_counter() - t0
    rows = int(s.sql("SELECT sum(rows) FROM police_uk_files").iloc[0, 0] or 0)
    out = {
        "build_s": build_s,
        "rows": rows,
        "rows_per_s": rows / build_s,
        "rss_after_build_mb": _rss_mb(),
        "workers_peak_mb": _rss_mb(resource.RUSAGE_CHILDREN),
    }
    # A restart with unchanged extracts: opens the build, reads no CSV.
    s.close()
    t0 = time.perf_counter()
    s = Store(data, cache=cache)
    out["reopen_s"] = time.perf_counter() - t0
    if next_file is not None:
        target = data / "police_uk" / next_file.name
        target.unlink(missing_ok=True)
        os.link(next_file, target)
        t0 = time.perf_counter()
        s.refresh()
        out["add_month_s"] = time.perf_counter() - t0
        added = int(
            s.sql("SELECT rows FROM police_uk_files WHERE source_path = $p", {"p": f"police_uk/{next_file.name}"}).iloc[
                0, 0
            ]
        )
        out["add_month_rows"] = added
        assert s.status.current
        target.unlink()  # leave the data directory as generated
    s.close()
    out["peak_mb"] = _rss_mb()
    out["workers_peak_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    return out


def _record_page_queries() -> dict[str, list[tuple[str, dict]]]:
    """Run each page once with AppTest and record the named queries it runs (name, parameters)."""
    from streamlit.testing.v1 import AppTest

    from safer import queries

    calls: list[tuple[str, dict]] = []
    real = queries.run

    def spy(store, name, **values):
        calls.append((name, dict(values)))
        return real(store, name, **values)

    queries.run = spy
    per_page = {}
    try:
        for page in PAGES:
            at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=120)
            at.run()
            calls.clear()
            at.switch_page(page).run()
            assert not at.exception, (page, [e.value for e in at.exception])
            per_page[page] = list(calls)
    finally:
        queries.run = real
    return per_page


def child_pages(data: Path, cache_base: Path, repeat: int) -> dict:
    os.environ["SAFER_DATA_DIR"] = str(data)
    os.environ["SAFER_CACHE_DIR"] = str(cache_base)
    from streamlit.testing.v1 import AppTest

    from safer import queries, ui
    from safer.store import Store

    store = Store(data)
    inds = store.sql("SELECT indicator_id FROM indicators ORDER BY rowid").indicator_id.tolist()
    areas = [None] + store.sql(
        "SELECT area_code FROM areas WHERE area_type = 'ward' ORDER BY area_code LIMIT 6"
    ).area_code.tolist()
    per_page = _record_page_queries()
    out: dict = {"pages": {}}
    for page, calls in per_page.items():
        totals, slowest = [], {}
        for r in range(repeat):
            t_page = 0.0
            for name, params in calls:
                p = dict(params)
                if "indicator" in p and name.startswith("comparator"):
                    p["indicator"] = ["asb", "burglary"][r % 2]
                elif "indicator" in p:
                    p["indicator"] = inds[r % len(inds)]
                if "area" in p:
                    p["area"] = areas[r % len(areas)]
                t0 = time.perf_counter()
                try:
                    queries.run(store, name, **p)
                except queries.QueryError:
                    queries.run(store, name, **params)
                dt = time.perf_counter() - t0
                t_page += dt
                slowest[name] = max(slowest.get(name, 0.0), dt)
            totals.append(t_page)
        out["pages"][page] = {
            "queries": len(calls),
            "median_ms": statistics.median(totals) * 1000,
            "p95_ms": _p95(totals) * 1000,
            "slowest_query": max(slowest, key=slowest.get) if slowest else "",
            "slowest_query_ms": max(slowest.values()) * 1000 if slowest else 0.0,
        }
    # A full rerun of each page (warm: the store is open; Streamlit's caches as in production).
    for page in PAGES:
        at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=120)
        at.run()
        at.switch_page(page).run()
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            at.run()
            ts.append(time.perf_counter() - t0)
            assert not at.exception, (page, [e.value for e in at.exception])
        out["pages"][page]["rerun_ms"] = statistics.median(ts) * 1000
    out["peak_mb"] = _rss_mb()
    out["workers_peak_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    # The interactions compared with pandas, timed the same way.
    for key, name, params in (
        ("monthly", "monthly", {"indicator": "asb"}),
        ("ward_rates", "ward_rates", {"indicator": "asb"}),
    ):
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            queries.run(store, name, **params)
            ts.append(time.perf_counter() - t0)
        out[f"duckdb_{key}_ms"] = statistics.median(ts) * 1000
    ui  # noqa: B018 (imported so that the page's cache_resource store is the one timed)
    return out


def child_pandas(data: Path, repeat: int) -> dict:
    """The same two answers (monthly ASB in the borough; ASB ward rates over the last 12 months) with pandas."""
    import pandas as pd

    files = sorted((data / "police_uk").rglob("*.csv*"))
    lookup = pd.read_csv(data / "lsoa_ward_lookup.csv", dtype=str)
    pop = pd.read_csv(data / "population.csv")
    if "population_group" in pop:  # all residents (the demo also has estimates of children)
        pop = pop[pop.population_group.fillna("all") == "all"]

    def load():
        return pd.concat(
            [pd.read_csv(f, usecols=["Month", "LSOA code", "Crime type"], dtype=str) for f in files], ignore_index=True
        )

    def monthly(df):
        d = df[df["Crime type"] == "Anti-social behaviour"].merge(lookup, left_on="LSOA code", right_on="lsoa_code")
        return d.groupby("Month").size()

    def ward_rates(df):
        months = sorted(df["Month"].unique())[-12:]
        d = df[(df["Crime type"] == "Anti-social behaviour") & df["Month"].isin(months)]
        d = d.merge(lookup, left_on="LSOA code", right_on="lsoa_code")
        counts = d.groupby("ward_code").size()
        year = int(months[-1][:4])
        p = pop[pop.year == pop.year[pop.year <= year].max()].set_index("area_code").population
        return counts / len(months) * 12 / p.reindex(counts.index) * 1000

    out = {}
    n_cold = 1 if len(files) > 60 and sum(f.stat().st_size for f in files) > 200e6 else 3
    for key, fn in (("monthly", monthly), ("ward_rates", ward_rates)):
        ts = []
        for _ in range(n_cold):
            t0 = time.perf_counter()
            fn(load())
            ts.append(time.perf_counter() - t0)
        out[f"pandas_cold_{key}_ms"] = statistics.median(ts) * 1000
    df = load()
    for key, fn in (("monthly", monthly), ("ward_rates", ward_rates)):
        ts = []
        for _ in range(min(repeat, 5)):
            t0 = time.perf_counter()
            fn(df)
            ts.append(time.perf_counter() - t0)
        out[f"pandas_warm_{key}_ms"] = statistics.median(ts) * 1000
    out["pandas_peak_mb"] = _rss_mb()
    return out


def _child(kind: str, **kw) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--child-args", json.dumps(kw)]
    env = dict(os.environ)
    env.pop("SAFER_DATA_DIR", None)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(PROJECT))
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"{kind} failed")
    return json.loads(r.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the report


def measure(data: Path, work: Path, tag: str, next_file: Path | None, repeat: int) -> dict:
    cache = work / f"cache-{tag}"
    print(f"[{tag}] building…", file=sys.stderr, flush=True)
    res = {"build": _child("build", data=str(data), cache=str(cache), next_file=str(next_file) if next_file else None)}
    print(f"[{tag}] pages…", file=sys.stderr, flush=True)
    res["pages"] = _child("pages", data=str(data), cache=str(cache), repeat=repeat)
    print(f"[{tag}] pandas baseline…", file=sys.stderr, flush=True)
    res["pandas"] = _child("pandas", data=str(data), repeat=repeat)
    return res


def table(demo: dict, large: dict, large_label: str) -> str:
    rows = []

    def row(what, d, lg, target="", ok=None):
        mark = "" if ok is None else ("met" if ok else "MISSED")
        rows.append(f"| {what} | {d} | {lg} | {target} | {mark} |")

    f1 = lambda x: "n/a" if x is None else f"{x:,.1f}"  # noqa: E731
    f0 = lambda x: "n/a" if x is None else f"{x:,.0f}"  # noqa: E731
    b, B = demo["build"], large["build"]
    row("police.uk rows", f0(b["rows"]), f0(B["rows"]))
    row("full build (validate + load), s", f1(b["build_s"]), f1(B["build_s"]), "≤ 30 s", B["build_s"] <= 30)
    row("  rows per second", f0(b["rows_per_s"]), f0(B["rows_per_s"]))
    row("restart, unchanged extracts, s", f"{b['reopen_s']:.2f}", f"{B['reopen_s']:.2f}")
    if "add_month_s" in B:
        row(
            f"one more month ({B['add_month_rows']:,} rows), s",
            "n/a",
            f"{B['add_month_s']:.2f}",
            "≤ 3 s",
            B["add_month_s"] <= 3,
        )
        row("  rows per second (the new month)", "n/a", f0(B["add_month_rows"] / B["add_month_s"]))
    row("peak memory, building process, MB", f0(b["peak_mb"]), f0(B["peak_mb"]), "≤ 1,536 MB", B["peak_mb"] <= 1536)
    row("peak memory, each validation worker, MB", f0(b["workers_peak_mb"]), f0(B["workers_peak_mb"]))
    P, Pl = demo["pages"], large["pages"]
    for page in PAGES:
        d, lg = P["pages"][page], Pl["pages"][page]
        name = page.removeprefix("pages/").removesuffix(".py")
        row(
            f"{name}: queries ({lg['queries']}) median / p95, ms",
            f"{d['median_ms']:.0f} / {d['p95_ms']:.0f}",
            f"{lg['median_ms']:.0f} / {lg['p95_ms']:.0f}",
            "p95 ≤ 100 ms",
            lg["p95_ms"] <= 100,
        )
        row(
            f"{name}: full AppTest rerun, ms",
            f"{d['rerun_ms']:.0f}",
            f"{lg['rerun_ms']:.0f} ({lg['rerun_ms'] / d['rerun_ms']:.2f}×)",
            "≤ 1.5× demo",
            lg["rerun_ms"] <= 1.5 * d["rerun_ms"],
        )
    row(
        "peak memory, dashboard process (all pages), MB",
        f0(P["peak_mb"]),
        f0(Pl["peak_mb"]),
        "≤ 1,536 MB",
        Pl["peak_mb"] <= 1536,
    )
    pd_, pl = demo["pandas"], large["pandas"]
    for key, label in (("monthly", "monthly ASB, borough"), ("ward_rates", "ASB ward rates, 12 months")):
        dd, dl = P[f"duckdb_{key}_ms"], Pl[f"duckdb_{key}_ms"]
        cd, cl = pd_[f"pandas_cold_{key}_ms"], pl[f"pandas_cold_{key}_ms"]
        wd, wl = pd_[f"pandas_warm_{key}_ms"], pl[f"pandas_warm_{key}_ms"]
        row(f"{label}: store query, ms", f"{dd:.1f}", f"{dl:.1f}")
        row(
            f"{label}: pandas read_csv + groupby, ms (× store)",
            f"{cd:,.0f} ({cd / dd:,.0f}×)",
            f"{cl:,.0f} ({cl / dl:,.0f}×)",
            "≥ 20×",
            cl / dl >= 20,
        )
        row(
            f"{label}: pandas groupby on rows in memory, ms (× store)",
            f"{wd:,.0f} ({wd / dd:,.1f}×)",
            f"{wl:,.0f} ({wl / dl:,.1f}×)",
            "(for reference)",
        )
    row("pandas baseline peak memory, MB", f0(pd_["pandas_peak_mb"]), f0(pl["pandas_peak_mb"]))
    head = f"| figure | demo data | {large_label} | target (large) | |\n|---|---:|---:|---|---|"
    return head + "\n" + "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the store and the pages (run by hand).")
    ap.add_argument("--months", type=int, default=120, help="months of force-wide files (default 120: ten years)")
    ap.add_argument("--rows-per-month", type=int, default=37500)
    ap.add_argument("--work", default="/tmp/safer-bench", help="where generated files and caches go (never committed)")
    ap.add_argument("--repeat", type=int, default=30, help="runs per page's queries (median and p95)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        kw = json.loads(a.child_args)
        if a.child == "build":
            res = child_build(Path(kw["data"]), Path(kw["cache"]), Path(kw["next_file"]) if kw["next_file"] else None)
        elif a.child == "pages":
            res = child_pages(Path(kw["data"]), Path(kw["cache"]), kw["repeat"])
        else:
            res = child_pandas(Path(kw["data"]), kw["repeat"])
        print(json.dumps(res))
        return 0

    from bench import gm

    gm.check_populations()
    work = Path(a.work)
    force = work / f"force-{a.months}x{a.rows_per_month}"
    t0 = time.perf_counter()
    info = gm.generate(force, a.months, rows_per_month=a.rows_per_month)
    print(
        f"generated {info['rows_written']:,} rows in {time.perf_counter() - t0:.1f} s (0 if already there)",
        file=sys.stderr,
    )
    large_dir = gm.make_borough_dir(gm.STOCKPORT, force, work / f"stockport-{a.months}")
    next_file = force / "next_month" / f"{info['next_month']}-greater-manchester-street.csv"

    load_before = os.getloadavg()[0]
    demo = measure(PROJECT / "data", work, "demo", None, a.repeat)
    large = measure(large_dir, work, f"large-{a.months}", next_file, a.repeat)
    label = f"GM, {a.months} months"
    out = table(demo, large, label)
    machine = (
        f"{platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"1-minute load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after the run "
        f"(other work on the machine slows every figure)"
    )
    print(machine)
    print(out)
    (work / f"results-{a.months}.json").write_text(
        json.dumps({"machine": machine, "demo": demo, "large": large}, indent=1)
    )
    (work / f"results-{a.months}.md").write_text(machine + "\n\n" + out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
