"""Benchmark: interaction speed (issue 13), each target printed beside its measurement.

    python -m bench.interaction                         # demo and GM-10y, AppTest and the browser
    python -m bench.interaction --skip-browser          # the AppTest reruns only (about a minute)
    python -m bench.interaction --crowd-seconds 20      # a shorter crowd

Run by hand, never in CI. Everything it writes goes under `--work` (default /tmp/safer-bench); the GM-10y data
directory is the one `bench/run.py` makes there (`stockport-120`), generated here with `bench/gm.py` if absent.

For each data directory (the demo data; ten years of Greater Manchester served for Stockport):

1. **Page reruns (AppTest).** In a fresh process, once the warm-up thread has finished (the server's steady
   state: until then it computes views beside the reruns, and a few ms of its work landing in a 20 ms rerun
   decided the ratio), each page at its default filters is run, then rerun three times warm: the median
   rerun, and the **engine** share of it: wall time inside `safer`'s views,
   `safer.queries.run`, `Store.refresh` and `safer.ui.store` (outermost calls only, so nothing is counted
   twice). Targets: GM-10y rerun ≤ 1.2 × the demo's; engine ≤ 150 ms. The processes for the two data
   directories alternate, `--rounds` times each, and each page keeps its lowest median (the machine is
   shared: other work should not land on one side of the ratio only). The figures each page sends are
   written to `--work/bare-figures/` for the bare app.
2. **The browser** (Playwright driving /usr/bin/chromium, headless): `streamlit run dashboard.py` on a free
   port, its store built beforehand. A page is **settled** when its `<h1>` is the page's title, Streamlit's
   script state is `notRunning` with no status widget ("Running…") and no skeleton, the page holds at least
   as many Plotly charts as its AppTest run sent and every one has drawn a trace into its SVG (after a filter
   change, also: the URL carries the new value). Times run from the click to settled.
   - **page switch**: from each page, a click on the next page's sidebar link, round the pages three times;
   - **filter change**: on each page with a select box, a new value in its first select box (three values);
   - **new session**: a new browser context opening the root address (the Overview) until settled; the
     first session after the server started, then the median of three more; against the same for the
     **bare app** (`bench/bare_app.py`: the same pages' figures, static, no engine);
   - **20 sessions**: 20 contexts open at once, each clicking to the next page in a loop for
     `--crowd-seconds`: the 95th percentile of the page switch; the same for the bare app.
3. Prints one table per data directory (target, measurement, met / MISSED) and the load average, and writes
   them with the raw figures to `--work/interaction-*.md` and `.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

import browser_support as bs  # noqa: E402 - tests/ holds the Playwright helpers the browser tests use

from bench import ws_crowd  # noqa: E402
from bench.ws_crowd import Start, p95  # noqa: E402 - one start line and one percentile for both crowds

# the pages with a link in the sidebar (a hidden page, such as /home for old bookmarks, is an address only)
PAGES = [(p.url_path, p.title, p.script) for p in bs.registered_pages() if p.url_path != "briefing" and p.in_sidebar]
# What a page's <h1> says (the page's title in the navigation, except the hidden twin of the Overview).
H1 = {"overview": "Overview"}

SETTLED_JS = (
    """({title, minCharts, search}) => {
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  if (!h1 || !h1.textContent.trim().startsWith(title)) return false;
  if (search && !decodeURIComponent(location.search).includes(search)) return false;
  return ("""
    + bs.READY_JS
    + """)(minCharts);
}"""
)

TARGET_RATIO = 1.2
TARGET_ENGINE_MS = 150
TARGET_SETTLED_MS = 500
TARGET_CROWD_P95_MS = 3000


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


# --------------------------------------------------------------------------- 1. AppTest reruns (a child process)


class _Timer:
    """Wall time inside the instrumented functions, outermost calls only, per thread."""

    def __init__(self):
        self.local = threading.local()
        self.total = 0.0
        self.lock = threading.Lock()

    def wrap(self, fn):
        def timed(*a, **k):
            depth = getattr(self.local, "depth", 0)
            self.local.depth = depth + 1
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.local.depth = depth
                if depth == 0:
                    with self.lock:
                        self.total += time.perf_counter() - t0

        timed.__wrapped__ = fn
        timed.__name__ = getattr(fn, "__name__", "timed")
        return timed


def _instrument() -> _Timer:
    import safer.views as views
    from safer import queries, store, ui

    timer = _Timer()
    for name in views.__all__:
        obj = getattr(views, name)
        if callable(obj) and not isinstance(obj, type) and name not in ("cached", "clear_cache"):
            setattr(views, name, timer.wrap(obj))
    queries.run = timer.wrap(queries.run)
    store.Store.refresh = timer.wrap(store.Store.refresh)
    ui.store = timer.wrap(ui.store)
    return timer


def child_reruns(data: str, cache: str, figures_out: str | None) -> dict:
    os.environ["SAFER_DATA_DIR"] = data
    os.environ["SAFER_CACHE_DIR"] = cache
    from streamlit.testing.v1 import AppTest

    timer = _instrument()
    out = {}
    for url_path, _title, script in PAGES:
        at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=300)
        at.run()
        if not out:  # the server's steady state: the warm-up thread done, not computing beside the reruns timed
            t0 = time.perf_counter()
            for t in threading.enumerate():
                if t.name == "safer-warm":
                    t.join(timeout=600)
            print(f"warm-up thread done {time.perf_counter() - t0:.1f} s after the first run", file=sys.stderr)
        at.switch_page(script).run()
        at.run()  # warm: this session's widgets and the shared view cache
        assert not at.exception, (script, [e.value for e in at.exception])
        walls, engine = [], []
        for _ in range(3):
            timer.total = 0.0
            t0 = time.perf_counter()
            at.run()
            walls.append(time.perf_counter() - t0)
            engine.append(timer.total)
            assert not at.exception, (script, [e.value for e in at.exception])
        charts = at.get("plotly_chart")
        specs = [json.loads(c.proto.spec) for c in charts]
        out[url_path] = {
            "rerun_ms": _median(walls) * 1000,
            "engine_ms": _median(engine) * 1000,
            "charts": len(specs),
            "chart_bytes": sum(len(c.proto.spec) for c in charts),
        }
        if figures_out:
            Path(figures_out).mkdir(parents=True, exist_ok=True)
            (Path(figures_out) / f"{url_path}.json").write_text(json.dumps(specs))
    if figures_out:
        (Path(figures_out) / "pages.json").write_text(json.dumps([[u, t] for u, t, _s in PAGES]))
    return out


def _child(kind: str, **kw) -> dict:
    cmd = [sys.executable, "-m", "bench.interaction", "--child", kind, "--child-args", json.dumps(kw)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(PROJECT))
    if r.returncode != 0:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"{kind} failed")
    return json.loads(r.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- 2. the browser


class BareApp(bs.Dashboard):
    """bench/bare_app.py served like the dashboard."""

    def __init__(self, figures: Path, log_path: Path):
        self.port = bs.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(os.environ, SAFER_BARE_FIGURES=str(figures), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
        cmd = [sys.executable, "-m", "streamlit", "run", "bench/bare_app.py", "--server.headless", "true"]
        cmd += ["--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats"]
        cmd += ["false"]  # .streamlit/config.toml for the rest, as for the dashboard
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=self._log, stderr=subprocess.STDOUT)


async def _settle(page, title: str, min_charts: int, search: str = "", timeout_ms: float = 120_000) -> None:
    arg = {"title": title, "minCharts": min_charts, "search": search}
    await page.wait_for_function(SETTLED_JS, arg=arg, timeout=timeout_ms, polling="raf")
    # READY_JS also stops at an exception (the tests want it fast): here a page with one is a failure, not a time.
    if await page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"the {title} page shows an exception")


def _title(url_path: str, title: str) -> str:
    return H1.get(url_path, title)


async def _new_session(browser, base: str, charts: dict) -> float:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await ctx.new_page()
        t0 = time.perf_counter()
        await page.goto(base + "/", wait_until="commit")
        await _settle(page, "Overview", charts["overview"])
        return time.perf_counter() - t0
    finally:
        await ctx.close()


async def _click_page(page, url_path: str, title: str, charts: dict, timeout_ms: float = 120_000) -> float:
    # The Overview is the default page: its link is the root address.
    href = "" if url_path == "overview" else url_path
    base = page.url.split("?")[0].rsplit("/", 1)[0]
    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{href}"]').first
    t0 = time.perf_counter()
    await link.click()
    await _settle(page, title, charts[url_path], timeout_ms=timeout_ms)
    return time.perf_counter() - t0


# one round of the pages by their sidebar links, from the Overview: every other page, then the Overview
ROUND_ORDER = [(u, t) for u, t, _s in PAGES if u != "overview"] + [("overview", "Overview")]


async def _switch_rounds(page, charts: dict, rounds: int) -> dict[str, list[float]]:
    """Round every page `rounds` times by its sidebar link (the Overview last): each switch's time, by page."""
    out: dict[str, list[float]] = {}
    for _ in range(rounds):
        for u, t in ROUND_ORDER:
            out.setdefault(u, []).append(await _click_page(page, u, _title(u, t), charts))
    return out


