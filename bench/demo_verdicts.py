"""Every verdict of the demo data (or another data directory), as docs/statistics.md counts them: for every area,
the latest 12 months now and at each past plan cycle's end, and each plan cycle against the one before, on its own
(`verdict`) and as shown among the family of indicators (`shown`, after Benjamini-Hochberg).

    python -m bench.demo_verdicts [--data DIR] --json now.json
    python -m bench.demo_verdicts --diff before.json now.json

Two versions of the engine are compared by running the first with `BENCH_ENGINE=/path/to/old/tree` (as
`bench.verdict_calibration`), then `--diff`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

if os.environ.get("BENCH_ENGINE"):
    sys.path.insert(0, os.environ["BENCH_ENGINE"])
elif __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def verdicts_of(data: str | None) -> list[dict]:
    from safer.store import Store
    from safer.views import comparisons as cmp

    with tempfile.TemporaryDirectory() as cache:
        store = Store(data or Path(__file__).resolve().parent.parent / "data", cache=cache)
        try:
            last = cmp.data_end(store)
            cyc = cmp.cycles(store)
            ends = [None] + [str(e)[:7] for e in cyc.end_month if last and str(e)[:7] < last]
            out = []
            for code in cmp._areas(store).index:
                asked = [("latest12", None, e) for e in ends] + [("cycle", str(c), None) for c in cyc.cycle_id[1:]]
                for kind, cid, end in asked:
                    for c in cmp.family(store, kind, code, cid, end):
                        out.append(
                            {
                                "key": f"{kind} {cid or end or 'now'} {code} {c.indicator_id}",
                                "verdict": c.verdict,
                                "shown": c.shown_verdict,
                                "p": c.p_value,
                            }
                        )
            return out
        finally:
            store.close()


def diff(before: list[dict], now: list[dict]) -> None:
    b = {r["key"]: r for r in before}
    n = {r["key"]: r for r in now}
    print(f"{len(n)} verdicts ({len(b)} before)")
    for what in ("verdict", "shown"):
        moved = [k for k in n if k in b and b[k][what] != n[k][what]]
        print(f"\n{what}: {len(moved)} change; " + ", ".join(f"{v} {c}" for v, c in Counter(
            r[what] for r in now).most_common()) + " (before: " + ", ".join(
            f"{v} {c}" for v, c in Counter(r[what] for r in before).most_common()) + ")")  # fmt: skip
        for k in moved:
            print(f"  {k}: {b[k][what]} -> {n[k][what]} (p {b[k]['p']} -> {n[k]['p']})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--json")
    ap.add_argument("--diff", nargs=2, metavar=("BEFORE", "NOW"))
    a = ap.parse_args(argv)
    if a.diff:
        diff(*(json.loads(Path(p).read_text()) for p in a.diff))
        return 0
    rows = verdicts_of(a.data)
    print(f"{len(rows)} verdicts: " + ", ".join(f"{v} {c}" for v, c in Counter(r["shown"] for r in rows).items()))
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
