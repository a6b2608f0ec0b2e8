"""Streamlit glue shared by the pages: the store, the banners, filters kept in the URL.

This is the only module of `safer` that imports Streamlit; everything it shows comes from
`safer.queries`, `safer.stats` and `safer.charts`. Text from extracts is never passed to
`unsafe_allow_html`; markdown is only used for text written here. The one script run in the page
(`prefetch_parts`) is fixed text.
"""

from __future__ import annotations

import functools
import json
import os
import re
import runpy
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from . import charts, config, export, fmt, views
from .contract import SHOWN_ESCAPED_RE
from .store import BuildError, ParquetStore, Store


def _data_dir_arg() -> str | None:
    """`streamlit run dashboard.py -- --data DIR` (else $SAFER_DATA_DIR, else data/)."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--data" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--data="):
            return a.split("=", 1)[1]
    return None


@st.cache_resource(show_spinner="Loading the extracts…")
def _store_for(data_dir: str) -> Store:
    s = Store(data_dir)
    _warm_in_background(s)
    return s


def _warm_in_background(s) -> threading.Thread | None:
    """Every page's default view computed in a thread as the store opens (`safer.views.warm`), so the first
    visitor does not wait for it; a session asking meanwhile waits for the same computation. Then, between
    script runs, the views one choice away (`safer.views.warm_next`, resting between them so that it takes at
    most a quarter of the CPU), so a filter change finds its view ready. SAFER_WARM=0 turns it off (the tests
    do, so that no thread computes beside them)."""
    if os.environ.get("SAFER_WARM", "1") == "0":
        return None

    def work():
        try:
            views.warm(s, each=_prepare_figures)
            # then what nobody has asked for yet, giving way to the sessions being served (and to anything
            # else on the machine); a session never waits for it (`views.give_way`)
            views.give_way()
            views.warm_next(s, each=_prepare_figures)
        except Exception:  # noqa: BLE001 - a page computes its own view (and shows its error) on demand
            pass

    # Not a daemon: the process waits for it at exit rather than stopping it inside DuckDB.
    t = threading.Thread(target=work, name="safer-warm", daemon=False)
    t.start()
    return t


@st.cache_resource(show_spinner="Opening the published build…")
def _parquet_store(path: str) -> ParquetStore:
    s = ParquetStore(path)
    _warm_in_background(s)
    return s


def store() -> Store:
    """The store for this data directory, refreshed if the extracts changed since the last run; or, with
    $SAFER_PARQUET set, a build another process published as Parquet (`python -m safer build --parquet DIR`).

    The extracts on disk are checked at most once per script run (a page asks for the store many times; each
    check reads the size and time of every extract), and at most once a second for all sessions together
    (`SAFER_DISK_CHECK_SECONDS`, default 1; 0 checks at every run): new extracts are picked up within a second,
    and twenty sessions clicking do not each walk the data directory."""
    published = os.environ.get("SAFER_PARQUET")
    if published:
        return _parquet_store(published)
    checked = getattr(NAV, "store", None)
    if checked is not None and getattr(NAV, "active", False):
        return checked
    d = str(config.data_dir(_data_dir_arg()))
    try:
        s = _store_for(d)
    except BuildError as exc:
        st.error(
            "The extracts in the data directory cannot be loaded, and there is no earlier good build to show. "
            "Fix these problems (also listed by `python -m safer validate`):"
        )
        st.code("\n".join(str(p) for p in exc.report.problems[:50]), language=None)
        st.stop()
    _refresh_now_and_then(s)
    if getattr(NAV, "active", False):
        NAV.store = s
    return s


# store -> when its extracts were last checked (time.monotonic), for every session of this process
_LAST_DISK_CHECK: weakref.WeakKeyDictionary[Store, float] = weakref.WeakKeyDictionary()


def _refresh_now_and_then(s: Store) -> None:
    every = config.seconds("SAFER_DISK_CHECK_SECONDS", 1)
    last = _LAST_DISK_CHECK.get(s)
    if last is not None and time.monotonic() - last < every:
        return
    s.refresh(wait=False)  # a build of new extracts runs aside: every session keeps the last good data meanwhile
    _LAST_DISK_CHECK[s] = time.monotonic()


def partnership() -> dict:
    """The partnership's name and whether its data is synthetic (every page's banner), shared: never mutate it."""
    return views.table(store(), "partnership").iloc[0].to_dict()


NAV = threading.local()  # this thread's script run: `active` inside dashboard.py, `store` once checked


def start_run() -> None:
    """Called by dashboard.py as each script run starts (and `end_run` as it ends, always): the warm-up thread
    computes views one choice away only between runs (`views.ACTIVITY`)."""
    NAV.store = None
    NAV.active = True
    views.ACTIVITY.begin()


def end_run() -> None:
    NAV.active = False
    NAV.store = None
    views.ACTIVITY.end()


# The browser's parts of the elements other pages show, which Streamlit fetches the first time one is drawn:
# select boxes (Trends and most pages: 18 scripts), plain tables (Priorities, Consultation), data grids
# (Consultation, the tables under each chart), markdown's emoji (Data). A session's first visit to such a page
# waited for them (its switch 330-918 ms against 181-524 after, bench/README.md "Session 14").
LAZY_PARTS = ("Selectbox", "Table", "DataFrame", "remark-emoji")


STREAMLIT_JS = Path(st.__file__).parent / "static" / "static" / "js"
# what a name put into the prefetch's script may be: dot-separated runs of letters, digits, '_' and '-', ending
# '.js' (no quote, '<', '/' or space)
SCRIPT_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+\.js")
# characters read from the head of each file of Streamlit's build: a bundle's static imports come first (within
# 10 KB in Streamlit 1.67, whose files run to 860 KB: searching them whole took 70-190 ms of a process's first
# session, now about 15)
IMPORTS_HEAD = 16 * 1024
# a module's static imports of its neighbours there: `from"./name.js"` and `import"./name.js"` (its
# `import("./name.js")` loads are left to it: they are what it draws later, if ever)
STATIC_IMPORT = re.compile(r'(?:from|import)\s*"\./([^"/\\]+\.js)"')  # (a `\b` before made it 8 times slower)


def _static_closure(js: Path, names) -> set[str]:
    """The files `names` import without asking, and those import, and so on: the modules the browser fetches one
    level at a time (a module's imports are known once it has come) before it can run them."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or not SCRIPT_NAME.fullmatch(name):
            continue
        seen.add(name)
        try:
            with open(js / name, encoding="utf-8", errors="replace") as f:
                todo += STATIC_IMPORT.findall(f.read(IMPORTS_HEAD))
        except OSError:
            continue
    return seen


@functools.lru_cache(maxsize=4)
def _lazy_scripts(js: Path = STREAMLIT_JS) -> tuple[str, ...]:
    """The file names of `LAZY_PARTS` in the installed Streamlit's build (their names carry a content hash, so
    they are looked up, not written here); none where its build is laid out otherwise. Only names of the shape
    `Part.hash.js` are kept: they go into a script (`prefetch_parts`), and no other text may."""
    found = (f.name for part in LAZY_PARTS for f in js.glob(f"{part}.*.js"))
    return tuple(sorted(n for n in found if SCRIPT_NAME.fullmatch(n)))


@functools.lru_cache(maxsize=4)
def _lazy_modules(js: Path = STREAMLIT_JS) -> tuple[str, ...]:
    """Every module `_lazy_scripts` needs that the page's own entry (`index.*.js`) has not loaded already: 55
    files in Streamlit 1.67, which the browser otherwise found level by level, four to six round trips (over
    600 ms with 40 ms of network latency: bench/README.md "Session 21"). Asked for all at once, they come in one
    or two."""
    parts = _lazy_scripts(js)
    if not parts:
        return ()
    entry = _static_closure(js, (f.name for f in js.glob("index.*.js")))
    return tuple(sorted(_static_closure(js, parts) - entry))


def prefetch_parts() -> None:
    """Once a session, when its first page is drawn and the browser idle: load the scripts `LAZY_PARTS` name (every
    module they import asked for at once, `_lazy_modules`) and the code font, so the first visit to another page
    draws at once. The script is fixed text (no value from an extract or the address), and the scripts it loads
    are Streamlit's own, from this server."""
    if st.session_state.get("_parts_prefetched") or not _lazy_scripts():
        return
    st.session_state["_parts_prefetched"] = True
    # the only values in the script: Streamlit's own file names, each of SCRIPT_NAME's plain shape (checked here too)
    names, modules = (
        json.dumps([n for n in found if SCRIPT_NAME.fullmatch(n)]) for found in (_lazy_scripts(), _lazy_modules())
    )
    st.sidebar.html(
        "<script>(() => {"
        "const index = document.querySelector('script[type=module][src*=\"/static/js/index.\"]');"
        "if (!index) return;"
        "const base = index.src.replace(/[^/]*$/, '');"
        # every module asked for at once (a module preload: fetched and compiled, not run), then the parts run;
        # when every script and what it imports is in, the page says so (data-safer-parts="loaded", for tests)
        f"const load = () => {{ for (const n of {modules}) {{ const l = document.createElement('link');"
        " l.rel = 'modulepreload'; l.href = base + n; document.head.appendChild(l); }"
        f" const all = {names}.map((n) => import(base + n));"
        " if (document.fonts) all.push(document.fonts.load(\"1em 'Source Code Pro'\"));"
        " Promise.allSettled(all).then(() => { document.documentElement.dataset.saferParts = 'loaded'; }); };"
        # once the first page's run has ended and every chart has drawn its traces, when the browser is next idle:
        # started any earlier, they held up the first page (a new session's Overview settled 0.4 s later)
        "const drawn = () => Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
        ".every((c) => c.querySelector('svg.main-svg g.trace'));"
        "const idle = window.requestIdleCallback || ((f) => setTimeout(f, 200));"
        "const wait = () => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " if (app && app.dataset.testScriptState === 'notRunning' && drawn()"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')) idle(load, {timeout: 1000});"
        " else setTimeout(wait, 100); };"
        "wait();"
        "})()</script>",
        unsafe_allow_javascript=True,
    )


def header(title: str, question: str) -> dict:
    """Page title, the question the page answers, and the banners every page must carry."""
    if not getattr(NAV, "active", False):
        # A link straight to a page, on a server that has not yet run dashboard.py: Streamlit then runs
        # the page file on its own, without the navigation. Run the dashboard instead; it opens this page.
        runpy.run_path(str(config.PROJECT_ROOT / "dashboard.py"), run_name="__main__")
        st.stop()
    prefetch_parts()
    s = store()
    p = partnership()
    page_title(title)
    st.html(HEADING_CSS)
    st.title(title)
    caption(f"{p['name']} · {question}")
    if p["synthetic"]:
        # The note is text from an extract: escaped, so it shows literally (one element, not two: see `small`).
        note = md_text(p.get("data_note"))
        st.warning(
            "**Synthetic demo data: these are not real figures.**" + (f"  \n{note}" if note else ""),
            icon=":material/warning:",
        )
    if building_notice(s):
        pass
    elif s.status.problems:
        st.error(f"{views.last_good_note(s.status, 'this page')} Fix these and the page updates by itself:",
                 icon=":material/error:")  # fmt: skip
        st.code("\n".join(str(pr) for pr in s.status.problems[:10]), language=None)
    return p


APP_TITLE = "Community safety dashboard"


def page_title(title: str) -> None:
    """The browser tab's title: the page's own, then the dashboard's (WCAG 2.4.2: every page had the same title, so
    a screen reader's list of tabs, or the history, could not tell Trends from Data). Set as text, never as HTML."""
    st.set_page_config(page_title=f"{title} · {APP_TITLE}")


def trend_link(label, query_params: dict, icon: str | None = None) -> None:
    """A link to the Trends page that names its indicator (`label`, extract text: shown literally), so that a
    screen reader's list of links does not read five "See the trend" (WCAG 2.4.4)."""
    st.page_link("pages/trends.py", label=f"See the trend: {md_escape(label)}", query_params=query_params, icon=icon)


def building_notice(s) -> bool:
    """Say that newer extracts are being checked and loaded aside (the last good build shows meanwhile);
    True when they are."""
    if not s.status.building:
        return False
    st.info(
        f"New extracts were found and are being checked and loaded: this shows the last good data (built "
        f"{s.status.built_at} UTC, data version {s.data_version}) until they are ready, then updates at your next "
        "click.",
        icon=":material/hourglass_top:",
    )
    return True


def stamp(period: str, source: str) -> None:
    """Data period, source and data version under a chart, for citing."""
    caption(f"Data period: {period} · Source: {source} · Data version {store().data_version}")


def _shared() -> dict:
    return st.session_state.setdefault("_shared_filters", {})


def on_page(url_path: str) -> None:
    """Record the page this run shows (`dashboard.py`, before it runs): `url_select` gives each page widgets of
    its own and sets them from the session's choices when a page is entered."""
    st.session_state["_page"] = url_path


def url_select(
    key: str,
    label: str,
    options: list[str],
    labels: dict[str, str] | None = None,
    default: str | None = None,
    help: str | None = None,
    sidebar: bool = False,
    buttons: bool = False,
    said_by_page: bool = False,
) -> str:
    """A select box whose value lives in the URL (`?key=value`), so a copied link reopens the view.

    A value in the link that is not among the `options` (a mistyped or outdated link) is said, under the box, with
    what is shown instead (an outside audit: the page showed another indicator, area or period in silence), unless
    the page says it in its own words (`said_by_page`, with `unavailable`).

    The choice is also remembered for the session, so moving to another page keeps it. `buttons=True` shows
    a few options as one row of buttons (`st.segmented_control`, one always chosen): every choice in sight and
    one click to change it, and a first page that loads none of the select box's 20 scripts (in a new session
    the charts' script then arrives 100-150 ms sooner, bench/README.md).
    """
    labels = labels or {}
    shared = _shared()
    in_url = st.query_params.get(key)
    asked = in_url or shared.get(key)
    wanted = asked or default or options[0]
    if wanted not in options:
        wanted = default if default in options else options[0]
    # a choice this page cannot show (an indicator not counted for similar areas): shown instead, said by the page
    # (`unavailable`), and kept as the session's choice for the pages that can, unless changed here
    missing = st.session_state.setdefault("_url_unavailable", {})
    missing.pop(key, None)
    if asked and asked not in options:
        missing[key] = asked
    box = st.sidebar if sidebar else st
    # Each page's filter is a widget of its own, under one key (Streamlit ties a widget's state to the page that drew
    # it): set from the session's choice (`_shared`) whenever a page is entered, or the second move lost the choice,
    # the new page's select box falling back to its first option.
    page = st.session_state.get("_page", "")
    wkey = f"url_{key}"
    written = st.session_state.setdefault("_url_written", {})
    on = st.session_state.setdefault("_url_page", {})
    if wkey in st.session_state and st.session_state[wkey] not in options:
        del st.session_state[wkey]
    # The URL wins when it changed from outside (a link to this page with filters), and the session's choice when
    # the page has just been entered; otherwise the widget's own state does.
    arrived = on.get(key) != page
    # what a link to this page asked for (the address changed from outside), kept to say so while it is not shown:
    # not the address this dashboard wrote itself, which keeps another page's choice (a false "the link asked")
    linked = st.session_state.setdefault("_url_linked", {})
    from_link = in_url is not None and in_url != written.get(key)
    if from_link:
        linked[(page, key)] = in_url
    if wkey not in st.session_state or arrived or from_link:
        st.session_state[wkey] = wanted
    if buttons:
        choice = box.segmented_control(
            label, options, format_func=lambda o: labels.get(o, o), key=wkey, help=help, required=True
        )
        choice = choice if choice in options else wanted
    else:
        choice = box.selectbox(label, options, format_func=lambda o: labels.get(o, o), key=wkey, help=help)
    if in_url is not None and in_url not in options and linked.get((page, key)) == in_url and not said_by_page:
        box.warning(
            f"The link asked for {label.lower()} “{md_escape(url_text(in_url))}”, which this page does not have, so it "
            f"shows {md_escape(labels.get(choice, choice))}.",
            icon=":material/link_off:",
        )
    if key not in missing or choice != wanted:
        shared[key] = choice
        missing.pop(key, None)
    # the address keeps what was asked while another is shown in its place: a rerun here (a table opened), the
    # back button and a copied link all still ask for it, and the pages that can show it still do (written into
    # the address, the stand-in was read back as the user's choice at the next rerun)
    st.query_params[key] = written[key] = missing.get(key, choice)
    on[key] = page
    return choice


def unavailable(key: str) -> str | None:
    """The value asked for filter `key` (in the link, or chosen on another page) that this page's `url_select` could
    not show, so showed another instead; None when it showed what was asked."""
    return st.session_state.get("_url_unavailable", {}).get(key)


def indicator_picker(default: str | None = None) -> dict:
    inds = views.indicator_choices(store())
    ids = list(inds.indicator_id)
    chosen = url_select("indicator", "Indicator", ids, dict(zip(inds.indicator_id, inds.label)), default=default)
    return inds.set_index("indicator_id").loc[chosen].to_dict() | {"indicator_id": chosen}


def indicator_and_area() -> tuple[dict, dict]:
    """The indicator and area filters side by side, both kept in the URL; one above the other on a phone (columns
    stack below 640 px, where side by side each select box cut its choice to a few letters)."""
    left, right = st.columns(2)
    with left:
        indicator = indicator_picker()
    with right:
        area = area_picker(indicator)
    return indicator, area


def area_picker(indicator: dict) -> dict:
    areas = views.area_choices(store(), indicator["geography"])
    labels = {  # the whole area as its council calls it (fmt.whole_area: borough, district or area)
        r.area_code: (r.area_name if r.area_type == "ward" else f"{r.area_name} (whole {fmt.whole_area(r.area_code)})")
        for r in areas.itertuples()
    }
    whole = fmt.whole_area(next((r.area_code for r in areas.itertuples() if r.area_type != "ward"), None))
    code = url_select(
        "area",
        "Area",
        list(areas.area_code),
        labels,
        help=None if indicator["geography"] == "ward" else f"This indicator is recorded for the whole {whole} only.",
    )
    row = areas.set_index("area_code").loc[code]
    return {"area_code": code, "area_name": row.area_name, "area_type": row.area_type}


def view_url() -> str:
    """The link that reopens this view: the page's address with its filters."""
    try:
        base = str(st.context.url or "").split("?")[0]
    except Exception:  # noqa: BLE001 - no browser context (tests, bare mode)
        base = ""
    # percent-encoded: a theme's space, a label's "&" or "#" (`?mark_label=Panel & cabinet`) would otherwise cut the
    # link short or split it into parameters of the attacker's choosing in every citation and export's Link
    qs = urlencode(st.query_params.to_dict())
    return f"{base}?{qs}" if qs else base


def meta(title: str, period: str, source: str, filters: dict[str, str], data_version: str | None = None) -> export.Meta:
    """A stamp with this page's link; `data_version`: where what it stamps is not the build being served's (the
    Data page's validation problems of extracts not loaded)."""
    p = partnership()
    return export.Meta(
        title=title,
        period=period,
        source=source,
        data_version=data_version or store().data_version,
        filters=filters,
        url=view_url(),
        partnership=p["name"],
        synthetic=bool(p["synthetic"]),
    )


def exports(
    tables: dict[str, pd.DataFrame],
    figures: dict[str, object],
    m: export.Meta,
    cite: bool = True,
    key: str = "",
    metas: dict[str, export.Meta] | None = None,
) -> None:
    """Downloads for a view: each table as CSV, all tables as Excel, each chart as PNG (a page's width and a
    report column's) and SVG, and a citation,
    in one expander drawn on demand (`on_demand`, kept open across filters under `key`). `metas`: a table's or
    figure's own stamp, by name, where its data period is not the view's (`View.meta_of`).

    The 2-7 buttons of a view were drawn by the browser at every page switch and rarely used, so they are sent
    only once the expander opens; each file is made only when its button is clicked, never on a rerun. Opening
    the expander starts the process's one Chromium for images in the background (`export.warm_images`: its start
    takes a few seconds; an image after it about 0.2 s)."""
    name = export.slug(m.title)

    def own(item: str) -> export.Meta:
        return (metas or {}).get(item, m)

    what = (["tables (CSV, Excel)"] if tables else []) + (["charts (PNG, SVG)"] if figures else [])
    if not what and not cite:
        return
    label = ", or ".join((["Download " + " and ".join(what)] if what else []) + (["cite this view"] if cite else []))
    label = label[0].upper() + label[1:]
    with on_demand(label, f"exports:{key or name}") as shown:
        if not shown:
            return
        if figures:
            export.warm_images()
        with st.container(horizontal=True):
            for tname, df in tables.items():
                blabel = "Download CSV" if len(tables) == 1 else f"CSV: {tname}"
                fname = export.file_name(own(tname), tname, "csv")
                st.download_button(
                    blabel,
                    lambda df=df, mt=own(tname): export.csv_bytes(df, mt),
                    file_name=fname,
                    key=f"dl-{fname}",
                    mime="text/csv",
                    on_click="ignore",
                    icon=":material/table:",
                )
            if tables:
                fname = export.file_name(m, "", "xlsx")
                st.download_button(
                    "Excel workbook",
                    lambda: export.xlsx_bytes(tables, m, {t: own(t) for t in tables}),
                    file_name=fname,
                    key=f"dl-{fname}",
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    on_click="ignore",
                    icon=":material/grid_on:",
                )
            narrow = min(export.IMAGE_WIDTHS)
            for figname, fig in figures.items():
                # a page's width, a report column's (its type drawn for that width: a page-wide image shrunk into
                # a column has type of about 4 pt), and SVG
                for fmt, mime, width, what in (
                    ("png", "image/png", export.DESIGN_WIDTH, "PNG"),
                    ("png", "image/png", narrow, f"PNG for a report column ({narrow} px)"),
                    ("svg", "image/svg+xml", export.DESIGN_WIDTH, "SVG"),
                ):
                    size = "" if width == export.DESIGN_WIDTH else f"{width}px"
                    fname = export.file_name(own(figname), figname, fmt, size)
                    st.download_button(
                        f"{figname}: {what}",
                        lambda fig=fig, fmt=fmt, width=width, mt=own(figname): export.image_bytes(
                            fig, fmt, mt, width=width
                        ),
                        file_name=fname,
                        key=f"dl-{fname}",
                        mime=mime,
                        on_click="ignore",
                        icon=":material/image:",
                    )
        if cite:
            st.caption("Cite this view:")
            st.code(export.citation(m), language=None, wrap_lines=True)


def project_path(*parts: str) -> Path:
    return config.PROJECT_ROOT.joinpath(*parts)


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:^=&\"'")


def md_escape(text) -> str:
    """Text from an extract, made safe for `st.markdown`: every markdown special character is
    backslash-escaped, so `**bold**`, links, `<tags>`, `:emoji:` and `$maths$` show literally, and a bare
    address (`http://…`, `www.…`, `a@b.c`) stays text (`NO_AUTOLINK`)."""
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    s = " ".join(s.split())  # no line structure (headings, lists) from an extract
    cuts = [m.start() + 1 for m in _AUTOLINK.finditer(s)]  # after the first letter of each
    parts = [s[i:j] for i, j in zip([0, *cuts], [*cuts, len(s)])]
    return NO_AUTOLINK.join("".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in part) for part in parts)