async def _switches_and_filters(browser, base: str, charts: dict, rounds: int = 3) -> dict:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(120_000)
    page = await ctx.new_page()
    await page.goto(base + "/")
    await _settle(page, "Overview", charts["overview"])
    switches = await _switch_rounds(page, charts, rounds)
    filters: dict[str, list[float]] = {}
    for u, t, _s in PAGES:
        await _click_page(page, u, _title(u, t), charts)
        # the page's first filter: a select box, or a row of buttons (the Overview's plan cycles)
        first = page.locator(
            '[data-testid="stMain"] :is([data-testid="stSelectbox"], [data-testid="stButtonGroup"])'
        ).first
        if await first.count() == 0:
            continue
        buttons = await first.get_attribute("data-testid") == "stButtonGroup"
        for k in range(3):
            if buttons:
                options = first.locator('[role="radio"]')
            else:
                await first.locator('[role="combobox"]').click()
                options = page.get_by_role("option")
            n = await options.count()
            before = await page.evaluate("location.search")
            pick = options.nth((k + 1) % max(n, 1))
            t0 = time.perf_counter()
            await pick.click()
            try:
                await page.wait_for_function("(b) => location.search !== b", arg=before, timeout=5000, polling="raf")
            except Exception:  # the same value picked again: nothing to time
                await page.keyboard.press("Escape")
                continue
            # A choice may rightly show fewer charts than the page's defaults (a consultation source with no
            # survey has no chart): the script run has ended with the new value in the address, and every chart
            # on the page has drawn its traces.
            await _settle(page, _title(u, t), 0)
            filters.setdefault(u, []).append(time.perf_counter() - t0)
    await ctx.close()
    return {"switch": switches, "filter": filters}


