"""Browser tests of what fits: every chart's text at desktop, projector and phone sizes and at 320 px, each
chart drawn once at desktop and projector widths, phone-sized text and tables, and every slide on a projector's
screen. Split from tests/test_browser.py (its fixtures and helpers) so that pytest-xdist runs the two files on two
workers at once, each with a dashboard of its own (this file's log: test-artifacts/browser/streamlit-layout.log)."""

# ruff: noqa: F811 (a test names the fixtures this file imports from tests/test_browser.py)
from __future__ import annotations

import csv
import re
from itertools import zip_longest

import browser_support as bs
import pytest
from test_browser import (  # noqa: F401 (fixtures: pytest finds them by name in this module)
    OUTSIDE,
    PAGES,
    TIMEOUT_MS,
    _say,
    _watch_requests,
    assert_no_exception,
    context,
    go,
    moved,
    open_page,
    page_of,
    serve,
    visit,
)

pytestmark = pytest.mark.browser  # `pytest -m "not browser"` is the fast loop


@pytest.fixture(scope="session")
def dashboard(playwright_api, tmp_path_factory):
    yield from serve(tmp_path_factory, "streamlit-layout.log")


SIZES = {"desktop 1440x900": (1440, 900), "projector 1920x1080": (1920, 1080), "phone 390x844": (390, 844)}


def _each_after_another_page(urls: list[str]) -> list[str]:
    """`urls` in their order, except that none follows one of the same page (`go` moves to another page only): the
    next of another page is taken first where the next in line is of the page just shown."""
    todo, out = list(urls), []
    while todo:
        nxt = next((u for u in todo if not out or page_of(u) != page_of(out[-1])), todo[0])
        todo.remove(nxt)
        out.append(nxt)
    assert all(page_of(a) != page_of(b) for a, b in zip(out, out[1:])), out
    return out


# Every page, the views whose charts carry the most text (a ward with suppressed months, a partner indicator
# with its events), and every slide of the shipped briefing (on a phone a slide shows its page's chart). Each
# names every filter its view depends on: a page keeps a filter chosen on the one before where its address names
# none. The slides come between the pages' first views (a slide chooses no filter), which come before the views
# that choose theirs.
SLIDES = [f"briefing?briefing=scrutiny-current-cycle&step={i}" for i in range(1, 6)]  # every slide
LAYOUT_URLS = _each_after_another_page(
    [u for pair in zip_longest([p.url_path for p in PAGES], SLIDES) for u in pair if u]
    + [
        "trends?indicator=cse&area=E05000794",
        "trends?indicator=burglary&area=E08000007",
        "plan_cycles?indicator=missing_episodes&area=E08000007",
        "compare?group=neighbours&indicator=burglary",  # a group counted from the files, with a missing force-month
    ]
)