# Streamlit's markdown links a bare address after escapes are read (GFM's autolink literals, found in each run of
# text): an empty `:small[]` (an empty <span>) splits the run inside each, so the address stays text, looks the
# same, and copies as typed. (A word joiner, U+2060, did the same but went into the reader's clipboard.) Every
# character after it is escaped, so it never starts anything; the exports keep the extract's own text.
NO_AUTOLINK = ":small[]"
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|www|mailto)|@")


def caption(*lines) -> None:
    """A caption of text that holds extract values (names, labels, units, sources, periods): each line kept
    literal (`md_escape`), the lines joined by hard breaks; empty lines left out."""
    shown = [md_escape(line) for line in lines if line is not None and str(line).strip()]
    if shown:
        st.caption("  \n".join(shown))


def info(text) -> None:
    """A note that holds extract values, kept literal."""
    st.info(md_escape(text))


# A page's sections are h2 under its h1 title (they were Streamlit's subheaders, h3: a heading level skipped,
# axe-core's heading-order), drawn the size the subheaders were, and the headings inside a section (a plan's
# column on Priorities) h3 the size of the h4 they were. A metric's label and value, and a link's label, wrap
# instead of being cut short: Streamlit cuts them to one line, which hid "(3 months only)" from an Overview card's
# label and the warnings from the Data page's counts at 1,024 px, and ended the Scrutiny page's evidence links
# mid-word on a phone (an outside audit). Constant CSS only: no text from the data goes into it.
HEADING_CSS = """<style>
[data-testid="stMain"] h2 { font-size: 1.75rem !important; }
[data-testid="stMain"] h3 { font-size: 1.5rem !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricValue"],
[data-testid="stMetricValue"] *, [data-testid="stPageLink"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
[data-testid="stPageLink-NavLink"] p { line-height: 1.4; }
[data-testid="stPageLink-NavLink"]:focus-visible {
  outline: 3px solid #B71C1C !important; outline-offset: 2px;
}
@media (min-width: 640px) and (max-width: 1500px) {
  [data-testid="stMetricValue"] { font-size: clamp(1.25rem, 2.4vw, 2.25rem) !important; }
}
</style>"""