async def _crowd_session(browser, base: str, i: int, charts: dict, start, seconds: float, out: list, errors: list):
    ctx = await browser.new_context(viewport={"width": 1000, "height": 700})
    ctx.set_default_timeout(300_000)
    page = await ctx.new_page()
    order = [(u, _title(u, t)) for u, t, _s in PAGES]
    try:
        try:
            await page.goto(base + "/")
            await _settle(page, "Overview", charts["overview"], timeout_ms=300_000)
        finally:
            start.arrived()
        await start.event.wait()  # every session open before the clock starts
        until = time.monotonic() + seconds
        k = i  # each session starts at a different page
        while time.monotonic() < until:
            k += 1
            u, t = order[k % len(order)]
            out.append((u, await _click_page(page, u, t, charts, timeout_ms=300_000)))
    except Exception as exc:  # noqa: BLE001 - reported in the table
        errors.append(f"session {i}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        await ctx.close()


async def _crowd(browser, base: str, charts: dict, n: int, seconds: float) -> dict:
    out: list = []
    errors: list = []
    start = Start(n)
    await asyncio.gather(*(_crowd_session(browser, base, i, charts, start, seconds, out, errors) for i in range(n)))
    ts = [t for _u, t in out]
    return {"switches": len(ts), "median_s": _median(ts), "p95_s": p95(ts), "errors": errors}


async def _bare_switches(browser, base: str, charts: dict, rounds: int = 3) -> dict:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    await page.goto(base + "/")
    await _settle(page, "Overview", charts["overview"])
    out = await _switch_rounds(page, charts, rounds)
    await ctx.close()
    return out


async def _browser_run(base: str, bare: str | None, charts: dict, crowd_n: int, crowd_s: float) -> dict:
    from playwright.async_api import async_playwright

    res: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=bs.chromium_path(), args=bs.CHROMIUM_ARGS)
        try:
            res["first_session_s"] = await _new_session(browser, base, charts)
            res["new_session_s"] = [await _new_session(browser, base, charts) for _ in range(3)]
            if bare:
                await _new_session(browser, bare, charts)  # the bare server's first: its figures read from disk
                res["bare_new_session_s"] = [await _new_session(browser, bare, charts) for _ in range(3)]
                res["bare_switch"] = await _bare_switches(browser, bare, charts)
            res |= await _switches_and_filters(browser, base, charts)
            # Again, once the warm-up thread has computed the views one choice away (it runs between clicks
            # in the first seconds after start, so the sessions above may share the CPU with it).
            res["new_session_later_s"] = [await _new_session(browser, base, charts) for _ in range(3)]
            if crowd_s > 0:
                res["crowd"] = await _crowd(browser, base, charts, crowd_n, crowd_s)
                if bare:
                    res["bare_crowd"] = await _crowd(browser, bare, charts, crowd_n, crowd_s)
        finally:
            await browser.close()
    return res


