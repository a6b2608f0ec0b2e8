"""Where a figure's parts really land: the figure drawn by plotly.js in Chromium (Playwright), and the boxes
of its text, annotations, shapes, mode bar and data points read back in pixels.

`draw(figs)` takes (figure, width) pairs, or (figure, width, height), and gives one dict per drawing:

* ``texts``: every SVG text Plotly drew (hover labels left out): ``what``, ``box`` (x0, y0, x1, y1);
* ``annotations``: each annotation's ``name`` (from the layout) and the ``box`` of its background;
* ``shapes``: each layout shape's ``name``, ``type`` and the ``box`` of its path;
* ``modebar``: the mode bar's box (drawn, as on a page, with ``displayModeBar: true``), or None;
* ``points``: for each trace, its ``name`` and its points in pixels (None where a value is missing);
* ``bars``: the box of each bar drawn;
* ``size``: the figure's (width, height);
* ``plot``: the plot area's margins and size in pixels (Plotly's ``_size``: ``l``, ``t``, ``w``, ``h``).

`svg_texts(svg)` gives the text boxes of an SVG image (a kaleido export), the same way. Boxes are in
pixels from the figure's top left. Used by tests that check that labels do not cover data, lines or one
another at a phone's, a desktop's and a projector's width.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from browser_support import chromium_path

PHONE, DESKTOP, PROJECTOR = 342, 900, 1400  # a chart's width on a phone (390 px), a desktop column, a projector

_GEOMETRY_JS = """(gd) => {
  const root = (gd.querySelector('.svg-container') || gd).getBoundingClientRect();
  const box = r => [r.left - root.left, r.top - root.top, r.right - root.left, r.bottom - root.top];
  const texts = [];
  gd.querySelectorAll('svg text').forEach(t => {
    if (t.closest('.hoverlayer')) return;
    const s = (t.textContent || '').trim();
    const r = t.getBoundingClientRect();
    if (!s || !r.width || !r.height) return;
    const kind = t.closest('.annotation') ? 'annotation' : t.closest('.legend') ? 'legend'
      : t.closest('.xtick, .x2tick') ? 'x tick' : t.closest('.ytick, .y2tick') ? 'y tick'
      : t.closest('.g-gtitle') ? 'title' : (t.getAttribute('class') || 'text');
    texts.push({what: kind + ' "' + s.slice(0, 50) + '"', text: s, box: box(r)});
  });
  const anns = gd.layout.annotations || [];
  const annotations = [];
  gd.querySelectorAll('.annotation').forEach(g => {
    const i = +g.getAttribute('data-index');
    const bg = g.querySelector('.bg') || g;
    const a = anns[i] || {};
    annotations.push({name: a.name || null, text: a.text || '', box: box(bg.getBoundingClientRect())});
  });
  const shp = gd.layout.shapes || [];
  const shapes = [];
  gd.querySelectorAll('.shapelayer path').forEach(p => {
    const i = +p.getAttribute('data-index');
    const b = box(p.getBoundingClientRect()), w = Math.max(parseFloat(p.style.strokeWidth || '0') / 2, 1);
    shapes.push({name: (shp[i] || {}).name || null, type: (shp[i] || {}).type || null,
                 box: [b[0] - w, b[1] - w, b[2] + w, b[3] + w]});  // a line's box is as wide as its stroke
  });
  const mb = gd.querySelector('.modebar');
  const points = (gd.calcdata || []).map(cd => {
    const tr = cd[0].trace;
    if (tr.visible !== true || tr.type !== 'scatter') return {name: tr.name, points: []};
    const fl = gd._fullLayout;
    const xa = fl[(tr.xaxis || 'x').replace('x', 'xaxis')], ya = fl[(tr.yaxis || 'y').replace('y', 'yaxis')];
    return {name: tr.name, mode: tr.mode, points: cd.map(d => {
      const ok = d.x !== undefined && d.y !== undefined && isFinite(d.x) && isFinite(d.y);
      return ok ? [xa._offset + xa.c2p(d.x), ya._offset + ya.c2p(d.y)] : null;
    })};
  });
  const bars = [];
  gd.querySelectorAll('.barlayer .point path').forEach(p => { const b = p.getBoundingClientRect();
    if (b.width && b.height) bars.push(box(b)); });
  return {texts, annotations, shapes, points, bars, modebar: mb ? box(mb.getBoundingClientRect()) : null,
          size: [root.width, root.height], plot: gd._fullLayout._size};
}"""


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


# One Playwright, one Chromium and one page with plotly.js loaded, kept for the whole test process in a thread of
# its own: Playwright's sync API refuses to start where an event loop already runs, as it does for the rest of a
# pytest session once the browser tests' session-wide Playwright has started. (A Playwright, a Chromium and
# plotly.js started for each drawing took about 2 s of CPU each, some 40 times a run.) `close()` ends them
# (tests/conftest.py, at the session's end); a drawing that fails starts them again for the next.
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figure-layout")
_STATE: dict = {}


def _page():
    """The kept page with plotly.js (in the pool's thread), started on first use."""
    if "page" not in _STATE:
        from playwright.sync_api import sync_playwright

        _STATE["playwright"] = pw = sync_playwright().start()
        _STATE["browser"] = browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 2000, "height": 1200})
        page.set_content("<html><body style='margin:0'></body></html>")
        page.add_script_tag(content=_plotly_js())
        _STATE["page"] = page
    return _STATE["page"]


