"""Briefing slides: one view per slide kind, built from the page's own view, for a projector.

Each function returns a `View` whose figure ("chart") is the chart as its page draws it (the briefing puts
it in projector type), whose sentences are at most three plain ones, whose detail is the method (one click
away for the analyst), and whose `data["alt"]` is a text alternative to the chart. A slide and its page
cannot disagree: the slide takes its numbers from the same view.

A briefing is the list of those slides: `available` and `load` read and check its TOML file (see `safer.briefing`
for its format), `problem` says which slide this data cannot show, and `build_slide` makes one `Slide` (its chart in
projector type, its three sentences and its stamp) from its view; `safer.briefing` prints them, and the Briefing page
reads them through `safer.views`. The indicators, areas and partnership come from `table` (cached per data version).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go

from .. import charts, config, contract, export, queries, stats
from . import comparisons
from .base import METHODS, View, cached, query_command, stamp, table
from .consultation import change_words, compared_periods, consultation, perception_period
from .cycles import cycle_comparison
from .trends import trend

# Characters of a slide's sentences that fit under its chart on a 1280x720 projector in the briefing's type (571
# ended 24 px above the screen's edge; anti-social behaviour's 643 ran 27 px under it), with a stamp of
# STAMP_LINES lines: the browser test measures it
SLIDE_TEXT = 580
STAMP_LINES = 3
# a stamp's line under a 1280x720 slide's chart (the slides' stamps wrap as words wrapped at 68 characters do), and
# what each line beyond STAMP_LINES takes from the sentences' room: 18 px against the sentences' 26 a line of about 46
# characters (child sexual exploitation's stamp names a long partner source, ran to four lines and pushed the slide
# 2 px under the screen's edge: an outside audit)
STAMP_CHARS = 68
STAMP_LINE_TEXT = 35


def stamp_line(meta, area_name: str = "") -> str:
    """A slide's stamp: the area, data period, source and data version (and that the data is synthetic)."""
    s = f"Data period: {meta.period} · Source: {meta.source} · Data version {meta.data_version}"
    s = f"{area_name} · {s}" if area_name else s
    return s + (" · SYNTHETIC DEMO DATA" if meta.synthetic else "")


def fit(sentences: list[str], order: list[int], stamp: str = "") -> tuple[list[str], list[str]]:
    """A slide's sentences that fit `SLIDE_TEXT` (less what a `stamp` of more than STAMP_LINES lines takes), taken
    in order of importance (`order`: their positions, the most important first; the first is always kept, and none
    after the first that does not fit, so a less important one never takes the place of a more important one) and
    shown in their own order; and the rest, which the slide puts first in its "How this was worked out", one click
    away, so nothing is lost from the screen's story."""
    extra = max(0, len(textwrap.wrap(stamp, STAMP_CHARS)) - STAMP_LINES)
    room = SLIDE_TEXT - STAMP_LINE_TEXT * extra
    keep, used = set(), 0
    for i in order:
        n = len(sentences[i]) + (1 if keep else 0)
        if keep and used + n > room:
            break
        keep.add(i)
        used += n
    shown = [x for i, x in enumerate(sentences) if i in keep]
    return shown, [sentences[i] for i in order if i not in keep]


def _period(first, last) -> str:
    return f"{first} to {last}" if isinstance(first, str) and isinstance(last, str) else "no data"


def plain_sentences(store, indicator_id: str, area_code: str | None = None) -> list[str]:
    """A trend slide's words, at most three, each as its page says it in plain words (`comparisons.plain_verdict`):
    the latest 12 months against the same months a year before (the Trends page's), the current plan against the
    one before (the Plan cycles page's, with its figures as that page writes them), and the indicator's first
    caveat. The figures and the method are one click away (`comparisons.method_sentences`). The slide shows those
    that fit its screen (`fit`): the caveat before the plan cycles', which have a slide of their own."""
    v = trend(store, indicator_id, area_code)
    out = [v.data["plain"]]
    try:
        cid = comparisons.current_cycle_id(store, indicator_id)
        said = cycle_comparison(store, indicator_id, area_code).data["plain by cycle on a slide"].get(cid)
    except comparisons.ExplainError:
        said = None
    if said:
        out.append(said)
    cav = comparisons.first_sentence(v.data["indicator"].get("caveats"))
    if cav:
        out.append(cav)
    return out[:3]


