"""Helpers for tests/test_browser.py: the dashboard as a real server, Chromium, axe-core.

Nothing here is a test. The browser is Debian's Chromium driven by Playwright for Python;
axe-core comes from the npm registry (package.json at the project root, `npm ci`).
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PROJECT = Path(__file__).resolve().parent.parent
AXE_JS = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT / "test-artifacts" / "browser"

# Without the networking flags Chromium keeps trying to reach hosts CI cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# True once the Streamlit script has finished its run, no element is still loading, and every chart is drawn
# (or an exception is on screen, which the caller then reports). Argument: the least number
# of charts the page must have.
READY_JS = """(minCharts) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')) return false;  // still loading
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (charts.length < minCharts) return false;
  for (const c of charts) {
    const plot = c.querySelector('.js-plotly-plot');
    if (!plot || !plot.querySelector('svg.main-svg g.trace')) return false;
  }
  return true;
}"""

POLL_MS = 200  # how often READY_JS is checked (every animation frame is costly with 20 pages open)

# Every Plotly chart on the page: is it drawn (an SVG with at least one trace in it)?
CHARTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
  svgs: p.querySelectorAll('svg.main-svg').length,
  traces: p.querySelectorAll('svg.main-svg g.trace').length,
  // a wrapped title is one <tspan> a line: join the lines with a space, as a reader sees them
  title: Array.from(p.querySelectorAll('.gtitle tspan.line')).map(t => t.textContent).join(' ')
         || (p.querySelector('.gtitle') || {}).textContent || '',
}))"""

# The colour and size of the text Plotly draws as SVG (axe-core does not check SVG text): axis titles,
# tick labels, legend, chart titles and bar labels. Annotations are left out: they may sit on a box
# of their own colour (tests/test_charts.py checks those against their box).
SVG_TEXT_JS = """() => Array.from(document.querySelectorAll(
    '.js-plotly-plot svg :is(.xtick, .ytick, .g-xtitle, .g-ytitle, .legendtext, .gtitle, .bartext, .cbtitle, '
    + '.cbaxis) text,'
    + '.js-plotly-plot svg text:is(.legendtext, .gtitle, .bartext, .xtitle, .ytitle)'))
  .filter(t => t.textContent.trim())
  .map(t => ({text: t.textContent.slice(0, 40), fill: getComputedStyle(t).fill,
              size: parseFloat(getComputedStyle(t).fontSize)}))"""


def contrast(rgb: str, background: tuple[int, int, int] = (255, 255, 255)) -> float:
    """WCAG 2.1 contrast ratio of a CSS 'rgb(r, g, b)' colour against a background."""

    def lum(c) -> float:
        c = [x / 255 for x in c]
        c = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    fg = [int(float(v)) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    hi, lo = sorted([lum(fg), lum(background)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


AXE_RUN_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                              summary: n.failureSummary}))}));
}"""


def chromium_path() -> str | None:
    for c in (os.environ.get("SAFER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


@dataclass(frozen=True)
class PageInfo:
    script: str  # pages/trends.py
    url_path: str  # trends
    title: str
    in_sidebar: bool = True  # False for a page registered with visibility="hidden" (an address, not a link)


def registered_pages(dashboard: Path = PROJECT / "dashboard.py") -> list[PageInfo]:
    """Every `st.Page(...)` in dashboard.py, read from its source (so new pages are tested too)."""
    out = []
    for node in ast.walk(ast.parse(dashboard.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Page"):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        script = str(node.args[0].value)
        kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        if kw.get("default"):
            continue  # the default page is at the root; its own address is its hidden twin's
        info = PageInfo(
            script,
            kw.get("url_path") or Path(script).stem,
            kw.get("title") or Path(script).stem,
            kw.get("visibility") != "hidden" or kw.get("url_path") == "overview",  # the default page's own link
        )
        if info.url_path not in {o.url_path for o in out}:
            out.append(info)
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    """`streamlit run dashboard.py` on a free loopback port, stopped by `stop()`."""

    def __init__(self, data_dir: Path, cache_dir: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(
            os.environ,
            SAFER_DATA_DIR=str(data_dir),
            SAFER_CACHE_DIR=str(cache_dir),
            STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
            SAFER_WARM="1",  # as deployed: every page's default view computed as the store opens
        )
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ]  # the project's .streamlit/config.toml for the rest, as scripts/start.sh runs it
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def wait_until_up(self, timeout: float = 90.0) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the dashboard exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the dashboard did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:10]:
            lines.append(f"    {n['target']}\n      {n['html']}\n      {(n['summary'] or '').replace(chr(10), ' ')}")
    return "\n".join(lines)


# Every text Plotly draws in each chart (hover labels left out), with its box on screen: two texts whose
# boxes overlap by more than 2 px both ways, or a text reaching more than 1 px outside its chart, is a
# defect a reader sees (a label on a label, a legend cut at a phone's edge).
TEXT_LAYOUT_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((plot, i) => {
  const box = plot.getBoundingClientRect();
  const items = [];
  plot.querySelectorAll('svg text').forEach(t => {
    if (t.closest('.hoverlayer')) return;
    const s = (t.textContent || '').trim();
    const st = getComputedStyle(t);
    if (!s || st.visibility === 'hidden' || st.display === 'none' || parseFloat(st.opacity) === 0) return;
    const r = t.getBoundingClientRect();
    if (!r.width || !r.height) return;
    const kind = t.closest('.annotation') ? 'annotation' : t.closest('.legend') ? 'legend'
      : t.closest('.xtick, .x2tick') ? 'x tick' : t.closest('.ytick, .y2tick') ? 'y tick'
      : t.closest('.g-gtitle') ? 'title' : t.closest('.textpoint') ? 'point label'
      : t.closest('.bartext') ? 'bar label' : (t.getAttribute('class') || 'text');
    items.push({what: kind + ' "' + s.slice(0, 40) + '"', x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  });
  const overlaps = [];
  for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
    const p = items[a], q = items[b];
    const w = Math.min(p.x1, q.x1) - Math.max(p.x0, q.x0), h = Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0);
    if (w > 2 && h > 2) overlaps.push(p.what + ' overlaps ' + q.what + ` by ${Math.round(w)}x${Math.round(h)} px`);
  }
  const out = p => p.x0 < box.left - 1 || p.x1 > box.right + 1 || p.y0 < box.top - 1 || p.y1 > box.bottom + 1;
  const px = v => Math.round(v);
  const cut = items.filter(out).map(p => p.what
    + ` runs outside the chart (${px(p.x0)}-${px(p.x1)} of ${px(box.left)}-${px(box.right)} px)`);
  const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${i + 1}`;
  return {chart: title.slice(0, 60), texts: items.length, overlaps, cut};
})"""


def is_the_dashboard(url: str, base: str) -> bool:
    """A request the page may make: to the dashboard itself, or data the page holds (data:, blob:)."""
    u = urlparse(url)
    return u.scheme in ("data", "blob", "about") or f"{u.scheme}://{u.netloc}" == base.rstrip("/")