def browser_measure(data: Path, cache: Path, work: Path, charts: dict, crowd_n: int, crowd_s: float, tag: str):
    from safer.store import Store

    os.environ["SAFER_CACHE_DIR"] = str(cache)
    Store(data).close()  # built before the server starts: the browser figures are not a build
    dash = bs.Dashboard(data, cache, work / f"streamlit-{tag}.log")
    bare = BareApp(work / "bare-figures", work / f"bare-{tag}.log")
    try:
        dash.wait_until_up(timeout=300)
        bare.wait_until_up(timeout=120)
        res = asyncio.run(_browser_run(dash.url, bare.url, charts, crowd_n, crowd_s))
        if crowd_s > 0:
            # The same crowd without twenty browsers on the server's cores: Streamlit's websocket protocol.
            # The Overview is each app's default page: the root address ("").
            pages = ["" if u == "overview" else u for u, _t, _s in PAGES]
            for key, url in (("ws", dash.url), ("bare_ws", bare.url)):
                try:
                    res[f"{key}_single"] = asyncio.run(ws_crowd.single(url, pages))
                    res[f"{key}_crowd"] = asyncio.run(ws_crowd.crowd(url, pages, crowd_n, crowd_s))
                except Exception as exc:  # noqa: BLE001 - the browser figures above are still reported
                    res[f"{key}_crowd"] = {"switches": 0, "median_s": math.nan, "p95_s": math.nan}
                    res[f"{key}_crowd"]["errors"] = [f"{type(exc).__name__}: {exc}"]
                    res[f"{key}_single"] = {"median_s": math.nan, "p95_s": math.nan}
        return res
    finally:
        dash.stop()
        bare.stop()