@cached
def trend_slide(store, indicator_id: str, area_code: str) -> View:
    """The months, the rolling mean, plan cycles and gaps: one story (the Trends page adds limits and events)."""
    v = trend(store, indicator_id, area_code)
    ind, m = v.data["indicator"], v.data["monthly"]
    c = v.data["comparison"]
    fig = charts.trend_chart(
        m[["month", "value"]],
        m["rolling_12_mean"],
        None,
        queries.run(store, "plan_cycles"),
        None,
        ind,
        v.data["area"]["area_name"],
        v.meta.synthetic,
        suppressed=m["value_suppressed"] if "value_suppressed" in m else None,
        suppress_below=m.attrs.get("suppress_below"),
        beside=(c.current_mean, c.previous_mean),  # the 12-month means read as the first sentence writes them
    )
    period = _period(*(m.month.iloc[[0, -1]] if len(m) else (None, None)))
    said = plain_sentences(store, indicator_id, area_code)
    filters = {"indicator": indicator_id, "area": area_code}
    meta = stamp(store, v.title, period, str(ind["source"]), filters, method=v.meta.method)
    # the latest 12 months, then the caveat (how to read them), then the plan against the one before
    order = [0, 2, 1] if len(said) == 3 else list(range(len(said)))
    shown, left = fit(said, order, stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="trend_slide",
        title=v.title,
        question=v.question,
        meta=meta,
        figures={"chart": fig},
        sentences=shown,
        detail=left + comparisons.method_sentences(store, indicator_id, area_code),
        queries=v.queries,
        # the axis title is Plotly's text, which reads HTML: the unit from the extract kept literal (an outside
        # audit: a unit's <a href> was a live link on the slide and in its PDF)
        data={"alt": v.sentences[1], "y_title": charts.text(f"{str(ind['unit']).capitalize()} per month")},
    )


@cached
def cycles_slide(store, indicator_id: str, area_code: str) -> View:
    """Each plan cycle's monthly mean; the words compare each cycle with the one before on matched months."""
    v = cycle_comparison(store, indicator_id, area_code)
    # the page's period: its months with data, a withheld count being data (an outside audit: a ward's slide of a
    # small-number indicator said "no data" beside the page's "2018-04 to 2026-09")
    period = v.meta.period + " (plan cycles)"
    # as the page's bullets say them: a verdict whose means are other months' than the bars' says what the bars are
    # (a committee saw 74.1 and 70.5 on the bars, "70.5 against 74.4" beside them, and nothing to say why)
    said = v.data["beside bars on a slide"][-3:]
    # the verdicts, the current plan's first, before the note on the months of a cycle under way
    verdicts_at = [i for i, x in enumerate(said) if x not in v.data["under way"]]
    filters = {"indicator": indicator_id, "area": area_code}
    meta = stamp(store, v.title, period, v.meta.source, filters, method=v.meta.method)
    order = verdicts_at[::-1] + [i for i in range(len(said)) if i not in verdicts_at]
    shown, left = fit(said, order, stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="cycles_slide",
        title=v.title,
        question=v.question,
        meta=meta,
        figures={"chart": v.figures["cycle means chart"]},
        # as the page says them (its bullets); each verdict with its figures and the method one click away, in the
        # slide's "How this was worked out" as in the page's (the figures' wording ran off a 1280x720 screen)
        sentences=shown,
        detail=left + v.data["with_figures"] + v.detail,
        queries=v.queries,
        data={"alt": v.data["described"]["cycle means chart"]},  # the chart in words
    )


