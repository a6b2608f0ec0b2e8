"""Benchmark: a session's page switches, first visits apart, for one or more code trees side by side.

    python -m bench.first_visits [TREE ...] [--rounds 3] [--wait 45] [--pause 0] [--runs 2]

The browser part of `bench.interaction` (its page switch), made small enough to compare commits: for each
`TREE` (a checkout of this project, e.g. a `git worktree` of an older commit; default this one), a dashboard
served from that tree on the demo data (the warm-up on, as deployed), `--wait` seconds
after it is up (45: the warm-up's views one choice away have finished), then one new browser context opening
the Overview and clicking every sidebar page `--rounds` times (`--pause` ms after the Overview has settled:
0 clicks at once, as `bench.interaction` does). Trees alternate, `--runs` times each. Prints each page's
times (the first is the session's first visit) and the median and p95 over every click, the p95 taken as
`bench.interaction` takes it (target 500 ms). A page is settled as `bench.interaction` judges it, with every
chart on it drawn. Run by hand, never in CI; it writes only under `--work` (default /tmp/safer-bench).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

from bench import interaction as bi
from bench.ws_crowd import p95

bs = bi.bs


@contextlib.asynccontextmanager
async def overview_session(base: str, pause_ms: int, watch=None):
    """One browser session on the Overview, settled, `pause_ms` after (`watch(page)` first, to listen to it)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=bs.chromium_path(), args=bs.CHROMIUM_ARGS)
        try:
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.set_default_timeout(120_000)
            page = await ctx.new_page()
            if watch:
                watch(page)
            await page.goto(base + "/")
            await bi._settle(page, "Overview", 0)
            if pause_ms:
                await page.wait_for_timeout(pause_ms)
            yield page
        finally:
            await browser.close()


async def _session(base: str, rounds: int, pause_ms: int) -> dict[str, list[float]]:
    async with overview_session(base, pause_ms) as page:
        charts = dict.fromkeys((u for u, _t, _s in bi.PAGES), 0)  # every chart present drawn (READY_JS)
        return await bi._switch_rounds(page, charts, rounds)


def measure(tree: Path, work: Path, rounds: int, wait: float, pause_ms: int) -> dict[str, list[float]]:
    cache = work / f"first-visits-cache-{tree.name}"
    os.environ["SAFER_CACHE_DIR"] = str(cache)  # the server builds its store with its own tree's code
    bs.PROJECT = tree  # the dashboard is served from this tree
    dash = bs.Dashboard(tree / "data", cache, work / f"first-visits-{tree.name}.log")
    try:
        dash.wait_until_up(timeout=300)
        time.sleep(wait)
        return asyncio.run(_session(dash.url, rounds, pause_ms))
    finally:
        dash.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trees", nargs="*", type=Path, default=[bi.PROJECT])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--wait", type=float, default=45.0, help="seconds between the server up and the first page")
    ap.add_argument("--pause", type=int, default=0, help="ms between the Overview settled and the first click")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/safer-bench"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    for run in range(args.runs):
        for tree in args.trees:
            out = measure(tree.resolve(), args.work, args.rounds, args.wait, args.pause)
            every = [t for ts in out.values() for t in ts]
            print(
                f"run {run + 1}, {tree}: median {statistics.median(every) * 1000:.0f} ms, "
                f"p95 {p95(every) * 1000:.0f} ms (target {bi.TARGET_SETTLED_MS}) over {len(every)} clicks"
            )
            print("  " + ", ".join(f"{u} {'/'.join(f'{t * 1000:.0f}' for t in ts)}" for u, ts in out.items()))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