def section(title: str) -> None:
    """A section of a page under its title: an h2 (`HEADING_CSS`)."""
    st.header(title)


def subheader(text) -> None:
    """A section whose heading holds extract values (a priority's title), kept literal: an h2 as `section`."""
    st.header(md_escape(text))


def md_text(text) -> str:
    """Text from an extract for `st.markdown`, kept literal as `md_escape` keeps it, but with its own line
    breaks kept (each line escaped on its own, joined by hard breaks), as `st.text` would show them."""
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    return "  \n".join(md_escape(line) for line in s.splitlines() if line.strip())


def small(markdown: str) -> str:
    """A line of small grey text inside a markdown block, as `st.caption` shows it on its own: several lines in
    one element instead of one element each (every element costs the browser a React component)."""
    return f":small[:gray[{markdown}]]"


def url_mark() -> dict | None:
    """A date to mark on a chart, from the URL: `?mark=YYYY-MM-DD&mark_label=...` (e.g. a scrutiny meeting).

    The label is plain text (at most 40 characters, HTML special characters escaped for Plotly)."""
    import datetime as _dt
    import html as _html

    raw = st.query_params.get("mark")
    if not raw:
        return None
    try:
        day = _dt.date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None
    label = url_text(st.query_params.get("mark_label") or f"Marked {day:%-d %b %Y}")
    return {"date": day.isoformat(), "label": label, "plotly_label": _html.escape(label)}