@cached
def perception_slide(store, indicator_id: str, area_code: str) -> View:
    """What residents say against what is recorded. `data["missing"]` says why there is no slide, if so."""
    c = consultation(store, "all", "all", indicator_id)  # the Consultation page's view of this indicator
    ind = comparisons.indicator(store, indicator_id)
    pv = c.tables.get("perception against recorded")
    if pv is None or pv.empty:
        msg = f"no survey question in consultation.csv is set against {indicator_id!r}, so there is no perception"
        return View("perception_slide", "", "", c.meta, data={"missing": msg + " to show"})
    first, last = compared_periods(pv)
    said = f"Residents: {first.percent:.1f}% in {first.period}" + (
        f" and {last.percent:.1f}% in {last.period} ({first.answer.lower()})"
        if last.name != first.name
        else f" ({first.answer.lower()})"
    )
    alt = f"{said}. Recorded {ind['label'].lower()} per month is drawn on the chart."
    # on the slide, the change judged in a few words (its interval and method under "How this was worked out"):
    # the chart says what is recorded, and the slide's text fits a 1280x720 screen
    shown = said + (f": {change_words(first, last, interval=False)}." if last.name != first.name else ".")
    monthly = queries.run(store, "monthly", indicator=indicator_id, area=area_code)
    fig = charts.perception_chart(pv, monthly, ind, c.meta.synthetic)
    verdict = comparisons.in_family(store, "latest12", indicator_id, area_code)
    period = _period(*perception_period(pv, monthly).split(" to "))
    source = c.meta_of("perception chart").source  # the Consultation page's, as its chart says it
    meta = stamp(
        store, ind["label"], period, source, {"indicator": indicator_id, "area": area_code}, method=METHODS["survey"]
    )
    said_all = [
        shown,
        comparisons.plain_verdict(verdict, str(ind["unit"])),  # as the pages say it
        comparisons.first_sentence(ind.get("caveats")) or stats.SURVEY_METHOD.split(". ")[0] + ".",
    ]
    # what residents say, then the verdict on what is recorded, then the caveat
    kept, left = fit(said_all, [0, 1, 2], stamp_line(meta, comparisons.area(store, area_code)["area_name"]))
    return View(
        name="perception_slide",
        title=f"{ind['label']}: what residents say against what is recorded",
        question="Do residents' views match what is recorded?",
        meta=meta,
        figures={"chart": fig},
        sentences=kept,
        detail=left
        + [
            f"{said}: {change_words(first, last)}." if last.name != first.name else said + ".",
            stats.SURVEY_METHOD,
            stats.SURVEY_CHANGE_METHOD,
        ],
        queries=[query_command("perception_vs_recorded", indicator=indicator_id)],
        data={"alt": alt},
    )


SLIDE_KINDS = {"trends": trend_slide, "plan_cycles": cycles_slide, "consultation": perception_slide}


# --------------------------------------------------------------------------- briefings: the slides in a file

BRIEFINGS_DIR = config.PROJECT_ROOT / "briefings"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")  # the whole name (fullmatch: no newline after it either)
MAX_BYTES = 256 * 1024  # a briefing is a page of text: a larger file is refused, not parsed

# Each page a slide can show, with the filters it takes (as in the page's URL).
PAGES: dict[str, tuple[str, ...]] = {
    "trends": ("indicator", "area"),
    "plan_cycles": ("indicator", "area"),
    "consultation": ("indicator",),
}
REQUIRED_FILTERS = ("indicator",)
TOP_KEYS = ("title", "description")
SLIDE_KEYS = ("title", "page")
# The longest slide title, in characters, that its heading holds on one line of a 1280x720 projector (measured in
# Chromium: 77 characters of mixed case with "WWW" in them on one line, 81 on two): a second line pushes the slide's
# words, stamp and method under the screen's edge (tests/test_browser.py measures the shipped slides)
SLIDE_TITLE_MAX = 70

# Projector type: nothing on a slide's chart below this size (px).
SLIDE_HEIGHT = 600  # px: a slide chart's own height (the printed page's, and the least a screen gives it)
SLIDE_MIN_WIDTH = 760  # px: the narrowest a slide chart is drawn (the printed page's image)
# said on a screen too short for a slide (pages/briefing.py shows it only there)
SHORT_SCREEN = (
    "This screen is too short for the whole slide at this zoom: Ctrl+0 sets the browser back to 100%, and F11 "
    "shows the slide full screen."
)
PROJECTOR_FONT = 20
PROJECTOR_TITLE_FONT = 28
SYNTHETIC_NOTE = "Synthetic demo data: these are not real figures."


