"""One function per view: each takes the store and the filters and returns a `View` (see `base.py`).

Pages, briefing slides, the SIA pack and the command line are built from these objects only.
"""

from .base import View, cached, clear_cache

__all__ = ["View", "cached", "clear_cache"]