def url_text(value, most: int = 40) -> str:
    """Text from the link (anyone can write one), as a page may show it: control characters, bidirectional
    controls (which reorder text on screen: "figures falsified" read "detalsif serugif" after U+202E) and
    zero-width characters are left out, as the contract refuses them in an extract; at most `most` characters."""
    text = " ".join(SHOWN_ESCAPED_RE.sub(" ", str(value)).split())
    return text if len(text) <= most else text[: most - 1] + "…"


def pack_download(cycle_id: str) -> None:
    """The SIA data pack of a plan cycle as a zip, made only when asked for."""
    from . import pack

    s = store()
    st.download_button(
        f"Download the SIA data pack for {cycle_id} (zip)",
        lambda: pack.pack_zip(s, cycle_id),
        file_name=f"sia-pack-{cycle_id}-{s.data_version}.zip",
        mime="application/zip",
        on_click="ignore",
        icon=":material/folder_zip:",
    )


def briefing_pdf_download(b) -> None:
    """A briefing (`views.load_briefing`) as one PDF, one view per page, printed only when asked for
    (`safer.briefing.pdf_bytes`: the print is the engine's; the page reads its slides from `safer.views`)."""
    from . import briefing as briefings

    s = store()
    st.download_button(
        "PDF",
        lambda: briefings.pdf_bytes(s, b),
        file_name=f"{b.name}-{s.data_version}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=f"The whole briefing ({md_escape(b.title)}) as one PDF, one view per page",
    )


