"""Exports: tables as CSV and Excel, charts as PNG and SVG, and a citation for every view.

Every export carries its stamp: title, filters, data period, source and data version (Excel in a
header block and an "About" sheet, images in a footer line; CSV keeps a plain header row so that it
loads anywhere, and carries the data version in its file name). Suppressed small numbers show as `<N`.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as _dt
import html
import io
import math
import re
import threading
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from . import charts, fmt, queries

SUPPRESSED_SUFFIX = "_suppressed"
# a figure worked out from withheld counts (a ward's 12-month mean over a withheld month): not a count, so shown
# "withheld", not "<N"; an empty cell read as a month without data (an SIA analyst)
WITHHELD_SUFFIX = "__withheld"
DESIGN_WIDTH = 1400  # px: the width a chart's margins are set for, and the images' default width
IMAGE_WIDTHS = (760, 1000, DESIGN_WIDTH)  # the widths images are made at: a report's column, a half page, a page


@dataclass
class Meta:
    """What a view shows, for stamps and citations."""

    title: str
    period: str
    source: str
    data_version: str
    filters: dict[str, str] = field(default_factory=dict)
    url: str = ""
    partnership: str = ""
    synthetic: bool = False
    method: str = ""  # how its figures were worked out, in one sentence, for the citation (`views.base.METHODS`)

    def filters_text(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.filters.items())

    def stamp(self) -> str:
        parts = [self.title]
        if self.filters:
            parts.append(self.filters_text())
        parts += [f"Data period: {self.period}", f"Source: {self.source}", f"Data version {self.data_version}"]
        if self.synthetic:
            parts.append("SYNTHETIC DEMO DATA")
        return " · ".join(parts)


def citation(meta: Meta, accessed: _dt.date | None = None) -> str:
    """One paragraph to paste into an SIA footnote."""
    accessed = accessed or _dt.date.today()
    who = f"{meta.partnership}. " if meta.partnership else ""
    filt = f" ({meta.filters_text()})" if meta.filters else ""
    synth = " Synthetic demo data, not real figures." if meta.synthetic else ""
    link = f" Available at: {meta.url}" if meta.url else ""
    method = f" Method: {_ended(meta.method)}" if meta.method else ""
    return (
        f"{who}{_ended(f'{meta.title}{filt}')} Data period {_ended(meta.period)} Source: {_ended(meta.source)} "
        f"Data version {meta.data_version}.{method}{synth}{link} (accessed {accessed:%d %B %Y})."
    )


def _ended(sentence: str) -> str:
    """A sentence with its full stop, one only: a source may end with its own ("... database right 2017.")."""
    sentence = str(sentence).rstrip()
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def slug(text: str, most: int = 80) -> str:
    """`text` as a file name's part: lower case, words joined by "-", at most `most` characters, cut between words
    (a cut word, "...-by-wa", read as a typo: an outside audit)."""
    whole = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    if len(whole) > most:
        cut = whole[: most + 1]
        whole = cut[: cut.rfind("-")] if "-" in cut else whole[:most]
    return whole or "export"


def file_name(meta: Meta, item: str, ext: str, size: str = "") -> str:
    """A download's file name: the view's title, its filters' values (two periods or two wards of one view gave one
    name: the second download overwrote the first or became "(1)"), the table or chart, the data version, and
    `size` ("760px") where there are several: `missing-episodes-by-ward-2022-25-ward-rates-89f70670b8.csv`."""
    parts = [slug(meta.title, 60), *(slug(v, 40) for v in meta.filters.values() if slug(v, 40) != "export")]
    parts += [slug(item, 40)] if item else []
    parts += [slug(meta.data_version, 20), size] if size else [slug(meta.data_version, 20)]
    return "-".join(parts) + "." + ext


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table as people see it: suppressed counts as `<N`, figures worked out from them (a ward's 12-month
    mean, flagged `WITHHELD_SUFFIX`) as "withheld", the helper flag columns dropped."""
    out = df.copy()
    threshold = df.attrs.get("suppress_below")
    flags = [c for c in out.columns if c.endswith((SUPPRESSED_SUFFIX, WITHHELD_SUFFIX))]
    for flag in flags:
        col, shown = (
            (flag[: -len(WITHHELD_SUFFIX)], "withheld")
            if flag.endswith(WITHHELD_SUFFIX)
            else (flag[: -len(SUPPRESSED_SUFFIX)], f"<{threshold}")
        )
        if col in out.columns and out[flag].any():
            out[col] = out[col].astype(object).where(~out[flag].astype(bool), shown)
    out = out.drop(columns=flags)
    out.attrs = {}
    return out


