"""Benchmark: where a page switch's time goes, click by click (a diagnostic for issue 13's browser target).

    python -m bench.switch_split [--rounds 2] [--pause 0] [--wait 30]

A dashboard on the demo data (as `bench.first_visits` serves it), one browser session opening the Overview and
clicking every sidebar page `--rounds` times (`--pause` ms after the Overview has settled). For each click it reads
the websocket's messages (Streamlit's own protobuf classes) and prints, in ms from the click:

- **sent**: the browser sent its rerun request (a busy main thread, e.g. still loading scripts, delays it);
- **finished**: the server's last message of the run came (the script's run, and the messages on the way);
- **browser**: from then until the page is settled (`bench.interaction`'s test: every chart drawn), the
  browser's drawing alone;

and the messages and bytes the run sent. Session 21 found with it that a session's first visit costs the browser
150-200 ms more than the next, while the server's part is the same (bench/README.md "Session 21"). Run by hand,
never in CI; it writes only under `--work` (default /tmp/safer-bench).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from bench import interaction as bi
from bench.first_visits import overview_session

bs = bi.bs


def _recorder(events: list):
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    def on_ws(ws):
        def received(payload):
            if isinstance(payload, (bytes, bytearray)):
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                events.append((time.perf_counter(), "in", msg.WhichOneof("type"), len(payload)))

        def sent(payload):
            if isinstance(payload, (bytes, bytearray)):
                msg = BackMsg()
                msg.ParseFromString(payload)
                events.append((time.perf_counter(), "out", msg.WhichOneof("type"), len(payload)))

        ws.on("framereceived", received)
        ws.on("framesent", sent)

    return on_ws


async def _session(base: str, rounds: int, pause_ms: int) -> list[str]:
    events: list = []
    lines = []
    async with overview_session(base, pause_ms, watch=lambda page: page.on("websocket", _recorder(events))) as page:
        charts = dict.fromkeys((u for u, _t, _s in bi.PAGES), 0)
        for r in range(rounds):
            for url_path, title in bi.ROUND_ORDER:
                events.clear()
                t0 = time.perf_counter()
                took = await bi._click_page(page, url_path, bi._title(url_path, title), charts)
                sent = [t for t, d, kind, _n in events if d == "out" and kind == "rerun_script"]
                came = [(t, kind, n) for t, d, kind, n in events if d == "in"]
                finished = max((t for t, kind, _n in came if kind == "script_finished"), default=t0 + took)
                asked = (sent[0] - t0) * 1000 if sent else 0
                lines.append(
                    f"round {r + 1} {url_path:13s} settled {took * 1000:5.0f}  sent {asked:4.0f}"
                    f"  finished {(finished - t0) * 1000:5.0f}  browser {(t0 + took - finished) * 1000:5.0f}"
                    f"  ({len(came)} messages, {sum(n for _t, _k, n in came) / 1024:.0f} KiB)"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--pause", type=int, default=0, help="ms between the Overview settled and the first click")
    ap.add_argument("--wait", type=float, default=30.0, help="seconds between the server up and the first page")
    ap.add_argument("--work", type=Path, default=Path("/tmp/safer-bench"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    cache = args.work / "switch-split-cache"
    os.environ["SAFER_CACHE_DIR"] = str(cache)
    dash = bs.Dashboard(bi.PROJECT / "data", cache, args.work / "switch-split.log")
    try:
        dash.wait_until_up(timeout=300)
        time.sleep(args.wait)
        for line in asyncio.run(_session(dash.url, args.rounds, args.pause)):
            print(line)
    finally:
        dash.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