# --------------------------------------------------------------------------- laying out a view


def group_cards(cards: list) -> list[tuple[tuple[str, str, bool], list]]:
    """Cards grouped by priority, in the plan's order."""
    groups: dict[tuple[str, str, bool], list] = {}
    for c in cards:
        groups.setdefault((c.priority_id, c.priority_title, c.illustrative), []).append(c)
    return list(groups.items())


def table(
    df: pd.DataFrame,
    column_order: list[str] | None = None,
    column_config: dict | None = None,
    rows_on_phone: tuple[str, str] | None = None,
) -> None:
    """A table as people read it: suppressed counts as `<N`, headings in words (`rate_per_1000` reads
    `Rate per 1,000`, or the label `column_config` gives), the full width of the page. `column_order` and
    `column_config` use the data's own column names; the table shown has the headings as its columns.

    `rows_on_phone` (key, column): a short table whose columns a phone must all see (a survey's flag of a small
    base, the Data page's missing months) is, below 640 px, a paragraph a row instead of a grid, headed by that
    column's value, every other column as "Heading: value" (`text_table`'s CSS; the key unique on the page)."""
    out, order, shown = _shown_table(df, column_order, column_config)
    # a missing value (a month without data, a mean without 12 months) reads as a dash, not "None"
    if rows_on_phone is None:
        st.dataframe(out, hide_index=True, width="stretch", column_order=order, column_config=shown, placeholder="–")
        return
    key, heading = rows_on_phone
    rows = out[order] if order else out
    _grid_or_rows(
        key,
        lambda: st.dataframe(
            out, hide_index=True, width="stretch", column_order=order, column_config=shown, placeholder="–"
        ),
        rows.to_dict("records"),
        _heading(df, heading, column_config or {}),
        None,
    )


