"""The view object: everything one view shows, built once, laid out by a page, a slide, the pack or the CLI.

A view function takes the store and its filters and returns a `View`. Nothing here imports Streamlit:
pages (through `safer.ui`) only lay a `View` out; briefing slides and the SIA pack are built from the
same objects; `python -m safer explain` and `query` print from them. A view's numbers are computed on
true counts inside the engine; the tables and figures it holds are already what may be shown
(small numbers suppressed at display).
"""

from __future__ import annotations

import inspect
import os
import shlex
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .. import export


def query_command(name: str, **params) -> str:
    """The command that prints a named query's rows for these filters, as a view lists it ("the commands behind
    its numbers"): each filter given as --NAME VALUE, quoted for a shell where it needs it (a source's name has
    spaces), none given where it is unset or "all" (Consultation showed "[--source S] [--theme T]", not the
    filters chosen: an SIA analyst)."""
    given = "".join(f" --{k} {shlex.quote(str(v))}" for k, v in params.items() if v not in (None, "", "all"))
    return f"python -m safer query {name}{given}"


@dataclass
class View:
    """One view's tables, figures, sentences, stamp and citation."""

    name: str  # the view function's name, e.g. "trend"
    title: str  # what the view shows, e.g. "Anti-social behaviour in Stockport, by month"
    question: str  # the question it answers, in words
    meta: export.Meta  # stamp: title, filters, data period, source, data version
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # display-ready (suppressed, human column names)
    figures: dict[str, Any] = field(default_factory=dict)  # Plotly figures; never mutate them (they are shared)
    sentences: list[str] = field(default_factory=list)  # plain English, at most three for a slide
    detail: list[str] = field(default_factory=list)  # the technical detail (method, p-values), one click away
    notes: list[str] = field(default_factory=list)  # caveats and data gaps to show beside the view
    queries: list[str] = field(default_factory=list)  # the commands behind its numbers: "python -m safer query ..."
    data: dict[str, Any] = field(default_factory=dict)  # structured results (e.g. verdicts.Comparison objects)
    # a table's or figure's own data period where it is not the view's (Compare: the funnel's 12 months, the
    # trend's every month), by its name in `tables` or `figures`
    periods: dict[str, str] = field(default_factory=dict)
    # a table's or figure's own source where it is not the view's (Consultation: the survey table is consultation.csv
    # alone, the view also the recorded counts' source), by its name
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def stamp(self) -> str:
        return self.meta.stamp()

    def meta_of(self, name: str) -> export.Meta:
        """The stamp of one table or figure: the view's, with its own data period and source where it has them."""
        return replace(
            self.meta, period=self.periods.get(name, self.meta.period), source=self.sources.get(name, self.meta.source)
        )

    @property
    def citation(self) -> str:
        return export.citation(self.meta)


# The model behind every verdict on a change, as the methods below end it.
_VERDICT_MODEL = (
    "by a quasi-Poisson GLM with a term for each calendar month, widened for variation between years, its p-value "
    "adjusted for many tests (Benjamini–Hochberg) across the indicators of the plan's priorities"
)

# How each kind of view's figures were worked out, in one sentence each: its citation and its Excel About sheet
# name it (the view's own "How this was worked out" says it in full; docs/statistics.md with references).
METHODS = {
    "change": (
        "verdicts compare the latest 12 months with the same calendar months a year before, and each plan with the "
        "last on matched calendar months, by a quasi-Poisson GLM with a term for each calendar month, widened for "
        "variation between years; p-values adjusted for many tests (Benjamini–Hochberg) across the indicators of "
        "the plan's priorities"
    ),
    # a Trends view's, in parts (`trends.trend` puts together those that apply to it)
    "trend": "the verdict compares the latest 12 months with the same calendar months a year before " + _VERDICT_MODEL,
    "trend by financial year": (
        "the verdict compares the latest complete financial year with the year before (a ward's small counts are "
        "published for complete financial years only) " + _VERDICT_MODEL
    ),
    "limits": (
        "control limits at 99.73% around each month's expected count for its season and plan cycle (negative "
        "binomial or Poisson)"
    ),
    "no limits": "no control limits are drawn",
    "cycles": (
        "each plan's months against the same calendar months of the plan before, by a quasi-Poisson GLM with a "
        "term for each calendar month, p-values adjusted for many tests (Benjamini–Hochberg) across the indicators "
        "of the plan's priorities; each cycle's mean with an exact Poisson 95% interval widened for over-dispersion"
    ),
    "funnel": (
        "rates per 1,000 a year (count ÷ person-years), against funnel limits at 95% and 99.8% around the group's "
        "rate (Spiegelhalter 2005), widened where the areas vary more than chance allows (an additive random effect)"
    ),
    "ward rates": (
        "rates per 1,000 a year (count ÷ person-years; below borough level from the published counts where small "
        "numbers are withheld)"
    ),
    "wards judged": (
        "each ward judged against 99.8% funnel limits around the wards' rate (Spiegelhalter 2005), widened where "
        "the wards vary more than chance allows (an additive random effect)"
    ),
    "targets": (
        "progress from baseline to target of the mean of the latest 12 calendar months with data, with a 95% "
        "interval; too early to tell when the interval spans two statuses"
    ),
    "survey": (
        "shares with Wilson score 95% intervals; a change between two periods judged by Newcombe's hybrid score "
        "interval for the difference"
    ),
}