class BriefingError(ValueError):
    """A briefing that cannot be shown: the message names the file and line."""


@dataclass(frozen=True)
class SlideSpec:
    title: str
    page: str
    filters: dict[str, str]
    line: int  # line of the slide's [[slide]] header in the file
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # line of each key

    def __hash__(self) -> int:  # a briefing is a cache key (`pdf_bytes`); its filters are a dict
        return hash((self.title, self.page, tuple(sorted(self.filters.items())), self.line))

    def where(self, path: Path, key: str | None = None) -> str:
        return f"{path.name}:{self.lines.get(key, self.line) if key else self.line}"


@dataclass(frozen=True)
class Briefing:
    name: str
    title: str
    description: str
    slides: tuple[SlideSpec, ...]
    path: Path


def _where(name: str, lines: dict, header: int, key: str | None = None) -> str:
    """`FILE:LINE` of a slide's key (or of its [[slide]] header)."""
    return f"{name}:{lines.get(key, header) if key else header}"


@dataclass
class Slide:
    number: int
    of: int
    title: str
    page: str
    figure: go.Figure
    sentences: list[str]  # at most three plain sentences, from the same view as the chart
    meta: export.Meta  # period, source, data version, filters
    alt: str  # a text alternative to the chart
    detail: list[str] = field(default_factory=list)  # the method, one click away for the analyst
    phone_figure: go.Figure | None = None  # the same chart as its page draws it: for a phone's width
    area_name: str = ""  # the area shown: a slide's title need not name it (a ward's figures read as the whole's)

    @property
    def stamp(self) -> str:
        return stamp_line(self.meta, self.area_name)  # as the slide's view counted it for its room


# --------------------------------------------------------------------------- reading a briefing


def available(directory: Path | None = None, data_dir: Path | None = None) -> dict[str, Path]:
    """The briefings that can be opened: {name: path}, from the `.toml` files in `directory`, by default the
    project's `briefings/` and then the data directory's own `briefings/` (`data_dir`, default the one in use: a
    partnership keeps its briefings with its extracts; one of the same name replaces the project's). A link
    (symlink) is not followed: a briefing is a file in one of those folders."""
    found: dict[str, Path] = {}
    for d in _folders(directory, data_dir):
        if d.is_dir() and not d.is_symlink():
            found |= {
                p.stem: p
                for p in sorted(d.glob("*.toml"))
                if p.is_file() and not p.is_symlink() and NAME_RE.fullmatch(p.stem)
            }
    return dict(sorted(found.items()))


def _folders(directory: Path | None, data_dir: Path | None) -> list[Path]:
    """The folders briefings are read from (`available`)."""
    return [Path(directory)] if directory else [BRIEFINGS_DIR, config.data_dir(data_dir) / "briefings"]


NAME_RULE = "a briefing's file name is lower-case letters, digits, '-' and '_' (80 at most), ending .toml"


def passed_over(directory: Path | None = None, data_dir: Path | None = None) -> list[str]:
    """The `.toml` files in the briefings folders that `available` does not open, each with why: a name that is
    not a briefing's (capitals, a space: `Q3 Scrutiny.toml` was left out without a word, an outside audit), or a
    link."""
    out = []
    for d in _folders(directory, data_dir):
        if not d.is_dir() or d.is_symlink():
            continue
        for p in sorted(d.iterdir()):
            if p.suffix.lower() != ".toml":
                continue
            name = contract.shown(p.name)
            if p.is_symlink():
                out.append(f"{name} is not opened: it is a link, and a briefing is a file in the folder")
            elif p.suffix != ".toml" or not NAME_RE.fullmatch(p.stem):
                out.append(f"{name} is not opened: {NAME_RULE}")
    return out