def headed(df: pd.DataFrame, attrs: dict | None = None) -> pd.DataFrame:
    """The table under the headings people read (`fmt.column_label`), as the page shows it: an export's
    columns say what they hold (`Count in the month (incidents)`, `Rate per 1,000 residents a year
    (incidents)`), not the code's names (`value`, `rate_per_1000`); `python -m safer query` keeps the code's
    names for scripts. `attrs`: the view's table's own (whom its rates are per, its unit), else `df`'s."""
    attrs = df.attrs if attrs is None else attrs
    return df.rename(columns=lambda c: fmt.column_label(c, attrs.get("rate_per"), attrs.get("unit")))


# OWASP, "CSV Injection": a text cell beginning with one of these is read as a formula by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula, made inert (OWASP's rule: prefix a single quote), also
    after leading spaces or line breaks, which some imports trim before they read a formula (` =1+1`).

    Only text is changed: numbers (negative ones included) stay numbers."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell and column name neutralised for spreadsheets."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise)
    return out


# what a CSV's last columns say on every row (their headings: "View title", "View filters", "Data period", ...)
STAMP_COLUMNS = ("view_title", "view_filters", "data_period", "data_source", "data_version", "partnership")
SMALL_NUMBERS = "Small numbers"  # the column a CSV of rounded ward counts says so in (`queries.published_note`)


def csv_bytes(df: pd.DataFrame, meta: Meta | None = None) -> bytes:
    """The table as CSV (small numbers as shown, text made inert for spreadsheets). With `meta`, the stamp
    travels with the numbers: the view's title and filters (which indicator, which ward: an SIA analyst's CSVs of
    two wards could not be told apart), the data period, source, data version and partnership (marked SYNTHETIC
    for demo data) as the last columns of every row, so a CSV copied out of its folder still says what it is."""
    out = display_table(df)
    if note := queries.published_note(df.attrs):  # what suppression did, on every row as the stamp is
        out = out.assign(**{SMALL_NUMBERS: note})
    if meta is not None:
        partnership = meta.partnership + (" (SYNTHETIC DEMO DATA)" if meta.synthetic else "")
        values = (meta.title, meta.filters_text(), meta.period, meta.source, meta.data_version, partnership)
        out = out.assign(**{c: v for c, v in zip(STAMP_COLUMNS, values) if c not in out.columns})
    # RFC 4180 line endings: a carriage return inside a text cell is then quoted, never a row break.
    return safe_table(headed(out, df.attrs)).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _inert_workbook(wb) -> None:
    """Every cell of every sheet that would run as a formula is written as text instead."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and (cell.data_type == "f" or neutralise(v) != v):
                    cell.value = v
                    cell.data_type = "s"
                    cell.quotePrefix = True


_MONTH_TEXT = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DATE_TEXT = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def _excel_dates(table: pd.DataFrame) -> dict[str, tuple[pd.Series, str]]:
    """The columns of months or dates written as text ("2016-04", "2017-12-04"), as Excel dates with their
    number format ("mmm yyyy", "d mmm yyyy"), so a workbook's months sort, filter and pivot as dates (an
    outside audit: every month was a text cell). Only a column headed as a month or a date whose every value is
    one: a plan cycle's id ("2010-12") is never taken for December 2010."""
    out = {}
    for col in table.columns:
        head = str(col).lower()
        values = table[col].dropna()
        if not len(values) or not pd.api.types.is_object_dtype(values) and not pd.api.types.is_string_dtype(values):
            continue
        text = values.astype(str)
        if "month" in head and text.str.fullmatch(_MONTH_TEXT).all():
            out[col] = (pd.to_datetime(table[col] + "-01", format="%Y-%m-%d"), "mmm yyyy")
        elif "date" in head and text.str.fullmatch(_DATE_TEXT).all():
            out[col] = (pd.to_datetime(table[col], format="%Y-%m-%d"), "d mmm yyyy")
    return out


