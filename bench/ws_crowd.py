"""Many sessions clicking through the pages, without a browser each: Streamlit's own websocket protocol.

With 20 Chromium instances on the server's two cores the browsers take most of the CPU (the bare reference
app misses a 3 s p95 that way too), so what the server can do for 20 sessions is measured here with 20
websocket clients that speak the protocol the browser speaks (`BackMsg.rerun_script` with the page's URL
path; the page's `ForwardMsg`s back until `script_finished`). A switch is timed from the request to the last
message of the page received: all the server's work (script run, queries, figures, serialising, sending),
none of the browser's drawing (`bench/interaction.py` times that for one browser).

    python -m bench.ws_crowd --url http://127.0.0.1:8501 --sessions 20 --seconds 60

Used by `bench/interaction.py`; run by hand, never in CI. `websockets` is Streamlit's own dependency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1).replace("https://", "wss://", 1).rstrip("/") + "/_stcore/stream"


async def _run_page(ws, url_path: str, query: str = "", texts: list | None = None) -> tuple[float, int, int]:
    """Ask for a page; return (seconds to its `script_finished`, messages, bytes), raising on a page error.
    `texts`, if given, gets the body of every markdown and heading element the page sent, and each select
    box as "Label: chosen option" (what a reader sees)."""
    msg = BackMsg()
    msg.rerun_script.page_name = url_path
    msg.rerun_script.query_string = query
    t0 = time.perf_counter()
    await ws.send(msg.SerializeToString())
    n = size = 0
    errors = []
    while True:
        raw = await ws.recv()
        n += 1
        size += len(raw)
        f = ForwardMsg()
        f.ParseFromString(raw)
        kind = f.WhichOneof("type")
        if kind == "delta" and f.delta.WhichOneof("type") == "new_element":
            el = f.delta.new_element
            if el.WhichOneof("type") == "exception":
                errors.append(el.exception.message)
            elif texts is not None and el.WhichOneof("type") in ("markdown", "heading"):
                texts.append(getattr(el, el.WhichOneof("type")).body)
            elif texts is not None and el.WhichOneof("type") == "selectbox":
                box = el.selectbox
                chosen = box.raw_value if box.set_value else (box.options[box.default] if box.options else "")
                texts.append(f"{box.label}: {chosen}")
        if kind == "page_not_found":
            raise RuntimeError(f"page not found: {url_path!r}")
        if kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(f.script_finished)
            if status == "FINISHED_EARLY_FOR_RERUN":
                continue
            if errors or status != "FINISHED_SUCCESSFULLY":
                raise RuntimeError(f"{url_path}: {status} {errors[:1]}")
            return time.perf_counter() - t0, n, size


async def _session(base: str, pages: list[str], i: int, seconds: float, start, out: list, errors: list) -> None:
    try:
        async with websockets.connect(
            _ws_url(base), subprotocols=["streamlit"], max_size=None, origin=base, open_timeout=300
        ) as ws:
            try:
                await _run_page(ws, "")  # the default page, as a new browser session asks for it
            finally:
                start.arrived()
            await start.event.wait()
            until = time.monotonic() + seconds
            k = i  # each session starts at a different page
            while time.monotonic() < until:
                k += 1
                page = pages[k % len(pages)]
                dt, _n, _size = await _run_page(ws, page)
                out.append((page, dt))
    except Exception as exc:  # noqa: BLE001 - reported with the figures
        errors.append(f"session {i}: {type(exc).__name__}: {str(exc)[:300]}")
        start.arrived()


class Start:
    """Opens when every session has its first page (or has failed)."""

    def __init__(self, n: int):
        self.n, self.event = n, asyncio.Event()

    def arrived(self) -> None:
        self.n -= 1
        if self.n <= 0:
            self.event.set()


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else float("nan")


async def crowd(base: str, pages: list[str], n: int, seconds: float) -> dict:
    """`n` sessions open at once, then each switching page after page for `seconds`: every switch's time."""
    out: list = []
    errors: list = []
    start = Start(n)
    await asyncio.gather(*(_session(base, pages, i, seconds, start, out, errors) for i in range(n)))
    ts = [t for _p, t in out]
    return {
        "switches": len(ts),
        "median_s": statistics.median(ts) if ts else float("nan"),
        "p95_s": p95(ts),
        "errors": errors,
        "by_page_median_s": {
            p or "(default page)": statistics.median([t for q, t in out if q == p] or [math.nan])
            for p in dict.fromkeys(pages)
        },
    }


async def single(base: str, pages: list[str], rounds: int = 3) -> dict:
    """One session alone: each page's switch time (the server's share of a switch with nobody else on)."""
    async with websockets.connect(_ws_url(base), subprotocols=["streamlit"], max_size=None, origin=base) as ws:
        await _run_page(ws, "")
        times: dict[str, list[float]] = {}
        for _ in range(rounds):
            for p in pages:
                times.setdefault(p, []).append((await _run_page(ws, p))[0])
    allt = [t for ts in times.values() for t in ts]
    return {"median_s": statistics.median(allt), "p95_s": p95(allt)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument(
        "--pages",
        default=",trends,plan_cycles,areas,compare,priorities,scrutiny,consultation,data",
        help="URL paths, comma-separated; empty for the default page",
    )
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args(argv)
    pages = a.pages.split(",")
    res = {
        "single": asyncio.run(single(a.url, pages)),
        "crowd": asyncio.run(crowd(a.url, pages, a.sessions, a.seconds)),
    }
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
