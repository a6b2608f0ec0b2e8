"""One function per view: each takes the store and the filters and returns a `View` (see `base.py`).

Pages, briefing slides, the SIA pack and the command line are built from these objects only. Modules are
named for what they hold (headlines, trends, ...), functions for the view they build.
"""

from .base import View, cached, clear_cache, give_way, table
from .catalogue import catalogue, disk_fingerprint
from .choices import area_choices, indicator_choices
from .comparisons import ExplainError, explain_lines
from .consultation import choices as consultation_choices
from .consultation import consultation
from .cycles import cycle_comparison
from .headlines import Card, default_cycle, overview
from .headlines import cycle_choices as overview_cycles
from .pack import sia_pack
from .priorities import priorities
from .scrutiny import QUESTION as SCRUTINY_QUESTION
from .scrutiny import SHOWN as SCRUTINY_SHOWN
from .scrutiny import scrutiny
from .similar_areas import comparator_groups, comparator_indicators, compare, group_choices
from .slides import SLIDE_KINDS, cycles_slide, perception_slide, stamp_line, trend_slide
from .trends import trend
from .wards import PERIODS_HELP as AREA_PERIODS_HELP
from .wards import areas
from .wards import periods as area_periods
from .warm import ACTIVITY, warm, warm_next

__all__ = [
    "AREA_PERIODS_HELP",
    "View",
    "cached",
    "give_way",
    "clear_cache",
    "table",
    "ExplainError",
    "explain_lines",
    "Card",
    "overview",
    "overview_cycles",
    "default_cycle",
    "trend",
    "cycle_comparison",
    "compare",
    "priorities",
    "scrutiny",
    "SCRUTINY_SHOWN",
    "SCRUTINY_QUESTION",
    "sia_pack",
    "areas",
    "consultation",
    "catalogue",
    "disk_fingerprint",
    "consultation_choices",
    "area_periods",
    "comparator_groups",
    "group_choices",
    "comparator_indicators",
    "SLIDE_KINDS",
    "trend_slide",
    "cycles_slide",
    "perception_slide",
    "stamp_line",
    "warm",
    "indicator_choices",
    "area_choices",
    "warm_next",
    "ACTIVITY",
]