def load(name: str, directory: Path | None = None, data_dir: Path | None = None) -> Briefing:
    """The briefing called NAME. NAME is looked up among the files `available` lists (an allow-list): it is
    never joined to a path, so `../x` or an absolute path cannot reach another file."""
    found = available(directory, data_dir)
    if not isinstance(name, str) or name not in found:
        shown = repr(name[:60]) if isinstance(name, str) else repr(name)
        names = ", ".join(found) or "none"
        over = passed_over(directory, data_dir)
        raise BriefingError(
            f"There is no briefing called {shown}. Briefings available: {names}."
            + (f" {'; '.join(over)}." if over else "")
        )
    path = found[name]
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BriefingError(f"{path.name}: {path.stat().st_size:,} bytes; a briefing is at most {MAX_BYTES:,}")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise BriefingError(
                f"{path.name}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x}): save it as UTF-8"
            ) from None
        return parse(text, path)
    except OSError as exc:
        raise BriefingError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    except RecursionError:
        raise BriefingError(f"{path.name}: nested too deeply to be a briefing") from None


def _string_open_after(line: str, inside: str | None) -> str | None:
    """The quotes of a multi-line TOML string still open at the end of `line` (`inside`: open at its start). A
    comment's or a one-line string's quotes open none (an outside audit: a `\"\"\"` in a comment on line 1 made every
    error say line 1)."""
    i = 0
    while i < len(line):
        if inside:
            j = line.find(inside, i)
            if j < 0:
                return inside
            i, inside = j + 3, None
        elif line.startswith(('"""', "'''"), i):
            inside, i = line[i : i + 3], i + 3
        elif line[i] in "\"'":  # a one-line string: to its closing quote (a basic string's escapes skipped)
            q, i = line[i], i + 1
            while i < len(line) and line[i] != q:
                i += 2 if q == '"' and line[i] == "\\" else 1
            i += 1
        elif line[i] == "#":
            return None
        else:
            i += 1
    return inside


BRIEFING_TITLE_MAX = 120  # characters: the Briefings page's link to it, and the PDF's first page


def _visible(v) -> str:
    """`v` without spaces, control, bidirectional and zero-width characters: '' where nothing would show."""
    return contract.SHOWN_ESCAPED_RE.sub("", v).strip() if isinstance(v, str) else ""


def _quoted(v) -> str:
    """A value from the file as a message quotes it: cut to `contract.SHOWN_CHARS` (a 10,000-character page name
    was quoted whole, an outside audit), control characters written out."""
    return repr(contract.shown(v)) if isinstance(v, str) else repr(v)


def _key_lines(text: str) -> tuple[list[int], list[dict[str, int]], dict[str, int]]:
    """Line numbers (1-based) of each [[slide]] header, of the keys inside each slide, and of top-level keys (a
    table or array of tables under another name, `[briefing]` or `[[slides]]`, and an inline `slide = [...]`, as a
    top-level key at its line)."""
    headers, keys, top = [], [], {}
    key_re = re.compile(r'^\s*["\']?([A-Za-z0-9_-]+)["\']?\s*=')
    table_re = re.compile(r'^\s*(\[\[?)\s*["\']?([A-Za-z0-9_-]+)["\']?\s*\]')
    inside = None  # the quotes of a multi-line string open at the line's start: its lines are text, not keys
    where: dict[str, int] | None = top  # where the keys now read go (None: a table of its own, not checked)
    for n, line in enumerate(text.splitlines(), start=1):
        was = inside
        inside = _string_open_after(line, inside)
        if was:
            continue
        t = table_re.match(line)
        if t and t.group(1) == "[[" and t.group(2) == "slide":
            headers.append(n)
            keys.append({})
            where = keys[-1]
            continue
        if t:
            top.setdefault(t.group(2), n)
            where = None
            continue
        m = key_re.match(line)
        if m and where is not None:
            where.setdefault(m.group(1), n)
    return headers, keys, top