# --------------------------------------------------------------------------- 3. the report


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(label: str, reruns: dict, demo_reruns: dict, browser: dict | None) -> str:
    rows = ["| figure | measured | target | |", "|---|---:|---|---|"]

    def row(what, measured, target="", ok=None):
        rows.append(f"| {what} | {measured} | {target} | {'' if ok is None else _mark(ok)} |")

    for u, t, _s in PAGES:
        r, d = reruns[u], demo_reruns[u]
        ratio = r["rerun_ms"] / d["rerun_ms"]
        row(
            f"{t}: AppTest rerun, ms (demo {d['rerun_ms']:.0f})",
            f"{r['rerun_ms']:.0f} ({ratio:.2f}× demo)",
            f"≤ {TARGET_RATIO}× demo",
            ratio <= TARGET_RATIO,
        )
        row(
            f"{t}: engine work in the rerun, ms",
            f"{r['engine_ms']:.0f}",
            f"≤ {TARGET_ENGINE_MS} ms",
            r["engine_ms"] <= TARGET_ENGINE_MS,
        )
        row(f"{t}: charts sent, KB", f"{r['chart_bytes'] / 1024:,.0f} ({r['charts']} charts)")
    if browser:
        sw = [x for xs in browser["switch"].values() for x in xs]
        fi = [x for xs in browser["filter"].values() for x in xs]
        for name, xs in (("page switch", sw), ("filter change", fi)):
            row(
                f"browser: {name} to settled, median / p95 over every page, ms ({len(xs)} clicks)",
                f"{_median(xs) * 1000:.0f} / {p95(xs) * 1000:.0f}",
                f"≤ {TARGET_SETTLED_MS} ms",
                p95(xs) * 1000 <= TARGET_SETTLED_MS,
            )
        if browser.get("bare_switch"):
            bsw = [x for xs in browser["bare_switch"].values() for x in xs]
            row(
                "browser: bare app's page switch, median / p95, ms",
                f"{_median(bsw) * 1000:.0f} / {p95(bsw) * 1000:.0f}",
                "(reference)",
            )
        slow = sorted(((_median(v), k) for k, v in browser["switch"].items()), reverse=True)[:3]
        row("browser: slowest page switches (median), ms", ", ".join(f"{k} {m * 1000:.0f}" for m, k in slow))
        if browser["filter"]:
            slow = sorted(((_median(v), k) for k, v in browser["filter"].items()), reverse=True)[:3]
            row("browser: slowest filter changes (median), ms", ", ".join(f"{k} {m * 1000:.0f}" for m, k in slow))
        ns, bare = _median(browser["new_session_s"]), _median(browser.get("bare_new_session_s", []))
        row("browser: the first session after start, Overview settled, s", f"{browser['first_session_s']:.2f}")
        row(
            "browser: a new session's Overview settled, median of 3, s (bare app): just after the first",
            f"{ns:.2f} ({bare:.2f}; {ns / bare:.2f}×)",
            f"≤ {TARGET_RATIO}× bare",
            ns / bare <= TARGET_RATIO,
        )
        later = browser.get("new_session_later_s")
        if later:
            ns = _median(later)
            row(
                "browser: a new session's Overview settled, median of 3, s (bare app): after the clicks above",
                f"{ns:.2f} ({bare:.2f}; {ns / bare:.2f}×)",
                f"≤ {TARGET_RATIO}× bare",
                ns / bare <= TARGET_RATIO,
            )

        def crowd_row(what: str, c: dict, target: bool) -> None:
            failed = f", {len(c['errors'])} sessions failed" if c["errors"] else ""
            row(
                what.format(switches=f"{c['switches']} switches{failed}"),
                f"{c['median_s'] * 1000:,.0f} / {c['p95_s'] * 1000:,.0f}",
                f"p95 ≤ {TARGET_CROWD_P95_MS:,} ms" if target else "(reference)",
                (c["p95_s"] * 1000 <= TARGET_CROWD_P95_MS and not c["errors"]) if target else None,
            )
            for e in c["errors"][:3]:
                row(f"  {e}", "")

        for key, who in (("crowd", "dashboard"), ("bare_crowd", "bare app")):
            if browser.get(key):
                what = f"browser, 20 sessions clicking: page switch median / p95, ms ({who}, {{switches}})"
                crowd_row(what, browser[key], key == "crowd")
        for key, who in (("ws", "dashboard"), ("bare_ws", "bare app")):
            one, c = browser.get(f"{key}_single"), browser.get(f"{key}_crowd")
            if not c:
                continue
            row(
                f"server, one session alone: page served, median / p95, ms ({who}; protocol client, no drawing)",
                f"{one['median_s'] * 1000:,.0f} / {one['p95_s'] * 1000:,.0f}",
            )
            what = (
                f"server, 20 sessions clicking: page served, median / p95, ms ({who}, {{switches}}; websocket "
                "clients, no browser on the server's cores)"
            )
            crowd_row(what, c, key == "ws")
    return f"**{label}**\n\n" + "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Interaction speed (issue 13): run by hand.")
    ap.add_argument("--work", default="/tmp/safer-bench")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--skip-demo", action="store_true", help="GM only (the demo reruns are still measured)")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="AppTest rounds per data directory (best median kept)")
    ap.add_argument("--crowd-seconds", type=float, default=60)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child_reruns(**json.loads(a.child_args))))
        return 0

    from bench import gm

    work = Path(a.work)
    force = work / f"force-{a.months}x37500"
    gm.generate(force, a.months, rows_per_month=37500)  # nothing to do when already there
    large = gm.make_borough_dir(gm.STOCKPORT, force, work / f"stockport-{a.months}")
    dirs = [("demo", PROJECT / "data"), (f"gm-{a.months}", large)]
    load0 = os.getloadavg()
    results: dict = {"load_before": load0}
    # The reruns of the two data directories alternate (demo, GM, demo, GM, ...), and each page keeps its best
    # round's median: other work on the machine comes and goes, and should not land on one side only.
    for r in range(a.rounds):
        for tag, data in dirs:
            cache = work / f"cache-interaction-{tag}"
            print(f"[{tag}] AppTest reruns, round {r + 1}…", file=sys.stderr, flush=True)
            figs = str(work / "bare-figures") if tag == "demo" and r == 0 else None
            got = _child("reruns", data=str(data), cache=str(cache), figures_out=figs)
            best = results.setdefault(tag, {"reruns": dict(got), "rounds": []})
            best["rounds"].append(got)
            for page, m in got.items():
                if m["rerun_ms"] < best["reruns"][page]["rerun_ms"]:
                    best["reruns"][page] = m
    for tag, data in dirs:
        if a.skip_browser or (a.skip_demo and tag == "demo"):
            continue
        cache = work / f"cache-interaction-{tag}"
        charts = {u: r["charts"] for u, r in results[tag]["reruns"].items()}
        print(f"[{tag}] browser…", file=sys.stderr, flush=True)
        results[tag]["browser"] = browser_measure(data, cache, work, charts, a.sessions, a.crowd_seconds, tag)
        results[tag]["load_after"] = os.getloadavg()
    demo = results["demo"]["reruns"]
    machine = (
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1, 5, 15 min) "
        f"{load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f} before, {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} "
        f"{os.getloadavg()[2]:.1f} after"
    )
    text = [machine]
    for tag, _data in dirs:
        r = results[tag]
        label = "Demo data" if tag == "demo" else f"Ten years of Greater Manchester ({a.months} months), for Stockport"
        text.append(report(label, r["reruns"], demo, r.get("browser")))
    out = "\n\n".join(text)
    print(out)
    (work / "interaction.md").write_text(out + "\n")
    (work / "interaction.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