def _stop() -> None:
    """End the kept Chromium and Playwright (in the pool's thread)."""
    browser, pw = _STATE.pop("browser", None), _STATE.pop("playwright", None)
    _STATE.clear()
    if browser is not None:
        try:
            browser.close()
        except Exception:  # noqa: BLE001 - already gone
            pass
    if pw is not None:
        try:
            pw.stop()
        except Exception:  # noqa: BLE001 - already gone
            pass


def close() -> None:
    """End the kept Chromium, if one was started (tests/conftest.py calls it as the session ends)."""
    if _STATE:
        _POOL.submit(_stop).result()


def _in_own_thread(fn):
    """Run `fn` in the pool's thread, where the kept browser lives; if it fails, the browser is started afresh for
    the next call (a crashed page never fails the tests after it)."""

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BaseException:
            _stop()
            raise

    def wrapper(*args, **kwargs):
        return _POOL.submit(run, *args, **kwargs).result()

    wrapper.__doc__ = fn.__doc__
    return wrapper


@_in_own_thread
def draw(figs: list[tuple]) -> list[dict]:
    """Each (figure, width) drawn at that width (the figure's own height) and measured; a (figure, width, height)
    is drawn at that height too, as a page that sizes a chart to the screen draws it."""
    page, out = _page(), []
    for fig, width, *height in figs:
        spec = json.loads(fig.to_json())
        spec["layout"]["width"] = width
        if height:
            spec["layout"]["height"] = height[0]
        page.evaluate(
            """async ([spec]) => {
              const old = document.getElementById('g');
              if (old) Plotly.purge(old);
              document.body.innerHTML = '<div id="g"></div>';
              await Plotly.newPlot('g', spec.data, spec.layout, {displayModeBar: true, responsive: false});
            }""",
            [spec],
        )
        out.append(page.evaluate(f"() => ({_GEOMETRY_JS})(document.getElementById('g'))"))
    return out


@_in_own_thread
def svg_texts(svg: str) -> list[dict]:
    """The text boxes of an SVG image, drawn as it is in Chromium."""
    _page()
    page = _STATE["browser"].new_page(viewport={"width": 2000, "height": 1400})
    try:
        page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
        return page.evaluate(
            """() => { const root = document.querySelector('svg').getBoundingClientRect(); const out = [];
              document.querySelectorAll('svg text').forEach(t => {
                const s = (t.textContent || '').trim(); const r = t.getBoundingClientRect();
                if (!s || !r.width || !r.height) return;
                out.push({what: '"' + s.slice(0, 50) + '"', text: s,
                          box: [r.left - root.left, r.top - root.top, r.right - root.left, r.bottom - root.top]});
              }); return out; }"""
        )
    finally:
        page.close()


def overlap(a, b, tolerance: float = 0.0) -> bool:
    """Two boxes (x0, y0, x1, y1) overlap by more than `tolerance` px both ways."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w > tolerance and h > tolerance


def overlapping_texts(texts: list[dict], tolerance: float = 2.0) -> list[str]:
    """Pairs of texts whose boxes overlap by more than `tolerance` px both ways."""
    out = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if overlap(a["box"], b["box"], tolerance):
                out.append(f"{a['what']} overlaps {b['what']}")
    return out


def segment_hits_box(p, q, box) -> bool:
    """Whether the segment p-q (pixels) passes through the box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for pk, qk in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if pk == 0:
            if qk < 0:
                return False
        else:
            t = qk / pk
            if pk < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


def data_in_box(drawing: dict, box, shrink: float = 1.0) -> list[str]:
    """The traces with a point or a drawn line segment inside the box (shrunk by `shrink` px each side)."""
    b = (box[0] + shrink, box[1] + shrink, box[2] - shrink, box[3] - shrink)
    hits = []
    for tr in drawing["points"]:
        pts = tr["points"]
        lines = "lines" in (tr.get("mode") or "lines")
        for i, pt in enumerate(pts):
            if pt is None:
                continue
            if b[0] <= pt[0] <= b[2] and b[1] <= pt[1] <= b[3]:
                hits.append(f"{tr['name']}: point {i}")
                break
            nxt = pts[i + 1] if i + 1 < len(pts) else None
            if lines and nxt is not None and segment_hits_box(pt, nxt, b):
                hits.append(f"{tr['name']}: line from point {i}")
                break
    return hits


def plot_box(drawing: dict) -> tuple[float, float, float, float]:
    """The plot area's box (x0, y0, x1, y1) in pixels."""
    p = drawing["plot"]
    return (p["l"], p["t"], p["l"] + p["w"], p["t"] + p["h"])
