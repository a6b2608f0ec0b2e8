"""Command line: `python -m safer validate | build | query | ingest | recover | pack | briefing | explain`,
`init` (a partnership's data directory from ONS's lookup and the police.uk files), `contract-doc` (the data
contract as Markdown) and `demo`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from . import config, contract, contract_doc, fmt, queries
from .store import BuildError, Store, check_build, publish_parquet


def _build_failed(exc: BuildError) -> int:
    """The extracts cannot be loaded and no earlier build exists: every problem, then exit 1."""
    for p in exc.report.problems:
        print(p, file=sys.stderr)
    print(f"not built: {fmt.plural(len(exc.report.errors), 'error')}", file=sys.stderr)
    return 1


def _validate(args) -> int:
    from .ingest import JOURNAL, interrupted

    d = config.data_dir(args.data)
    if interrupted(d):
        print(f"{JOURNAL}:0: -: an ingest was interrupted; run `python -m safer recover --data {d}` to complete it")
        return 1
    rep = contract.validate(d)
    if rep.ok and rep.police_files:  # what only the built rows show (one force's month under a second name)
        rep.problems += check_build(d, rep)
    for p in rep.problems:
        print(p)
    print(f"{d}: {rep.summary()}")
    return 0 if rep.ok else 1


def _build(args) -> int:
    try:
        store = Store(args.data)
    except BuildError as exc:
        return _build_failed(exc)
    st = store.refresh()
    for p in st.problems:
        print(p, file=sys.stderr)
    for w in st.warnings:
        print(w, file=sys.stderr)
    state = "current" if st.current else "NOT current: serving the last good build"
    print(f"store {st.serving} ({state}), built {st.built_at}, data version {store.data_version}")
    if args.parquet:
        out = publish_parquet(store, args.parquet)
        print(f"published as Parquet: {out} (serve it with SAFER_PARQUET={out} streamlit run dashboard.py)")
    return 0 if st.current else 1


def _query(args, extra: list[str]) -> int:
    if args.list:
        print("Questions (queries/NAME.sql): run with `python -m safer query NAME --param value`")
        for q in queries.list_queries():
            print(f"{q.name}: {q.description}")
            print(f"    grain: {q.grain}")
            for p in q.params:
                print(f"    --{p.name} ({'required' if p.required else 'optional'}): {p.doc}")
            print(f"    reads: {', '.join(q.reads)}")
        print()
        print("The model (queries/model/NAME.sql): built into the store from the extracts, in this order")
        for q in queries.list_models():
            print(f"{q.name}: {q.description}")
            print(f"    grain: {q.grain}")
            print(f"    builds: {q.builds}")
            print(f"    reads: {', '.join(q.reads) or 'none'}")
        return 0
    if not args.name:
        print("query: give a query NAME or --list", file=sys.stderr)
        return 2
    values, i = {}, 0
    while i < len(extra):
        tok = extra[i]
        if not tok.startswith("--"):
            print(f"query: unexpected argument {tok!r}; parameters are given as --NAME VALUE", file=sys.stderr)
            return 2
        key, _, val = tok[2:].partition("=")
        if not _:
            if i + 1 >= len(extra):
                print(f"query: --{key} needs a value", file=sys.stderr)
                return 2
            val, i = extra[i + 1], i + 1
        name = key.replace("-", "_")
        if name in values:  # the last one silently won: say which was meant
            print(f"query: --{key} is given twice ({values[name]!r} and {val!r}): give it once", file=sys.stderr)
            return 2
        values[name] = val
        i += 1
    try:
        store = Store(args.data)
        if store.status.problems:
            for p in store.status.problems:
                print(f"warning: serving the last good build; {p}", file=sys.stderr)
        names, rows, note = queries.published_rows(store, args.name, **values)
    except queries.QueryError as exc:
        print(f"query: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        return _build_failed(exc)
    from . import export  # here, not at the top: it brings Plotly, SciPy and statsmodels, a second of every
    # command's start (ingest, validate, build), which need none of them

    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(names)
    for r in rows:
        w.writerow(["" if v is None else export.neutralise(_fmt(v)) if isinstance(v, str) else _fmt(v) for v in r])
    if note:  # on stderr: the CSV on stdout stays the table alone, for scripts
        print(f"note: {note}", file=sys.stderr)
    return 0


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _ingest(args) -> int:
    from . import ingest

    d = config.data_dir(args.data)
    try:
        rep = ingest.ingest([Path(f) for f in args.files], d, progress=not args.quiet, check_staged=check_build)
    except ingest.IngestError as exc:
        for p in exc.problems:
            print(p)
        print(f"{d}: {len(exc.problems)} error{'s' if len(exc.problems) != 1 else ''}: nothing was changed")
        return 1
    except ingest.RecoveryError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # staging could not be written (read-only folder, full disk): nothing was changed
        where = exc.filename or d
        print(f"{where}: {exc.strerror or exc}: nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: before the renames nothing changed; after, all did
        print(f"ingest: {exc or 'interrupted before any change: nothing was changed'}", file=sys.stderr)
        return 130
    for w in rep.warnings:
        print(w)
    for line in rep.lines():
        print(line)
    return 0


def _recover(args) -> int:
    from . import ingest

    d = config.data_dir(args.data)
    try:
        did = ingest.recover(d)
    except ingest.RecoveryError as exc:
        print(f"recover: {exc}", file=sys.stderr)
        return 1
    print(f"{d}: " + ("finished an interrupted ingest:\n  " + "\n  ".join(did) if did else "nothing to recover"))
    return 0


def _pack(args) -> int:
    from . import pack

    try:
        store = Store(args.data)
        queries.bind(store, queries.get("cycle_priorities"), {"cycle": args.cycle})
    except queries.QueryError as exc:
        print(f"pack: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        return _build_failed(exc)
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(
            f"pack: {out} {'is not a folder' if not out.is_dir() else 'is not empty'}: give a new or empty folder "
            "(an earlier pack's files would stay beside the new ones, from another data version)",
            file=sys.stderr,
        )
        return 2
    try:
        done = pack.build_pack(store, args.cycle, out, images=not args.no_images)
    except OSError as exc:  # a folder under a file, or one not writable: said in a line (it was a traceback)
        print(f"pack: cannot write the pack to {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"{args.out}: {fmt.plural(len(done['files']), 'file')} for "
        f"{fmt.plural(done['priorities'], 'priority', 'priorities')} and "
        f"{fmt.plural(done['indicators'], 'indicator')}; open {Path(args.out) / 'index.html'}"
    )
    return 0


def _briefing(args) -> int:
    from . import briefing

    try:
        b = briefing.load(args.name, data_dir=args.data)
        store = Store(args.data)
        if not args.pdf:
            print(briefing.outline(briefing.build_slides(store, b)), end="")
            return 0
        data = briefing.pdf_bytes(store, b)
    except briefing.BriefingError as exc:
        print(f"briefing: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        return _build_failed(exc)
    out = Path(args.pdf)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"{out}: {briefing.pdf_page_count(data)} pages for {len(b.slides)} views of {b.title!r}")
    return 0


def _demo(args) -> int:
    from . import demo

    return demo.main(["--out", args.out] + (["--real", args.real] if args.real else []))


def _init(args) -> int:
    from . import partnership_dir

    try:
        made = partnership_dir.make(
            args.authority,
            [Path(p) for p in args.lookup],
            [Path(p) for p in args.police_uk],
            [Path(p) for p in args.population],
            Path(args.out),
            groups=Path(args.groups) if args.groups else None,
            name=args.name,
            synthetic=args.synthetic,
            note=args.note or "",
            boundaries=Path(args.boundaries) if args.boundaries else None,
        )
    except partnership_dir.InitError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print("init: nothing written", file=sys.stderr)
        return 1
    code, name = made.authority
    print(f"{made.out}: {name} ({code}), {made.wards} wards, {made.lsoas} LSOAs, force {made.force}")
    how = (
        "hard-linked" if made.linked == made.files else f"{made.linked} hard-linked, {made.files - made.linked} copied"
    )
    print(f"police_uk/: {made.files} street files ({how}); {len(made.indicators)} indicators")
    for g, members in made.groups.items():
        print(f"comparator group {g!r}: {len(members)} authorities")
    for n in made.notes:
        print(f"note: {n}")
    print(
        "next: replace the starter plan_cycles.csv, priorities.csv and status_rules.csv with the partnership's own, "
        "add targets.csv, events.csv and partner extracts (data/README.md), then run "
        f"`python -m safer validate --data {made.out}`"
    )
    rep = contract.validate(made.out)
    for p in rep.problems:
        print(p)
    print(f"{made.out}: {rep.summary()}")
    if rep.ok:
        print(f"open it: bash scripts/start.sh -- --data {made.out}")
    return 0 if rep.ok else 1


def _explain(args) -> int:
    from .views import comparisons

    if not args.indicator:
        print("explain: --indicator is required (an indicator id, or all)", file=sys.stderr)
        return 1
    try:
        store = Store(args.data)
        lines = comparisons.explain_lines(
            store, args.indicator, args.area, args.compare, args.cycle, args.group, args.end_month
        )
    except comparisons.ExplainError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        return _build_failed(exc)
    for line in lines:
        sys.stdout.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m safer", description="Community safety dashboard engine.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    data_help = "data directory (default: $SAFER_DATA_DIR, else the project's data/)"

    v = sub.add_parser("validate", help="check every extract; one line per problem as FILE:LINE: COLUMN: message")
    v.add_argument("--data", help=data_help)

    b = sub.add_parser("build", help="build (or reuse) the DuckDB store for the data directory")
    b.add_argument("--data", help=data_help)
    b.add_argument("--parquet", metavar="DIR", help="also publish the build as Parquet files in DIR (one per table)")

    q = sub.add_parser(
        "query",
        help="run queries/NAME.sql and print CSV; --list lists the queries",
        description="Run a named query (queries/NAME.sql) and print its rows as CSV. Each query takes its own "
        "parameters as --NAME VALUE (for example --indicator asb --area E05000787); --list shows every query "
        "with what it answers and its parameters.",
        epilog="queries: " + ", ".join(q.name for q in queries.list_queries()),
    )
    q.add_argument("name", nargs="?", help="the query's name (see --list)")
    q.add_argument("--list", action="store_true", help="list each query with its description and parameters")
    q.add_argument("--data", help=data_help)

    i = sub.add_parser(
        "ingest", help="validate new extracts (police.uk files or zip archives, partner extracts) and add them safely"
    )
    i.add_argument(
        "files", nargs="+", metavar="FILE", help="police.uk CSV files or zip archives, or partner extracts (CSV)"
    )
    i.add_argument("--data", help=data_help)
    i.add_argument("--quiet", action="store_true", help="no progress bar")

    pk = sub.add_parser("pack", help="write the SIA data pack for a plan cycle: charts, tables, paragraphs, index.html")
    pk.add_argument("--cycle", required=True, help="a cycle id from plan_cycles.csv")
    pk.add_argument("--out", required=True, help="folder to write the pack into")
    pk.add_argument("--data", help=data_help)
    pk.add_argument("--no-images", action="store_true", help="skip the PNG charts (no Chromium needed)")

    r = sub.add_parser("recover", help="complete an ingest that was interrupted (killed while being applied)")
    r.add_argument("--data", help=data_help)

    br = sub.add_parser("briefing", help="a briefing from briefings/NAME.toml: as one PDF (--pdf), else its text")
    br.add_argument("name", metavar="NAME", help="a briefing: the name of a file in briefings/ without .toml")
    br.add_argument("--pdf", metavar="OUT", help="write the briefing to this PDF, one view per page (needs Chromium)")
    br.add_argument("--data", help=data_help)

    e = sub.add_parser(
        "explain",
        help="reproduce a verdict outside the dashboard: one JSON object per line (JSON Lines) on stdout",
    )
    e.add_argument("--indicator", help="an indicator id from indicators.csv, or all (required)")
    e.add_argument("--area", help="an area code from areas.csv (default: the partnership's area)")
    e.add_argument("--compare", default="latest12", help="latest12 (default), cycle or areas")
    e.add_argument("--cycle", help="with --compare cycle: a cycle id (default: the current cycle)")
    e.add_argument("--group", help="with --compare areas: a comparator group id (default: the first group)")
    e.add_argument(
        "--end-month",
        help="with --compare latest12: the 12 months ending in this month (YYYY-MM), as the Overview shows a past "
        "plan cycle (default: the last month with data)",
    )
    e.add_argument("--json", action="store_true", help="JSON Lines (the only format; accepted for clarity)")
    e.add_argument("--data", help=data_help)

    sub.add_parser(
        "contract-doc", help="print the data contract as Markdown (data/README.md is exactly this: > data/README.md)"
    )

    n = sub.add_parser(
        "init",
        help="make a partnership's data directory from ONS's lookup, police.uk street files and population estimates",
        description="Write a new partnership's data directory from what an analyst downloads: ONS's LSOA to ward "
        "to local authority lookup, police.uk street files (folders or zip archives) and population estimates. "
        "Plans and priorities are starters, titled as such, to replace; targets and events start empty. The "
        "directory is validated before the command ends (exit 1 if it is not valid).",
    )
    n.add_argument("--authority", required=True, help="the partnership's local authority: ONS code or name")
    n.add_argument(
        "--lookup",
        required=True,
        action="append",
        metavar="FILE",
        help="ONS's LSOA to ward to local authority lookup as published (LSOA21CD,...,WD24CD,...,LAD24CD,...); "
        "again for an older one (2011 LSOA codes), whose LSOAs are placed in the first one's wards",
    )
    n.add_argument(
        "--police-uk",
        required=True,
        action="append",
        metavar="DIR_OR_ZIP",
        help="police.uk street files as downloaded: a folder, or a zip archive from data.police.uk; may be given "
        "more than once (a month found twice is taken from the newest download)",
    )
    n.add_argument(
        "--population",
        required=True,
        action="append",
        metavar="FILE",
        help="mid-year estimates for the authority, its wards and comparators: NOMIS's download "
        "(GEOGRAPHY_CODE, DATE, OBS_VALUE) or area_code,year,population; may be given more than once",
    )
    n.add_argument(
        "--groups",
        metavar="FILE",
        help="comparator groups (comparator_groups.csv's columns, e.g. the Home Office's most similar groups); "
        "default: the authorities of the partnership's force",
    )
    n.add_argument(
        "--boundaries",
        metavar="FILE",
        help="ONS's ward boundaries as GeoJSON in WGS84 (a generalised layer; property WD24CD, any year), for the "
        "Areas map",
    )
    n.add_argument("--name", help="the partnership's name (default: '<authority> Community Safety Partnership')")
    n.add_argument("--synthetic", action="store_true", help="the files are synthetic: every screen says so")
    n.add_argument("--note", help="one sentence shown under the title on every page")
    n.add_argument("--out", required=True, metavar="DIR", help="a new (or empty) folder to write the directory into")

    d = sub.add_parser("demo", help="write the synthetic demo data into a directory")
    d.add_argument("--out", required=True, metavar="DIR", help="the folder to write the demo's extracts into")
    d.add_argument(
        "--real", metavar="DIR", help="the real reference data it reads (default ../shared/data/real; data/DEMO.md)"
    )

    args, extra = ap.parse_known_args(argv)
    if args.cmd == "contract-doc":
        sys.stdout.write(contract_doc.markdown())
        return 0
    if args.cmd == "query":
        return _query(args, extra)
    if args.cmd == "explain" and extra:
        print(f"explain: unrecognised arguments: {' '.join(extra)}", file=sys.stderr)
        return 1
    if extra:
        ap.error(f"unrecognised arguments: {' '.join(extra)}")
    return {
        "validate": _validate,
        "build": _build,
        "ingest": _ingest,
        "recover": _recover,
        "explain": _explain,
        "pack": _pack,
        "demo": _demo,
        "init": _init,
        "briefing": _briefing,
    }[args.cmd](args)