def _grid_or_rows(key: str, grid, rows: list[dict], heading: str | None, body: str | None) -> None:
    """`grid()` from 640 px wide, and below that the same `rows` as paragraphs (`_text_row`), by the constant
    `NARROW_TEXT_CSS` on the containers keyed `text_grid_KEY` and `text_rows_KEY`."""
    st.html(NARROW_TEXT_CSS)
    with st.container(key=f"text_grid_{key}"):
        grid()
    with st.container(key=f"text_rows_{key}"):
        st.markdown("\n\n".join(_text_row(row, heading, body) for row in rows))


# A table of words laid out as text on a phone (`text_table` with a key): its grid is shown from 640 px wide, its
# rows as paragraphs below that (a grid of six columns of words scrolled sideways on a 390 px phone). Constant
# CSS only: no text from the data or the URL goes into it.
NARROW_TEXT_CSS = """<style>
[class*="st-key-text_rows_"] { display: none; }
@media (max-width: 639px) {
  [class*="st-key-text_grid_"] { display: none; }
  [class*="st-key-text_rows_"] { display: flex; }
}
</style>"""


def columns_wide(spec: list[int], key: str) -> list:
    """`st.columns(spec)` side by side on a screen from 1,200 px wide, one above the other below that
    (`STACK_CSS`): Streamlit stacks columns only below 640 px, and at 1,024 px the Areas page's ward map, in two
    fifths of the page, was drawn 90 px wide (an outside audit)."""
    st.html(STACK_CSS)
    with st.container(key=f"stack_{key}"):
        return st.columns(spec)


