"""One function per view: each takes the store and the filters and returns a `View` (see `base.py`).

Pages, briefing slides, the SIA pack and the command line are built from these objects only. Modules are
named for what they hold (headlines, trends, ...), functions for the view they build.
"""

from .base import View, cached, clear_cache, give_way, table
from .catalogue import catalogue, disk_fingerprint, last_good_note, status_sentence
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
from .slides import SHORT_SCREEN as BRIEFING_SHORT_SCREEN
from .slides import SLIDE_KINDS, BriefingError, cycles_slide, perception_slide, stamp_line, trend_slide
from .slides import SYNTHETIC_NOTE as BRIEFING_SYNTHETIC_NOTE
from .slides import Slide as BriefingSlide
from .slides import available as briefing_files
from .slides import build_slide as briefing_slide
from .slides import load as load_briefing
from .slides import parse_step as briefing_step
from .slides import passed_over as briefings_passed_over
from .slides import problem as briefing_problem
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
    "status_sentence",
    "last_good_note",
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
    "BriefingError",
    "BriefingSlide",
    "BRIEFING_SHORT_SCREEN",
    "BRIEFING_SYNTHETIC_NOTE",
    "briefing_files",
    "load_briefing",
    "briefing_problem",
    "briefings_passed_over",
    "briefing_step",
    "briefing_slide",
    "warm",
    "indicator_choices",
    "area_choices",
    "warm_next",
    "ACTIVITY",
]