SETTLED_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => {
  const w = p.getBoundingClientRect().width;
  return !w || (p._fullLayout && Math.abs(p._fullLayout.width - w) < 2);
})"""  # every chart drawn at its container's width (Plotly redraws a responsive chart after a resize)


def test_no_chart_text_overlaps_or_is_cut_at_desktop_projector_and_phone_sizes(dashboard, browser, capsys):
    """Compares the boxes of every text element Plotly draws (titles, ticks, legend, labels, annotations), each
    view opened once and looked at at each size in turn, as a window resized or a phone turned (the server draws
    one figure for every width: what changes with the width is the browser's layout). One session moves from view
    to view, as a user clicking through (a new page load for each cost 19 × 5 s of Chromium's CPU)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    _watch_requests(ctx, dashboard.url)
    problems, checked, page = [], dict.fromkeys(SIZES, 0), None
    first = next(iter(SIZES.values()))
    try:
        for url in LAYOUT_URLS:
            if page is not None:
                page.set_viewport_size({"width": first[0], "height": first[1]})  # each view first drawn at a desktop
            page = visit(ctx, page, dashboard.url, url)
            assert_no_exception(page)
            for size, (w, h) in SIZES.items():
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(300)  # Plotly's own relayout after the first draw or the resize
                page.wait_for_function(SETTLED_JS, timeout=TIMEOUT_MS, polling=bs.POLL_MS)
                assert_no_exception(page)
                for chart in page.evaluate(bs.TEXT_LAYOUT_JS):
                    checked[size] += chart["texts"]
                    problems += [f"{size} · {url} · {chart['chart']}: {p}" for p in chart["overlaps"] + chart["cut"]]
    finally:
        ctx.close()
    assert all(n > 100 for n in checked.values()), f"chart texts found at each size: {checked}: are the charts drawn?"
    assert not problems, f"{len(problems)} chart texts overlap or are cut:\n" + "\n".join(problems[:30])
    _say(
        capsys,
        "; ".join(f"{size}: {n} chart texts" for size, n in checked.items())
        + f" on {len(LAYOUT_URLS)} views, none overlapping or cut",
    )


def test_the_audited_charts_keep_their_text_inside_them_on_a_320_px_screen(dashboard, browser):
    """WCAG 1.4.10 (reflow at 320 CSS px), an accessibility audit: the Plan cycles bar label "18 of 18 months so far
    with data" lost "data", the funnel's axis title "Residents (ONS mid-year estimate)" and the perception chart's
    "What is recorded (incidents a month)" ran off the chart. Every text of these charts is inside them (the
    funnel's axis labels are turned there, so their boxes, not their letters, meet: overlaps are the 390 px test's).
    Left: at 320 px a plan cycle's id over the last, short band on the Trends chart runs 2-3 px past the chart's
    edge."""
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    ctx.set_default_timeout(TIMEOUT_MS)
    problems, texts, page = [], 0, None
    try:
        for url, charts in (("plan_cycles", 2), ("compare", 2), ("consultation", 1)):
            page = visit(ctx, page, dashboard.url, url, charts)
            page.wait_for_function(SETTLED_JS, timeout=TIMEOUT_MS, polling=bs.POLL_MS)
            for chart in page.evaluate(bs.TEXT_LAYOUT_JS):
                texts += chart["texts"]
                problems += [f"{url} · {chart['chart']}: {p}" for p in chart["cut"]]
    finally:
        ctx.close()
    assert texts > 60, texts
    assert not problems, "\n".join(problems)


SAID_JS = """() => {
  const h = [...document.querySelectorAll('[data-testid="stMain"] h2')]
    .find(e => e.innerText.includes('What partners, groups and events said'));
  if (!h) return null;
  const shown = [];  // what the page draws under the heading, to the next heading or expander
  let el = h.closest('[data-testid="stElementContainer"]').nextElementSibling;
  while (el && !el.querySelector('h2, [data-testid="stExpander"]')) {
    if (el.getBoundingClientRect().height > 0) shown.push(el);
    el = el.nextElementSibling;
  }
  const vw = document.documentElement.clientWidth, wide = [];
  for (const e of shown) for (const d of [e, ...e.querySelectorAll('*')]) {
    const r = d.getBoundingClientRect(), ox = getComputedStyle(d).overflowX;
    if (!r.width) continue;
    if (r.right > vw + 1) wide.push(`${d.tagName}.${d.className}: right edge ${Math.round(r.right)} px of ${vw}`);
    else if (['auto', 'scroll'].includes(ox) && d.scrollWidth > d.clientWidth + 1)
      wide.push(`${d.tagName}.${d.className}: scrolls sideways, ${d.scrollWidth} px in ${d.clientWidth}`);
  }
  return {text: shown.map(e => e.innerText).join('\\n'), wide: wide.slice(0, 8), vw,
          grid: shown.some(e => e.querySelector('table')), page: document.documentElement.scrollWidth};
}"""


def test_what_partners_said_reads_on_a_phone_without_sideways_scroll(dashboard, browser, capsys):
    """The Consultation page's "What partners, groups and events said" was a grid of six columns of words: on a
    390x844 phone it scrolled sideways (an outside audit). On a phone each row is now a paragraph (the point raised,
    what was said, then its source, kind, period and theme); on a desktop and a projector it stays a grid. At each
    size everything said in consultation.csv is on the screen, and nothing under the heading runs past the
    screen's edge or scrolls sideways."""
    with open(bs.PROJECT / "data" / "consultation.csv", newline="", encoding="utf-8") as f:
        said = [r for r in csv.DictReader(f) if r["source_type"] != "survey"]
    assert said
    out = []
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    ctx.set_default_timeout(TIMEOUT_MS)
    _watch_requests(ctx, dashboard.url)
    try:
        page = open_page(ctx, f"{dashboard.url}/consultation")  # opened on a phone, then wider (CSS decides)
        for w, h in ((390, 844), (1440, 900), (1920, 1080)):
            page.set_viewport_size({"width": w, "height": h})
            page.wait_for_timeout(300)  # the grids' own relayout to the new width
            assert_no_exception(page)
            got = page.evaluate(SAID_JS)
            assert got is not None, "no heading 'What partners, groups and events said'"
            assert not got["wide"], (f"{w}x{h}", got["wide"])
            assert got["page"] <= got["vw"], (f"{w}x{h}", got)
            text = " ".join(got["text"].split())
            for r in said:  # every point raised and what was said, with its source, as written
                for value in (r["question"], r["summary"], r["source"]):
                    assert " ".join(value.split()) in text, (f"{w}x{h}", value)
            assert got["grid"] == (w >= 640), (f"{w}x{h}", "a grid" if got["grid"] else "text")
            page.locator("h2", has_text="What partners, groups and events said").scroll_into_view_if_needed()
            page.screenshot(path=str(bs.ARTIFACTS / f"consultation-said-{w}x{h}.png"))
            out.append(
                f"{w}x{h}: {'grid' if got['grid'] else 'text'}, {len(said)} rows, nothing wider than {got['vw']} px"
            )
    finally:
        ctx.close()
    _say(capsys, "what partners said: " + "; ".join(out))


def test_short_tables_a_phone_must_read_whole_are_rows_of_text_on_a_phone(dashboard, browser):
    """The survey tables (their "Small base" flag the caption points to) and the Data page's months missing were
    grids scrolled sideways on a 390x844 phone, the columns that mattered out of sight (an outside audit). Below
    640 px each row is a paragraph with every column; on a desktop they stay grids."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    ctx.set_default_timeout(TIMEOUT_MS)
    try:  # on a phone: Consultation, then Data; widened to a desktop: Data, then back to Consultation
        page = open_page(ctx, f"{dashboard.url}/consultation")
        _survey_rows(page, 390)
        go(page, "data")
        _missing_months(page, 390)
        page.set_viewport_size({"width": 1440, "height": 900})
        page.wait_for_timeout(300)
        _missing_months(page, 1440)
        go(page, "consultation")
        _survey_rows(page, 1440)
    finally:
        ctx.close()


def _survey_rows(page, w: int) -> None:
    """The survey tables: a paragraph a row below 640 px, with every column; a grid from 640."""
    assert_no_exception(page)
    rows = page.locator('[class*="st-key-text_rows_survey_"]')
    grids = page.locator('[class*="st-key-text_grid_survey_"]')
    assert rows.count() == grids.count() > 1
    phone = w < 640
    assert rows.first.is_visible() == phone and grids.first.is_visible() == (not phone), w
    if phone:
        text = " ".join(rows.all_inner_texts())
        assert "Small base: ⚠ yes" in text and "Base: 92" in text, text[:300]


def _missing_months(page, w: int) -> None:
    """The Data page's months missing: a paragraph a row below 640 px, nothing wider than the screen."""
    assert_no_exception(page)
    phone = w < 640
    coverage = page.locator(".st-key-text_rows_coverage")
    assert coverage.is_visible() == phone
    if phone:
        assert "Missing months: 2019-07 to 2020-12" in coverage.inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= w


# Each chart's margins as Plotly drew them, against those the figure asked for: a side Plotly had to widen (for the
# colour bar, the axis labels or the legend's rows) made it draw the whole chart a second time.
DRAWN_MARGINS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const m = gd.layout.margin || {}, s = gd._fullLayout._size;
  return ['l', 'r', 't', 'b'].filter(k => Math.abs((m[k] ?? 0) - s[k]) > 0.5).map(k => `${k} ${m[k]} -> ${s[k]}`);
})"""


@pytest.mark.parametrize("width", [1024, 1280, 1400, 1920])
def test_the_time_chart_and_the_map_are_drawn_once_at_desktop_and_projector_widths(dashboard, browser, width):
    """The Trends chart's left and bottom margins (the axis's labels, the legend's rows: three at an XGA projector's
    1,024 px, whose chart Plotly drew twice as its legend took a row more than the margin held) and the ward map's
    right one (its colour bar) hold what they carry at a desktop or projector width, so Plotly draws each once:
    widening a margin cost a second drawing of the whole chart, about 40 ms of every visit (bench/README.md,
    "Session 21"). So do the perception chart's (its legend one entry a row, at every width) and the briefing's
    slides' (the legend's rows at the narrowest slide chart; the plan cycles' names beside their bars)."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    slides, page = "briefing?briefing=scrutiny-current-cycle&step=", None
    try:  # the first opened, the others moved to in its session (each chart drawn anew where its page is shown)
        for path, charts in ((slides + "1", 1), ("trends", 1), (slides + "4", 1), ("areas", 2), ("consultation", 1)):
            page = visit(ctx, page, dashboard.url, path, charts)
            widened = page.evaluate(DRAWN_MARGINS_JS)
            assert len(widened) >= charts and not any(widened), (path, widened)  # a slide has its phone's too
    finally:
        ctx.close()