# Columns one above the other below 1,200 px (`columns_wide`). Constant CSS only: no text from the data goes in.
STACK_CSS = """<style>
@media (max-width: 1199px) {
  [class*="st-key-stack_"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  [class*="st-key-stack_"] [data-testid="stColumn"] { flex: 1 1 100% !important; min-width: 100% !important; }
}
</style>"""


def text_table(df: pd.DataFrame, key: str | None = None, heading: str | None = None, body: str | None = None) -> None:
    """A small table of words (a few rows, long cells) that wraps its text to the page's width instead of cutting
    it: `st.table`, which reads each cell as markdown, so every cell from an extract is kept literal
    (`md_escape`) and missing cells are blank.

    With a `key`, on a screen narrower than 640 px (a phone) the same rows are text instead of a grid, one
    paragraph each: its `heading` column in bold, its `body` column, then every other column as "Column: value"
    in small type, so nothing scrolls sideways (`NARROW_TEXT_CSS`)."""
    cells = df.fillna("").astype(str).map(md_escape)
    cells.columns = [md_escape(c) for c in cells.columns]
    if key is None:
        st.table(cells.style.hide(axis="index"))
        return
    _grid_or_rows(key, lambda: st.table(cells.style.hide(axis="index")), df.to_dict("records"), heading, body)


def _text_row(row: dict, heading: str | None, body: str | None) -> str:
    """One row of `text_table` as a paragraph of markdown, every value from an extract kept literal."""
    lines = []
    if heading is not None and not fmt.is_missing(row.get(heading)) and str(row[heading]).strip():
        lines.append(f"**{md_escape(row[heading])}**")
    if body is not None and not fmt.is_missing(row.get(body)) and str(row[body]).strip():
        lines.append(md_escape(row[body]))
    rest = [
        f"{md_escape(c)}: {md_escape(v)}"
        for c, v in row.items()
        if c not in (heading, body) and not fmt.is_missing(v) and str(v).strip()
    ]
    if rest:
        lines.append(small(" · ".join(rest)))
    return "  \n".join(lines)


_SHOWN: OrderedDict[tuple, tuple] = OrderedDict()  # (id of a table or figure, how) -> (weakref to it, what is shown)
_SHOWN_LOCK = threading.Lock()


def _once_per_object(obj, how: str, make):
    """`make()`, made once per (object, `how`) and kept while the object lives: a view's tables and figures are
    shared and never change, so the same object gives the same display on every rerun and in every session."""
    key = (id(obj), how)
    with _SHOWN_LOCK:
        hit = _SHOWN.get(key)
        if hit is not None and hit[0]() is obj:
            _SHOWN.move_to_end(key)
            return hit[1]
    made = make()
    with _SHOWN_LOCK:
        _SHOWN[key] = (weakref.ref(obj), made)
        while len(_SHOWN) > 256:
            _SHOWN.popitem(last=False)
    return made


def _shown_table(df: pd.DataFrame, column_order, column_config) -> tuple:
    """What `table` shows, made once per table object (`_once_per_object`)."""
    return _once_per_object(
        df,
        repr((column_order, column_config)),
        lambda: _make_shown_table(df, column_order, column_config),
    )


def _heading(df: pd.DataFrame, c: str, config: dict) -> str:
    """The heading column `c` of `df` is shown under: the label `config` (a `column_config`) gives, else its name
    in words, with whom its rates are per and what it counts (`fmt.column_label`)."""
    cfg = config.get(c)
    label = cfg if isinstance(cfg, str) else (cfg or {}).get("label")
    return label or fmt.column_label(c, df.attrs.get("rate_per"), df.attrs.get("unit"))


def _make_shown_table(df: pd.DataFrame, column_order, column_config) -> tuple:
    out = export.display_table(df)
    config = column_config or {}

    def heading(c: str) -> str:
        return _heading(df, c, config)

    for c in out.columns:  # "<5" beside numbers: text throughout, or Arrow logs a traceback at each display
        kinds = {type(v) for v in out[c] if not fmt.is_missing(v)}
        if str in kinds and len(kinds) > 1:
            out[c] = out[c].map(lambda v: None if fmt.is_missing(v) else str(v)).astype("string")
    names = {c: heading(c) for c in out.columns}
    shown = {names[k]: v for k, v in config.items() if k in names and not isinstance(v, str)}
    order = [names[c] for c in column_order if c in names] if column_order else None
    return out.rename(columns=names), order, shown


