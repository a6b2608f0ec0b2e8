"""Briefings: a short list of views shown one per screen on a projector, or printed one per page.

A briefing is a TOML file in the project's `briefings/` or the data directory's own `briefings/` (read with the
standard library's `tomllib`):

    title = "Scrutiny briefing: the current plan cycle"

    [[slide]]
    title = "Burglary, month by month"
    page = "trends"            # trends | plan_cycles | consultation
    indicator = "burglary"     # the page's filters, as in its URL
    area = "E08000007"         # optional; default the partnership's area

It is opened with `?briefing=NAME` (NAME is the file name without `.toml`, checked against the files
in those folders, never used to build a path) and exported with `python -m safer briefing NAME --pdf OUT`.

Pure functions, no Streamlit: `load` reads and checks a briefing, `build_slide` makes one slide's
figure, its three sentences (from the same view as the chart, `safer.views`: what changed, whether it
is beyond chance, the caveat) and its stamp, `slides_html` and `pdf_bytes` make the printable version.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go

from . import charts, config, contract, export, queries, views

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
        return views.stamp_line(self.meta, self.area_name)  # as the slide's view counted it for its room


# --------------------------------------------------------------------------- reading a briefing


def available(directory: Path | None = None, data_dir: Path | None = None) -> dict[str, Path]:
    """The briefings that can be opened: {name: path}, from the `.toml` files in `directory`, by default the
    project's `briefings/` and then the data directory's own `briefings/` (`data_dir`, default the one in use: a
    partnership keeps its briefings with its extracts; one of the same name replaces the project's). A link
    (symlink) is not followed: a briefing is a file in one of those folders."""
    dirs = [Path(directory)] if directory else [BRIEFINGS_DIR, config.data_dir(data_dir) / "briefings"]
    found: dict[str, Path] = {}
    for d in dirs:
        if d.is_dir() and not d.is_symlink():
            found |= {
                p.stem: p
                for p in sorted(d.glob("*.toml"))
                if p.is_file() and not p.is_symlink() and NAME_RE.fullmatch(p.stem)
            }
    return dict(sorted(found.items()))


def load(name: str, directory: Path | None = None, data_dir: Path | None = None) -> Briefing:
    """The briefing called NAME. NAME is looked up among the files `available` lists (an allow-list): it is
    never joined to a path, so `../x` or an absolute path cannot reach another file."""
    found = available(directory, data_dir)
    if not isinstance(name, str) or name not in found:
        shown = repr(name[:60]) if isinstance(name, str) else repr(name)
        names = ", ".join(found) or "none"
        raise BriefingError(f"There is no briefing called {shown}. Briefings available: {names}.")
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


def _key_lines(text: str) -> tuple[list[int], list[dict[str, int]], dict[str, int]]:
    """Line numbers (1-based) of each [[slide]] header, of the keys inside each slide, and of top-level keys."""
    headers, keys, top = [], [], {}
    key_re = re.compile(r'^\s*"?([A-Za-z0-9_-]+)"?\s*=')
    inside = None  # the quotes of a multi-line string open at the line's start: its lines are text, not keys
    for n, line in enumerate(text.splitlines(), start=1):
        was = inside
        for q in re.findall(r'"""|\'\'\'', line):
            inside = None if inside == q else (inside or q)
        if was:
            continue
        if re.match(r"^\s*\[\[\s*slide\s*\]\]", line):
            headers.append(n)
            keys.append({})
            continue
        m = key_re.match(line)
        if m:
            (keys[-1] if keys else top).setdefault(m.group(1), n)
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
                f"{path.name}:{top_lines.get(k, 1)}: unknown key {k!r}; a briefing has "
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
                where = _where(path.name, lines, headers[i] if i < len(headers) else 1, k)
                raise BriefingError(f"{where}: slide {i + 1}: {k}: {msg}")
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise BriefingError(
            f"{path.name}:{top_lines.get('title', 1)}: the briefing needs a title "
            '(title = "...") before the first [[slide]]'
        )
    raw = doc.get("slide")
    if not isinstance(raw, list) or not raw:
        raise BriefingError(f"{path.name}:1: no slides: add at least one [[slide]] table")
    specs = []
    for i, s in enumerate(raw):
        header = headers[i] if i < len(headers) else 1
        lines = key_lines[i] if i < len(key_lines) else {}
        at = functools.partial(_where, path.name, lines, header)
        page = s.get("page")
        if not isinstance(page, str) or page not in PAGES:
            got = f"unknown page {page!r}" if page is not None else "no page"
            raise BriefingError(f"{at('page')}: slide {i + 1}: {got}; a slide shows one of: {', '.join(PAGES)}")
        stitle = s.get("title")
        if not isinstance(stitle, str) or not stitle.strip():
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
                    f"{at(k)}: slide {i + 1}: unknown filter {k!r} for page {page!r}; it takes {', '.join(PAGES[page])}"
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
    inds = queries.run(store, "indicators").set_index("indicator_id")
    iid = spec.filters["indicator"]
    if iid not in inds.index:
        raise BriefingError(
            f"{spec.where(path, 'indicator')}: indicator {iid!r} is not in indicators.csv; "
            f"it has {', '.join(inds.index)}"
        )
    return inds.loc[iid].to_dict() | {"indicator_id": iid}


