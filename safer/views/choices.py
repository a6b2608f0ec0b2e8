"""The lists the indicator and area select boxes offer: one definition for the pages (through `safer.ui`) and
for the warm-up (`safer.views.warm`), so the warm-up computes exactly the views the pages will ask for.
Each is made once per data version and shared: never mutate it."""

from __future__ import annotations

import pandas as pd

from .base import cached, table


@cached
def indicator_choices(store) -> pd.DataFrame:
    """The indicators with at least one month of data, in catalogue order (the first is the default)."""
    inds = table(store, "indicators")
    return inds[inds.months_with_data > 0]


@cached
def area_choices(store, geography: str) -> pd.DataFrame:
    """The areas an indicator of this geography is recorded for: every area for a ward indicator, the borough
    only for a borough one (the first is the default)."""
    places = table(store, "areas")
    return places[places.area_type == "borough"] if geography == "borough" else places