ON_DEMAND = "open:"  # the session-state key prefix of every `on_demand` expander


@contextmanager
def on_demand(label: str, key: str) -> Iterator[bool]:
    """An expander whose content is drawn only once it is opened (opening it reruns the page, from the view
    cache): a table grid, a code block or a citation costs a page nothing until someone asks for it, which
    keeps a new session's first page and every rerun light. Yields whether to draw the content; it stays
    open for the session (its state is kept under `open:KEY`), across filters."""
    with st.expander(label, key=ON_DEMAND + key, on_change="rerun") as box:
        yield bool(box.open)


def view_tables(v, label: str = "The same numbers as a table", figures: dict | None = None) -> None:
    """A view's tables one click away, its downloads (CSV, Excel, images) and its citation."""
    for name, df in v.tables.items():
        with on_demand(label if len(v.tables) == 1 else f"{label}: {name}", f"table:{v.name}:{name}") as shown:
            if shown:
                table(df)
    url = view_url()
    m = export.Meta(**{**v.meta.__dict__, "url": url})
    figures = figures if figures is not None else v.figures
    metas = {n: export.Meta(**{**v.meta_of(n).__dict__, "url": url}) for n in (*v.tables, *figures)}
    exports(v.tables, figures, m, key=v.name, metas=metas)


def view_sources(v) -> None:
    """The commands behind a view's numbers, one click away."""
    if not v.queries:
        return
    with on_demand("Where these numbers come from", f"sources:{v.name}") as shown:
        if shown:
            st.caption("The same numbers from the command line (each query is a file in queries/):")
            st.code("\n".join(v.queries), language=None, wrap_lines=True)  # plain: highlighting fails contrast


def _lifted(fig) -> tuple:
    """`charts.lift_title(fig)`, made once per figure (20-30 ms a chart, the most of a page's first run)."""
    return _once_per_object(fig, "lift_title", lambda: charts.lift_title(fig))


def _prepare_figures(view) -> None:
    """Each figure of a view as `chart` shows it, made ahead by the warm-up thread for the default views, so the
    first visit to a page does not make it."""
    data = getattr(view, "data", None) or {}
    maps = [x for x in data.values() if isinstance(x, charts.go.Figure)]  # a figure kept in data (the Areas map)
    for fig in [*(getattr(view, "figures", None) or {}).values(), *maps]:
        try:
            _lifted(fig)
        except Exception:  # noqa: BLE001 - the page then makes it (and shows its error) as before
            pass


def chart(fig, **kw) -> None:
    """A view's chart on the page: its title (bold) and subtitle (a caption) as the page's own text, which wraps to
    the screen's width, above the figure drawn without them (`charts.lift_title`); exports keep the figure whole.
    `kw` goes to `st.plotly_chart`."""
    title, subtitle, shown = _lifted(fig)
    if title:
        st.markdown(f"**{md_escape(title)}**")
    if subtitle:
        caption(subtitle)
    st.plotly_chart(shown, width="stretch", theme=None, **kw)


EVENTS_SHOWN = 3  # the latest events listed under a time chart; the earlier ones are one tap away


def event_list(lines: list[str], shown: int = EVENTS_SHOWN) -> None:
    """The events numbered on a time chart ('1. Dec 2017: ...'), in their order: the earlier ones in an expander
    ('Events 1 to 4, earlier'), the latest `shown` listed beneath it, so the list is a few lines on a phone, not
    a screen, and every event is there to look up by its number. All are listed when at most one would be
    folded away. Each line is extract text, kept literal."""
    if not lines:
        return
    st.markdown("**Events marked on the chart**")
    earlier, latest = (lines[:-shown], lines[-shown:]) if len(lines) > shown + 1 else ([], lines)
    if earlier:
        first, last = (re.match(r"\d+", x) for x in (earlier[0], earlier[-1]))
        label = f"Events {first.group(0)} to {last.group(0)}" if first and last else f"{len(earlier)} events"
        with st.expander(f"{label}, earlier"):
            st.markdown("\n".join(f"- {md_escape(e)}" for e in earlier))
    st.markdown("\n".join(f"- {md_escape(e)}" for e in latest))


def with_marked_date(fig, mark: dict):
    """A copy of a (shared, cached) figure with the date from the link marked on it, and whether it was marked
    (not when the date lies outside the chart's months: then the figure as it was)."""
    import plotly.graph_objects as go

    from . import charts

    f = go.Figure(fig)
    if charts.add_marked_date(f, mark["date"], mark["plotly_label"]):
        return f, True
    return fig, False


def show_page(script: str) -> None:
    """Show another page's file in this script run (pages/home.py shows the Overview at /home); opened on its
    own, the dashboard is run instead, which routes here."""
    if not getattr(NAV, "active", False):
        run_dashboard()
    runpy.run_path(str(config.PROJECT_ROOT / "pages" / script), run_name="__main__")


def run_dashboard() -> None:
    """Run dashboard.py (which routes to the page asked for) when a page was opened on its own, then stop."""
    runpy.run_path(str(config.PROJECT_ROOT / "dashboard.py"), run_name="__main__")
    st.stop()