def _area(store, spec: SlideSpec, path: Path, indicator: dict, partnership: dict) -> dict:
    areas = queries.run(store, "areas").set_index("area_code")
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


def build_slide(store, briefing: Briefing, step: int) -> Slide:
    """Slide STEP (1-based) of the briefing: the slide view of its kind (`safer.views.slides`, built from the
    page's own view), its chart in projector type, its three sentences and its stamp."""
    n = len(briefing.slides)
    step = parse_step(step, n)
    spec = briefing.slides[step - 1]
    p = queries.run(store, "partnership").iloc[0].to_dict()
    indicator = _indicator(store, spec, briefing.path)
    area = _area(store, spec, briefing.path, indicator, p)
    v = views.SLIDE_KINDS[spec.page](store, indicator["indicator_id"], area["area_code"])
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
    p = queries.run(store, "partnership").iloc[0].to_dict()
    for spec in briefing.slides:
        try:
            indicator = _indicator(store, spec, briefing.path)
            area = _area(store, spec, briefing.path, indicator, p)
        except BriefingError as exc:
            return str(exc)
        v = views.SLIDE_KINDS[spec.page](store, indicator["indicator_id"], area["area_code"])
        if "missing" in v.data:
            return f"{spec.where(briefing.path, 'indicator')}: {v.data['missing']}"
    return None


def build_slides(store, briefing: Briefing) -> list[Slide]:
    return [build_slide(store, briefing, i) for i in range(1, len(briefing.slides) + 1)]