def parse(text: str, path: Path) -> Briefing:
    """Read and check a briefing. Every problem raises BriefingError naming the file and line."""
    path = Path(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise BriefingError(f"{path.name}:{m.group(1) if m else 1}: not valid TOML: {exc}") from None
    headers, key_lines, top_lines = _key_lines(text)
    for k in doc:
        if k not in TOP_KEYS and k != "slide":
            raise BriefingError(
                f"{path.name}:{top_lines.get(k, 1)}: unknown key {_quoted(k)}; a briefing has "
                f"{', '.join(TOP_KEYS)} and [[slide]] tables"
            )
    # text shown on a slide or the briefing's page holds no control character: U+202E (right-to-left override) made
    # a title "… gnp.exe" read "exe.png" (as the contract refuses it in extracts)
    for k in ("title", "description"):
        if isinstance(doc.get(k), str) and (msg := contract.control_message(doc[k])):
            raise BriefingError(f"{path.name}:{top_lines.get(k, 1)}: {k}: {msg}")
    for i, s in enumerate(doc.get("slide") if isinstance(doc.get("slide"), list) else []):
        for k, v in s.items() if isinstance(s, dict) else ():
            if isinstance(v, str) and (msg := contract.control_message(v)):
                lines = key_lines[i] if i < len(key_lines) else {}
                where = _where(path.name, lines, headers[i] if i < len(headers) else top_lines.get("slide", 1), k)
                raise BriefingError(f"{where}: slide {i + 1}: {k}: {msg}")
    title = doc.get("title")
    if not _visible(title):
        raise BriefingError(
            f"{path.name}:{top_lines.get('title', 1)}: the briefing needs a title "
            '(title = "...") before the first [[slide]]'
        )
    if len(title.strip()) > BRIEFING_TITLE_MAX:  # a 10,000-character title filled the Briefings page (an audit)
        raise BriefingError(
            f"{path.name}:{top_lines.get('title', 1)}: the briefing's title is {len(title.strip())} characters; at "
            f"most {BRIEFING_TITLE_MAX}: shorten it (the description says more)"
        )
    raw = doc.get("slide")
    if not isinstance(raw, list) or not raw:
        raise BriefingError(f"{path.name}:1: no slides: add at least one [[slide]] table")
    specs = []
    for i, s in enumerate(raw):
        header = headers[i] if i < len(headers) else top_lines.get("slide", 1)  # an inline array: its line
        lines = key_lines[i] if i < len(key_lines) else {}
        at = functools.partial(_where, path.name, lines, header)
        page = s.get("page")
        if not isinstance(page, str) or page not in PAGES:
            got = f"unknown page {_quoted(page)}" if page is not None else "no page"
            raise BriefingError(f"{at('page')}: slide {i + 1}: {got}; a slide shows one of: {', '.join(PAGES)}")
        stitle = s.get("title")
        if not _visible(stitle):  # zero-width spaces alone left the slide without a heading (an outside audit)
            raise BriefingError(f"{at('title')}: slide {i + 1}: the slide needs a title")
        if len(stitle.strip()) > SLIDE_TITLE_MAX:
            raise BriefingError(
                f"{at('title')}: slide {i + 1}: the title is {len(stitle.strip())} characters; a slide's heading holds "
                f"at most {SLIDE_TITLE_MAX} on one line of a 1280x720 projector (a second line pushes the slide's "
                "words under the screen's edge): shorten it"
            )
        filters = {}
        for k, v in s.items():
            if k in SLIDE_KEYS:
                continue
            if k not in PAGES[page]:
                raise BriefingError(
                    f"{at(k)}: slide {i + 1}: unknown filter {_quoted(k)} for page {page!r}; it takes "
                    f"{', '.join(PAGES[page])}"
                )
            if not isinstance(v, str) or not v.strip():
                raise BriefingError(f"{at(k)}: slide {i + 1}: filter {k!r} must be a non-empty string")
            filters[k] = v.strip()
        for k in REQUIRED_FILTERS:
            if k not in filters:
                raise BriefingError(f"{at()}: slide {i + 1}: filter {k!r} is required")
        specs.append(SlideSpec(stitle.strip(), page, filters, header, dict(lines)))
    desc = doc.get("description")
    return Briefing(path.stem, title.strip(), desc.strip() if isinstance(desc, str) else "", tuple(specs), path)


def parse_step(raw, n: int) -> int:
    """The slide number from the URL (`&step=N`, 1-based), kept within 1..n; anything else is 1."""
    try:
        step = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(step, 1), max(n, 1))


