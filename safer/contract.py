"""The data contract: every extract the data directory may hold, its columns and rules.

`data/README.md` documents the same contract for people: it is generated from `SPECS` by
`safer.contract_doc` (`python -m safer contract-doc`), and a test checks that the file is exactly that text.

This module only describes and checks files. It reads CSV with Python's `csv`
module so that every problem can be reported as FILE:LINE: COLUMN: message;
loading into DuckDB happens in `safer.store`, after validation has passed. police.uk files (millions of
rows) are first checked by DuckDB (`safer.police_sql`), which only ever passes a file this module would
pass; every other file is checked here, and every message comes from here.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import hashlib
import json
import math
import os
import re
import stat
import time
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import police_sql

# --------------------------------------------------------------------------- specs

MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ID_MAX = 64  # an id names folders and files (the SIA pack's, downloads): longer ones overran file names
AREA_CODE_RE = re.compile(r"^[A-Z][0-9]{8}$")
LSOA_CODE_RE = re.compile(r"^[EW]01[0-9]{6}$")
BOOL_VALUES = ("true", "false")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | id | area_code | lsoa_code | month | date | int | float | bool | enum
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""
    example: str = ""
    optional: bool = False  # the column may be left out of the file altogether (then `default` everywhere)
    default: str = ""  # the value of a left-out column, or of an empty cell
    # a count that may be a small number (a ward's month): a problem with it never quotes it, as every screen shows
    # problems (the banner, the Data page) and a small count is shown only as its indicator's suppression allows
    small_count: bool = False
    # text: at most this many characters (a name that titles charts and slides: a longer one squeezes their plot)
    max_length: int | None = None


@dataclass(frozen=True)
class FileSpec:
    name: str  # path relative to the data directory ("police_uk/" means any CSV under it)
    columns: tuple[Column, ...]
    grain: str
    doc: str
    key: tuple[str, ...] = ()
    required: bool = True
    exact_header_order: bool = False
    may_be_empty: bool = False  # a header with no rows is valid (a partnership with no targets or events yet)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


LABEL_MAX = 200  # characters of an indicator's label: a chart title of three lines on a phone at most
# characters of an area's name (ONS's longest ward and authority names are under 60): shown in titles and pickers
AREA_NAME_MAX = 100
UNIT_MAX = 100  # characters of its unit, which every axis title repeats


def _c(name, type_="text", **kw) -> Column:
    return Column(name, type_, **kw)


# A police.uk street file's name as data.police.uk serves it (month, force slug), in a folder or a zip archive;
# the archives also hold `-outcomes.csv` and `-stop-and-search.csv` files, which are not street files.
STREET_RE = re.compile(r"(?:^|/)(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(?:\.gz)?$")

POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

SPECS: dict[str, FileSpec] = {}

# Counts of a partner indicator every third month, this many in a row with none between, read as quarterly totals
QUARTERS_IN_A_ROW = 4


def _add(spec: FileSpec) -> None:
    SPECS[spec.name] = spec


_add(
    FileSpec(
        "partnership.csv",
        grain="exactly one row: the partnership this data directory belongs to",
        doc="Who the dashboard is for. Nothing about a particular partnership is written in code.",
        columns=(
            _c("name", doc="The partnership's name, shown in every title.", example="Safer Stockport Partnership"),
            _c(
                "area_code",
                "area_code",
                doc="The partnership's whole area: an `areas.csv` code of type `borough`.",
                example="E08000007",
            ),
            _c(
                "police_force",
                doc="The force whose police.uk files are loaded (informational).",
                example="Greater Manchester Police",
            ),
            _c(
                "synthetic",
                "bool",
                doc="`true` when any figure in this directory is synthetic: every screen then says so.",
                example="true",
            ),
            _c(
                "data_note",
                required=False,
                doc="One sentence shown under the title on every page (for example what is synthetic).",
                example="Synthetic demo data calibrated on real police.uk levels.",
            ),
        ),
    )
)

_add(
    FileSpec(
        "areas.csv",
        grain="one row per area",
        key=("area_code",),
        doc="The partnership's area (one `borough` row) and its wards.",
        columns=(
            _c("area_code", "area_code", doc="ONS code.", example="E05000779"),
            _c("area_name", doc="Name as published by ONS.", example="Bramhall North", max_length=AREA_NAME_MAX),
            _c(
                "area_type",
                "enum",
                allowed=("borough", "ward"),
                doc="`borough` for the whole area, `ward` for a ward.",
                example="ward",
            ),
            _c(
                "parent_code",
                "area_code",
                required=False,
                doc="For a ward, the borough's code; blank for the borough.",
                example="E08000007",
            ),
        ),
    )
)

_add(
    FileSpec(
        "lsoa_ward_lookup.csv",
        grain="one row per LSOA code (2011 and 2021 codes; an LSOA whose code did not change appears once)",
        key=("lsoa_code",),
        doc="Places police.uk rows in wards. A police.uk row whose LSOA code is not listed lies outside the "
        "area and is left out.",
        columns=(
            _c(
                "lsoa_code", "lsoa_code", doc="LSOA code as it appears in police.uk's `LSOA code`.", example="E01005743"
            ),
            _c("lsoa_name", required=False, doc="LSOA name, for reference.", example="Stockport 014A"),
            _c("ward_code", "area_code", doc="Best-fit ward: an `areas.csv` code of type `ward`.", example="E05000781"),
        ),
    )
)

_add(
    FileSpec(
        "population.csv",
        grain="one row per area per year",
        key=("area_code", "year", "population_group"),
        doc="Residents (mid-year estimate) for rates per 1,000. A period uses the year of its last month; "
        "where that year is missing the nearest earlier year, else the nearest later one.",
        columns=(
            _c("area_code", "area_code", doc="An `areas.csv` code.", example="E05000779"),
            _c(
                "year",
                "int",
                minimum=1990,
                maximum=2100,
                doc="Year of the mid-year (30 June) estimate.",
                example="2021",
            ),
            _c("population", "int", minimum=1, doc="Residents.", example="12807"),
            _c("source", required=False, doc="Where the figure comes from.", example="ONS mid-year estimate"),
            _c(
                "population_group",
                "id",
                required=False,
                optional=True,
                default="all",
                doc="Who is counted: `all` residents (the default, also when the column is left out) or a group "
                "an indicator names, such as `children` (aged 0-17).",
                example="all",
            ),
        ),
    )
)

_add(
    FileSpec(
        "indicators.csv",
        grain="one row per indicator",
        key=("indicator_id",),
        doc="The indicator catalogue. An indicator with a `police_uk_crime_type` is counted from `police_uk/`; "
        "any other indicator comes from `partner_monthly.csv`.",
        columns=(
            _c("indicator_id", "id", doc="Short id used in URLs and queries.", example="asb"),
            _c(
                "label",
                doc="Name shown on screen; it titles charts and slides.",
                example="Anti-social behaviour",
                max_length=LABEL_MAX,
            ),
            _c(
                "unit",
                doc="What one unit of the count is, plural, lower case: used in axis titles.",
                example="incidents",
                max_length=UNIT_MAX,
            ),
            _c(
                "good_direction",
                "enum",
                allowed=("down", "up", "neither"),
                doc="Which direction of change is good news. `up` where more reports mean better reporting (for "
                "example CSE).",
                example="down",
            ),
            _c(
                "suppress_below",
                "int",
                minimum=0,
                doc="Below borough level, counts under this number (zero included) show as `<N` and other counts are "
                "rounded to the nearest 5 (0 or 1: no suppression).",
                example="0",
            ),
            _c(
                "geography",
                "enum",
                allowed=("ward", "borough"),
                doc="Finest level the counts exist at: `ward` (wards sum to the borough) or `borough` only.",
                example="ward",
            ),
            _c(
                "police_uk_crime_type",
                required=False,
                doc="police.uk `Crime type` counted for this indicator; blank for a partner indicator.",
                example="Anti-social behaviour",
            ),
            _c(
                "source",
                doc="Who supplies the figures.",
                example="police.uk street-level data (Greater Manchester Police)",
            ),
            _c(
                "caveats",
                required=False,
                doc="What a reader must know before drawing conclusions.",
                example="Reports, not incidents; recording practice changed in 2019.",
            ),
            _c(
                "population_group",
                "id",
                required=False,
                optional=True,
                default="all",
                doc="Whom its rate is per 1,000 of: `all` residents (the default, also when the column is left out) "
                "or a group with its own rows in population.csv, such as `children`.",
                example="children",
            ),
        ),
    )
)

_add(
    FileSpec(
        "plan_cycles.csv",
        grain="one row per plan cycle; cycles do not overlap",
        key=("cycle_id",),
        doc="The partnership's three-year plans. Months are inclusive.",
        columns=(
            _c("cycle_id", "id", doc="Short id.", example="2022-25"),
            _c("title", doc="The plan's title.", example="Safer Stockport Partnership Plan 2022/25"),
            _c("start_month", "month", doc="First month (YYYY-MM).", example="2022-04"),
            _c("end_month", "month", doc="Last month (YYYY-MM), not before `start_month`.", example="2025-03"),
            _c(
                "approved_on",
                "date",
                required=False,
                doc="Date the plan was approved (YYYY-MM-DD).",
                example="2022-03-15",
            ),
            _c("decision_ref", required=False, doc="Reference of the approving decision.", example="CAB265"),
        ),
    )
)

_add(
    FileSpec(
        "priorities.csv",
        grain="one row per priority per plan cycle",
        key=("cycle_id", "priority_id"),
        doc="The priorities (themes) of each plan. The same `priority_id` in two cycles means the priority was "
        "carried forward.",
        columns=(
            _c("cycle_id", "id", doc="A `plan_cycles.csv` id.", example="2022-25"),
            _c("priority_id", "id", doc="Short id, stable across cycles.", example="vulnerable-people"),
            _c("title", doc="The priority as worded in the plan.", example="Protecting Vulnerable People"),
            _c(
                "description",
                required=False,
                doc="One or two sentences.",
                example="Safeguarding children and adults at risk.",
            ),
            _c(
                "illustrative",
                "bool",
                doc="`true` where the exact wording is not known and the row is illustrative.",
                example="false",
            ),
        ),
    )
)

_add(
    FileSpec(
        "priority_indicators.csv",
        grain="one row per indicator per priority per plan cycle",
        key=("cycle_id", "priority_id", "indicator_id"),
        doc="Which indicators evidence each priority.",
        columns=(
            _c("cycle_id", "id", doc="A `plan_cycles.csv` id.", example="2022-25"),
            _c("priority_id", "id", doc="A `priorities.csv` id in that cycle.", example="vulnerable-people"),
            _c("indicator_id", "id", doc="An `indicators.csv` id.", example="cse"),
            _c("headline", "bool", doc="`true` to show it on the Overview page.", example="true"),
        ),
    )
)

_add(
    FileSpec(
        "targets.csv",
        grain="one row per indicator per plan cycle",
        key=("cycle_id", "indicator_id"),
        may_be_empty=True,
        doc="Baselines and targets, as monthly means for the whole area. An indicator without a row has no "
        "target; the file may hold only its header.",
        columns=(
            _c("cycle_id", "id", doc="A `plan_cycles.csv` id.", example="2022-25"),
            _c("indicator_id", "id", doc="An `indicators.csv` id.", example="burglary"),
            _c(
                "baseline_monthly_mean",
                "float",
                required=False,
                minimum=0,
                doc="Monthly mean in the baseline period.",
                example="210.5",
            ),
            _c(
                "baseline_period",
                required=False,
                doc="What the baseline covers, in words.",
                example="April 2021 to March 2022",
            ),
            _c(
                "target_monthly_mean",
                "float",
                required=False,
                minimum=0,
                doc="Monthly mean the plan aims for by its end: on the indicator's good side of the baseline "
                "(below it when `good_direction` is down, above it when up), or equal to it to hold the level.",
                example="190",
            ),
            _c("note", required=False, doc="Where the target comes from.", example="Illustrative: 10% below baseline."),
        ),
    )
)

_add(
    FileSpec(
        "events.csv",
        grain="one row per event",
        may_be_empty=True,
        doc="Dated events drawn on charts; the file may hold only its header.",
        columns=(
            _c("event_date", "date", doc="YYYY-MM-DD.", example="2020-03-23"),
            _c("title", doc="Short label drawn on charts.", example="First national COVID-19 lockdown"),
            _c(
                "category",
                "enum",
                allowed=("plan", "service", "resourcing", "covid", "recording", "scrutiny", "other"),
                doc="Kind of event. `recording`: a change in how the figures were recorded or supplied, from the "
                "event's month on: no verdict sets a month recorded one way against one recorded the other, and "
                'the Trends limits start a new level there (docs/statistics.md, "Recording changes").',
                example="covid",
            ),
            _c(
                "indicator_id",
                "id",
                required=False,
                doc="Blank: drawn on every indicator (or every indicator of `source`); else only on that indicator.",
                example="",
            ),
            _c(
                "source",
                "enum",
                allowed=("police_uk", "partner"),
                required=False,
                optional=True,
                doc="Blank (or the column left out): any indicator. `police_uk`: only indicators counted from "
                "police.uk files (a gap in police.uk's data is not drawn on a partner's series); `partner`: "
                "only indicators from `partner_monthly.csv`. With an `indicator_id`, it must be that indicator's "
                "source.",
                example="police_uk",
            ),
            _c(
                "description", required=False, doc="One or two sentences.", example="Stay-at-home order across England."
            ),
        ),
    )
)

_add(
    FileSpec(
        "partner_monthly.csv",
        grain="one row per indicator per month per area",
        key=("indicator_id", "month", "area_code"),
        required=False,
        doc="Counts from partners for indicators police.uk lacks. A month listed for an indicator is a month "
        "with data: "
        "areas not listed in that month had none (0). A month not listed at all is missing, never 0: write a "
        "row with value 0 for a month with none (validation warns of months with no row from an indicator's first "
        "month to the file's last when it has 5 or fewer in a typical month, the mark of an export that left its "
        "zeros out). Write small counts as they are, never left out: the dashboard withholds small numbers only "
        "where it shows them (validation warns, and the Trends and Areas pages say so, when an indicator has no "
        "count from 1 up to a lowest count that many rows hold, the mark of an export that left small counts "
        "out). Rows are months, never quarters: validation warns when an indicator's counts come every third "
        f"month, {QUARTERS_IN_A_ROW} or more in a row with none between (no row or 0: quarterly totals, each read as "
        "one month's).",
        columns=(
            _c("indicator_id", "id", doc="An `indicators.csv` id with a blank `police_uk_crime_type`.", example="cse"),
            _c("month", "month", doc="YYYY-MM.", example="2023-05"),
            _c(
                "area_code",
                "area_code",
                doc="A ward for a `ward` indicator; the borough for a `borough` indicator.",
                example="E05000786",
            ),
            _c("value", "int", minimum=0, doc="Count in that month and area.", example="3", small_count=True),
        ),
    )
)

_add(
    FileSpec(
        "police_uk/",
        grain="one row per crime or ASB incident, as published by data.police.uk",
        exact_header_order=True,
        doc="Street-level files exactly as downloaded (`YYYY-MM-<force>-street.csv`, optionally gzipped, in any "
        "sub-folder). "
        "The counts come from the partnership's force (`Falls within`: any force, under any name, with at least "
        "a fifth of the rows placed in its wards a month, also in the months another force has rows there); another "
        "force's few rows there (British Transport Police, a neighbour near the boundary) are left out. A month "
        "is a month with data for every police.uk indicator when that force has a file for it; a month only "
        "other forces' files hold is missing, never 0. One force's month in two files is refused, and so, when "
        "the store is built, is one force's month published again under a second name (two names whose rows that "
        "month lie largely in the same LSOAs and crime types): it would be counted twice.",
        columns=(
            _c("Crime ID", required=False, doc="Blank for anti-social behaviour.", example="8f0c…"),
            _c("Month", "month", doc="YYYY-MM.", example="2023-05"),
            _c("Reported by", doc="Force that recorded it.", example="Greater Manchester Police"),
            _c("Falls within", doc="Force whose area it falls in.", example="Greater Manchester Police"),
            _c(
                "Longitude",
                "float",
                required=False,
                minimum=-180,
                maximum=180,
                doc="Anonymised snap point; blank when unknown.",
                example="-2.153095",
            ),
            _c(
                "Latitude",
                "float",
                required=False,
                minimum=-90,
                maximum=90,
                doc="Anonymised snap point; blank when unknown.",
                example="53.445729",
            ),
            _c("Location", required=False, doc="Snap point description.", example="On or near Park Street"),
            _c(
                "LSOA code",
                "lsoa_code",
                required=False,
                doc="Blank when the location is unknown (the row is then left out).",
                example="E01005867",
            ),
            _c("LSOA name", required=False, doc="For example `Stockport 008C`.", example="Stockport 008C"),
            _c("Crime type", doc="police.uk category.", example="Burglary"),
            _c(
                "Last outcome category",
                required=False,
                doc="Blank for ASB.",
                example="Investigation complete; no suspect identified",
            ),
            _c("Context", required=False, doc="Almost always blank.", example=""),
        ),
    )
)

_add(
    FileSpec(
        "police_uk_releases.csv",
        grain="one row per force per month written by `python -m safer ingest`",
        key=("force", "month"),
        required=False,
        doc="Written by `python -m safer ingest`, not by hand: which release each police.uk month came from, so that "
        "a month is only ever replaced by the same or a newer release.",
        columns=(
            _c("force", "id", doc="Force slug from `Falls within`.", example="greater-manchester-police"),
            _c("month", "month", doc="YYYY-MM.", example="2023-05"),
            _c(
                "release",
                "month",
                doc="Latest month of the file or archive the month was read from.",
                example="2023-08",
            ),
            _c(
                "source",
                doc="File (or archive!member) it was read from.",
                example="2023-08.zip!2023-05/2023-05-greater-manchester-street.csv",
            ),
            _c("rows_read", "int", minimum=0, doc="police.uk rows read for the month.", example="35120"),
            _c("rows_in_area", "int", minimum=0, doc="Rows inside the partnership's area, written.", example="3011"),
            _c(
                "ingested_at",
                required=False,
                doc="When it was ingested (UTC, ISO 8601).",
                example="2026-11-23T13:20:00+00:00",
            ),
        ),
    )
)

_add(
    FileSpec(
        "status_rules.csv",
        grain="one row per rule; a rule applies to a cycle, an indicator, both, or (both blank) everything",
        key=("rule_id",),
        required=False,
        doc="How a target's status (on track / at risk / off track) is worked out, so that no status is typed "
        "in by hand. "
        "Progress is how far the latest 12-month monthly mean has moved from the baseline towards the target: "
        "(latest - baseline) / (target - baseline) x 100, so 100% means the target is reached and a negative value "
        "means worse than the baseline, whichever way the target points. A target uses the most specific rule "
        "that applies to it (cycle and indicator, then indicator, then cycle, then the rule with both blank).",
        columns=(
            _c("rule_id", "id", doc="Short id.", example="default"),
            _c("cycle_id", "id", required=False, doc="A `plan_cycles.csv` id; blank: every cycle.", example=""),
            _c("indicator_id", "id", required=False, doc="An `indicators.csv` id; blank: every indicator.", example=""),
            _c(
                "description",
                doc="The rule in words, shown next to every status it decides.",
                example="On track at 75% of the way to the target or beyond; at risk between the baseline and "
                "that; off track worse than the baseline.",
            ),
            _c(
                "on_track_min_progress_pct",
                "float",
                doc="On track when progress is at least this (100: the target is met).",
                example="75",
            ),
            _c(
                "at_risk_min_progress_pct",
                "float",
                doc="At risk when progress is at least this but below the on-track threshold; off track below it "
                "(0: no worse than the baseline). Not above `on_track_min_progress_pct`.",
                example="0",
            ),
            _c(
                "min_months_with_data",
                "int",
                minimum=1,
                maximum=12,
                doc="Fewer months with data than this in the latest 12 gives status `not enough data`, never a guess.",
                example="9",
            ),
        ),
    )
)

_add(
    FileSpec(
        "scrutiny_concerns.csv",
        grain="one row per concern raised at a scrutiny meeting",
        key=("concern_id",),
        required=False,
        doc="Concerns raised at scrutiny, what was said in response, and the follow-up asked for. "
        "Every text is shown literally (never as HTML or markdown).",
        columns=(
            _c("concern_id", "id", doc="Short id.", example="2017-12-cse-rise"),
            _c("meeting_date", "date", doc="Date of the meeting (YYYY-MM-DD).", example="2017-12-04"),
            _c("committee", doc="The committee.", example="Communities & Transport Scrutiny Committee"),
            _c("topic", doc="A few words.", example="Child sexual exploitation"),
            _c(
                "indicator_id",
                "id",
                required=False,
                doc="The `indicators.csv` id whose trend answers the concern; blank when none does.",
                example="cse",
            ),
            _c(
                "concern",
                doc="The concern as raised (paraphrased from the minutes).",
                example="The rise in reported child sexual exploitation.",
            ),
            _c(
                "response",
                required=False,
                doc="The response given at the meeting; blank when not recorded.",
                example="Put down largely to historical under-reporting.",
            ),
            _c(
                "follow_up",
                required=False,
                doc="What the committee asked to come back; blank when nothing was asked for.",
                example="An update after the three-month review.",
            ),
            _c(
                "follow_up_status",
                "enum",
                required=False,
                allowed=("open", "answered", "closed"),
                doc="Required when `follow_up` is given: `open` (still owed), `answered` or `closed`.",
                example="open",
            ),
            _c(
                "source",
                required=False,
                doc="Where the concern is recorded (minutes, item).",
                example="Minutes, 4 December 2017",
            ),
            _c(
                "illustrative",
                "bool",
                doc="`true` where the wording, response or status is illustrative, not from the minutes.",
                example="false",
            ),
        ),
    )
)

_add(
    FileSpec(
        "consultation.csv",
        grain="one row per survey question per period per source, or per point raised at an event or group",
        required=False,
        doc="Consultation inputs: survey results (a base and the number giving the answer counted, from which the page "
        "works out the percentage and its 95% Wilson score interval) and points raised at events and groups.",
        columns=(
            _c("source", doc="Who was consulted.", example="GM Community Safety Survey (Stockport cohort)"),
            _c(
                "source_type",
                "enum",
                allowed=("survey", "event", "group"),
                doc="`survey` rows need `respondents` and `agreeing`; `event` and `group` rows need `summary`.",
                example="survey",
            ),
            _c("period", doc="The period in words.", example="2019/20"),
            _c("start_month", "month", doc="First month of fieldwork or of the period (YYYY-MM).", example="2019-04"),
            _c("end_month", "month", doc="Last month (YYYY-MM), not before `start_month`.", example="2020-03"),
            _c("theme", doc="Theme, for grouping.", example="Anti-social behaviour"),
            _c(
                "question",
                doc="The survey question, or the heading of the point raised.",
                example="How much of a problem is anti-social behaviour in your local area?",
            ),
            _c(
                "answer",
                required=False,
                doc="Which answers `agreeing` counts (surveys).",
                example="Very or fairly big problem",
            ),
            _c(
                "respondents",
                "int",
                required=False,
                minimum=1,
                doc="Base: respondents who answered the question.",
                example="1180",
            ),
            _c(
                "agreeing",
                "int",
                required=False,
                minimum=0,
                doc="Respondents giving the answer counted; not above `respondents`.",
                example="331",
            ),
            _c(
                "indicator_id",
                "id",
                required=False,
                doc="The `indicators.csv` id the question can be set against (perception against recorded). For a "
                "small-number indicator (`suppress_below` above 1), a ward's recorded total is given only for a "
                "period that is its latest complete financial year or a plan cycle (to the end of one), or a single "
                "month: a total over any other period would give withheld months away.",
                example="asb",
            ),
            _c(
                "summary",
                required=False,
                doc="What was said (events and groups).",
                example="Residents want visible patrols.",
            ),
            _c(
                "synthetic",
                "bool",
                doc="`true` when the row is synthetic (demo) rather than a real result.",
                example="true",
            ),
        ),
    )
)

_add(
    FileSpec(
        "comparator_monthly.csv",
        grain="one row per comparator area per indicator per month with data",
        key=("area_code", "indicator_id", "month"),
        required=False,
        doc="Counts for similar areas (for example the other boroughs of the force), for the Compare page. The "
        "partnership's "
        "own area may be listed too; every area needs a `comparator_population.csv` row. A month not listed for an "
        "area and indicator is missing, never 0.",
        columns=(
            _c(
                "area_code",
                "area_code",
                doc="ONS code of the comparator area (a local authority).",
                example="E08000003",
            ),
            _c("area_name", doc="Its name, shown on the Compare page.", example="Manchester", max_length=AREA_NAME_MAX),
            _c("indicator_id", "id", doc="An `indicators.csv` id.", example="asb"),
            _c("month", "month", doc="YYYY-MM.", example="2023-05"),
            _c("value", "int", minimum=0, doc="Count in that area and month.", example="1620"),
        ),
    )
)

_add(
    FileSpec(
        "comparator_population.csv",
        grain="one row per comparator area per year",
        key=("area_code", "year"),
        required=False,
        doc="Residents of each comparator area, for rates per 1,000. A period uses the year of its last month, "
        "else the "
        "nearest earlier year, else the nearest later one.",
        columns=(
            _c("area_code", "area_code", doc="A `comparator_monthly.csv` area.", example="E08000003"),
            _c(
                "year",
                "int",
                minimum=1990,
                maximum=2100,
                doc="Year of the mid-year (30 June) estimate.",
                example="2021",
            ),
            _c("population", "int", minimum=1, doc="Residents.", example="549853"),
            _c("source", required=False, doc="Where the figure comes from.", example="ONS mid-2021 estimate"),
        ),
    )
)

_add(
    FileSpec(
        "area_lookup.csv",
        grain="one row per LSOA code (list a 2011 code and its 2021 code both when they differ: police.uk rows "
        "use 2011 codes until about 2023)",
        key=("lsoa_code",),
        required=False,
        doc="Places police.uk rows in local authorities, so the Compare page counts each comparator area from the "
        "police.uk files themselves (`comparator_groups.csv` says which areas). ONS's published LSOA lookups "
        "(Open Geography Portal) are read as they are: a header column may be named as here or in ONS's layout, "
        "`LSOA21CD`, `LSOA21NM`, `WD24CD`, `WD24NM`, `LAD24CD`, `LAD24NM`, with any two-digit year (`LSOA11CD`, "
        "`LAD22CD`, ...; a code and its name must share the year); ONS's `ObjectId`/`FID` columns and Welsh "
        "names (`...NMW`) are ignored. A problem names the column as the file names it. Only rows in the "
        "police.uk files are counted: list the LSOAs of every comparator area, in full.",
        columns=(
            _c("lsoa_code", "lsoa_code", doc="LSOA code (ONS: `LSOA21CD`).", example="E01005743"),
            _c(
                "lsoa_name",
                required=False,
                optional=True,
                doc="LSOA name (ONS: `LSOA21NM`); may be left out (best-fit lookups often do).",
                example="Stockport 009A",
            ),
            _c(
                "ward_code",
                "area_code",
                required=False,
                optional=True,
                doc="Ward code (ONS: `WD24CD`); may be left out. An `E05`/`W05` code when given.",
                example="E05000781",
            ),
            _c("ward_name", required=False, optional=True, doc="Ward name (ONS: `WD24NM`).", example="Bredbury Green"),
            _c(
                "lad_code",
                "area_code",
                doc="Local authority code (ONS: `LAD24CD`): `E06`, `E07`, `E08`, `E09` or `W06` and 6 digits. "
                "The partnership's LSOAs in `lsoa_ward_lookup.csv` must lie in the partnership's own authority.",
                example="E08000007",
            ),
            _c("lad_name", doc="Local authority name (ONS: `LAD24NM`), one per code.", example="Stockport"),
        ),
    )
)

_add(
    FileSpec(
        "comparator_groups.csv",
        grain="one row per comparator group per local authority in it",
        key=("group_id", "area_code"),
        required=False,
        doc="Groups of similar areas for the Compare page (for example the Home Office's most similar groups, or "
        "the other boroughs of the force); the page offers a choice when there is more than one. Each group "
        "must include the partnership's own area. For an area in `area_lookup.csv`, the police.uk indicators "
        "are counted from `police_uk/` as the partnership's are: from the forces with at least a fifth of its "
        "rows a month (under each name a force has had; never a neighbour's few rows near the boundary, nor the "
        "partnership's force's where the area's own force has no files), for the months "
        "they have files (a month without one, or without a file of either of two forces sharing the area, is "
        "missing, never 0); other areas, and partner "
        "indicators, come from `comparator_monthly.csv`. A `comparator_monthly.csv` row for an area and "
        "police.uk indicator counted from the files is rejected for any month that has a police.uk file (so "
        "nothing is counted twice); it may fill a month no police.uk file covers. Without this file the page "
        "compares every area of `comparator_monthly.csv`.",
        columns=(
            _c("group_id", "id", doc="Group id, used in links (`?group=`).", example="msg-stockport"),
            _c("group_name", doc="Group name, shown on the page; one per group_id.", example="Most similar group"),
            _c(
                "area_code",
                "area_code",
                doc="A local authority in `area_lookup.csv` (`lad_code`) or an area of `comparator_monthly.csv`. "
                "Rates need its row in `comparator_population.csv` (the partnership's own area uses "
                "`population.csv`); without one the page shows its counts and says it has no rate.",
                example="E08000008",
            ),
            _c(
                "area_name",
                doc="Its name, shown on the page; one per area_code.",
                example="Tameside",
                max_length=AREA_NAME_MAX,
            ),
        ),
    )
)

BOUNDARIES = "ward_boundaries.geojson"
BOUNDARY_CODE = "area_code"  # the feature property naming its ward (what the Areas map matches on)
MAX_BOUNDARY_BYTES = 20 * 2**20  # 20 MB: far beyond a borough's generalised wards (the demo's are 33 kB)
MAX_BOUNDARY_POINTS = 1_000_000  # every point is drawn in the figure sent to each browser
# Counted in the text before it is parsed (Python's objects for a parsed list take about 25 times its bytes):
# a point is one [ and one comma at least, a ring or polygon one more [; heights and empty lists count too.
MAX_BOUNDARY_VALUES = 3 * MAX_BOUNDARY_POINTS
MAX_ATTRIBUTION_CHARS = 1000  # the boundaries' attribution, shown under the map

OPTIONAL_FILES = {
    BOUNDARIES: "Ward boundaries (WGS84 GeoJSON FeatureCollection, property `area_code`) for the Areas map. "
    "Checked by `validate` like the CSV extracts, and kept in the build: a broken file leaves the last good "
    "build, with its boundaries, serving.",
}

POLICE_DIR = "police_uk"

# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}: {self.column or '-'}: {tag}{self.message}"


class Rows:
    """A validated file's rows, kept by column, read back as `(line, {column: value})` pairs.

    Each cell is a 4-byte index into the file's distinct values (short values such as months, codes and
    counts are stored once), so a file costs about its own size in memory, where a list of one dict per
    row costs about ten times it: a 200 MB partner extract validates within the memory budget."""

    __slots__ = ("names", "_cols", "_lines", "_values", "_index", "_long")

    def __init__(self) -> None:
        self.names: tuple[str, ...] = ()
        self._cols: list[array] = []
        self._lines = array("I")
        self._values: list[str] = []
        self._index: dict[str, int] = {}
        self._long: set[int] = set()  # columns holding a value stored without being shared

    def _code(self, v: str, col: int) -> int:
        if len(v) > 24:  # free text is rarely repeated: stored as it comes
            self._long.add(col)
            self._values.append(v)
            return len(self._values) - 1
        i = self._index.get(v)
        if i is None:
            i = self._index[v] = len(self._values)
            self._values.append(v)
        return i

    def append(self, item: tuple[int, dict[str, str]]) -> None:
        line, row = item
        if not self.names:
            self.names = tuple(row)
            self._cols = [array("I") for _ in self.names]
        for j, (col, name) in enumerate(zip(self._cols, self.names)):
            col.append(self._code(row[name], j))
        self._lines.append(line)

    def __len__(self) -> int:
        return len(self._lines)

    def key_hashes(self, names: tuple[str, ...]) -> np.ndarray:
        """A hash of each row's values in `names` (equal values, equal hashes), as one uint32 array."""
        idx = [self.names.index(n) for n in names]
        cols = [self._cols[j] for j in idx]
        if self._long.isdisjoint(idx):  # every value shared: equal values have equal codes
            keys = zip(*cols)
        else:
            values = self._values
            keys = (tuple(values[c] for c in codes) for codes in zip(*cols))
        # 32 bits: 4 bytes a row; the rows behind an equal hash are compared, so a collision costs a comparison
        return np.fromiter((hash(k) & 0xFFFFFFFF for k in keys), dtype=np.uint32, count=len(self))

    def key(self, names: tuple[str, ...], i: int) -> tuple[str, ...]:
        return tuple(self._values[self._cols[self.names.index(n)][i]] for n in names)

    def line(self, i: int) -> int:
        return self._lines[i]

    def rename(self, names: dict[str, str]) -> None:
        """Give columns new names (old name -> new), in place."""
        self.names = tuple(names.get(n, n) for n in self.names)

    def columns(self, start: int, stop: int) -> dict[str, list[str]]:
        """Rows `start` to `stop` (not included) as {column: values}, for loading a chunk at a time."""
        values = self._values
        return {n: [values[c] for c in col[start:stop]] for n, col in zip(self.names, self._cols)}

    def __iter__(self):
        names, values = self.names, self._values
        for line, codes in zip(self._lines, zip(*self._cols)):
            yield line, {n: values[c] for n, c in zip(names, codes)}

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._lines[i], {n: self._values[c[i]] for n, c in zip(self.names, self._cols)}

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"Rows({len(self)} rows of {', '.join(self.names)})"