def xlsx_bytes(sheets: dict[str, pd.DataFrame], meta: Meta, metas: dict[str, Meta] | None = None) -> bytes:
    """An Excel workbook: one sheet per table, each under a stamp block (its own from `metas` where its data period
    is not the view's), and an About sheet."""
    from openpyxl.styles import Font

    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        about = pd.DataFrame(
            {
                "": ["Title", "Filters", "Data period", "Source", "Data version", "Method", "Link", "Citation"],
                " ": [
                    meta.title,
                    meta.filters_text(),
                    meta.period,
                    meta.source,
                    meta.data_version,
                    meta.method or "(none: the figures are counted as recorded)",
                    meta.url,
                    citation(meta),
                ],
            }
        )
        if meta.synthetic:
            about.loc[len(about)] = ["Note", "SYNTHETIC DEMO DATA: these are not real figures."]
        notes = {n: queries.published_note(df.attrs) for n, df in sheets.items()}
        for note in dict.fromkeys(n for n in notes.values() if n):
            about.loc[len(about)] = [SMALL_NUMBERS, note]
        about.to_excel(xl, sheet_name="About", index=False, header=False)
        for name, df in sheets.items():
            sheet = _sheet_name(name, used)
            table = headed(display_table(df), df.attrs)
            dates = _excel_dates(table)
            table.assign(**{c: d for c, (d, _f) in dates.items()}).to_excel(
                xl, sheet_name=sheet, index=False, startrow=3
            )
            ws = xl.book.worksheets[-1]  # openpyxl may rename a sheet (e.g. "sheet" -> "sheet1")
            for i, col in enumerate(table.columns, start=1):
                if col in dates:
                    for (cell,) in ws.iter_rows(min_row=5, min_col=i, max_col=i, max_row=4 + len(table)):
                        cell.number_format = dates[col][1]
            ws["A1"] = f"{meta.title}: {name}"
            ws["A1"].font = Font(bold=True, size=13)
            ws["A2"] = (metas or {}).get(name, meta).stamp()
            if notes[name]:
                ws["A3"] = f"{SMALL_NUMBERS}: {notes[name]}"
            for i, col in enumerate(table.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
                ws.column_dimensions[ws.cell(row=4, column=i).column_letter].width = min(60, max(8, width))
        xl.sheets["About"].column_dimensions["A"].width = 14
        xl.sheets["About"].column_dimensions["B"].width = 110
        _inert_workbook(xl.book)
    return buf.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", name).lstrip("=+-@'\t\r ")[:31] or "Sheet"
    out, i = base, 2
    while out.lower() in used:
        out = f"{base[:28]}-{i}"
        i += 1
    used.add(out.lower())
    return out


def stamped_figure(fig, meta: Meta, width: int = DESIGN_WIDTH):
    """A copy of the figure with the stamp as a footer line under everything else (for PNG/SVG export),
    wrapped to the image's width."""
    f = charts.rewrap_title(go.Figure(fig.to_dict()), width)  # its title wrapped for the image, not a phone
    # the stamp holds extract text (titles, names, sources): Plotly reads `<b>`, `<a href>` in it, so escape it
    stamp = charts._wrap_words(html.escape(meta.stamp(), quote=False), max(60, int(width / 8.75)))
    extra = 16 + 15 * (stamp.count("<br>") + 1)
    pinned = bool(f.layout.legend and f.layout.legend.yref == "container")  # a legend at the figure's foot
    # a narrower image puts that legend on more rows: room for them, or Plotly would push the plot (and the
    # stamp, which hangs under the plot) up and draw the stamp over the legend
    rows = max(0, math.ceil(charts.legend_height(f, width) - charts.legend_height(f, DESIGN_WIDTH))) if pinned else 0
    margin_b = (f.layout.margin.b or 80) + extra + rows
    height = (f.layout.height or 600) + extra + rows
    f.update_layout(margin=dict(b=margin_b), height=height)
    if pinned:  # the legend stands on the stamp
        f.update_layout(legend=dict(y=(f.layout.legend.y or 0) + extra / height))
    f.add_annotation(
        text=stamp,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yanchor="bottom",
        yshift=-(margin_b - 6),
        xanchor="left",
        showarrow=False,
        align="left",
        font=dict(size=12, color="#333333"),
        name="stamp",
    )
    return f


def image_bytes(
    fig, fmt: str, meta: Meta, width: int = DESIGN_WIDTH, height: int | None = None, stamped: bool = True
) -> bytes:
    """PNG or SVG of a stamped figure (kaleido, with the system's Chromium). `stamped=False` leaves the stamp
    out, for an image placed on a page that carries the stamp itself (a printed briefing)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}")
    f = stamped_figure(fig, meta, width) if stamped else go.Figure(fig.to_dict())
    h = height or int(f.layout.height or 640)
    return render(f, fmt, width, h, scale=1 if fmt == "svg" else 2)


def render(fig, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
    """The figure drawn as an image by the process's one Chromium (`_Chromium`)."""
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    return _CHROMIUM.render(go.Figure(fig).to_plotly_json(), opts)


class _Chromium:
    """One headless Chromium (kaleido's), opened at the first image and kept for every image the process makes.

    `plotly.io.to_image` starts a Chromium for each image and closes it after, 2-4 s an image on this project's
    2-core machine, most of it the browser's start; kept open, an image takes the drawing time alone. Kaleido's
    own shared server (`kaleido.start_sync_server`) hands results back through one queue with no lock and waits
    with no time limit, so two sessions exporting at once could receive each other's image and a browser that
    died would hang its caller: here one lock serialises the requests, each waits at most `TIMEOUT` seconds, and a
    browser that failed is closed and opened afresh once before the error is raised. MathJax is off (the charts
    have no LaTeX; kaleido would otherwise fetch it from a CDN)."""

    TIMEOUT = 90.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None

    def _call(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _open(self) -> None:
        import kaleido

        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="safer-chromium", daemon=True).start()
        self._kaleido = kaleido.Kaleido(n=1, timeout=self.TIMEOUT, mathjax=False)
        try:
            self._call(self._kaleido.__aenter__(), self.TIMEOUT)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the browser and its loop (at exit, and after a failure); the next image opens them again."""
        loop, k, self._loop, self._kaleido = self._loop, self._kaleido, None, None
        if loop is None:
            return
        if k is not None:
            try:
                asyncio.run_coroutine_threadsafe(k.__aexit__(None, None, None), loop).result(15)
            except Exception:  # noqa: BLE001 - a browser already gone is closed
                pass
        loop.call_soon_threadsafe(loop.stop)

    def warm(self) -> None:
        """Open the browser in the background, so that the first image asked for soon after is not kept waiting
        for its start."""

        def open_once() -> None:
            with self._lock:
                if self._kaleido is None:
                    try:
                        self._open()
                    except Exception:  # noqa: BLE001 - the image asked for will raise it
                        pass

        if self._kaleido is None:
            threading.Thread(target=open_once, name="safer-chromium-start", daemon=True).start()

    def render(self, fig_dict: dict, opts: dict) -> bytes:
        with self._lock:
            for attempt in (1, 2):
                if self._kaleido is None:
                    self._open()
                try:
                    return self._call(self._kaleido.calc_fig(fig_dict, opts=opts), self.TIMEOUT + 10)
                except Exception:
                    self.close()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")


_CHROMIUM = _Chromium()
atexit.register(_CHROMIUM.close)
warm_images = _CHROMIUM.warm