# --------------------------------------------------------------------------- one slide


LEGEND_WRAP = 56  # characters a line of a legend entry on a slide


def for_projector(
    fig: go.Figure, height: int = SLIDE_HEIGHT, width: int = SLIDE_MIN_WIDTH, y_title: str | None = None
) -> go.Figure:
    """The figure for a projector: nothing below PROJECTOR_FONT px, and nothing a slide says anyway.

    The slide's own heading replaces the chart's title and subtitle; the long method caption under a
    chart is left to the page (the sentences name the test); the synthetic band stays. The bottom margin holds
    the legend's rows at `width` px, the narrowest a slide chart is drawn (a 1,280 px screen's chart column, the
    printed page's image): a legend of more rows than its margin held made Plotly widen the margin and draw the
    chart twice (at 1,280 px, its margin for a 1,200 px column held two rows of three)."""
    f = go.Figure(fig)
    big = lambda size: max(size or PROJECTOR_FONT, PROJECTOR_FONT)  # noqa: E731
    f.update_layout(
        font=dict(size=PROJECTOR_FONT),
        hoverlabel=dict(font_size=PROJECTOR_FONT),
        title=dict(text=None, subtitle=dict(text=None)),
    )
    f.update_xaxes(tickfont_size=PROJECTOR_FONT, title_font_size=PROJECTOR_FONT)
    f.update_yaxes(tickfont_size=PROJECTOR_FONT, title_font_size=PROJECTOR_FONT)
    if len(list(f.select_yaxes())) > 1:  # stacked panels: their titles (with units) name each panel
        f.update_yaxes(title_text=None)
    elif y_title:
        f.update_yaxes(title_text=y_title)
    for t in f.data:
        if t.name:  # a slide is wide: the lines a phone's legend needed are joined again
            t.name = charts._wrap_words(str(t.name).replace("<br>", " "), LEGEND_WRAP)
        tf = getattr(t, "textfont", None)
        if tf is not None and tf.size is not None:
            tf.size = big(tf.size)
    synthetic = [a for a in f.layout.annotations if a.name == "synthetic"]
    f.layout.annotations = [a for a in f.layout.annotations if a.name != "synthetic"]
    for a in f.layout.annotations:
        a.font.size = big(a.font.size)
        if (
            a.name == "bar label"
        ):  # a slide is wide: the line a 320 px screen needed is joined again (its row holds two)
            a.text = str(a.text).replace(charts.SO_FAR_BREAK, " with data")
    band = 44 if synthetic else 0
    top = band + 44  # the band, then room for labels on top of the plot (plan cycles, subplot titles)
    legend = charts.legend_height(f, width - 130, PROJECTOR_FONT) if f.layout.showlegend is not False else 0
    bottom = round(90 + (34 if any(ax.title.text for ax in f.select_xaxes()) else 0) + legend)
    # the left margin holds the y axis's title and labels: a bar's name beside it (the plan cycles' "2018-21" and
    # the axis title needed 115 px, and Plotly widened a margin of 100, drawing the chart twice)
    names = [str(v) for t in f.data if getattr(t, "orientation", None) == "h" for v in (t.y if t.y is not None else ())]
    y_titled = any(ax.title.text for ax in f.select_yaxes())
    left = max([100] + [round(len(n) * 0.6 * PROJECTOR_FONT + 20 + (34 if y_titled else 0)) for n in names])
    f.update_layout(
        height=height,
        margin=dict(l=left, r=30, t=top, b=bottom),
        legend=dict(
            orientation="h",
            yref="container",
            y=0.005,
            yanchor="bottom",
            x=0.01,
            xanchor="left",
            font=dict(size=PROJECTOR_FONT),
        ),
    )
    for a in synthetic:  # back at the top left of the figure, on one line (a slide is wide and has no mode bar)
        a.update(text=charts.synthetic_label(one_line=True), xshift=-(left - 12), yshift=top - 6)
        a.update(font=dict(size=PROJECTOR_FONT))
        f.add_annotation(a)
    f = charts.fit_gap_labels(f, grow=False)  # room for the gap labels above the plot, in projector type
    m = f.layout.margin
    # event numbers in projector type on rows of their own, for the narrowest slide chart (the printed one)
    return charts.fit_event_numbers(f, SLIDE_MIN_WIDTH - m.l - m.r, height - m.t - m.b)