@dataclass
class Table:
    """A validated file: its header and rows (`Rows`: dicts, each with its line number)."""

    spec: FileSpec
    path: Path
    rel: str
    header: list[str]
    rows: Rows = field(default_factory=Rows)
    # Set for a file checked without keeping its rows (police.uk files, see `check_file(keep_rows=False)`):
    # its data-row count, first and last month, and the first line of each (Falls within, Month).
    row_count: int | None = None
    period: tuple[str | None, str | None] | None = None
    month_keys: dict[tuple[str, str], int] | None = None
    named: dict[str, str] = field(default_factory=dict)  # contract column -> its name in the file, where they differ
    dropped: int = 0  # rows left out for a problem of their own (other files' references to it are then not checked)

    @property
    def n_rows(self) -> int:
        return self.row_count if self.row_count is not None else len(self.rows)


MAX_PROBLEMS_PER_FILE = 100  # listed for one file; the rest are counted in one last line


class Problems(list):
    """A report's problems, at most `MAX_PROBLEMS_PER_FILE` for one file: the rest are counted and summarised
    in one line by `close` (a file of a million bad rows would otherwise hold a message for each)."""

    def __init__(self, items=()):
        super().__init__()
        self._kept: dict[str, int] = {}
        self._over: dict[str, list[int]] = {}  # file -> [problems not listed, first such line, errors among them]
        self.extend(items)

    def append(self, p: Problem) -> None:
        if self._kept.get(p.file, 0) < MAX_PROBLEMS_PER_FILE:
            self._kept[p.file] = self._kept.get(p.file, 0) + 1
            super().append(p)
            return
        over = self._over.setdefault(p.file, [0, p.line, 0])
        over[0] += 1
        over[1] = min(over[1], p.line)
        over[2] += p.severity == "error"

    def extend(self, items) -> None:
        for p in items:
            self.append(p)

    def __iadd__(self, items):
        self.extend(items)
        return self

    def close(self) -> None:
        """One line for each file with problems not listed (an error if any of them is one)."""
        for file, (n, first, errors) in self._over.items():
            msg = (
                f"and {n:,} more problem{'s' if n != 1 else ''} from this line on, not listed (only the first "
                f"{MAX_PROBLEMS_PER_FILE} of a file are): fix these and validate again"
            )
            super().append(Problem(file, first, "", msg, "error" if errors else "warning"))
        self._over.clear()


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=Problems)
    tables: dict[str, Table] = field(default_factory=dict)
    police_files: list[Table] = field(default_factory=list)
    boundaries: Boundaries | None = None  # ward_boundaries.geojson as checked (`_check_boundaries`)
    # partner indicators whose small counts look left out of the extract, with the lowest count (the build keeps
    # them, so the pages say so without anyone seeing how many rows hold each count: `small_counts_left_out`)
    left_out: dict[str, int] = field(default_factory=dict)
    files_checked: int = 0
    rows_checked: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        verdict = "valid" if self.ok else "NOT valid"
        return (
            f"{self.files_checked} files, {self.rows_checked} rows checked: "
            f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}; data is {verdict}"
        )


