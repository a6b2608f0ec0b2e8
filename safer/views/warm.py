"""Every page's view at its default filters, computed before the first visitor asks (the view cache is shared);
then, while no session is running a page, the views one choice away.

`warm(store)` is run by the dashboard in a background thread when it opens a store, so the first session
finds its first page ready instead of computing it; a session that asks while warming is under way waits
for the same computation (see `cached`), it never repeats it. The defaults are the ones the pages use: the
first option of each select box (`safer.ui.url_select`), the plan cycle of the headline indicators.

`warm_next(store)` follows it in the same thread, at the lowest priority: each page's views with one select
box changed from its default (every plan cycle of the Overview, every indicator of Trends, Plan cycles and
Areas at its default area or period, every period, every comparator indicator and group, every consultation
source and theme; not every ward, which would double the work for a second choice). Before each view it waits
until no script run has been going for a moment (`ACTIVITY`, told by the dashboard as each run starts and
ends), so it uses time between clicks and does not compete with a page being drawn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from .base import table
from .catalogue import catalogue, disk_fingerprint
from .choices import area_choices, indicator_choices
from .consultation import choices as consultation_choices
from .consultation import consultation
from .cycles import cycle_comparison
from .headlines import cycle_choices, default_cycle, overview
from .priorities import priorities
from .scrutiny import SHOWN as SCRUTINY_SHOWN
from .scrutiny import scrutiny
from .similar_areas import comparator_indicators, compare, group_choices
from .trends import trend
from .wards import areas
from .wards import periods as area_periods

# The named queries every page's banner and pickers read (`safer.ui.partnership`, `views.choices`).
PAGE_QUERIES = ("partnership", "indicators", "areas")


class Activity:
    """How many script runs are going on now, and when the last one ended (for `wait_idle`)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running = 0
        self._last = 0.0

    def begin(self) -> None:
        with self._cond:
            self._running += 1

    def end(self) -> None:
        with self._cond:
            self._running = max(0, self._running - 1)
            self._last = time.monotonic()
            self._cond.notify_all()

    def wait_idle(self, quiet: float = 0.3) -> None:
        """Return once no run is going and none has ended for `quiet` seconds."""
        with self._cond:
            while True:
                if self._running == 0:
                    left = self._last + quiet - time.monotonic()
                    if left <= 0:
                        return
                    self._cond.wait(left)
                else:
                    self._cond.wait()


ACTIVITY = Activity()


def default_area(store, indicator: dict) -> str | None:
    """The first area an indicator is recorded for (the area select box's default)."""
    places = area_choices(store, indicator["geography"])
    return str(places.area_code.iloc[0]) if len(places) else None


def default_indicator_and_area(store) -> tuple[str | None, str | None]:
    """The first indicator with data, and the first area it is recorded for (the pages' default filters)."""
    inds = indicator_choices(store)
    if inds.empty:
        return None, None
    first = inds.iloc[0]
    return str(first["indicator_id"]), default_area(store, first)


def warm(store, each: Callable[[object], object] | None = None) -> list[str]:
    """Compute the default view of every page (and the lists its widgets need); returns what was computed.
    `each(view)` is called with every view made, for its caller to prepare how it is shown (`safer.ui`)."""
    done = []
    shown = each or (lambda v: v)
    for name in PAGE_QUERIES:
        table(store, name)
        done.append(name)
    cycle_choices(store)
    shown(overview(store, default_cycle(store)))
    done.append("overview")
    iid, area = default_indicator_and_area(store)
    if iid is not None:
        shown(trend(store, iid, area))
        shown(cycle_comparison(store, iid, area))
        options, _labels = area_periods(store)
        shown(areas(store, iid, options[0]))
        done += ["trend", "cycle_comparison", "areas"]
    _ids, _names, gid = group_choices(store)
    inds = comparator_indicators(store, gid)
    if gid is not None and len(inds):
        shown(compare(store, str(inds.indicator_id.iloc[0]), gid))
        done.append("compare")
    shown(priorities(store))
    shown(scrutiny(store))
    sources, _themes, linked = consultation_choices(store)
    if sources:
        shown(consultation(store, "all", "all", str(linked.indicator_id.iloc[0]) if len(linked) else None))
        done.append("consultation")
    catalogue(store, disk_fingerprint(store))
    done += ["priorities", "scrutiny", "catalogue"]
    return done


