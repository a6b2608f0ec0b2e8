"""The view object: everything one view shows, built once, laid out by a page, a slide, the pack or the CLI.

A view function takes the store and its filters and returns a `View`. Nothing here imports Streamlit:
pages (through `safer.ui`) only lay a `View` out; briefing slides and the SIA pack are built from the
same objects; `python -m safer explain` and `query` print from them. A view's numbers are computed on
true counts inside the engine; the tables and figures it holds are already what may be shown
(small numbers suppressed at display).
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import export


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

    @property
    def stamp(self) -> str:
        return self.meta.stamp()

    @property
    def citation(self) -> str:
        return export.citation(self.meta)


def stamp(store, title: str, period: str, source: str, filters: dict | None = None) -> export.Meta:
    """A view's stamp: what it shows, its filters, data period, source, data version and partnership
    (synthetic demo data says so)."""
    from .. import queries

    p = queries.run(store, "partnership").iloc[0]
    return export.Meta(
        title=title,
        period=period,
        source=source,
        data_version=store.version,
        filters=dict(filters or {}),
        partnership=str(p["name"]),
        synthetic=bool(p["synthetic"]),
    )


# --------------------------------------------------------------------------- cache

_CACHE: OrderedDict[tuple, View] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 512


def cached(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compute a view (or a verdict) once per (function, filters, data version) and share it across
    sessions and threads.

    The store's version (a fingerprint of the extracts and the build code) is part of the key, so new
    extracts give new views; old entries fall out least-recently-used. Callers must not mutate what
    they get back: it is shared.
    """
    sig = inspect.signature(fn)

    def wrapper(store, *args, **kwargs):
        bound = sig.bind(store, *args, **kwargs)
        bound.apply_defaults()
        filters = tuple((k, v) for k, v in bound.arguments.items() if k != "store")
        key = (fn.__module__, fn.__name__, str(store.data_dir), store.status.fingerprint, filters)
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
                return hit
        view = fn(*bound.args, **bound.kwargs)
        with _CACHE_LOCK:
            _CACHE[key] = view
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return view

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn  # the uncached function, for tests
    return wrapper


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