# --------------------------------------------------------------------------- value checks


INT_RE = re.compile(r"^-?[0-9]+$", re.ASCII)
FLOAT_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?$", re.ASCII)
# No count, population or target is larger, either way; 1e308 and inf are mistakes. Whole numbers too: the model
# sums counts as BIGINT, which a few counts near 2**62 would overflow (every page would fail on the query).
MAX_NUMBER = 1e12
MAX_DIGITS = len(str(int(MAX_NUMBER)))  # a whole number with more significant digits is above MAX_NUMBER
FIRST_YEAR, LAST_YEAR = 1990, 2100  # months of plans and data (plans may end in the future)
FIRST_POLICE_UK_MONTH = "2010-12"  # data.police.uk's first street-level release


def _next_month() -> str:
    today = _dt.date.today()
    y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{y:04d}-{m:02d}"


def force_key(name: str) -> str:
    """A police force's name as one key whatever its spacing, case or punctuation ('greater-manchester-police')."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "force"


def month_ok(v: str) -> bool:
    m = MONTH_RE.match(v)
    return bool(m) and 1 <= int(m.group(2)) <= 12


def date_ok(v: str) -> bool:
    if not DATE_RE.match(v):
        return False
    try:
        _dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


# Characters a value must not hold (the contract's own files; police.uk files, read as published, are not checked
# for them: `safer.police_sql` would have to refuse them too). C0 and C1 control characters, and Unicode's
# bidirectional controls, which reorder the text around them on screen (after U+202E, right-to-left override, a
# name reads backwards). Free text may hold a tab, and a line break inside a quoted value (\n or \r\n); a
# lone \r is refused. Other values (ids, codes, months, numbers) hold none at all.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
TEXT_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]|\r(?!\n)")
C0_NAMES = (
    "null",
    "start of heading",
    "start of text",
    "end of text",
    "end of transmission",
    "enquiry",
    "acknowledge",
    "bell",
    "backspace",
    "tab",
    "line feed",
    "vertical tab",
    "form feed",
    "carriage return",
    "shift out",
    "shift in",
    "data link escape",
    "device control one",
    "device control two",
    "device control three",
    "device control four",
    "negative acknowledge",
    "synchronous idle",
    "end of transmission block",
    "cancel",
    "end of medium",
    "substitute",
    "escape",
    "file separator",
    "group separator",
    "record separator",
    "unit separator",
)
OTHER_CONTROL_NAMES = {"\x7f": "delete", "\x85": "next line"}
SHOWN_CHARS = 80  # a value or header quoted in a message is cut to this many characters


def char_name(ch: str) -> str:
    """A character by its code point and name: 'U+202E (right-to-left override)'."""
    import unicodedata

    code = ord(ch)
    name = C0_NAMES[code] if code < 32 else OTHER_CONTROL_NAMES.get(ch) or unicodedata.name(ch, "").lower()
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def control_message(v: str, text: bool = True) -> str | None:
    """What is wrong with a value holding a control character (see `CONTROL_RE`), or None. `text`: free text,
    which may hold a tab and a line break inside a quoted value."""
    m = (TEXT_CONTROL_RE if text else CONTROL_RE).search(v)
    return None if m is None else f"holds the control character {char_name(m.group()[0])}"


# written as \uXXXX in messages: control characters, and a byte-order mark or zero-width character, which
# would make a name in a message look like the contract's own (a second BOM before a header's first name)
SHOWN_ESCAPED_RE = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "\ufeff\u200b-\u200d\u2060]")


def shown(v: str, limit: int = SHOWN_CHARS) -> str:
    """`v` as a message quotes it: at most `limit` characters (then '…'), each control character written as
    \\uXXXX, so that a message is one line of text that no value can reorder or hide."""
    v = str(v)
    cut = v[:limit] + ("…" if len(v) > limit else "")
    return SHOWN_ESCAPED_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)


# how a problem names a value it does not quote (`Column.small_count`)
SMALL_COUNT_SHOWN = "the count (not quoted: it may be a small number)"


def check_value(col: Column, v: str) -> str | None:
    """Return what is wrong with value `v` for column `col`, or None. A value quoted in a message is `shown`."""
    if v == "":
        return None if not col.required else "is empty; a value is required"
    t, s = col.type, shown(v)
    if t == "month":
        if not month_ok(v):
            return f"'{s}' is not a month (YYYY-MM, month 01-12)"
        if not (FIRST_YEAR <= int(v[:4]) <= LAST_YEAR):
            return f"'{s}' is not a month between {FIRST_YEAR} and {LAST_YEAR}"
        if col.name.lower() == "month":  # a month of data: never after next month
            if v > _next_month():
                return f"'{s}' is after next month ({_next_month()}): data cannot come from the future"
            if col.name == "Month" and v < FIRST_POLICE_UK_MONTH:
                return f"'{s}' is before the first police.uk release ({FIRST_POLICE_UK_MONTH})"
        return None
    if t == "date":
        return None if date_ok(v) else f"'{s}' is not a date (YYYY-MM-DD)"
    if t == "id":
        if not ID_RE.match(v):
            return f"'{s}' is not an id (lower-case letters, digits, '-' and '_', starting with a letter or digit)"
        return None if len(v) <= ID_MAX else f"'{s}' is {len(v)} characters long: an id is at most {ID_MAX}"
    if t == "area_code":
        return None if AREA_CODE_RE.match(v) else f"'{s}' is not an area code (like E05000779)"
    if t == "lsoa_code":
        return None if LSOA_CODE_RE.match(v) else f"'{s}' is not an LSOA code (like E01005743)"
    if t == "bool":
        return None if v in BOOL_VALUES else f"'{s}' is not true or false"
    if t == "enum":
        return None if v in col.allowed else f"'{s}' is not one of {', '.join(col.allowed)}"
    if t in ("int", "float"):
        q = SMALL_COUNT_SHOWN if col.small_count else f"'{s}'"
        # ASCII digits only, as DuckDB reads them: Python's int() and float() also accept '٣', '1_0',
        # ' 7 ', 'inf' and 'nan', which the load would then reject or keep as a non-number.
        if not (INT_RE if t == "int" else FLOAT_RE).match(v):
            kind = "a whole number" if t == "int" else "a number"
            hint = " (decimal comma?)" if "," in v else ""
            return f"{q} is not {kind}{hint}"
        if t == "int":  # within the same bound as every number (and int() of 4,300 digits or more raises)
            if len(v.lstrip("-").lstrip("0")) > MAX_DIGITS or abs(x := int(v)) > MAX_NUMBER:
                return f"{q} is not a whole number within ±{MAX_NUMBER:g}"
        elif not math.isfinite(x := float(v)) or abs(x) > MAX_NUMBER:
            return f"{q} is not a number within ±{MAX_NUMBER:g}"
        q = SMALL_COUNT_SHOWN if col.small_count else s
        if col.minimum is not None and x < col.minimum:
            return f"{q} is below the minimum {col.minimum:g}"
        if col.maximum is not None and x > col.maximum:
            return f"{q} is above the maximum {col.maximum:g}"
    return None


# --------------------------------------------------------------------------- reading one file


# Everything reading an extract can raise: I/O and permissions, a truncated or corrupt gzip stream.
READ_ERRORS = (OSError, EOFError, zlib.error, gzip.BadGzipFile)
MAX_LINE_BYTES = 1 << 20  # a CSV line longer than 1 MiB is not an extract (and is never held whole)


MAX_RATIO, RATIO_FLOOR, inflate_limit = police_sql.MAX_RATIO, police_sql.RATIO_FLOOR, police_sql.inflate_limit


class GzipBomb(ValueError):
    """A gzipped file that inflates beyond `MAX_RATIO` times its size (`inflate_limit`)."""


def bomb_message(path: Path) -> str:
    return (
        f"inflates to more than {MAX_RATIO} times its {path.stat().st_size:,} bytes: refused as a gzip bomb "
        "(police.uk files gzip about 8 times)"
    )


def read_text(path: Path) -> bytes:
    """The whole file as bytes (gunzipped, at most `inflate_limit`: else `GzipBomb`): for small files and lenient
    reads; validation streams instead."""
    if not path.name.endswith(".gz"):
        return path.read_bytes()
    limit = inflate_limit(path)
    with gzip.open(path, "rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise GzipBomb(bomb_message(path))
    return raw


class Unreadable(Exception):
    """A file that cannot be read as UTF-8 CSV text, at `line` (and, for a byte that is not UTF-8, in the
    line's `field`, counted from 0, when the line is one record: the column a caller with the header names)."""

    def __init__(self, line: int, message: str, field: int | None = None):
        self.line = line
        self.field = field
        super().__init__(message)


def _field_at(before: str) -> int:
    """Which field of a CSV line the text `before` ends in: the commas outside quotes before it."""
    quoted, n = False, 0
    for ch in before:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            n += 1
    return n


def not_utf8(b: bytes, start: int) -> tuple[str, int]:
    """The message for a line `b` whose byte at `start` is not UTF-8, naming the character it stands at in the
    line (not the byte offset in the file, of no use in a large extract), and the CSV field it is in."""
    before = b[:start].decode("utf-8", "replace")
    return (
        f"is not UTF-8 text: character {len(before) + 1} of the line is the byte {b[start]:#04x} (text saved "
        "as Latin-1 or Windows-1252?); save the file as UTF-8 (a spreadsheet's 'CSV UTF-8')",
        _field_at(before),
    )


LONE_CR = (
    "a carriage return (\\r) ends a line or sits inside a value without quotes: save the file with Windows "
    "(\\r\\n) or Unix (\\n) line endings"
)


class RecordError(Exception):
    """A CSV record that cannot be parsed, named by the line it begins on (a quote never closed runs on to the
    end of the file, so the line where the reader gave up is not the line to fix)."""

    def __init__(self, line: int, exc: csv.Error):
        self.line = line
        super().__init__(csv_message(exc))


def csv_message(exc: csv.Error) -> str:
    """What Python's CSV reader found, in the words of someone fixing the file."""
    text = str(exc)
    if "unexpected end of data" in text:
        return "a quoted value opened on this line is never closed (unexpected end of data)"
    if "new-line character seen in unquoted field" in text:
        return LONE_CR
    return text


def text_lines(path: Path):
    """The file's lines as text, read as a stream (gunzipped as read, never whole in memory).

    Raises `Unreadable` naming the line for text that is not UTF-8, a line over `MAX_LINE_BYTES`, or a
    compressed stream that is corrupt or cut short.
    """
    gz = path.name.endswith(".gz")
    line, offset = 0, 0
    try:
        limit = inflate_limit(path) if gz else math.inf
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            while True:
                b = f.readline(MAX_LINE_BYTES + 1)
                if not b:
                    return
                line += 1
                if len(b) > MAX_LINE_BYTES:
                    raise Unreadable(line, f"line is longer than {MAX_LINE_BYTES:,} bytes: this is not a CSV extract")
                if offset + len(b) > limit:
                    raise Unreadable(line, bomb_message(path))
                try:
                    text = b.decode("utf-8")
                except UnicodeDecodeError as exc:
                    msg, field_no = not_utf8(b, exc.start)
                    raise Unreadable(line, msg, field_no) from None
                offset += len(b)
                yield text.removeprefix("\ufeff") if line == 1 else text
    except READ_ERRORS as exc:
        what = "cannot be decompressed" if gz and not isinstance(exc, OSError | EOFError) else "cannot be read"
        if gz and isinstance(exc, EOFError):
            what = "cannot be decompressed (the compressed stream is cut short)"
        raise Unreadable(max(line, 1), f"{what}: {exc or type(exc).__name__}") from None


def check_file(path: Path, rel: str, spec: FileSpec, problems: list[Problem], keep_rows: bool = True) -> Table | None:
    """Check one CSV file against its spec; append problems; return the table if readable.

    The file is read as a stream, one line at a time. With `keep_rows=False` the rows are checked one at
    a time and not kept (police.uk files hold millions of rows, and the store reads them with DuckDB): the
    table then carries only its row count, its first and last month and the first line of each
    (Falls within, Month) it holds.
    """
    reader = csv.reader(text_lines(path), delimiter=",", quotechar='"', strict=True)
    header = None
    try:
        header = _read_header(reader, path, rel, spec, problems)
        if header is None:
            return None
        table = Table(spec, path, rel, header)
        empty_lines, line = _check_rows(reader, table, problems, keep_rows)
    except Unreadable as exc:
        cols = header if exc.line > 1 and exc.field is not None else None
        column = cols[exc.field] if cols and exc.field < len(cols) else ""
        problems.append(Problem(rel, exc.line, column, str(exc)))
        return None
    except RecordError as exc:
        problems.append(Problem(rel, exc.line, "", f"cannot be parsed: {exc}"))
        return None
    except csv.Error as exc:
        problems.append(Problem(rel, reader.line_num or 1, "", f"cannot be parsed: {csv_message(exc)}"))
        return None
    if empty_lines.count:
        e = empty_lines
        where = (
            f"line {e.first}"
            if e.count == 1
            else f"lines {e.first}-{e.last}"
            if e.count == e.last - e.first + 1
            else f"lines {e.first} to {e.last}, some between rows"
        )
        kind = "trailing " if e.trailing(line) else ""
        msg = f"{e.count} {kind}all-empty row{'s' if e.count > 1 else ''} ({where}) skipped"
        problems.append(Problem(rel, e.first, "", msg, "warning"))
    if (
        not table.n_rows
        and not spec.may_be_empty
        and not any(p.file == rel and p.severity == "error" for p in problems)
    ):
        problems.append(Problem(rel, 2, "", "no data rows after the header"))
    return table


def _read_header(reader, path: Path, rel: str, spec: FileSpec, problems: list[Problem]) -> list[str] | None:
    """The header row, checked against the spec (missing, extra, repeated, out of order); None if bad."""
    header = next(reader, None)
    while header is not None and not "".join(header).strip() and reader.line_num < 1000:
        header = next(reader, None)  # blank lines before the header: a file of blank lines is empty
    if header is None or not "".join(header).strip():
        size = path.stat().st_size
        msg = f"file is empty ({size} bytes); expected a header: " + ",".join(spec.column_names)
        problems.append(Problem(rel, 1, "", msg))
        return None
    header = [h.strip() for h in header]
    expected = spec.column_names
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
        # Excel in a locale with a decimal comma saves "CSV" with semicolons: say so, not five column errors
        if len(header) == 1 and sep in header[0] and set(h.strip() for h in header[0].split(sep)) & set(expected):
            msg = (
                f"the file's values are separated by {name}, not commas: save it as comma-separated CSV (in Excel: "
                "'CSV UTF-8 (Comma delimited)')"
            )
            problems.append(Problem(rel, reader.line_num, "", msg))
            return None
    bad = header_faults(header, spec)
    problems.extend(Problem(rel, 1, col, msg) for col, msg in bad)
    return None if bad else header


def header_faults(header: list[str], spec: FileSpec) -> list[tuple[str, str]]:
    """What is wrong with a header (its names stripped) for a file of `spec`, as (column, message): a column
    missing (one the file may leave out, `Column.optional`, apart), one not in the contract, one twice, or
    (police.uk files) the columns out of the published order. None: the header is the file's."""
    expected = spec.column_names
    bad = [
        (c.name, "column is missing from the header") for c in spec.columns if c.name not in header and not c.optional
    ]
    bad += [
        (shown(h) or "(blank)", f"column is not in the contract ({', '.join(expected)})")
        for h in header
        if h not in expected
    ]
    bad += [
        (shown(h), "column appears more than once in the header")
        for h in sorted({h for h in header if header.count(h) > 1})
    ]
    if not bad and spec.exact_header_order and header != expected:
        bad.append(("", "columns are not in the published order: " + ",".join(expected)))
    return bad


class EmptyLines:
    """The all-empty lines of a file, summarised (a file of millions of empty lines holds no list of them): how
    many, the first and the last, and whether they all end the file (the last line with a row before them)."""

    def __init__(self):
        self.count, self.first, self.last, self.last_row = 0, 0, 0, 1

    def add(self, line: int) -> None:
        self.count += 1
        self.first = self.first or line
        self.last = line

    def row(self, line: int) -> None:
        self.last_row = line

    def trailing(self, last_line: int) -> bool:
        """Whether the empty lines are exactly the file's last lines."""
        return self.last == last_line and self.first > self.last_row and self.count == self.last - self.first + 1


def _check_rows(reader, table: Table, problems: list[Problem], keep_rows: bool) -> tuple[EmptyLines, int]:
    """Check every row of `table`'s file; keep the rows, or (keep_rows=False) only the table's summary.
    Returns the all-empty lines and the last line read."""
    header, spec, rel = table.header, table.spec, table.rel
    n = len(header)
    empty_lines = EmptyLines()
    line = 1
    # Checks in header order. In the contract's own files every value is checked for control characters
    # (`control_message`); police.uk files are read as published, and there free text that may be blank is
    # never wrong, so it is not checked (DuckDB checks the same rules: `safer.police_sql`). Other values repeat
    # a lot (months, LSOA codes, snap points), so each verdict is memoised.
    controls = not spec.name.endswith("/")
    checks = [
        (header.index(c.name), c, c.type == "text", {})
        for c in spec.columns
        if c.name in header and (controls or not (c.type == "text" and not c.required))
    ]
    defaults = {c.name: c.default for c in spec.columns if c.optional}
    month_cols = [header.index(c.name) for c in spec.columns if c.type in ("month", "date")]
    keys = (
        [header.index("Falls within"), header.index("Month")]
        if not keep_rows and "Falls within" in header and "Month" in header
        else None
    )
    month_keys: dict[tuple[str, str], int] = {}
    first = last = None
    count = 0
    records = iter(reader)
    while True:
        start = reader.line_num + 1  # where the next record begins (a quoted value may span lines)
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            raise RecordError(start, exc) from None
        line = reader.line_num
        if not record or not "".join(record).strip():
            empty_lines.add(line)
            continue
        empty_lines.row(line)
        if len(record) != n:
            problems.append(Problem(rel, line, "", f"row has {len(record)} fields, the header has {n}"))
            table.dropped += 1
            continue
        if _bad_values(record, checks, rel, line, problems, controls):
            table.dropped += 1
            continue
        if keep_rows:
            row = dict(zip(header, record))
            for name, default in defaults.items():
                if not row.get(name):
                    row[name] = default
            table.rows.append((line, row))
            continue
        count += 1
        for i in month_cols:
            v = record[i][:7]
            if v:
                first = v if first is None or v < first else first
                last = v if last is None or v > last else last
        if keys is not None:
            month_keys.setdefault((record[keys[0]], record[keys[1]]), line)
    if not keep_rows:
        table.row_count, table.period, table.month_keys = count, (first, last), month_keys
    return empty_lines, line


def _bad_values(
    record: list[str], checks, rel: str, line: int, problems: list[Problem], controls: bool = False
) -> bool:
    """Check each value of a row (verdicts memoised per column); append a problem for each bad one. With
    `controls`, no value may hold a control character (`control_message`)."""
    bad = False
    for i, col, is_text, memo in checks:
        v = record[i]
        if is_text:
            if v == "":
                msg = "is empty; a value is required" if col.required else None
            else:
                msg = control_message(v) if controls else None
                if not msg and col.max_length and len(v) > col.max_length:
                    msg = (
                        f"is {len(v)} characters long: at most {col.max_length} (it is shown in chart and slide titles)"
                    )
        else:
            msg = memo.get(v, 0)
            if msg == 0:
                msg = (controls and control_message(v, text=False)) or check_value(col, v)
                if len(memo) < 200_000:
                    memo[v] = msg
        if msg:
            problems.append(Problem(rel, line, col.name, msg))
            bad = True
    return bad


# --------------------------------------------------------------------------- whole directory


OUTSIDE_LINK = {
    "file": "is a link to a file outside the data directory: it is not read; put the file itself (or a hard link "
    "to it) in the data directory",
    "directory": "is a link to a directory outside the data directory: it is not read; put its files (or hard "
    "links to them) in the data directory",
}


def outside_link(path: Path, data_dir: Path) -> bool:
    """Whether `path` (a path in `data_dir`) is, or lies under, a symbolic link that resolves outside `data_dir`.

    Such a file is never read: `ln -s /etc/passwd events.csv` would otherwise put the lines of that file in
    messages on every page. Links within the directory, and hard links (which the project's own tools make),
    are files of the directory like any other."""
    try:
        real, root = os.path.realpath(path), os.path.realpath(data_dir)
    except (OSError, ValueError):
        return True
    return os.path.commonpath([real, root]) != root


NOT_A_FILE = (
    "is not a regular file (a named pipe, a socket, a device, a folder, or a link to nothing): it is not read "
    "(reading a pipe would wait for ever); put the extract itself here"
)


def not_a_file(path: Path) -> bool:
    """Whether `path` (an extract's name in the data directory) names something that is not a regular file to
    read: a named pipe (reading it waits for a writer, for ever), a socket, a device, a folder, or a link to
    nothing. Such a name is refused by validation and never opened (`not_files`)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return os.path.islink(path)  # a link to nothing; a name that is not there at all is "missing"
    return not stat.S_ISREG(mode)


def not_files(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[str]:
    """The extracts' names (paths in the data directory) that are not regular files (`not_a_file`), links outside
    the data directory left out (`outside_links` names them): never read, never in `extract_files`; `validate`
    refuses each. A folder under `police_uk/` is a folder to look in, not an extract. `walk`: `police_walk`'s
    listing, when the caller has it already."""
    data_dir = Path(data_dir)
    names = [n for n in SPECS if not n.endswith("/")] + list(OPTIONAL_FILES)
    found = [
        n for n in names if (os.path.lexists(data_dir / n)) and not outside_link(data_dir / n, data_dir)
        and not_a_file(data_dir / n)
    ]  # fmt: skip
    found += [
        e.path.relative_to(data_dir).as_posix()
        for e in _police_csv(data_dir, walk)
        if not e.outside and e.kind not in ("file", "dir")
    ]
    return found


NOT_READ = (
    "is not read: police.uk files are read as `.csv` or `.csv.gz` (lower case); unzip a `.zip` archive here, or add "
    "it with `python -m safer ingest FILE`, and name a file `.csv`"
)


def police_not_read(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[str]:
    """Files under `police_uk/` that look like police.uk downloads but are not read (a `.zip` archive as
    downloaded, a `.CSV` or `.csv.GZ` in capitals, a `.gz` of another name): their months would be missing without
    a word, so validation names each in a warning (`NOT_READ`). None when `police_uk` is a link outside the data
    directory."""
    looks = (".csv", ".csv.gz", ".zip", ".gz")
    return [
        e.path.relative_to(data_dir).as_posix()
        for e in (police_walk(data_dir) if walk is None else walk)
        if e.path.name.lower().endswith(looks) and not _police_name(e.path.name) and e.kind != "dir"
    ]


@dataclass(frozen=True)
class PoliceEntry:
    """One name under `police_uk/`: its path, whether it is a link that resolves outside the data directory,
    and what it is once links are followed: "file" (regular), "dir", "other" (a named pipe, a socket, a device)
    or "missing" (a link to nothing)."""

    path: Path
    outside: bool
    kind: str


def police_walk(data_dir: Path) -> list[PoliceEntry]:
    """Every name under `police_uk/`, sorted, in one walk of the folder (`os.scandir`: the kind of a name that
    is not a link comes with the listing, so only links are looked up: the dashboard checks the disk about once
    a second, and a national directory holds thousands of files). Linked sub-folders are listed, not entered.
    None when `police_uk` is missing or is itself a link outside the data directory."""
    data_dir = Path(data_dir)
    base = data_dir / POLICE_DIR
    if not base.is_dir() or outside_link(base, data_dir):
        return []
    out = []
    todo = [str(base)]
    while todo:
        try:
            with os.scandir(todo.pop()) as listing:
                found = list(listing)
        except OSError:
            continue
        for e in found:
            path = Path(e.path)
            if e.is_symlink():
                outside = outside_link(path, data_dir)
                try:
                    mode = os.stat(path).st_mode
                    kind = "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"
                except OSError:
                    kind = "missing"
            else:
                outside = False
                kind = "file" if e.is_file() else "dir" if e.is_dir() else "other"
                if kind == "dir":
                    todo.append(e.path)
            out.append(PoliceEntry(path, outside, kind))
    return sorted(out, key=lambda e: e.path)


def _police_name(name: str) -> bool:
    return name.endswith(".csv") or name.endswith(".csv.gz")


def _police_csv(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[PoliceEntry]:
    """Every police.uk file name under `police_uk/` (`.csv`, `.csv.gz`; links included, wherever they lead)."""
    return [e for e in (police_walk(data_dir) if walk is None else walk) if _police_name(e.path.name)]


def police_files(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[Path]:
    """The police.uk files under `police_uk/`, leaving out links to files outside the data directory
    (`outside_links` names them) and names that are not regular files (`not_files`)."""
    return [e.path for e in _police_csv(data_dir, walk) if not e.outside and e.kind == "file"]


def outside_links(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[tuple[str, str]]:
    """The extracts that are links outside the data directory, as (path in the data directory, "file" or
    "directory"): never read, never in `extract_files`; `validate` refuses each."""
    data_dir = Path(data_dir)
    names = [n for n in SPECS if not n.endswith("/")] + list(OPTIONAL_FILES)
    found = [(n, "file") for n in names if outside_link(data_dir / n, data_dir)]
    base = data_dir / POLICE_DIR
    if base.is_dir() and outside_link(base, data_dir):
        found.append((POLICE_DIR, "directory"))
    found += [(e.path.relative_to(data_dir).as_posix(), "file") for e in _police_csv(data_dir, walk) if e.outside]
    return found


def extract_files(data_dir: Path, walk: list[PoliceEntry] | None = None) -> list[Path]:
    """Every file the store is built from (for fingerprints); a link outside the data directory is not one."""

    def present(name: str) -> bool:
        p = data_dir / name
        return p.exists() and not outside_link(p, data_dir) and not not_a_file(p)

    files = [data_dir / name for name in SPECS if not name.endswith("/") and present(name)]
    files += police_files(data_dir, walk)
    files += [data_dir / name for name in OPTIONAL_FILES if present(name)]
    return files


def validate(data_dir: Path, cache_dir: Path | None = None, workers: int | None = None, sink=None) -> Report:
    """Check every extract in `data_dir` and the references between them.

    police.uk files (millions of rows) are checked by DuckDB (`safer.police_sql`); any file it does not find
    clean is checked by Python one row at a time without keeping its rows (`check_file(keep_rows=False)`),
    in a pool of processes when there are many, which writes the FILE:LINE messages. With `cache_dir`,
    each police.uk file's result is kept there keyed by the file's identity (device, inode, size and
    modification time), so an unchanged file is not read again, from this data directory or any other
    linked to the same files (the data directory itself is never written). With `sink`, the rows DuckDB
    read while checking are kept in the store's row cache.
    """
    data_dir = Path(data_dir)
    rep = Report()
    if not data_dir.is_dir():
        what = "is a file, not a data directory" if data_dir.exists() else "data directory does not exist"
        rep.problems.append(Problem(str(data_dir), 0, "", what))
        return rep
    walk = police_walk(data_dir)  # police_uk/ listed once
    links = outside_links(data_dir, walk)
    rep.problems += [Problem(rel, 0, "", OUTSIDE_LINK[what]) for rel, what in links]
    refused = {rel for rel, _what in links}
    specials = not_files(data_dir, walk)  # a named pipe would hang the reader: never opened
    rep.problems += [Problem(rel, 0, "", NOT_A_FILE) for rel in specials]
    refused |= set(specials)
    rep.problems += [Problem(rel, 0, "", NOT_READ, "warning") for rel in police_not_read(data_dir, walk)]
    for name, spec in SPECS.items():
        if name.endswith("/") or name in refused:
            continue
        path = data_dir / name
        if not path.exists():
            if spec.required:
                rep.problems.append(Problem(name, 0, "", "required file is missing"))
            continue
        rep.files_checked += 1
        t = (
            check_file(path, name, spec, rep.problems)
            if name != AREA_LOOKUP
            else check_ons_file(path, name, rep.problems)
        )
        if t is not None:
            rep.tables[name] = t
            rep.rows_checked += len(t.rows)
    for t in _check_police_files(data_dir, rep.problems, cache_dir, workers, sink):
        rep.police_files.append(t)
        rep.rows_checked += t.n_rows
    rep.files_checked += len(police_files(data_dir, walk))
    _check_keys(rep)
    _check_references(rep)
    _check_population_groups(rep)
    if BOUNDARIES not in refused and (data_dir / BOUNDARIES).exists():
        rep.files_checked += 1
        _check_boundaries(rep, data_dir, _keys(rep).wards)
    if isinstance(rep.problems, Problems):
        rep.problems.close()
    rep.problems.sort(key=lambda p: (p.file, p.line, p.column))
    return rep


# --------------------------------------------------------------------------- police.uk files, at scale

VALIDATION_CACHE = "police-validation.json"
PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this, a pool of processes costs more than it saves


def _contract_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _police_result(path: str, rel: str) -> tuple[list[tuple], dict | None]:
    """Check one police.uk file (run in a worker process): its problems and a summary, as plain data."""
    problems: list[Problem] = []
    t = check_file(Path(path), rel, SPECS["police_uk/"], problems, keep_rows=False)
    summary = (
        None
        if t is None
        else {
            "header": t.header,
            "row_count": t.row_count,
            "period": list(t.period or (None, None)),
            "month_keys": [[f, m, line] for (f, m), line in t.month_keys.items()],
        }
    )
    return [(p.file, p.line, p.column, p.message, p.severity) for p in problems], summary


def police_rules() -> police_sql.Rules:
    """The police.uk rules as `safer.police_sql` checks them in DuckDB."""
    return police_sql.Rules(SPECS["police_uk/"], FIRST_POLICE_UK_MONTH, _next_month())


def file_identity(st: os.stat_result) -> str:
    """A file's identity for the caches: device, inode, size and modification time (ns).

    Hard links to one file share it, so data directories linked to the same national files share their
    checks and rows; a file rewritten in place gets a new modification time, and one replaced (renamed over)
    a new inode, so a changed file never reuses what was found for the old one. A copy is a new file.
    """
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _read_cache(cache_path: Path | None) -> dict:
    if cache_path and cache_path.exists():
        try:
            cached = json.loads(cache_path.read_text())
            return cached if isinstance(cached, dict) else {}
        except (OSError, ValueError):
            pass
    return {}


def _still_there(ident: str, entry: dict) -> bool:
    """Whether a cached file's path still names the same file (else its entry is dropped)."""
    try:
        return file_identity(os.stat(entry.get("path", ""))) == ident
    except OSError:
        return False


def _write_cache(cache_path: Path, cached: dict, used: set[str]) -> None:
    """Keep the entries used now and those whose file is still where it was (another data directory's)."""
    cached = {k: v for k, v in cached.items() if k in used or _still_there(k, v)}
    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_path.with_name(f"{cache_path.name}.tmp-{os.getpid()}-{id(cached)}")
        tmp.write_text(json.dumps(cached))
        os.replace(tmp, cache_path)
    except OSError:
        pass  # the cache only saves time


def _python_check(todo: list[tuple[Path, str, str]], workers: int | None) -> list[tuple]:
    """The Python checker over `todo` (path, rel, identity), in a pool of processes when there is a lot."""
    size = sum(p.stat().st_size for p, _r, _k in todo)
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if n_workers > 1 and len(todo) > 1 and size >= PARALLEL_MIN_BYTES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the dashboard's process has threads, and forking those is unsafe.
        try:
            with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                return list(
                    pool.map(
                        _police_result,
                        [str(p) for p, _r, _k in todo],
                        [r for _p, r, _k in todo],
                        chunksize=max(1, len(todo) // (n_workers * 4)),
                    )
                )
        except Exception:  # noqa: BLE001 - no pool here (for example a __main__ a child cannot import): one process
            pass
    return [_police_result(str(p), r) for p, r, _k in todo]


def _check_police_files(
    data_dir: Path, problems: list[Problem], cache_dir: Path | None, workers: int | None, sink=None
) -> list[Table]:
    """Check every police.uk file: DuckDB first (`safer.police_sql`), the Python checker for any file DuckDB
    does not find clean (it writes the messages). With `cache_dir`, each file's result is kept in
    `police-validation.json` keyed by its identity (`file_identity`) and the contract's code, so data
    directories over the same (hard-linked) files share it. With `sink` (the store's row cache: `con`, `table`,
    `file_id(identity)`, `on_batch`), the rows DuckDB reads while checking are kept."""
    pspec = SPECS["police_uk/"]
    rules = police_rules()
    files = police_files(data_dir)
    code = _contract_hash()
    cache_path = Path(cache_dir) / VALIDATION_CACHE if cache_dir else None
    cached = _read_cache(cache_path)
    results: dict[str, tuple] = {}
    todo: list[tuple[Path, str, str]] = []
    for path in files:
        rel = path.relative_to(data_dir).as_posix()
        ident = file_identity(path.stat())
        hit = cached.get(ident)
        if hit and hit.get("code") == code:
            results[rel] = ([(rel, *p[1:]) for p in hit["problems"]], hit["summary"])
        else:
            todo.append((path, rel, ident))
    ids = {ident: (sink.file_id(ident, p) if sink else n) for n, (p, _r, ident) in enumerate(todo)}
    found = police_sql.check_files(
        [(p, ids[ident]) for p, _r, ident in todo],
        rules,
        *((sink.con, sink.table, sink.on_batch) if sink else ()),
    )
    rest = [t for t in todo if ids[t[2]] not in found]
    done = dict(zip([r for _p, r, _k in rest], _python_check(rest, workers))) if rest else {}
    for path, rel, ident in todo:
        fid = ids[ident]
        res = ([], police_sql.summary_for_contract(found[fid], rules.columns)) if fid in found else done[rel]
        results[rel] = res
        kept = [("", *p[1:]) for p in res[0]]
        cached[ident] = {"code": code, "path": str(path.resolve()), "problems": kept, "summary": res[1]}
    if cache_path and todo:
        _write_cache(cache_path, cached, {file_identity(p.stat()) for p in files})
    tables = []
    for path in files:
        rel = path.relative_to(data_dir).as_posix()
        probs, summary = results[rel]
        problems.extend(Problem(*p) for p in probs)
        if summary is not None:
            tables.append(
                Table(
                    pspec,
                    path,
                    rel,
                    summary["header"],
                    row_count=summary["row_count"],
                    period=tuple(summary["period"]),
                    month_keys={(f, m): line for f, m, line in summary["month_keys"]},
                )
            )
    return tables


def _check_keys(rep: Report) -> None:
    """No key twice in a file: each repeat is named with the line of the first. Only the keys' hashes are
    held (4 bytes a row; a sorted copy finds the equal ones), and the rows behind equal hashes compared, so a
    file of millions of rows is checked without a dictionary of its keys."""
    for name, t in rep.tables.items():
        if not t.spec.key or len(t.rows) < 2:
            continue
        hashes = t.rows.key_hashes(t.spec.key)
        ordered = np.sort(hashes)
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        del ordered
        candidates = np.flatnonzero(np.isin(hashes, repeated))  # rows sharing a hash with another, in file order
        groups: dict[int, list[int]] = {}
        for i in candidates.tolist():
            groups.setdefault(int(hashes[i]), []).append(i)
        found: list[tuple[int, Problem]] = []
        for rows in groups.values():
            first: dict[tuple, int] = {}
            for i in rows:
                k = t.rows.key(t.spec.key, i)
                line = t.rows.line(i)
                if k in first:
                    msg = f"duplicate of line {first[k]} ({', '.join(k)})"
                    found.append((line, Problem(name, line, ",".join(t.named.get(c, c) for c in t.spec.key), msg)))
                else:
                    first[k] = line
        rep.problems += [p for _, p in sorted(found, key=lambda x: x[0])]


def _col(rep: Report, name: str, col: str) -> set[str]:
    t = rep.tables.get(name)
    return {row[col] for _, row in t.rows} if t else set()


def _check_population_groups(rep: Report) -> None:
    """An indicator's population group needs estimates for the partnership's area in population.csv."""
    if "indicators.csv" not in rep.tables or "population.csv" not in rep.tables or "partnership.csv" not in rep.tables:
        return
    partnership = {r["area_code"] for _, r in rep.tables["partnership.csv"].rows}
    if not partnership or rep.tables["partnership.csv"].dropped:
        return  # its row has a problem of its own, reported there: no area to look for (an outside audit)
    have = {
        r.get("population_group") or "all"
        for _, r in rep.tables["population.csv"].rows
        if r["area_code"] in partnership
    }
    for line, r in rep.tables["indicators.csv"].rows:
        group = r.get("population_group") or "all"
        if group != "all" and group not in have:
            rep.problems.append(
                Problem(
                    "indicators.csv",
                    line,
                    "population_group",
                    f"'{group}' has no rows for the partnership's area in population.csv, so no rate per 1,000 "
                    f"{group} can be worked out",
                )
            )


@dataclass
class _Keys:
    """What other files refer to; None when the file that holds it is absent (its own error is reported)."""

    areas: set[str] | None
    boroughs: set[str] | None
    wards: set[str] | None
    indicators: dict[str, dict] | None
    cycles: set[str] | None
    priorities: set[tuple[str, str]] | None


def _ref(rep: Report, name: str, line: int, col: str, value: str, allowed, what: str) -> None:
    """A reference that must resolve: a non-empty `value` is in `allowed` (None: nothing to check against)."""
    if value and allowed is not None and value not in allowed:
        rep.problems.append(Problem(name, line, col, f"'{value}' is not {what}"))


def _keys(rep: Report) -> _Keys:
    """What other files refer to, from the files that hold it; None (not checked) where such a file is absent or
    left a row out for a problem of its own: a row of areas.csv with a field too many gave its own error and then
    135 more, "'E05000779' is not an area" in four files, burying the one to fix (an outside audit)."""

    def rows(name):
        t = rep.tables.get(name)
        return [r for _, r in t.rows] if t and not t.dropped else None

    areas, inds, prios, cycles = (rows(n) for n in ("areas.csv", "indicators.csv", "priorities.csv", "plan_cycles.csv"))
    return _Keys(
        areas=None if areas is None else {r["area_code"] for r in areas},
        boroughs=None if areas is None else {r["area_code"] for r in areas if r["area_type"] == "borough"},
        wards=None if areas is None else {r["area_code"] for r in areas if r["area_type"] == "ward"},
        indicators=None if inds is None else {r["indicator_id"]: r for r in inds},
        cycles=None if cycles is None else {r["cycle_id"] for r in cycles},
        priorities=None if prios is None else {(r["cycle_id"], r["priority_id"]) for r in prios},
    )


def _check_indicator_ids(rep: Report) -> None:
    """Two indicator ids that differ only by `-` and `_` would name the same export files (`asb-monthly.csv`)."""
    t = rep.tables.get("indicators.csv")
    seen: dict[str, tuple[int, str]] = {}
    for line, r in t.rows if t else []:
        key = r["indicator_id"].replace("_", "-")
        if key in seen and seen[key][1] != r["indicator_id"]:
            first, other = seen[key]
            msg = f"'{r['indicator_id']}' differs from '{other}' (line {first}) only by - and _: name it differently"
            rep.problems.append(Problem(t.rel, line, "indicator_id", msg))
        seen.setdefault(key, (line, r["indicator_id"]))


def _check_references(rep: Report) -> None:
    """Every reference between files resolves, and the rules that span rows hold; one check per file."""
    _check_indicator_ids(rep)
    k = _keys(rep)
    _check_areas(rep, k)
    _check_area_references(rep, k)
    _check_plan_cycles(rep)
    _check_plans(rep, k)
    ind_ids = None if k.indicators is None else set(k.indicators)
    _check_story_files(rep, ind_ids, k.cycles)
    _check_comparators(rep, ind_ids)
    check_comparator_groups(rep, k.indicators)
    _check_partner_monthly(rep, k)
    _check_police_months(rep)


def _check_areas(rep: Report, k: _Keys) -> None:
    """areas.csv: a ward names its borough; the borough has no parent; no two wards share a name (pickers,
    the ranking chart's rows and every sentence name a ward by its name)."""
    t = rep.tables.get("areas.csv")
    named: dict[tuple[str, str], int] = {}
    for line, r in t.rows if t else []:
        name = (r["area_type"], " ".join(r["area_name"].split()).casefold())
        if name in named:
            rep.problems.append(
                Problem(
                    t.rel,
                    line,
                    "area_name",
                    f"'{shown(r['area_name'])}' is the name of the {r['area_type']} on line {named[name]} too: "
                    "each area needs a name of its own (pages, charts and sentences name areas by name)",
                )
            )
        named.setdefault(name, line)
        if r["area_type"] == "ward":
            if not r["parent_code"]:
                rep.problems.append(Problem(t.rel, line, "parent_code", "a ward needs its borough's code"))
            _ref(rep, t.rel, line, "parent_code", r["parent_code"], k.boroughs, "a borough in areas.csv")
        elif r["parent_code"]:
            rep.problems.append(Problem(t.rel, line, "parent_code", "must be blank for the borough"))


def _check_area_references(rep: Report, k: _Keys) -> None:
    """partnership.csv (one row, a borough), lsoa_ward_lookup.csv (wards) and population.csv (areas)."""
    t = rep.tables.get("partnership.csv")
    if t and len(t.rows) > 1:
        rep.problems.append(Problem(t.rel, t.rows[1][0], "", "must have exactly one row"))
    for line, r in t.rows[:1] if t else []:
        _ref(rep, t.rel, line, "area_code", r["area_code"], k.boroughs, "a borough in areas.csv")
    for name, col, allowed, what in (
        ("lsoa_ward_lookup.csv", "ward_code", k.wards, "a ward in areas.csv"),
        ("population.csv", "area_code", k.areas, "an area in areas.csv"),
    ):
        t = rep.tables.get(name)
        for line, r in t.rows if t else []:
            _ref(rep, t.rel, line, col, r[col], allowed, what)


def _check_plan_cycles(rep: Report) -> None:
    """plan_cycles.csv: each cycle ends after it starts, and no two cycles overlap."""
    t = rep.tables.get("plan_cycles.csv")
    if not t:
        return
    spans = []
    for line, r in t.rows:
        if r["end_month"] < r["start_month"]:
            msg = f"{r['end_month']} is before start_month {r['start_month']}"
            rep.problems.append(Problem(t.rel, line, "end_month", msg))
        spans.append((r["start_month"], r["end_month"], line, r["cycle_id"]))
    spans.sort()
    for (_s1, e1, l1, c1), (s2, _e2, l2, c2) in zip(spans, spans[1:]):
        if s2 <= e1:
            rep.problems.append(Problem(t.rel, l2, "start_month", f"cycle {c2} overlaps cycle {c1} (line {l1})"))


def _check_plans(rep: Report, k: _Keys) -> None:
    """priorities.csv, priority_indicators.csv, targets.csv and events.csv name known cycles, indicators and
    priorities (a priority of the same cycle)."""
    inds = None if k.indicators is None else set(k.indicators)
    for name in ("priorities.csv", "priority_indicators.csv", "targets.csv", "events.csv"):
        t = rep.tables.get(name)
        for line, r in t.rows if t else []:
            if "cycle_id" in r:
                _ref(rep, name, line, "cycle_id", r["cycle_id"], k.cycles, "a cycle in plan_cycles.csv")
            if "indicator_id" in r:
                _ref(rep, name, line, "indicator_id", r["indicator_id"], inds, "an indicator in indicators.csv")
            if name == "events.csv" and r.get("source") and r["indicator_id"] and k.indicators is not None:
                ind = k.indicators.get(r["indicator_id"])
                actual = None if ind is None else ("police_uk" if ind["police_uk_crime_type"] else "partner")
                if actual and actual != r["source"]:
                    msg = (
                        f"'{r['indicator_id']}' comes from {actual}, not {r['source']}: leave source blank or match it"
                    )
                    rep.problems.append(Problem(name, line, "source", msg))
            if name == "targets.csv" and k.indicators is not None:
                _target_direction(rep, name, line, r, k.indicators.get(r["indicator_id"]))
            if name == "priority_indicators.csv" and k.priorities is not None:
                if (r["cycle_id"], r["priority_id"]) not in k.priorities:
                    msg = f"'{r['priority_id']}' is not a priority of cycle {r['cycle_id']} in priorities.csv"
                    rep.problems.append(Problem(name, line, "priority_id", msg))


def _target_direction(rep: Report, name: str, line: int, r: dict, ind: dict | None) -> None:
    """A target on the indicator's good side of its baseline (below it for `good_direction` down, above it for
    up): a target of 600 against a baseline of 474.8 for anti-social behaviour read "off track" while the months
    since were below both (an outside audit). A target equal to its baseline (hold the level) is kept."""
    try:
        base, target = float(r["baseline_monthly_mean"]), float(r["target_monthly_mean"])
    except (TypeError, ValueError, KeyError):
        return  # a blank (no target) or a value with its own error
    if ind is None or ind.get("good_direction") not in ("up", "down") or base == target:
        return
    wrong = target > base if ind["good_direction"] == "down" else target < base
    if wrong:
        side, good = ("above", "down") if ind["good_direction"] == "down" else ("below", "up")
        msg = (
            f"the target, {r['target_monthly_mean']}, is {side} the baseline, {r['baseline_monthly_mean']}, but "
            f"{r['indicator_id']} is better {good} (good_direction in indicators.csv): a target on the wrong side "
            "of its baseline would be read upside down (progress towards it a step away). Check which value is which"
        )
        rep.problems.append(Problem(name, line, "target_monthly_mean", msg))


def _local_zone() -> _dt.tzinfo:
    """England and Wales's time (a nightly extract written at 00:30 BST on 1 October is October's, not
    September's as UTC would say), or UTC where the time-zone database is missing."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/London")
    except Exception:  # noqa: BLE001 - no tz database: UTC is at most an hour out
        return _dt.UTC


def written_month(path: Path) -> str:
    """The month (`YYYY-MM`, UK time) a file was last written: a month of data on or after it had not ended
    then. A modification time ahead of the clock (a share's skewed clock, an archive's) is taken as now: the
    month not yet over is never counted complete (an outside audit: a December written 'in June' was)."""
    return _dt.datetime.fromtimestamp(min(path.stat().st_mtime, time.time()), _local_zone()).strftime("%Y-%m")


def partner_written_month(t: Table) -> str | None:
    """The month partner_monthly.csv was last written, when its modification time can be believed: None when
    the file holds a month after it (a time kept from an archive or a copy, such as 1980-01-01), which says
    nothing about which month was not over."""
    written = written_month(t.path)
    latest = max((r["month"] for _line, r in t.rows), default=None)
    return None if latest is not None and latest > written else written


def _check_partner_monthly(rep: Report, k: _Keys) -> None:
    """partner_monthly.csv: a partner indicator (not counted from police.uk), in an area of its geography; a
    month that had not ended when the file was last written is incomplete (a warning: it is left out)."""
    t = rep.tables.get("partner_monthly.csv")
    if not t or k.indicators is None:
        return
    written = partner_written_month(t)
    if written is None:
        msg = (
            f"the file's modification time ({written_month(t.path)}) is before months it holds, so it cannot say "
            "which month was not over when it was written: every month is kept (touch the file once it is saved)"
        )
        rep.problems.append(Problem(t.rel, 1, "", msg, severity="warning"))
    incomplete: set[tuple[str, str]] = set()
    for line, r in t.rows:
        if written and r["month"] >= written and (r["indicator_id"], r["month"]) not in incomplete:
            incomplete.add((r["indicator_id"], r["month"]))
            msg = (
                f"{r['month']} had not ended when this file was last written ({written}): {r['indicator_id']}'s "
                f"{r['month']} is incomplete and left out of every figure"
            )
            rep.problems.append(Problem(t.rel, line, "month", msg, severity="warning"))
        ind = k.indicators.get(r["indicator_id"])
        if ind is None:
            msg = f"'{r['indicator_id']}' is not an indicator in indicators.csv"
            rep.problems.append(Problem(t.rel, line, "indicator_id", msg))
        elif ind["police_uk_crime_type"]:
            msg = f"'{r['indicator_id']}' is counted from police_uk/ (police_uk_crime_type is set)"
            rep.problems.append(Problem(t.rel, line, "indicator_id", msg))
        else:
            geo = ind["geography"]
            want = k.wards if geo == "ward" else k.boroughs
            what = f"a {geo} in areas.csv (indicator {r['indicator_id']} is recorded by {geo})"
            _ref(rep, t.rel, line, "area_code", r["area_code"], want, what)
    _dropped_zeros(rep, t, k, written)
    _small_counts_left_out(rep, t, k)


# A partner indicator whose typical month (the median of its monthly totals) is this many or fewer: a month with
# no row among its months may well be a month with none, left out by the export, rather than one not covered
FEW_A_MONTH = 5


def _partner_totals(t, k: _Keys, written: str | None) -> tuple[dict[str, dict[str, float]], dict, str]:
    """Each partner indicator's monthly totals over its areas ({indicator: {YYYY-MM: total}}), the line of each
    indicator's first row of each month, and the file's last month; months from `written` on (the month the file
    was written, `partner_written_month`) are left to the incomplete-month warning."""
    totals: dict[str, dict[str, float]] = {}
    first_line: dict[tuple[str, str], int] = {}
    file_last = ""
    for line, r in t.rows:
        ind = k.indicators.get(r["indicator_id"]) if k.indicators else None
        try:
            v = float(r["value"])
        except (TypeError, ValueError):
            continue
        if ind is None or ind["police_uk_crime_type"] or not MONTH_RE.match(str(r["month"])):
            continue
        if written and r["month"] >= written:
            continue  # a month not over when the file was written: its own warning
        file_last = max(file_last, r["month"])
        months = totals.setdefault(r["indicator_id"], {})
        months[r["month"]] = months.get(r["month"], 0.0) + v
        first_line.setdefault((r["indicator_id"], r["month"]), line)
    return totals, first_line, file_last


def _month_index(m: str) -> int:
    return int(m[:4]) * 12 + int(m[5:]) - 1


def _dropped_zeros(rep: Report, t, k: _Keys, written: str | None) -> None:
    """A warning for each partner indicator with few a month and whole months with no row from its first month to
    the file's last (a GROUP BY export writes no row for a month with nothing recorded, in the middle or at the
    end), over at least 12 months: such a month is missing, never 0, which is right only if the extract did not
    cover it; read as missing, zeros raise every mean. At the line of the first row after the first such month
    (or of its last row, when the months with no row are its last). Rows every third month with more a month
    are the quarterly warning's (`_quarterly`)."""
    totals, first_line, file_last = _partner_totals(t, k, written)
    quarterly = _quarterly(rep, t, totals, first_line)
    for iid, months in totals.items():
        if iid in quarterly:
            continue  # its months with no row are the quarters' between: "write a 0" would hide the quarters
        have = sorted(months)
        first, last = (_month_index(m) for m in (have[0], file_last))
        gaps = [m for i in range(first, last + 1) if (m := f"{i // 12:04d}-{i % 12 + 1:02d}") not in months]
        if not gaps or last - first + 1 < 12 or float(np.median(list(months.values()))) > FEW_A_MONTH:
            continue
        after = next((m for m in have if m > gaps[0]), have[-1])
        named = ", ".join(gaps[:6]) + (f" and {len(gaps) - 6} more" if len(gaps) > 6 else "")
        msg = (
            f"{iid} has no row for {named} ({len(gaps)} month{'s' if len(gaps) > 1 else ''} from its first "
            f"month, {have[0]}, to the file's last, {file_last}), and {FEW_A_MONTH} or fewer in a typical month: "
            "a month with no row is missing, never 0. If nothing was recorded that month, write a row with value 0 "
            "(left out, zeros make every mean higher); if the extract did not cover it, nothing to do"
        )
        rep.problems.append(Problem(t.rel, first_line[(iid, after)], "month", msg, severity="warning"))


def _quarterly(rep: Report, t, totals: dict[str, dict[str, float]], first_line: dict) -> set[str]:
    """A warning for each partner indicator whose counts come every third month, `QUARTERS_IN_A_ROW` or more in a
    row with none in the months between (no row, or a row of 0: an extract changed to quarterly totals, each
    written as one month of its quarter), and more than `FEW_A_MONTH` in a typical such month (fewer could be a
    sparse monthly count): the contract's rows are months, so each quarter's total reads as one month about three
    times as high, every mean and rate with it, while the months between read as missing or as none. At the line
    of the run's first row. Returns the indicators warned of."""
    warned = set()
    for iid, months in totals.items():
        have = sorted(m for m, v in months.items() if v > 0)  # a row of 0 between quarters is no count either
        if not have:
            continue
        runs, run = [], [have[0]]
        for prev, m in zip(have, have[1:]):
            if _month_index(m) - _month_index(prev) == 3:
                run.append(m)
            else:
                runs.append(run)
                run = [m]
        runs.append(run)
        for i, run in enumerate(runs):
            if i and _month_index(run[0]) - _month_index(runs[i - 1][-1]) < 3:
                run = run[1:]  # the last of the monthly rows before the quarters
            if len(run) < QUARTERS_IN_A_ROW or float(np.median([months[m] for m in run])) <= FEW_A_MONTH:
                continue
            earlier = [months[m] for m in have if m < run[0]][-12:]
            size = f"{np.mean([months[m] for m in run]):,.0f} on average"
            if len(earlier) >= 3:
                size += f" against {np.mean(earlier):,.0f} in the {len(earlier)} months with counts before"
            named = ", ".join(run[:4]) + (f" and {len(run) - 4} more" if len(run) > 4 else "")
            msg = (
                f"{iid} has counts only every third month from {run[0]} to {run[-1]} ({named}; {size}), none in "
                "the months between: if these are quarterly totals, each is read as one month's, about three times "
                "too high, and the months between as missing or none. The contract's rows are months: write the "
                "quarter's months, or leave the quarters out"
            )
            rep.problems.append(Problem(t.rel, first_line[(iid, run[0])], "month", msg, severity="warning"))
            warned.add(iid)
            break
    return warned


# How unlikely, with every count kept, seeing no row below a partner indicator's lowest count must be before
# validation says its small counts look left out
LEFT_OUT_ALPHA = 0.001


def small_counts_left_out(sizes: dict[int, int]) -> int | None:
    """The lowest count of a partner indicator's rows (`sizes`: how many rows hold each count; zeros are ignored,
    they neither show nor rule out an export that left small counts out) when counts below it look left out;
    else None. It must be 2 or more, held by no fewer rows than the count one above, and the rows at it too many
    to be there by chance with none below:

    counts whose frequency f does not rise from m to m + 1 come from a Poisson distribution with mean at most
    m + 1, or a more dispersed one (a mixture of Poissons, for which k! f(k) is a moment sequence), and then
    f(m - 1) / f(m) >= m / (m + 1). Among the rows at m - 1 or m, at least m / (2m + 1) are then expected at
    m - 1, so with n rows at m and none at m - 1 the chance is at most the binomial (1 - m / (2m + 1)) ** n;
    below LEFT_OUT_ALPHA it is read as a cut. Simulated with every count kept (tests/test_contract.py), Poisson
    and negative binomial at means 0.3 to 40, 40 to 720 rows: it fires in well under 0.1% of extracts."""
    have = sorted(v for v, n in sizes.items() if v > 0 and n > 0)
    if not have:
        return None
    m = have[0]
    if m < 2 or sizes[m] < sizes.get(m + 1, 0):
        return None
    from scipy.stats import binom  # here: validation without such a file never loads scipy

    by_chance = binom.pmf(0, sizes[m], m / (2 * m + 1))  # no row at m - 1 among those at m - 1 or m
    return m if by_chance < LEFT_OUT_ALPHA else None


def left_out_words(geography: str, lowest: int) -> str:
    """What a partner extract with no count below `lowest` does to the figures, for a ward or borough indicator."""
    if geography == "ward":
        return (
            f"a ward with no row in a month reads as 0, so a ward shown with none may have had 1 to {lowest - 1}, "
            "and every ward's figure and the whole area's are too low"
        )
    return "a month with no row is missing, so the months left out are the small ones and every mean is too high"


def _small_counts_left_out(rep: Report, t, k: _Keys) -> None:
    """A warning for each partner indicator whose counts look as if an export left the small ones out (no count
    from 1 up to a lowest count that is piled with rows: `small_counts_left_out`), at the line of its first row
    with that lowest count. Such rows are read as 0 in a ward and as missing for the whole area, never as small."""
    sizes: dict[str, dict[int, int]] = {}
    first_at: dict[tuple[str, int], int] = {}
    for line, r in t.rows:
        ind = k.indicators.get(r["indicator_id"]) if k.indicators else None
        if ind is None or ind["police_uk_crime_type"]:
            continue
        try:
            v = int(r["value"])
        except (TypeError, ValueError):
            continue
        counts = sizes.setdefault(r["indicator_id"], {})
        counts[v] = counts.get(v, 0) + 1
        first_at.setdefault((r["indicator_id"], v), line)
    for iid, counts in sizes.items():
        m = small_counts_left_out(counts)
        if m is None:
            continue
        rep.left_out[iid] = m
        geography = k.indicators[iid]["geography"]
        msg = (
            f"{iid} has no count from 1 to {m - 1} in {sum(counts.values())} rows, yet {counts[m]} of {m} and "
            f"{counts.get(m + 1, 0)} of {m + 1}: the mark of an export that left small counts out (or wrote {m} "
            f"for them). Left out, {left_out_words(geography, m)}: write every true count, small ones too (the "
            "dashboard withholds small numbers where it shows them, by the indicator's suppress_below)"
        )
        rep.problems.append(Problem(t.rel, first_at[(iid, m)], "value", msg, severity="warning"))


def _exact_month_lines(rep: Report) -> None:
    """Files checked by DuckDB know their (force, month) pairs but not the line each first appears on (0). Only
    when a pair is in two files is that line said: then the Python checker reads those files for it."""
    where: dict[tuple[str, str], set[int]] = {}
    for n, t in enumerate(rep.police_files):
        for force, month in t.month_keys or {}:
            where.setdefault((force_key(force), month), set()).add(n)
    twice = {n for ns in where.values() if len(ns) > 1 for n in ns}
    for n in sorted(twice):
        t = rep.police_files[n]
        if t.month_keys and 0 in t.month_keys.values():
            exact = check_file(t.path, t.rel, t.spec, [], keep_rows=False)
            if exact is not None and exact.month_keys:
                t.month_keys = exact.month_keys


def _check_police_months(rep: Report) -> None:
    """One police.uk month of one force must come from one file only, or it would be counted twice. The
    force is compared by the same normalised name the ingest uses ("Greater Manchester Police " and
    "greater manchester police" are one force)."""
    seen: dict[tuple[str, str], str] = {}
    _exact_month_lines(rep)
    for t in rep.police_files:
        raw = t.month_keys if t.month_keys is not None else {}
        if t.month_keys is None:
            for line, r in t.rows:
                raw.setdefault((r["Falls within"], r["Month"]), line)
        keys: dict[tuple[str, str], int] = {}
        names: dict[tuple[str, str], str] = {}
        for (force, month), line in raw.items():
            key = (force_key(force), month)
            keys[key] = min(line, keys.get(key, line))
            names.setdefault(key, str(force).strip())
        for key, line in sorted(keys.items(), key=lambda kv: kv[1]):
            if key in seen and seen[key] != t.rel:
                msg = (
                    f"{key[1]} for {shown(names[key])} is also in {seen[key]}: it would be counted twice; "
                    "keep one release of each month"
                )
                rep.problems.append(Problem(t.rel, line, "Month", msg))
            else:
                seen.setdefault(key, t.rel)


def _check_comparators(rep: Report, indicators: set[str] | None) -> None:
    """comparator_monthly.csv: indicators known, every area has a population and one name."""
    t = rep.tables.get("comparator_monthly.csv")
    if not t:
        return
    pop = rep.tables.get("comparator_population.csv")
    pop_areas = {r["area_code"] for _, r in pop.rows} if pop else set()
    names: dict[str, tuple[str, int]] = {}
    for line, r in t.rows:
        if indicators is not None and r["indicator_id"] not in indicators:
            rep.problems.append(
                Problem(t.rel, line, "indicator_id", f"'{r['indicator_id']}' is not an indicator in indicators.csv")
            )
        if r["area_code"] not in pop_areas:
            rep.problems.append(
                Problem(t.rel, line, "area_code", f"'{r['area_code']}' has no row in comparator_population.csv")
            )
            pop_areas.add(r["area_code"])  # once per area is enough
        first = names.setdefault(r["area_code"], (r["area_name"], line))
        if first[0] != r["area_name"]:
            rep.problems.append(
                Problem(
                    t.rel,
                    line,
                    "area_name",
                    f"'{shown(r['area_name'])}' differs from '{shown(first[0])}' (line {first[1]}) "
                    "for the same area_code",
                )
            )
            names[r["area_code"]] = (r["area_name"], line)


def _check_story_files(rep: Report, indicators: set[str] | None, cycles: set[str] | None) -> None:
    """References and cross-column rules of status_rules.csv, scrutiny_concerns.csv and consultation.csv."""
    P = rep.problems

    t = rep.tables.get("status_rules.csv")
    if t:
        scopes: dict[tuple[str, str], int] = {}
        for line, r in t.rows:
            _ref(rep, t.rel, line, "cycle_id", r["cycle_id"], cycles, "a cycle in plan_cycles.csv")
            _ref(rep, t.rel, line, "indicator_id", r["indicator_id"], indicators, "an indicator in indicators.csv")
            if float(r["at_risk_min_progress_pct"]) > float(r["on_track_min_progress_pct"]):
                P.append(
                    Problem(
                        t.rel,
                        line,
                        "at_risk_min_progress_pct",
                        f"{r['at_risk_min_progress_pct']} is above on_track_min_progress_pct "
                        f"{r['on_track_min_progress_pct']}",
                    )
                )
            scope = (r["cycle_id"], r["indicator_id"])
            if scope in scopes:
                P.append(
                    Problem(
                        t.rel,
                        line,
                        "cycle_id,indicator_id",
                        f"applies to the same cycle and indicator as line {scopes[scope]}: a target must have one rule",
                    )
                )
            else:
                scopes[scope] = line

    t = rep.tables.get("scrutiny_concerns.csv")
    if t:
        for line, r in t.rows:
            _ref(rep, t.rel, line, "indicator_id", r["indicator_id"], indicators, "an indicator in indicators.csv")
            if r["follow_up"].strip() and not r["follow_up_status"]:
                P.append(
                    Problem(
                        t.rel,
                        line,
                        "follow_up_status",
                        "is empty; a follow-up needs a status (open, answered or closed)",
                    )
                )
            if r["follow_up_status"] and not r["follow_up"].strip():
                P.append(Problem(t.rel, line, "follow_up", "is empty, but follow_up_status is set"))

    t = rep.tables.get("consultation.csv")
    if t:
        for line, r in t.rows:
            _ref(rep, t.rel, line, "indicator_id", r["indicator_id"], indicators, "an indicator in indicators.csv")
            if r["end_month"] < r["start_month"]:
                P.append(
                    Problem(t.rel, line, "end_month", f"{r['end_month']} is before start_month {r['start_month']}")
                )
            if r["source_type"] == "survey":
                for col in ("respondents", "agreeing"):
                    if not r[col]:
                        P.append(Problem(t.rel, line, col, "is empty; a survey row needs respondents and agreeing"))
                if r["respondents"] and r["agreeing"] and int(r["agreeing"]) > int(r["respondents"]):
                    P.append(
                        Problem(t.rel, line, "agreeing", f"{r['agreeing']} is more than respondents {r['respondents']}")
                    )
            elif not r["summary"].strip():
                P.append(
                    Problem(t.rel, line, "summary", "is empty; event and group rows need a summary of what was said")
                )


# --------------------------------------------------------------------------- ward boundaries (GeoJSON)


class GeoJSONError(Exception):
    """A GeoJSON file that cannot be read as JSON, at `line` (1 for the whole file) and `column`."""

    def __init__(self, line: int, column: str, message: str):
        self.line, self.column = line, column
        super().__init__(message)


def load_geojson(path: Path, max_bytes: int | None = None):
    """The file parsed as JSON, read whole only when it is within `max_bytes` (default `MAX_BOUNDARY_BYTES`).

    Raises `GeoJSONError` for a file too large, not UTF-8, not JSON (at the decoder's line and column), or
    nested too deeply for the decoder (thousands of `[`): never a traceback."""
    limit = MAX_BOUNDARY_BYTES if max_bytes is None else max_bytes
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise GeoJSONError(1, "-", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > limit:
        raise GeoJSONError(
            1,
            "-",
            f"is larger than {limit / 2**20:g} MB: use generalised boundaries (such as ONS's generalised "
            "clipped layer) of the partnership's wards only",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        begins = raw.rfind(b"\n", 0, exc.start) + 1
        raise GeoJSONError(line, "-", not_utf8(raw[begins : exc.start + 1], exc.start - begins)[0]) from None
    brackets, commas = text.count("["), text.count(",")
    if max(brackets, commas // 2) > MAX_BOUNDARY_VALUES:
        raise GeoJSONError(
            1,
            "-",
            f"holds {max(brackets, commas // 2):,} lists or values, more than {MAX_BOUNDARY_VALUES:,} "
            f"({MAX_BOUNDARY_POINTS:,} points at most): use generalised boundaries of the partnership's wards only",
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(exc.lineno, f"column {exc.colno}", f"is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise GeoJSONError(
            1,
            "-",
            "is nested too deeply to be read (a thousand or more levels of [ or {): ward boundaries nest fewer "
            "than ten",
        ) from None
    except ValueError as exc:  # such as a whole number of more digits than Python converts
        raise GeoJSONError(1, "-", f"is not valid JSON: {shown(exc)}") from None


def _json_kind(v) -> str:
    """What a JSON value is, in words, for a message (never the value itself when it is a list or an object)."""
    if isinstance(v, bool) or v is None or (isinstance(v, float) and not math.isfinite(v)):
        return json.dumps(v)  # true, false, null, NaN, Infinity
    if isinstance(v, str):
        return f"the text '{shown(v)}'"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return f"the number {shown(v)}"


def _number(v) -> bool:
    """A JSON number that is finite (JSON's whole numbers are Python ints, of any size: never converted)."""
    return isinstance(v, float) and math.isfinite(v) or isinstance(v, int) and not isinstance(v, bool)


def check_position(p, ranges: bool = True) -> str | None:
    """What is wrong with a GeoJSON position as a WGS84 longitude and latitude (numbers; with `ranges`, within
    ±180 and ±90), or None."""
    if not isinstance(p, list) or len(p) < 2:
        return f"a point is {_json_kind(p)}, not [longitude, latitude]"
    for v, what, limit in ((p[0], "longitude", 180), (p[1], "latitude", 90)):
        if not _number(v):
            return f"a {what} is {_json_kind(v)}, not a number"
        if ranges and not -limit <= v <= limit:
            return (
                f"{what} {shown(v)} is outside -{limit} to {limit}: coordinates are WGS84 longitude and latitude "
                "(EPSG:4326), in that order, not British National Grid"
            )
    for v in p[2:]:
        if not _number(v):
            return f"a point's height is {_json_kind(v)}, not a number"
    return None


def check_geometry(geometry, budget: float, ranges: bool = True) -> tuple[str, str | None, int]:
    """Check a feature's geometry: a Polygon or MultiPolygon whose rings are lists of at least four WGS84
    positions (`check_position`). Returns (where in the geometry, what is wrong or None, points counted).
    Counting stops past `budget` points (the caller names the limit). Walks a fixed depth: never recursive."""
    if not isinstance(geometry, dict):
        return "geometry", f"is {_json_kind(geometry)}, not a Polygon or MultiPolygon geometry", 0
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        what = f"'{shown(kind)}'" if isinstance(kind, str) else _json_kind(kind)
        return "geometry.type", f"is {what}; a ward's boundary is a Polygon or MultiPolygon", 0
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return "geometry.coordinates", f"is {_json_kind(coords)}, not a {kind}'s list of rings", 0
    n = 0
    for i, rings in enumerate(polygons):
        at = "geometry.coordinates" + ("" if kind == "Polygon" else f"[{i}]")
        if not isinstance(rings, list) or not rings:
            return at, f"is {_json_kind(rings)}, not a polygon's list of rings", n
        for j, ring in enumerate(rings):
            if not isinstance(ring, list) or len(ring) < 4:
                what = f"a list of {len(ring)} points" if isinstance(ring, list) else _json_kind(ring)
                return f"{at}[{j}]", f"is {what}, not a ring (a list of at least four points)", n
            if n + len(ring) > budget:
                return at, None, n + len(ring)
            for k, p in enumerate(ring):
                if (why := check_position(p, ranges)) is not None:
                    return f"{at}[{j}][{k}]", why, n
            n += len(ring)
    return "", None, n


@dataclass
class Boundaries:
    """A checked `ward_boundaries.geojson`: how many features the file holds, its attribution, and (when it has
    no errors) the collection the Areas map draws: the features of areas.csv's wards, each with only its
    `area_code` and geometry (nothing else in the file reaches a browser)."""

    features: int
    attribution: str
    geojson: dict | None = None


def _check_boundaries(rep: Report, data_dir: Path, wards: set[str] | None) -> None:
    """`ward_boundaries.geojson`, when present: within the size limit, JSON, a FeatureCollection of Polygon or
    MultiPolygon features in WGS84 with at most `MAX_BOUNDARY_POINTS` points, each naming its ward in the
    property `area_code`. A code that is not a ward of areas.csv, and a ward with no boundary, are warnings
    (the map draws the wards of areas.csv only). Sets `rep.boundaries`."""
    name = BOUNDARIES
    P = rep.problems
    try:
        geo = load_geojson(data_dir / name)
    except GeoJSONError as exc:
        P.append(Problem(name, exc.line, exc.column, str(exc)))
        return
    if not isinstance(geo, dict) or geo.get("type") != "FeatureCollection":
        what = (
            f'its type is {_json_kind(geo.get("type"))}, not "FeatureCollection"'
            if isinstance(geo, dict)
            else f'the file holds {_json_kind(geo)}, not an object whose type is "FeatureCollection"'
        )
        P.append(Problem(name, 1, "type", f"is not a GeoJSON FeatureCollection: {what}"))
        return
    features = geo.get("features")
    if not isinstance(features, list):
        P.append(Problem(name, 1, "features", f"is {_json_kind(features)}, not a list of features"))
        return
    attribution = geo.get("attribution", "")
    before = len(P)
    if not isinstance(attribution, str):
        P.append(Problem(name, 1, "attribution", f"is {_json_kind(attribution)}, not text"))
        attribution = ""
    elif (why := control_message(attribution)) is not None:
        P.append(Problem(name, 1, "attribution", why))
    elif len(attribution) > MAX_ATTRIBUTION_CHARS:
        P.append(
            Problem(
                name,
                1,
                "attribution",
                f"is {len(attribution):,} characters: an attribution (shown under the map) is at most "
                f"{MAX_ATTRIBUTION_CHARS:,}",
            )
        )
    rep.boundaries = Boundaries(len(features), attribution)
    kept, seen, points, strays = [], set(), 0, []
    for i, f in enumerate(features):
        at = f"features[{i}]"
        if not isinstance(f, dict):
            P.append(Problem(name, 1, at, f"is {_json_kind(f)}, not a GeoJSON Feature"))
            continue
        props = f.get("properties")
        code = props.get(BOUNDARY_CODE) if isinstance(props, dict) else None
        if not isinstance(code, str) or not code.strip():
            what = "missing" if code is None else f"{_json_kind(code)}, not a ward code"
            P.append(
                Problem(
                    name,
                    1,
                    f"{at}.properties.{BOUNDARY_CODE}",
                    f"is {what}: each feature names its ward's code from areas.csv in the property {BOUNDARY_CODE}",
                )
            )
            continue
        if (why := control_message(code, text=False)) is not None:
            P.append(Problem(name, 1, f"{at}.properties.{BOUNDARY_CODE}", why))
            continue
        where, why, n = check_geometry(f.get("geometry"), MAX_BOUNDARY_POINTS - points)
        points += n
        if why is not None:
            P.append(Problem(name, 1, f"{at}.{where}", f"ward {shown(code)}: {why}"))
            continue
        if points > MAX_BOUNDARY_POINTS:
            P.append(
                Problem(
                    name,
                    1,
                    "coordinates",
                    f"holds more than {MAX_BOUNDARY_POINTS:,} points: use generalised boundaries (such as ONS's "
                    "generalised clipped layer) of the partnership's wards only",
                )
            )
            break
        if wards is not None and code not in wards:
            strays.append((code, at))
            continue
        seen.add(code)
        geometry = {"type": f["geometry"]["type"], "coordinates": f["geometry"]["coordinates"]}
        kept.append({"type": "Feature", "properties": {BOUNDARY_CODE: code}, "geometry": geometry})
    ok = not any(p.severity == "error" for p in P[before:])
    if ok and wards and (missing := sorted(wards - seen)):
        P.append(
            Problem(
                name,
                1,
                f"properties.{BOUNDARY_CODE}",
                f"{len(missing)} of {len(wards)} wards in areas.csv have no boundary (e.g. {missing[0]}): they are "
                "not drawn on the map",
                "warning",
            )
        )
    if strays:
        code, at = strays[0]
        what = (
            f"'{shown(code)}' ({at}) is not a ward in areas.csv: its boundary is"
            if len(strays) == 1
            else f"{len(strays)} features name a code that is not a ward in areas.csv (first '{shown(code)}', {at}): "
            "their boundaries are"
        )
        P.append(Problem(name, 1, f"properties.{BOUNDARY_CODE}", f"{what} not drawn on the map", "warning"))
    if ok:
        rep.boundaries.geojson = {"type": "FeatureCollection", "attribution": attribution, "features": kept}


# --------------------------------------------------------------------------- area lookup and comparator groups

AREA_LOOKUP = "area_lookup.csv"
ONS_COLUMN_RE = re.compile(r"^(LSOA|WD|LAD)([0-9]{2})(CD|NMW|NM)$", re.IGNORECASE)
ONS_FAMILY = {"LSOA": "lsoa", "WD": "ward", "LAD": "lad"}
ONS_IGNORED = ("objectid", "fid", "globalid")
LAD_CODE_RE = re.compile(r"^(E06|E07|E08|E09|W06)[0-9]{6}$")
WARD_CODE_RE = re.compile(r"^[EW]05[0-9]{6}$")


def _first_record(path: Path) -> list[str] | None:
    """The file's header record, or None when it cannot be read (check_file then says why)."""
    try:
        for record in csv.reader(text_lines(path), delimiter=",", quotechar='"', strict=True):
            if "".join(record).strip():
                return [h.strip() for h in record]
    except (Unreadable, csv.Error):
        return None
    return None


def _ons_names(header: list[str], rel: str, problems: list[Problem]) -> dict[str, str] | None:
    """The contract's name for each header column of an ONS-layout lookup (LSOA21CD -> lsoa_code; '' for a
    column that is ignored); None, with problems at line 1, when two columns give the same one or a code and its
    name are of different years."""
    names: dict[str, str] = {}
    years: dict[str, tuple[str, str]] = {}
    bad = False
    for h in header:
        m = ONS_COLUMN_RE.match(h)
        if h.lower() in ONS_IGNORED or (m and m.group(3).upper() == "NMW"):
            names[h] = ""
            continue
        if not m:
            names[h] = h
            continue
        family = ONS_FAMILY[m.group(1).upper()]
        names[h] = f"{family}_{'code' if m.group(3).upper() == 'CD' else 'name'}"
        first = years.setdefault(family, (m.group(2), h))
        if first[0] != m.group(2):
            problems.append(Problem(rel, 1, h, f"its year ({m.group(2)}) differs from {first[1]}'s ({first[0]})"))
            bad = True
    for canon in sorted({v for v in names.values() if v}):
        given = [h for h, v in names.items() if v == canon]
        if len(given) > 1:
            problems.append(Problem(rel, 1, given[1], f"gives {canon} as {given[0]} does: keep one of them"))
            bad = True
    return None if bad else names


def check_ons_file(path: Path, rel: str, problems: list[Problem]) -> Table | None:
    """Check a lookup in ONS's published layout (`area_lookup.csv`, or a lookup given to `safer init`, whose
    problems name it as `rel`) against `area_lookup.csv`'s spec.

    The file is checked under its own column names (so each problem names the column as the file does), then
    returned under the contract's names: the store reads it by position under those names.
    """
    spec = SPECS["area_lookup.csv"]
    header = _first_record(path)
    names = _ons_names(header, rel, problems) if header else {}
    if names is None:
        return None
    own = {v: h for h, v in names.items() if v}
    # a column the file lacks is named as ONS would name it (ward_code -> WD24CD, of the year of the file's other
    # ward or authority columns), so the problem says which ONS column to give, not the contract's own name
    years = {ONS_FAMILY[m.group(1).upper()]: m.group(2) for h in header or () if (m := ONS_COLUMN_RE.match(h))}
    prefix = {family: code for code, family in ONS_FAMILY.items()}

    def ons(name: str) -> str:
        family, kind = name.rsplit("_", 1)
        yy = years.get(family) or (years.get("lad") if family == "ward" else years.get("ward")) or "24"
        return f"{prefix[family]}{yy}{'CD' if kind == 'code' else 'NM'}"

    given = {c.name: own.get(c.name) or (ons(c.name) if years else c.name) for c in spec.columns}
    cols = [replace_column(c, given[c.name]) for c in spec.columns]
    cols += [Column(h, "text", required=False, optional=True) for h, v in names.items() if not v]
    t = check_file(path, rel, FileSpec(spec.name, tuple(cols), spec.grain, spec.doc, spec.key), problems)
    if t is None:
        return None
    canon = {h: v for h, v in names.items() if v and v != h}
    canon |= {h: c for c, h in given.items() if h != c and h not in names}  # a column left out, with its default
    t.spec, t.named = spec, {v: h for h, v in canon.items()}
    t.header = [canon.get(h, h) for h in t.header]
    t.rows.rename(canon)
    return t


def replace_column(col: Column, name: str) -> Column:
    from dataclasses import replace

    return replace(col, name=name)


def _police_months(rep: Report) -> set[str]:
    """Every month any police.uk file holds."""
    months: set[str] = set()
    for t in rep.police_files:
        if t.month_keys is not None:
            months.update(m for _f, m in t.month_keys)
        else:
            months.update(r["Month"] for _, r in t.rows)
    return months


def _check_area_lookup(rep: Report) -> dict[str, str]:
    """area_lookup.csv: local authority and ward codes, one name per authority, the partnership's LSOAs in its
    own authority. Returns each authority's name."""
    t = rep.tables.get(AREA_LOOKUP)
    if not t:
        return {}
    named = t.named
    lads: dict[str, tuple[str, int]] = {}
    own = (
        {r["lsoa_code"]: line for line, r in rep.tables["lsoa_ward_lookup.csv"].rows}
        if ("lsoa_ward_lookup.csv" in rep.tables)
        else {}
    )
    part = rep.tables.get("partnership.csv")
    home = part.rows[0][1]["area_code"] if part and part.rows else None
    for line, r in t.rows:
        lad = r["lad_code"]
        if not LAD_CODE_RE.match(lad):
            msg = f"'{lad}' is not a local authority code (E06, E07, E08, E09 or W06 and 6 digits)"
            rep.problems.append(Problem(t.rel, line, named.get("lad_code", "lad_code"), msg))
        if r.get("ward_code") and not WARD_CODE_RE.match(r["ward_code"]):
            msg = f"'{r['ward_code']}' is not a ward code (E05 or W05 and 6 digits)"
            rep.problems.append(Problem(t.rel, line, named.get("ward_code", "ward_code"), msg))
        first = lads.setdefault(lad, (r["lad_name"], line))
        if first[0] != r["lad_name"]:
            msg = f"'{shown(r['lad_name'])}' differs from '{shown(first[0])}' (line {first[1]}) for the same {lad}"
            rep.problems.append(Problem(t.rel, line, named.get("lad_name", "lad_name"), msg))
        if own and home and (r["lsoa_code"] in own) != (lad == home):
            rep.problems.append(Problem(t.rel, line, named.get("lad_code", "lad_code"), _not_same_area(r, own, home)))
    if own and home in lads:
        listed = {r["lsoa_code"] for _, r in t.rows}
        for code, line in own.items():
            if code not in listed:
                msg = f"{code} is not in {AREA_LOOKUP}, which lists the partnership's area {home}: {SAME_AREA}"
                rep.problems.append(Problem("lsoa_ward_lookup.csv", line, "lsoa_code", msg))
    return {code: name for code, (name, _line) in lads.items()}


SAME_AREA = (
    "the partnership's LSOAs must be the same in both lookups, or the Compare page's count and every other "
    "page's would differ (and the difference would show a count below ward level)"
)


def _not_same_area(r: dict, own: dict[str, int], home: str) -> str:
    if r["lsoa_code"] in own:
        return (
            f"{r['lsoa_code']} is the partnership's (lsoa_ward_lookup.csv line {own[r['lsoa_code']]}), but here it "
            f"is in {r['lad_code']}, not the partnership's own area {home}"
        )
    return f"{r['lsoa_code']} is in the partnership's area {home} here but not in lsoa_ward_lookup.csv: {SAME_AREA}"


def _check_groups_file(rep: Report, lads: dict[str, str], monthly_areas: set[str]) -> set[str]:
    """comparator_groups.csv: names, references, the partnership in every group, populations. Returns the
    areas counted from the police.uk files (in a group and in the lookup)."""
    t = rep.tables.get("comparator_groups.csv")
    if not t:
        return set()
    P = rep.problems
    part = rep.tables.get("partnership.csv")
    home = part.rows[0][1]["area_code"] if part and part.rows else None
    pops = _col(rep, "comparator_population.csv", "area_code")
    groups: dict[str, tuple[str, int, set[str]]] = {}
    names: dict[str, tuple[str, int]] = {}
    no_pop: set[str] = set()
    for line, r in t.rows:
        g = groups.setdefault(r["group_id"], (r["group_name"], line, set()))
        g[2].add(r["area_code"])
        if g[0] != r["group_name"]:
            msg = f"'{shown(r['group_name'])}' differs from '{shown(g[0])}' (line {g[1]})"
            P.append(Problem(t.rel, line, "group_name", msg))
        code = r["area_code"]
        first = names.setdefault(code, (r["area_name"], line))
        if first[0] != r["area_name"]:
            P.append(
                Problem(
                    t.rel,
                    line,
                    "area_name",
                    f"'{shown(r['area_name'])}' differs from '{shown(first[0])}' (line {first[1]})",
                )
            )
        if code not in lads and code not in monthly_areas:
            where = f"a local authority in {AREA_LOOKUP}" if AREA_LOOKUP in rep.tables else f"in {AREA_LOOKUP} (absent)"
            P.append(
                Problem(t.rel, line, "area_code", f"'{code}' is not {where} nor an area of comparator_monthly.csv")
            )
        elif code in lads and lads[code] != r["area_name"]:
            msg = f"'{shown(r['area_name'])}' is '{shown(lads[code])}' in {AREA_LOOKUP}"
            P.append(Problem(t.rel, line, "area_name", msg, "warning"))
        if code != home and code not in pops and code not in no_pop:
            no_pop.add(code)
            msg = f"'{code}' has no row in comparator_population.csv: the Compare page shows its counts but no rate"
            P.append(Problem(t.rel, line, "area_code", msg, "warning"))
    for gid, (_name, line, members) in groups.items():
        if home and home not in members:
            msg = f"group '{gid}' does not include the partnership's own area {home}: add a row for it"
            P.append(Problem(t.rel, line, "group_id", msg))
    return {code for code in names if code in lads}


def check_comparator_groups(rep: Report, indicators: dict[str, dict] | None) -> None:
    """The area lookup and the comparator groups; a comparator_monthly.csv row never counts what the police.uk
    files count (same area, police.uk indicator and a month any police.uk file holds)."""
    lads = _check_area_lookup(rep)
    if AREA_LOOKUP not in rep.tables and any(p.file == AREA_LOOKUP for p in rep.errors):
        return  # the lookup is unreadable, and says why: what refers to it cannot be checked
    if (
        "comparator_groups.csv" in rep.tables
        and AREA_LOOKUP not in rep.tables
        and "comparator_monthly.csv" not in rep.tables
    ):
        msg = f"needs {AREA_LOOKUP} (to count its areas from police_uk/) or comparator_monthly.csv"
        rep.problems.append(Problem("comparator_groups.csv", 1, "", msg))
    monthly = rep.tables.get("comparator_monthly.csv")
    from_files = _check_groups_file(rep, lads, _col(rep, "comparator_monthly.csv", "area_code"))
    if not monthly or not from_files or indicators is None:
        return
    months = _police_months(rep)
    for line, r in monthly.rows:
        ind = indicators.get(r["indicator_id"])
        if r["area_code"] in from_files and ind and ind["police_uk_crime_type"] and r["month"] in months:
            msg = (
                f"{r['area_code']} {r['indicator_id']} {r['month']} is counted from police_uk/ (the area is in "
                f"comparator_groups.csv and {AREA_LOOKUP}); it would be counted twice: remove this row"
            )
            rep.problems.append(Problem(monthly.rel, line, "month", msg))