def next_views(store) -> Iterator[Callable[[], object]]:
    """The views one select box away from each page's defaults, as calls to make (see `warm_next`)."""
    for cycle in cycle_choices(store).cycle_id:
        yield lambda c=str(cycle): overview(store, c)
    inds = indicator_choices(store)
    iid, _area = default_indicator_and_area(store)
    if iid is None:
        return
    options, _labels = area_periods(store)
    for ind in inds.itertuples():
        a = default_area(store, ind._asdict())
        for view in (trend, cycle_comparison):
            yield lambda v=view, i=str(ind.indicator_id), a=a: v(store, i, a)
        yield lambda i=str(ind.indicator_id): areas(store, i, options[0])
    for period in options[1:]:
        yield lambda p=period: areas(store, iid, p)
    ids, _names, gid = group_choices(store)
    for group in ids:
        group_inds = comparator_indicators(store, group)
        for ind_id in group_inds.indicator_id if group == gid else group_inds.indicator_id[:1]:
            yield lambda g=group, i=str(ind_id): compare(store, i, g)
    for shown in list(SCRUTINY_SHOWN)[1:]:
        yield lambda s=shown: scrutiny(store, s)
    sources, themes, linked = consultation_choices(store)
    linked_id = str(linked.indicator_id.iloc[0]) if len(linked) else None
    for source in sources:
        yield lambda s=source: consultation(store, s, "all", linked_id)
    for theme in themes:
        yield lambda t=theme: consultation(store, "all", t, linked_id)


# After each view one choice away, the warm-up rests this many times as long as the view took: it then uses at
# most a quarter of the CPU (and of Python's GIL), so a browser loading the dashboard's scripts at that moment (a
# gap between script runs) is served nearly as fast as by an idle server. Measured just after start, a new
# session's Overview took 1.31-1.39x the bare app's with no rest and 1.05-1.12x with this one; the 37 views are
# ready about 16 s after start instead of 4 s (bench/README.md).
REST = 3.0


def _exiting() -> bool:
    """True once the process is shutting down: Python marks its main thread stopped before it waits for the
    threads that are not daemons (the warm-up is one, so that it is never stopped inside DuckDB)."""
    return not threading.main_thread().is_alive()


def _rest(seconds: float) -> None:
    """Sleep, in steps of a tenth of a second, ending early when the process is shutting down."""
    until = time.monotonic() + seconds
    while not _exiting() and (left := until - time.monotonic()) > 0:
        time.sleep(min(0.1, left))


def warm_next(
    store,
    wait: Callable[[], None] | None = None,
    rest: float = REST,
    sleep: Callable[[float], None] = _rest,
    each: Callable[[object], object] | None = None,
) -> int:
    """Compute `next_views`, calling `wait` (by default: until no script run is going) before each and resting
    `rest` times its own time after it; returns how many were computed. A view already in the cache costs a
    look-up. It stops between two views when the process is shutting down (a stopped dashboard exits at once,
    not when the warm-up has finished: that was up to 40 s after Ctrl+C or a service manager's SIGTERM).
    `each(view)` as in `warm`."""
    wait = wait or ACTIVITY.wait_idle
    n = 0
    for make in next_views(store):
        if _exiting():
            break
        wait()
        t0 = time.monotonic()
        view = make()
        if each is not None:
            each(view)
        if rest:
            sleep(rest * (time.monotonic() - t0))
        n += 1
    return n