def outline(slides: list[Slide]) -> str:
    """The briefing as plain text: each slide's title, sentences and stamp."""
    out = []
    for s in slides:
        out += [f"{s.number}/{s.of} {s.title}"] + [f"  {x}" for x in s.sentences] + [f"  [{s.stamp}]", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- print: HTML and PDF

_CSS = """
@page { size: A4 landscape; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #141414; }
.slide { height: 188mm; display: flex; flex-direction: column; page-break-after: always; break-after: page;
         overflow: hidden; }
.slide:last-child { page-break-after: auto; break-after: auto; }
.top { display: flex; justify-content: space-between; align-items: baseline; gap: 6mm; }
h1 { font-size: 24pt; margin: 0 0 2mm 0; line-height: 1.15; }
.count { font-size: 11pt; color: #333; white-space: nowrap; }
.synthetic { background: #B84F00; color: #fff; font-weight: bold; font-size: 12pt; padding: 1.5mm 3mm;
             margin: 0 0 3mm 0; }
.body { display: flex; gap: 6mm; flex: 1; min-height: 0; }
.chart { flex: 0 0 62%; min-height: 0; }
.chart svg { width: 100%; height: auto; max-height: 150mm; }
.text { flex: 1; font-size: 14pt; line-height: 1.35; }
.text p { margin: 0 0 4mm 0; }
.stamp { font-size: 10pt; color: #333; border-top: 1px solid #999; padding-top: 1.5mm; margin-top: 2mm; }
"""


def _svg(fig: go.Figure, meta: export.Meta) -> str:
    """The chart as SVG (kaleido, via export.image_bytes), for inlining: no XML prolog, no stamp (the printed
    page's footer is the stamp)."""
    # no stamp in the image: the page's footer carries it (twice on a page, and the chart's copy ran into the legend)
    svg = export.image_bytes(fig, "svg", meta, width=SLIDE_MIN_WIDTH, stamped=False).decode("utf-8")
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    return svg.replace("<svg ", '<svg role="img" ', 1)


def slides_html(briefing: Briefing, slides: list[Slide], svgs: list[str] | None = None) -> str:
    """One self-contained HTML document, one slide per printed page. Every text is escaped; the
    charts are inline SVG from kaleido (pass `svgs` to reuse images already made)."""
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(briefing.title)}</title>'
        f"<style>{_CSS}</style></head><body>"
    ]
    for i, s in enumerate(slides):
        svg = svgs[i] if svgs is not None else _svg(s.figure, s.meta)
        synth = f'<p class="synthetic">{e(SYNTHETIC_NOTE)}</p>' if s.meta.synthetic else ""
        text = "".join(f"<p>{e(x)}</p>" for x in s.sentences)
        parts.append(
            f'<section class="slide"><div class="top"><h1>{e(s.title)}</h1>'
            f'<span class="count">{e(briefing.title)} · {s.number} of {s.of}</span></div>{synth}'
            f'<div class="body"><div class="chart" aria-label="{e(s.alt)}">{svg}</div>'
            f'<div class="text">{text}</div></div>'
            f'<p class="stamp">{e(s.stamp)} · {e(s.meta.partnership)}</p></section>'
        )
    parts.append("</body></html>")
    return "".join(parts)


def chromium_path() -> str | None:
    for c in (
        os.environ.get("SAFER_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def print_pdf(html_text: str, out: Path, timeout: float = 120.0) -> Path:
    """Print an HTML document to PDF with the system's headless Chromium."""
    exe = chromium_path()
    if exe is None:
        raise BriefingError(
            "Chromium is needed to print the briefing (apt-get install chromium, or set SAFER_CHROMIUM)"
        )
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="safer-briefing-") as tmp:
        page = Path(tmp) / "briefing.html"
        page.write_text(html_text, encoding="utf-8")
        part = Path(tmp) / "out.pdf"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={part}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BriefingError(f"Chromium did not print the briefing within {timeout:.0f} s") from None
        if not part.is_file() or part.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BriefingError(f"Chromium did not write the PDF (exit {done.returncode}): {' / '.join(tail)}")
        shutil.move(str(part), out)
    return out


@views.cached
def pdf_bytes(store, briefing: Briefing) -> bytes:
    """The whole briefing as one PDF, one slide per page, each stamped.

    Printed once per briefing (its file as read) and data version, and shared: a committee opening the same
    link and each downloading the PDF waits for one print (several seconds: four charts drawn and a Chromium
    started to print), not twenty in a row."""
    with tempfile.TemporaryDirectory(prefix="safer-briefing-pdf-") as tmp:
        out = print_pdf(slides_html(briefing, build_slides(store, briefing)), Path(tmp) / "briefing.pdf")
        return out.read_bytes()


def pdf_page_count(data: bytes) -> int:
    """Pages in a PDF, counted from its page objects (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