def _indicator(store, spec: SlideSpec, path: Path) -> dict:
    inds = table(store, "indicators").set_index("indicator_id")
    iid = spec.filters["indicator"]
    if iid not in inds.index:
        raise BriefingError(
            f"{spec.where(path, 'indicator')}: indicator {iid!r} is not in indicators.csv; "
            f"it has {', '.join(inds.index)}"
        )
    return inds.loc[iid].to_dict() | {"indicator_id": iid}


def _area(store, spec: SlideSpec, path: Path, indicator: dict, partnership: dict) -> dict:
    areas = table(store, "areas").set_index("area_code")
    code = spec.filters.get("area") or partnership["area_code"]
    if code not in areas.index:
        raise BriefingError(
            f"{spec.where(path, 'area')}: area {code!r} is not in areas.csv: give an area's ONS code (E05... for a "
            "ward), as areas.csv lists it"
        )
    row = areas.loc[code]
    if indicator["geography"] == "borough" and row.area_type != "borough":
        raise BriefingError(
            f"{spec.where(path, 'area')}: {indicator['indicator_id']} is recorded for the whole area "
            f"only, not for {row.area_name}"
        )
    return {"area_code": code, "area_name": row.area_name, "area_type": row.area_type}


@cached
def build_slide(store, briefing: Briefing, step: int) -> Slide:
    """Slide STEP (1-based) of the briefing: the slide view of its kind (above, built from the
    page's own view), its chart in projector type, its three sentences and its stamp. Built once per (briefing
    as read, step, data version) for every session, as a view is: an edited briefing file is another key."""
    n = len(briefing.slides)
    step = parse_step(step, n)
    spec = briefing.slides[step - 1]
    p = table(store, "partnership").iloc[0].to_dict()
    indicator = _indicator(store, spec, briefing.path)
    area = _area(store, spec, briefing.path, indicator, p)
    v = SLIDE_KINDS[spec.page](store, indicator["indicator_id"], area["area_code"])
    if "missing" in v.data:
        raise BriefingError(f"{spec.where(briefing.path, 'indicator')}: {v.data['missing']}")
    fig = v.figures["chart"]
    meta = dataclasses.replace(v.meta, title=spec.title, filters=dict(spec.filters) | {"area": area["area_code"]})
    return Slide(
        number=step,
        of=n,
        title=spec.title,
        page=spec.page,
        figure=for_projector(fig, y_title=v.data.get("y_title")),
        phone_figure=fig,
        sentences=[x for x in v.sentences if x][:3],
        meta=meta,
        alt=v.data["alt"],
        detail=v.detail,
        area_name=str(area["area_name"]),
    )


def problem(store, briefing: Briefing) -> str | None:
    """The first slide this data cannot show (an indicator, area or survey question the partnership's extracts do
    not have: a briefing written for another partnership), with its file and line; None when every slide can be
    shown. From the slides' own views (cached per data version), so the list of briefings offers only those
    that open."""
    p = table(store, "partnership").iloc[0].to_dict()
    for spec in briefing.slides:
        try:
            indicator = _indicator(store, spec, briefing.path)
            area = _area(store, spec, briefing.path, indicator, p)
        except BriefingError as exc:
            return str(exc)
        v = SLIDE_KINDS[spec.page](store, indicator["indicator_id"], area["area_code"])
        if "missing" in v.data:
            return f"{spec.where(briefing.path, 'indicator')}: {v.data['missing']}"
    return None


def build_slides(store, briefing: Briefing) -> list[Slide]:
    return [build_slide(store, briefing, i) for i in range(1, len(briefing.slides) + 1)]
