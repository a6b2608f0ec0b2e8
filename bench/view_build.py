"""What building the views costs, cold: every page's default view and every view one choice away (the warm-up's
`warm` and `next_views`), and the Trends and Plan cycles views of a few wards (small numbers withheld), from an
empty view cache, in CPU seconds (the median of `--repeat` runs in this process), with a fingerprint of everything
they hold (tables, sentences, notes, commands, citations and each figure's JSON), so that two versions of the engine
can be shown to build the same views.

    python -m bench.view_build [--data DIR] [--repeat 3] [--wards 3]
    BENCH_ENGINE=/path/to/old/tree python -m bench.view_build     # the same on another version of the engine

A view is built once per (view, filters, data version) and shared by every session (`safer.views.base.cached`):
this is what the first session to ask pays, what the warm-up pays after each new build, and what the tests pay
for every view they check.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if os.environ.get("BENCH_ENGINE"):
    sys.path.insert(0, os.environ["BENCH_ENGINE"])
elif __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_all(store, wards: int) -> list:
    """Every view the warm-up makes, then Trends and Plan cycles for the first `wards` wards of three indicators."""
    from safer import queries, views

    warm = importlib.import_module("safer.views.warm")
    made: list = []
    warm.warm(store, each=made.append)
    made += [make() for make in warm.next_views(store)]
    codes = queries.run(store, "areas").query("area_type == 'ward'").area_code.tolist()[:wards]
    for code in codes:
        for ind in ("cse", "asb", "missing_episodes"):
            made += [views.trend(store, ind, code), views.cycle_comparison(store, ind, code)]
    return made


def fingerprint(made: list) -> str:
    """A hash of everything the views hold that a page, an export or the command line shows."""
    h = hashlib.sha256()
    for v in made:
        if not hasattr(v, "tables"):
            continue
        said = [v.title, v.sentences, v.detail, v.notes, v.queries, getattr(v, "citation", "")]
        h.update(json.dumps(said, sort_keys=True, default=str).encode())
        for name, t in v.tables.items():
            h.update(name.encode() + t.astype(str).to_csv(index=False).encode())
        for name, f in v.figures.items():
            h.update(name.encode() + f.to_json().encode())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="data directory (default: the demo data)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--wards", type=int, default=3)
    args = ap.parse_args(argv)
    from safer import views
    from safer.store import Store

    data = Path(args.data) if args.data else Path(__file__).resolve().parent.parent / "data"
    with tempfile.TemporaryDirectory() as cache:
        store = Store(data, cache=cache)
        try:
            cpu, prints, n = [], set(), 0
            for _ in range(args.repeat):
                views.clear_cache()
                t0 = time.process_time()
                made = build_all(store, args.wards)
                cpu.append(time.process_time() - t0)
                prints.add(fingerprint(made))
                n = len(made)
        finally:
            store.close()
    print(f"engine: {Path(sys.modules['safer'].__file__).resolve().parent.parent}")
    print(
        f"views built cold: {n}; CPU seconds, median of {args.repeat}: {statistics.median(cpu):.1f} "
        f"(each run: {', '.join(f'{c:.1f}' for c in cpu)}); {statistics.median(cpu) / n * 1000:.0f} ms a view"
    )
    print(f"fingerprint of what they hold: {', '.join(sorted(prints))}")
    return 0 if len(prints) == 1 else 1  # the same views every run


if __name__ == "__main__":
    sys.exit(main())