SLIDE_SCREENS = {
    "projector 1920x1080": (1920, 1080),
    "desktop 1440x900": (1440, 900),
    "projector 1280x720": (1280, 720),
}


SLIDE_CHART_JS = """() => { const out = [];
  document.querySelectorAll('.st-key-briefing_chart .js-plotly-plot, .st-key-briefing_chart_phone .js-plotly-plot')
    .forEach(g => { const r = g.getBoundingClientRect(); if (!r.width || !r.height) return;
      const right = Math.max(0, ...[...g.querySelectorAll('text')].map(t => t.getBoundingClientRect().right));
      out.push({phone: !!g.closest('.st-key-briefing_chart_phone'), top: r.top, bottom: r.bottom, width: r.width,
                right: r.right, text_right: right, plot_h: g._fullLayout._size.h}); });
  const h = document.querySelector('[data-testid="stMain"] h1').getBoundingClientRect();
  const next = document.querySelector('.st-key-briefing_next');
  const hint = document.querySelector('.st-key-briefing_short');
  return {charts: out, heading: h.bottom, next: next ? next.getBoundingClientRect().top : null,
          short: !!hint && getComputedStyle(hint).display !== 'none'}; }"""


def test_a_slide_chart_takes_the_screen_under_its_heading(dashboard, browser, capsys):
    """One story per screen: on a projector (1920x1080, 1280x720) and a desktop (1440x900) the slide's heading
    and its whole chart are on the screen, the chart as tall as the screen leaves it; on a phone the slide shows
    its page's chart, within the phone's width, under its buttons and words."""
    said = []
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        for step in (2, 3):  # each slide opened once, then the window resized to each screen
            page = open_page(ctx, f"{dashboard.url}/briefing?briefing=scrutiny-current-cycle&step={step}", 1)
            assert_no_exception(page)
            screens = [*SLIDE_SCREENS.items(), ("phone 390x844", (390, 844)), ("phone 360x640", (360, 640))]
            # a 720-line screen at 125% zoom: the chart takes what the screen has, and the slide says how to get
            # the rest (it ran two screens tall, the chart never under 600 px: an outside audit)
            for size, (w, h) in [*screens, ("SVGA 800x600", (800, 600)), ("720 lines at 125%", (1024, 576))]:
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(300)  # Plotly's relayout to the container's height
                page.wait_for_function(SETTLED_JS, timeout=TIMEOUT_MS, polling=bs.POLL_MS)
                got = page.evaluate(SLIDE_CHART_JS)
                charts = got["charts"]
                assert len(charts) == 1, (size, step, charts)
                c = charts[0]
                assert got["short"] == (h < 660 and w >= 900), (size, step, got)
                if w < 900:  # a phone, or an SVGA projector: the page's chart, its title and subtitle as text
                    assert c["phone"] and c["width"] <= w, (size, step, c)
                    assert c["text_right"] <= c["right"] + 1, (size, step, "chart text cut at the right", c)
                    # Previous and Next on the first screen, above the chart (they were a screen below the title)
                    assert got["next"] is not None and got["next"] < min(c["top"], h), (size, step, got)
                    continue
                assert not c["phone"], (size, step, c)
                room = h - got["heading"]
                assert got["heading"] <= c["top"] and c["bottom"] <= h, (size, step, got)
                assert c["bottom"] - c["top"] >= 0.85 * room, (size, step, "the chart leaves the screen unused", got)
                said.append(f"{size} slide {step}: chart {c['bottom'] - c['top']:.0f} px, plot {c['plot_h']:.0f} px")
            page.close()
    finally:
        ctx.close()
    _say(capsys, "; ".join(said))


