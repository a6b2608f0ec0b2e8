"""The view cache (issue 13, interaction speed): a view is computed once per (view, filters, data version) and
shared by every session; a new data version never reuses an old view; sessions asking at once compute it once;
the dashboard computes every page's default view before the first visitor asks."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import weakref
from types import SimpleNamespace

import pytest
from helpers import FILES, PROJECT
from streamlit.testing.v1 import AppTest

from safer import queries, views
from safer.store import Store


@pytest.fixture
def counted(monkeypatch):
    """Every named query run, from any thread: (query name, parameters)."""
    calls: list[tuple[str, dict]] = []
    real = queries.run

    def spy(store, name, **params):
        calls.append((name, params))
        return real(store, name, **params)

    monkeypatch.setattr(queries, "run", spy)
    return calls


def test_a_second_session_gets_the_same_view_without_running_a_query(store, counted):
    views.clear_cache()
    first = views.trend(store, "asb", "E08000099")
    assert counted, "the first call computes the view from its queries"
    counted.clear()
    again = views.trend(store, "asb", "E08000099")  # another session: the same store, the same filters
    assert again is first and counted == []
    other = views.trend(store, "cse", "E08000099")  # other filters: another view, from its own queries
    assert other is not first and counted and other.data["indicator"]["indicator_id"] == "cse"


def test_a_new_data_version_does_not_reuse_an_old_view(data_dir, counted):
    views.clear_cache()
    s = Store(data_dir)
    try:
        old = views.trend(s, "cse", "E08000099")
        old_version, old_data = s.version, s.data_version
        # Five more CSE reports in February 2020 (4 before): a new data version, whose view says 9.
        (data_dir / "partner_monthly.csv").write_text(FILES["partner_monthly.csv"] + "cse,2020-02,E05000002,5\n")
        s.refresh()
        assert s.version != old_version and s.status.current
        counted.clear()
        new = views.trend(s, "cse", "E08000099")
        assert new is not old and counted, "the new version's view is computed from the new build"
        assert (new.meta.data_version, old.meta.data_version) == (s.data_version, old_data)
        assert s.data_version != old_data
        feb = lambda v: int(v.tables["monthly"].set_index("month").loc["2020-02", "value"])  # noqa: E731
        assert (feb(old), feb(new)) == (4, 9)
        assert views.trend(s, "cse", "E08000099") is new  # and the new one is shared in turn
    finally:
        s.close()


def test_sessions_asking_at_once_compute_a_view_once():
    runs = []

    @views.cached
    def slow(store, n: int):
        runs.append(n)
        time.sleep(0.3)
        return object()

    store = SimpleNamespace(data_dir="/nowhere", status=SimpleNamespace(fingerprint="v1"))
    got = []
    threads = [threading.Thread(target=lambda: got.append(slow(store, 1))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert runs == [1] and len(got) == 6 and all(g is got[0] for g in got)
    store.status.fingerprint = "v2"  # a new data version: computed again
    assert slow(store, 1) is not got[0] and runs == [1, 1]


def test_a_session_never_waits_for_the_background_warm_up_computing_the_same_view():
    # The warm-up computes views one choice away at the lowest priority (`views.give_way`): on a busy machine it
    # may get a few per cent of a core, so a session asking for the view it is computing computes it itself
    # (a priority inversion otherwise: the briefing's PDF took 203 s at load 8). Other sessions wait for the
    # session's computation, not the background one, and the background thread returns the cached view.
    release = threading.Event()
    runs = []

    @views.cached
    def view(store, n: int):
        background = views.base.in_background()
        runs.append("background" if background else "session")
        if background:
            assert release.wait(10)  # a background computation that does not end until released
        else:
            time.sleep(0.2)
        return object()

    store = SimpleNamespace(data_dir="/nowhere", status=SimpleNamespace(fingerprint="v1"))
    got = {}

    def warm_up():
        views.give_way()
        got["background"] = view(store, 1)

    bg = threading.Thread(target=warm_up)
    bg.start()
    deadline = time.monotonic() + 5
    while runs != ["background"] and time.monotonic() < deadline:
        time.sleep(0.01)
    sessions = [threading.Thread(target=lambda i=i: got.__setitem__(i, view(store, 1))) for i in range(3)]
    for t in sessions:
        t.start()
    for t in sessions:
        t.join(5)
    # the sessions returned while the background computation was still held: one computed, two waited for it
    assert not any(t.is_alive() for t in sessions) and bg.is_alive()
    assert runs == ["background", "session"] and got[0] is got[1] is got[2]
    release.set()
    bg.join(5)
    assert got["background"] is got[0]  # the view the session put in the cache, not a second copy
    assert view(store, 1) is got[0] and runs == ["background", "session"]
    # a background thread asking for a view a session is computing waits for it (nothing computed twice)
    store.status.fingerprint = "v2"
    runs.clear()
    s = threading.Thread(target=lambda: got.__setitem__("v2 session", view(store, 1)))
    s.start()
    while runs != ["session"] and time.monotonic() < deadline + 5:
        time.sleep(0.01)
    bg = threading.Thread(target=warm_up)
    bg.start()
    s.join(5)
    bg.join(5)
    assert runs == ["session"] and got["background"] is got["v2 session"]


def test_a_failed_view_is_not_cached_and_the_next_caller_computes_it():
    attempts = []

    @views.cached
    def flaky(store):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the first attempt fails")
        return "ok"

    store = SimpleNamespace(data_dir="/nowhere", status=SimpleNamespace(fingerprint="v1"))
    with pytest.raises(RuntimeError):
        flaky(store)
    assert flaky(store) == "ok" and flaky(store) == "ok" and len(attempts) == 2


# Every page of the dashboard but the briefing (a slide is built when asked for: nothing to warm).
PAGES = sorted(f"pages/{p.name}" for p in (PROJECT / "pages").glob("*.py") if p.stem != "briefing")


def test_after_warming_every_page_opens_at_its_defaults_without_running_a_query(demo_env, counted, monkeypatch):
    """The dashboard's warm-up (`views.warm` with `ui._prepare_figures`) leaves every page's first run at its
    defaults nothing to do but lay out: no query, and no figure made ready to show (`charts.lift_title`, 20-30 ms
    a chart, was the most of a page's first run)."""
    from safer import charts, ui

    lifted = []
    real = charts.lift_title
    monkeypatch.setattr(charts, "lift_title", lambda fig: (lifted.append(fig), real(fig))[1])
    views.clear_cache()
    s = Store(PROJECT / "data")
    try:
        done = views.warm(s, each=ui._prepare_figures)
    finally:
        s.close()
    assert {"overview", "trend", "cycle_comparison", "compare", "priorities", "consultation", "catalogue"} <= set(done)
    assert len(lifted) >= 6, len(lifted)  # trend, plan cycles (2), areas, compare, consultation at least
    lifted.clear()
    counted.clear()
    for page in PAGES:
        at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
        at.run()  # the Overview, the default page
        assert not at.exception and counted == [], counted
        if page != "pages/overview.py":  # (AppTest's switch to the Overview's file opens its hidden twin)
            at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert counted == [], f"{page} ran {counted}"
        assert lifted == [], f"{page} made {len(lifted)} figures ready to show"
    # Another filter is not warmed by `warm`: that view is computed when asked for, from its queries.
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    at.query_params["indicator"] = "burglary"
    at.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception and any(name == "monthly" or "series" in name for name, _p in counted), counted


# A page, and the select box `warm_next` covers every option of (with the page's other filters at their defaults).
ONE_CHOICE_AWAY = [
    ("pages/overview.py", "cycle"),
    ("pages/trends.py", "indicator"),
    ("pages/plan_cycles.py", "indicator"),
    ("pages/areas.py", "indicator"),
    ("pages/areas.py", "period"),
    ("pages/compare.py", "group"),
    ("pages/compare.py", "indicator"),
    ("pages/consultation.py", "source"),
    ("pages/consultation.py", "theme"),
    ("pages/scrutiny.py", "follow_up"),
]


def _choice(at, key: str):
    """A page's filter `key`: a select box, or a row of buttons (the Overview's plan cycles)."""
    return next(b for b in [*at.selectbox, *at.get("button_group")] if b.key == f"url_{key}")


def _pick(box, i: int, values: list):
    """Choose a filter's i-th option: a select box by its index; a row of buttons by its value (AppTest holds
    the buttons' labels only, matched with `values` through the widget's own labels)."""
    if box.type == "button_group":
        by_label = {box.format_func(v): v for v in values}
        return box.set_value(by_label[box.proto.options[i].content])
    return box.select_index(i)


def _index(box) -> int:
    if box.type == "button_group":
        return list(box.indices)[0]
    return box.index


def test_after_warming_the_next_views_every_choice_of_a_pages_select_box_runs_no_query(demo_env, counted):
    views.clear_cache()
    s = Store(PROJECT / "data")
    waits = []
    try:
        views.warm(s)
        rests = []
        n = views.warm_next(s, wait=lambda: waits.append(1), sleep=rests.append)
        cycle_ids = list(views.overview_cycles(s).cycle_id)
    finally:
        s.close()
    assert n == len(waits) > 20  # it waited for quiet before each view
    # and rested after each, three times as long as it took (computing a view takes some time)
    assert len(rests) == n and all(r >= 0 for r in rests) and sum(rests) > 0
    counted.clear()
    for page, key in ONE_CHOICE_AWAY:
        at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
        at.run()
        if page != "pages/overview.py":
            at.switch_page(page).run()
        box = _choice(at, key)
        assert len(box.options) > 1, (page, key)
        for i in range(1, len(box.options)):
            _pick(box, i, cycle_ids).run()
            assert not at.exception, (page, key, i, [e.value for e in at.exception])
            box = _choice(at, key)
            assert _index(box) == i
        assert counted == [], f"{page} {key}: ran {counted}"
    # Two choices away (another indicator at a ward) is not warmed: computed when asked for.
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    at.query_params["indicator"] = "burglary"
    at.query_params["area"] = "E05000794"
    at.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception and counted


def test_activity_waits_for_quiet_between_runs():
    from safer.views.warm import Activity

    a = Activity()
    a.wait_idle(quiet=0)  # nothing has run: idle at once
    a.begin()
    done = threading.Event()
    t = threading.Thread(target=lambda: (a.wait_idle(quiet=0.2), done.set()))
    t.start()
    time.sleep(0.3)
    assert not done.is_set(), "a run is going: the warm-up waits"
    ended = time.monotonic()
    a.end()
    assert done.wait(5)
    assert time.monotonic() - ended >= 0.19, "and then for a quiet moment after it ended"
    t.join()


def test_a_page_checks_the_extracts_on_disk_once_per_run(demo_env, monkeypatch):
    from safer import store as store_module

    monkeypatch.setenv("SAFER_DISK_CHECK_SECONDS", "0")  # every run checks (the default: once a second)
    at = AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/trends.py").run()
    checks = []
    real = store_module.fingerprint
    monkeypatch.setattr(store_module, "fingerprint", lambda d: checks.append(d) or real(d))
    at.run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    assert checks == [PROJECT / "data"]  # once, though the page and its helpers ask for the store many times


def test_sessions_check_the_extracts_on_disk_at_most_once_a_second_together(demo_env, monkeypatch):
    """Sessions clicking do not each walk the data directory: one check serves them all until the interval
    has passed (SAFER_DISK_CHECK_SECONDS), and the first run after that checks again."""
    from safer import store as store_module
    from safer import ui

    monkeypatch.setenv("SAFER_DISK_CHECK_SECONDS", "60")
    monkeypatch.setattr(ui, "_LAST_DISK_CHECK", weakref.WeakKeyDictionary())  # no check made before this test
    checks = []
    real = store_module.fingerprint
    monkeypatch.setattr(store_module, "fingerprint", lambda d: checks.append(d) or real(d))
    sessions = [AppTest.from_file(str(PROJECT / "dashboard.py"), default_timeout=60) for _ in range(3)]
    for at in sessions:
        at.run()
        assert not at.exception
    assert checks == [PROJECT / "data"], "three sessions' runs, one check"
    (s,) = list(ui._LAST_DISK_CHECK.keys())
    ui._LAST_DISK_CHECK[s] -= 61  # the interval has passed
    sessions[0].run()
    sessions[1].run()
    assert checks == [PROJECT / "data"] * 2, "the first run after the interval checks, the next does not"


def test_the_warm_up_rests_three_times_as_long_as_each_view_took(monkeypatch):
    """Between views one choice away the warm-up thread rests, so it takes at most a quarter of the CPU and a
    browser loading the dashboard at that moment is served as by an idle server."""
    import sys
    from types import SimpleNamespace

    warm_module = sys.modules["safer.views.warm"]
    took = [0.02, 0.05, 0.01]
    clock = [100.0]  # a clock each view moves on by its own time: no real time, so no load can change the rests

    def view(t: float) -> None:
        clock[0] += t

    monkeypatch.setattr(warm_module, "time", SimpleNamespace(monotonic=lambda: clock[0], sleep=time.sleep))
    monkeypatch.setattr(warm_module, "next_views", lambda store: (lambda t=t: view(t) for t in took))
    rests: list[float] = []
    assert views.warm_next(None, wait=lambda: None, sleep=rests.append) == 3
    assert rests == pytest.approx([3 * t for t in took])  # three times each view's own time
    rests.clear()
    views.warm_next(None, wait=lambda: None, rest=0, sleep=rests.append)
    assert rests == []


def test_the_warm_up_stops_between_two_views_when_the_process_exits():
    """The warm-up thread is not a daemon (it must not be stopped inside DuckDB), so a stopped dashboard used to
    wait for it to finish every view one choice away: 42 s after SIGTERM on the demo. It now stops at the next
    view: here, of 100 views, the process that exits after the first has computed one or two."""
    code = """
import sys, threading, time
import safer.views
w = sys.modules["safer.views.warm"]
done = []
w.next_views = lambda store: (lambda: (time.sleep(0.05), done.append(1)) for _ in range(100))
def work():
    n = w.warm_next(None, wait=lambda: None)
    print("computed", n, flush=True)
threading.Thread(target=work, daemon=False).start()
until = time.monotonic() + 60
while not done and time.monotonic() < until:
    time.sleep(0.01)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    n = int(out.stdout.split()[-1])
    assert 1 <= n <= 2, out.stdout
