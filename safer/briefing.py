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
figure, its three sentences (from the same view as the chart: what changed, whether it is beyond chance, the
caveat) and its stamp; those are views (`safer.views.slides`, named here too). This module makes the printable
version: `slides_html` and `pdf_bytes`.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from . import export, views

# Reading a briefing and building its slides are the views' (`safer.views.slides`: the slides are views, and the
# Briefing page reads them through `safer.views`); named here too, for the command line and the tests.
from .views.slides import (  # noqa: F401
    BRIEFINGS_DIR,
    LEGEND_WRAP,
    MAX_BYTES,
    NAME_RE,
    PAGES,
    PROJECTOR_FONT,
    PROJECTOR_TITLE_FONT,
    REQUIRED_FILTERS,
    SHORT_SCREEN,
    SLIDE_HEIGHT,
    SLIDE_KEYS,
    SLIDE_MIN_WIDTH,
    SLIDE_TITLE_MAX,
    SYNTHETIC_NOTE,
    TOP_KEYS,
    Briefing,
    BriefingError,
    Slide,
    SlideSpec,
    available,
    build_slide,
    build_slides,
    for_projector,
    load,
    parse,
    parse_step,
    problem,
)


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