SLIDE_TEXT_JS = """() => { const bottom = s => { const e = document.querySelector(s);
    return e ? e.getBoundingClientRect().bottom : null; };
  const main = document.querySelector('[data-testid="stMain"]');
  return {text: bottom('.st-key-briefing_text'), stamp: bottom('.st-key-briefing_stamp'),
          method: bottom('[data-testid="stMain"] [data-testid="stExpander"]'),
          scrolls: main.scrollHeight - main.clientHeight,
          stamp_px: parseFloat(getComputedStyle(document.querySelector('.st-key-briefing_stamp p')).fontSize)}; }"""


def test_every_slide_s_sentences_stamp_and_method_are_on_a_projector_s_screen(dashboard, browser, capsys):
    """One story per screen, its words too: on a 1280x720 projector the slides' sentences ran under the screen's
    edge and took the stamp (data period, source, data version) and "How this was worked out" with them (slides
    1, 2 and 3 of the shipped briefing, an outside audit). At 1024x768 (an XGA projector, whose narrower column
    ran the stamp under the edge: an outside audit), 1280x720, 1366x768 and 1920x1080 every slide's sentences,
    stamp and method expander are on the screen without scrolling, the stamp in 16 px type at least."""
    from safer import briefing

    titles = [s.title for s in briefing.load("scrutiny-current-cycle").slides]
    said = []
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    ctx.set_default_timeout(TIMEOUT_MS)
    try:  # as a presenter: the briefing opened once, Next to the last slide, the screen changed, Previous to the first
        page = open_page(ctx, f"{dashboard.url}/briefing?briefing=scrutiny-current-cycle&step=1", 1)
        for i, (w, h) in enumerate(((1024, 768), (1280, 720), (1366, 768), (1920, 1080))):
            page.set_viewport_size({"width": w, "height": h})
            page.wait_for_timeout(300)  # the chart's relayout to the new screen
            steps = list(range(1, len(titles) + 1))
            for step in steps if i % 2 == 0 else steps[::-1]:
                if f"step={step}" not in page.url:
                    button = "next" if i % 2 == 0 else "previous"
                    moved(page, page.locator(f".st-key-briefing_{button} button").click, 1)
                    assert f"step={step}" in page.url, (page.url, step)
                    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == titles[step - 1]
                assert_no_exception(page)
                got = page.evaluate(SLIDE_TEXT_JS)
                scrolls = got.pop("scrolls")  # the slide scrolls at all (its padding under the edge: 2 px, an audit)
                # the stamp in 16 px type at least (it was 14 px on a 720-line projector, below a back row's reading)
                assert got.pop("stamp_px") >= 16, (f"{w}x{h}", f"slide {step}", "stamp type")
                assert all(v is not None for v in got.values()), (w, h, step, got)
                assert max(got.values()) <= h and scrolls <= 0, (f"{w}x{h}", f"slide {step}", got, scrolls)
                said.append(f"{w}x{h} slide {step}: {max(got.values()):.0f} px")
    finally:
        ctx.close()
    assert len(said) == 4 * len(titles) == 20
    _say(capsys, "; ".join(said))


# --------------------------------------------------------------------------- last: what the run left behind


def test_zz_no_layout_page_called_any_host_but_the_dashboard(dashboard):
    """Every request the pages above made went to the dashboard itself (as tests/test_browser.py checks for its)."""
    assert not OUTSIDE, f"{len(OUTSIDE)} requests left the machine, e.g. {sorted(set(OUTSIDE))[:10]}"


def test_zz_the_layout_server_log_has_no_errors_or_warnings(dashboard):
    """Every page and slide above ran without an error or a warning in this file's server log."""
    log = dashboard.log_path.read_text(encoding="utf-8", errors="replace")
    bad = [line for line in log.splitlines() if re.search(r"Traceback|\bERROR\b|\bWARNING\b|Exception", line)]
    assert not bad, "the server logged:\n" + "\n".join(bad[:20]) + "\n...\n" + dashboard.log_tail()
