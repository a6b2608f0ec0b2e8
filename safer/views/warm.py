"""Every page's view at its default filters, computed before the first visitor asks (the view cache is shared).

`warm(store)` is run by the dashboard in a background thread when it opens a store, so the first session
finds its first page ready instead of computing it; a session that asks while warming is under way waits
for the same computation (see `cached`), it never repeats it. The defaults are the ones the pages use: the
first option of each select box (`safer.ui.url_select`), the plan cycle of the headline indicators.
"""

from __future__ import annotations

from .base import table
from .catalogue import catalogue, disk_fingerprint
from .consultation import choices as consultation_choices
from .consultation import consultation
from .cycles import cycle_comparison
from .headlines import cycle_choices, default_cycle, overview
from .priorities import priorities
from .similar_areas import comparator_groups, comparator_indicators, compare
from .trends import trend
from .wards import areas
from .wards import periods as area_periods

# The named queries the pages run themselves (through `safer.ui.run`), with no parameters.
PAGE_QUERIES = ("partnership", "indicators", "areas", "scrutiny_concerns", "recording_changes")


def default_indicator_and_area(store) -> tuple[str | None, str | None]:
    """The first indicator with data, and the first area it is recorded for (as `safer.ui.indicator_and_area`)."""
    inds = table(store, "indicators")
    inds = inds[inds.months_with_data > 0]
    if inds.empty:
        return None, None
    first = inds.iloc[0]
    places = table(store, "areas")
    if first["geography"] == "borough":
        places = places[places.area_type == "borough"]
    return str(first["indicator_id"]), (str(places.area_code.iloc[0]) if len(places) else None)


def warm(store) -> list[str]:
    """Compute the default view of every page (and the lists its widgets need); returns what was computed."""
    done = []
    for name in PAGE_QUERIES:
        table(store, name)
        done.append(name)
    cycle_choices(store)
    overview(store, default_cycle(store))
    done.append("overview")
    iid, area = default_indicator_and_area(store)
    if iid is not None:
        trend(store, iid, area)
        cycle_comparison(store, iid, area)
        options, _labels = area_periods(store)
        areas(store, iid, options[0])
        done += ["trend", "cycle_comparison", "areas"]
    groups = comparator_groups(store).drop_duplicates("group_id")
    gid = str(groups.group_id.iloc[0]) if len(groups) > 1 else None  # as the page picks it: the first group
    inds = comparator_indicators(store, gid)
    if len(inds):
        compare(store, str(inds.indicator_id.iloc[0]), gid)
        done.append("compare")
    priorities(store)
    sources, _themes, linked = consultation_choices(store)
    if sources:
        consultation(store, "all", "all", str(linked.indicator_id.iloc[0]) if len(linked) else None)
        done.append("consultation")
    catalogue(store, disk_fingerprint(store))
    done += ["priorities", "catalogue"]
    return done