def stamp(store, title: str, period: str, source: str, filters: dict | None = None, method: str = "") -> export.Meta:
    """A view's stamp: what it shows, its filters, data period, source, data version and partnership
    (synthetic demo data says so), and for its citation the method (from `METHODS`), if it has one."""
    p = table(store, "partnership").iloc[0]
    return export.Meta(
        title=title,
        period=period,
        source=source,
        data_version=store.data_version,
        filters=dict(filters or {}),
        partnership=str(p["name"]),
        synthetic=bool(p["synthetic"]),
        method=method,
    )


# --------------------------------------------------------------------------- cache

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()
# keys being computed now, each with its computation's end and whether a background thread computes it
_RUNNING: dict[tuple, tuple[threading.Event, bool]] = {}
CACHE_SIZE = 512
_THREAD = threading.local()


def give_way() -> None:
    """Mark the calling thread as background work that gives way to the sessions being served: on Linux its
    nice value is raised to 19 (the nice value is per thread there), and no session waits for a view it is
    computing (see `cached`): a thread at the lowest priority on a busy machine may get a few per cent of a
    core, and a session waiting on it would wait as long."""
    _THREAD.background = True
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            pass


def in_background() -> bool:
    """True in a thread that called `give_way`."""
    return getattr(_THREAD, "background", False)


def _key(fn: Callable[..., Any], store, filters: tuple) -> tuple:
    return (fn.__module__, fn.__name__, str(store.data_dir), store.status.fingerprint, filters)


def cached(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compute a view (or a verdict, or a page's list of choices) once per (function, filters, data version)
    and share it across sessions and threads.

    The store's version (a fingerprint of the extracts and the build code) is part of the key, so new
    extracts give new views; old entries fall out least-recently-used. A view asked for by several
    sessions at once is computed once: the others wait for it. Callers must not mutate what they get
    back: it is shared.

    A session never waits for a background thread (`give_way`: the warm-up computing views one choice away at
    the lowest priority): it computes the view itself, at its own priority, and later callers wait for it. On a
    busy machine the background thread may get a few per cent of a core; waiting for it, a session would wait
    as long (a priority inversion).
    """
    sig = inspect.signature(fn)

    def wrapper(store, *args, **kwargs):
        bound = sig.bind(store, *args, **kwargs)
        bound.apply_defaults()
        filters = tuple((k, v) for k, v in bound.arguments.items() if k != "store")
        key = _key(fn, store, filters)
        background = in_background()
        while True:
            with _CACHE_LOCK:
                if key in _CACHE:
                    _CACHE.move_to_end(key)
                    return _CACHE[key]
                running = _RUNNING.get(key)
                if running is None or (running[1] and not background):
                    mine = threading.Event()
                    _RUNNING[key] = (mine, background)
                    break
            running[0].wait()  # then look again: it is in the cache, or it failed and this caller computes it
        try:
            view = fn(*bound.args, **bound.kwargs)
            with _CACHE_LOCK:
                if key not in _CACHE:  # a session that did not wait for the background thread may have put it
                    _CACHE[key] = view
                else:
                    view = _CACHE[key]
                _CACHE.move_to_end(key)
                while len(_CACHE) > CACHE_SIZE:
                    _CACHE.popitem(last=False)
        finally:
            with _CACHE_LOCK:
                if _RUNNING.get(key, (None,))[0] is mine:
                    del _RUNNING[key]
            mine.set()
        return view

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__module__ = fn.__module__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn  # the uncached function, for tests
    return wrapper


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


@cached
def table(store, name: str, params: tuple = ()) -> pd.DataFrame:
    """A named query's result (`queries.run(store, name, **dict(params))`), run once per data version and shared:
    the small lists a page's widgets and banners need (the partnership, indicators, areas). Never mutate it."""
    from .. import queries

    return queries.run(store, name, **dict(params))
