"""The plan-cycle story pages (Priorities, Scrutiny, Consultation) in AppTest, and hostile text shown literally."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pandas as pd
import pytest
from helpers import PROJECT
from test_pages import figures, open_page

from safer import ui

STORY_PAGES = ("pages/priorities.py", "pages/scrutiny.py", "pages/consultation.py")


def _all_text(at) -> str:
    parts = []
    for kind in (
        "markdown",
        "caption",
        "text",
        "warning",
        "info",
        "success",
        "error",
        "code",
        "title",
        "subheader",
        "header",
    ):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", STORY_PAGES)
def test_story_page_renders_on_the_demo_data_and_says_it_is_synthetic(demo_env, page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Synthetic demo data" in w.value for w in at.warning)
    for fig in figures(at):
        assert any("SYNTHETIC" in a.get("text", "") for a in fig["layout"].get("annotations", []))


def test_priorities_page_shows_changes_statuses_and_illustrative_rows(demo_env):
    at = open_page("pages/priorities.py")
    text = _all_text(at)
    assert "(illustrative)" in text
    matrix = at.table[0].value  # a table of words that wraps (st.table), each cell kept literal
    cells = " ".join(str(v) for v in matrix.to_numpy().ravel()).replace("\\", "")
    for word in ("first plan", "carried forward", "new", "dropped"):
        assert word in cells
    assert "Transforming Justice" in cells and "✖ dropped" in cells
    # a carried-forward priority whose title changed says so (Public Safety and Protection → Safer neighbourhoods)
    assert "→ carried forward (reworded): Safer neighbourhoods" in cells
    assert "→ carried forward: Safer neighbourhoods" in cells  # 2025-28 kept 2022-25's title
    # Statuses come from the rule: words and symbols, with the rule one click away.
    assert any(s in text for s in ("✔ **on track**", "⚠ **at risk**", "✖ **off track**"))
    # 2018-21 ends in the police.uk gap: 3 of its last 12 months have data, fewer than the rule needs, never guessed
    assert "○ **not enough data** · Anti\\-social behaviour" in text and "**no data**" not in text
    assert len(at.expander) >= 10
    assert any("Illustrative rule for the demo" in t.value for t in at.text)


def test_each_scrutiny_concern_links_to_its_evidence_with_the_meeting_marked(demo_env):
    at = open_page("pages/scrutiny.py")
    assert not at.exception
    links = [el.proto for el in at.get("page_link")]
    trend_links = [parse_qs(x.query_string) for x in links if "mark=" in x.query_string]
    assert len(trend_links) == 7
    assert all(q["mark"] == ["2017-12-04"] and q["mark_label"] == ["Scrutiny 4 Dec 2017"] for q in trend_links)
    assert {q["indicator"][0] for q in trend_links} == {"asb", "cse", "missing_episodes", "modern_slavery", "burglary"}
    assert any("consultation" in x.page.lower() or "indicator=asb" == x.query_string for x in links)
    # The open follow-up stands out with a word and a symbol, not colour alone.
    assert any("⚠ OPEN follow-up" in w.value for w in at.warning)
    assert any("1 open follow-up" in w.value for w in at.warning)
    # text from the extract is escaped for markdown, so it shows literally
    texts = " ".join(re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown)
    assert "An update on the Missing from Home hubs after their three-month review." in texts


def test_trends_page_marks_the_meeting_date_from_the_link(demo_env):
    at = open_page("pages/trends.py", {"indicator": "cse", "mark": "2017-12-04", "mark_label": "Scrutiny 4 Dec 2017"})
    assert not at.exception
    fig = figures(at)[0]
    labels = [a.get("text", "") for a in fig["layout"]["annotations"]]
    assert any("Scrutiny 4 Dec 2017" in t for t in labels)
    # the chart says the label is the link's, so an image downloaded from the page does not pass it off as data
    (mark,) = [t for t in labels if "Scrutiny 4 Dec 2017" in t]
    assert "from the link followed, not the data" in mark
    assert any(s.get("name") == "marked date" and s["x0"] == "2017-12-04" for s in fig["layout"]["shapes"])
    assert "Scrutiny 4 Dec 2017" in [t.value for t in at.text]


def test_a_mark_outside_the_chart_s_months_is_said_not_drawn(demo_env):
    at = open_page("pages/trends.py", {"indicator": "burglary", "mark": "2001-01-01", "mark_label": "Scrutiny"})
    assert not at.exception
    assert not any(s.get("name") == "marked date" for s in figures(at)[0]["layout"].get("shapes", []))
    assert any("is outside this chart's months: not marked" in c.value for c in at.caption)
    assert "Scrutiny" not in [t.value for t in at.text]


def test_a_bad_mark_is_ignored_and_a_hostile_label_is_escaped(demo_env):
    at = open_page("pages/trends.py", {"indicator": "asb", "mark": "not-a-date"})
    assert not at.exception
    assert not any(s.get("name") == "marked date" for s in figures(at)[0]["layout"].get("shapes", []))
    at = open_page(
        "pages/trends.py", {"indicator": "asb", "mark": "2018-01-01", "mark_label": "<b onmouseover=x>hi</b>"}
    )
    assert not at.exception
    labels = [
        a.get("text", "") for a in figures(at)[0]["layout"]["annotations"] if a.get("name") == "marked date label"
    ]
    assert labels and "<b onmouseover" not in labels[0] and "&lt;b onmouseover=x&gt;" in labels[0]
    assert "<b onmouseover=x>hi</b>" in [t.value for t in at.text]
    # a right-to-left override, a null and a line break from the link are left out (an outside audit: the label
    # read reversed, "figures falsified" as "detalsif serugif", on the page and on the chart its downloads export)
    at = open_page(
        "pages/trends.py", {"indicator": "asb", "mark": "2018-01-01", "mark_label": "\u202edetalsif serugif\nx\x00y"}
    )
    assert not at.exception
    assert "detalsif serugif x y" in [t.value for t in at.text]
    labels = [
        a.get("text", "") for a in figures(at)[0]["layout"]["annotations"] if a.get("name") == "marked date label"
    ]
    assert labels and not any(ch in labels[0] for ch in "\u202e\n\x00"), labels


def test_a_link_asking_for_what_a_page_does_not_have_says_what_it_shows_instead(demo_env):
    """A mistyped or outdated link showed another indicator, area or period in silence, its address still asking
    for the first (an outside audit): the page now says what was asked and what it shows."""
    at = open_page("pages/trends.py", {"indicator": "nosuch", "area": "E08000001"})
    assert not at.exception
    said = [w.value.replace("\\", "") for w in at.warning]  # as read: the markdown's escapes taken off
    assert (
        "The link asked for indicator “nosuch”, which this page does not have, so it shows Anti-social behaviour."
        in said
    )
    assert (
        "The link asked for area “E08000001”, which this page does not have, so it shows Stockport (whole borough)."
        in said
    )
    at = open_page("pages/areas.py", {"indicator": "cse", "period": "2016-17"})
    said = [w.value.replace("\\", "") for w in at.warning]
    assert "The link asked for period “2016-17”, which this page does not have, so it shows Latest 12 months." in said
    at = open_page("pages/trends.py", {"indicator": "burglary"})  # what it has: nothing said
    assert not any("The link asked for" in w.value for w in at.warning)


def test_a_choice_carried_from_another_page_is_not_said_to_be_a_link_s(demo_env):
    """A page keeps the session's choice in its address while it shows another (child sexual exploitation has no
    survey question, so Consultation shows anti-social behaviour): at its next rerun that address is the
    dashboard's own writing, not a link, and nothing says "the link asked for" it."""
    at = open_page("pages/trends.py", {"indicator": "cse"}, details=False)
    for k in list(at.query_params):
        del at.query_params[k]  # a page switch in the browser starts from an address without the filters
    at.switch_page("pages/consultation.py").run()
    assert at.query_params["indicator"] in ("cse", ["cse"])  # kept for the pages that have it
    at.run()  # a rerun (an expander opened): the address as this page wrote it
    assert not at.exception
    assert not any("The link asked for" in w.value for w in at.warning), [w.value for w in at.warning]


def test_consultation_page_shows_intervals_small_bases_and_perception_against_recorded(demo_env):
    at = open_page("pages/consultation.py")
    assert not at.exception
    text = _all_text(at)
    assert "Wilson score interval" in text
    low, high, base = "Low (95%)", "High (95%)", "Base"
    # the survey's tables on the page (the tables behind the expanders are the exports': the whole survey table,
    # the perception table)
    grids = [d.value for d in at.dataframe if low in d.value.columns and "Question" not in d.value.columns]
    grids = [g for g in grids if "Recorded total" not in g.columns]
    survey = pd.concat(grids)
    assert {"%", low, high, base} <= set(survey.columns)  # human column names
    assert not [c for c in survey.columns if "_" in c]
    assert (survey[low] <= survey["%"]).all() and (survey["%"] <= survey[high]).all()
    small = survey[survey[base] < 100]
    assert len(small) and (small["Small base"] == "⚠ yes").all()
    # one table per question and answer, their long text its heading, so the table fits the page: the export
    # is the one table, with the same headings and every row
    from safer import views
    from safer.store import Store

    store = Store(demo_env)
    try:
        v = views.consultation(store, "all", "all", "asb")
    finally:
        store.close()
    exported, widths = v.tables["survey results"], v.data["survey columns"]
    assert set(survey.columns) < set(exported.columns) and {"Question", "Answer"} <= set(exported.columns)
    assert not {"Question", "Answer"} & set(survey.columns) and len(survey) == len(exported)
    assert len(grids) == exported.groupby(["Question", "Answer"]).ngroups
    assert sum(widths[c]["width"] for c in survey.columns) <= 900  # a desktop's main column is about 1,100 px
    fig = figures(at)[0]
    assert fig["layout"]["yaxis"]["title"]["text"] == "% of residents"
    assert fig["layout"]["yaxis2"]["title"]["text"] == "Incidents per month"
    residents = fig["data"][0]["y"]
    assert residents[-1] > residents[0]  # the demo: residents see more of a problem...
    recorded = [t for t in fig["data"] if t.get("name", "").startswith("Recorded")]
    assert recorded[-1]["y"][0] < recorded[0]["y"][0]  # ...while recorded ASB falls


HOSTILE = ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "**bold** and [link](http://evil.example)"]


def _hostile_dir(data_dir):
    concern_rows = "".join(
        f"h{i},2020-02-0{i + 1},Committee {h.replace(',', ' ')},Topic {i} {h.replace(',', ' ')},asb,"
        f'"{h}","{h}","{h}",open,"{h}",false\n'
        for i, h in enumerate(HOSTILE)
    )
    (data_dir / "scrutiny_concerns.csv").write_text(
        "concern_id,meeting_date,committee,topic,indicator_id,concern,response,follow_up,follow_up_status,source,illustrative\n"
        + concern_rows
    )
    (data_dir / "consultation.csv").write_text(
        "source,source_type,period,start_month,end_month,theme,question,answer,respondents,agreeing,indicator_id,summary,synthetic\n"
        + "".join(f'Group,group,2020,2020-05,2020-05,T,Point {i},,,,,"{h}",false\n' for i, h in enumerate(HOSTILE))
        + 'Survey,survey,2020,2020-01,2020-03,ASB,"'
        + HOSTILE[2]
        + '",Yes,80,30,asb,,false\n'
    )
    (data_dir / "status_rules.csv").write_text(
        "rule_id,cycle_id,indicator_id,description,on_track_min_progress_pct,at_risk_min_progress_pct,min_months_with_data\n"
        f'r,,,"{HOSTILE[0]} {HOSTILE[2]}",75,0,1\n'
    )
    pri = (data_dir / "priorities.csv").read_text().replace("Vulnerable people", HOSTILE[1] + " **bold**")
    (data_dir / "priorities.csv").write_text(pri)
    return data_dir


def _assert_literal(at):
    assert not at.exception, [e.value for e in at.exception]
    shown = [str(e.value) for e in at.text] + [str(c.value) for c in at.code]
    for df in at.dataframe:
        shown += [str(v) for v in df.value.to_numpy().ravel()]
    for t in at.table:  # markdown cells: every character escaped, so the text reads as typed
        cells = [str(v) for v in t.value.to_numpy().ravel()]
        for c in cells:
            assert not re.search(r"(?<!\\)<(script|img)", c) and "**bold**" not in c and "](http" not in c, c
        shown += [re.sub(r"\\(.)", r"\1", c.replace(ui.NO_AUTOLINK, "")) for c in cells]
    md = [
        str(e.value)
        for kind in ("markdown", "caption", "warning", "success", "info", "subheader", "header")
        for e in getattr(at, kind)
    ]
    for m in md:  # markdown only ever carries escaped text from the extracts
        assert not re.search(r"(?<!\\)<(script|img)", m) and "**bold**" not in m and "](http" not in m, m
    return shown, md


def test_hostile_text_in_scrutiny_concerns_shows_literally(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(_hostile_dir(data_dir)))
    at = open_page("pages/scrutiny.py")
    shown, md = _assert_literal(at)
    for h in HOSTILE:
        assert h in shown  # concern, response, follow-up and source through st.text / st.dataframe
    assert any("\\<img src\\=x onerror\\=alert\\(1\\)\\>" in m for m in md)  # the topic, escaped markdown
    assert any("\\*\\*bold\\*\\*" in m for m in md)


def test_hostile_text_in_priorities_and_consultation_shows_literally(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(_hostile_dir(data_dir)))
    at = open_page("pages/priorities.py")
    shown, md = _assert_literal(at)
    assert any(HOSTILE[1] in s for s in shown)  # the priority title in the table of plans
    assert f"{HOSTILE[0]} {HOSTILE[2]}" in shown  # the rule, through st.text
    assert any("\\<img src\\=x onerror\\=alert\\(1\\)\\> \\*\\*bold\\*\\*" in m for m in md)
    at = open_page("pages/consultation.py")
    shown, md = _assert_literal(at)
    for h in HOSTILE:
        assert h in shown


def test_story_pages_without_the_optional_files_say_so(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    for page in STORY_PAGES:
        at = open_page(page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not any("Synthetic" in w.value for w in at.warning)
    at = open_page("pages/scrutiny.py")
    assert any("scrutiny_concerns.csv" in i.value for i in at.info)
    at = open_page("pages/priorities.py")
    assert "○ **no rule**" in _all_text(at)


def test_the_priorities_view_lays_out_each_plan_from_the_csvs(demo_env):
    """Each plan cycle's column (the page only lays it out): a priority in the previous plan is carried forward,
    one that was not is new, one of the previous plan missing from this one is dropped, the first plan's are
    'in the first plan shown'; each kept priority lists the indicators priority_indicators.csv ties to it."""
    import csv

    from safer import views
    from safer.store import Store

    plans = list(csv.DictReader(open(PROJECT / "data" / "plan_cycles.csv", encoding="utf-8")))
    pri = list(csv.DictReader(open(PROJECT / "data" / "priorities.csv", encoding="utf-8")))
    links = list(csv.DictReader(open(PROJECT / "data" / "priority_indicators.csv", encoding="utf-8")))
    ids = {c["cycle_id"]: [p["priority_id"] for p in pri if p["cycle_id"] == c["cycle_id"]] for c in plans}
    s = Store(PROJECT / "data")
    try:
        columns = views.priorities(s).data["columns"]
    finally:
        s.close()
    assert [c["cycle_id"] for c in columns] == [c["cycle_id"] for c in plans]
    previous = None
    for col in columns:
        cid = col["cycle_id"]
        assert [r["priority_id"] for r in col["kept"]] == ids[cid]
        for r in col["kept"]:
            if previous is None:
                assert r["note"] == "● In the first plan shown"
            elif r["priority_id"] in ids[previous]:
                assert r["note"].startswith(f"→ Carried forward from {previous}")
            else:
                assert r["note"] == f"✚ New in {cid}"
            linked = {x["indicator_id"] for x in links if x["cycle_id"] == cid and x["priority_id"] == r["priority_id"]}
            assert {a["indicator_id"] for a in r["indicators"]} == linked
        dropped = [] if previous is None else [p for p in ids[previous] if p not in ids[cid]]
        assert [r["priority_id"] for r in col["dropped"]] == dropped
        previous = cid
    assert any(col["dropped"] for col in columns) and any(r["indicators"] for c in columns for r in c["kept"])


def test_extract_text_in_markdown_keeps_its_lines_and_nothing_else():
    """`ui.md_text`: a concern or a note from an extract shown in a markdown block reads exactly as written,
    line by line (hard breaks), and none of its characters can make a heading, a list, a tag, bold or a link."""
    text = "Update due\n# not a heading\n\n   - not a list\n1. nor this\n<b>x</b> **y** [l](http://e.x)"
    assert ui.md_text(text) == (
        "Update due  \n\\# not a heading  \n\\- not a list  \n1\\. nor this  \n"
        "\\<b\\>x\\</b\\> \\*\\*y\\*\\* \\[l\\]\\(h:small[]ttp\\://e\\.x\\)"
    )
    assert ui.md_text(None) == ui.md_text(float("nan")) == ui.md_text("  \n ") == ""
    assert ui.small("a \\*b\\*") == ":small[:gray[a \\*b\\*]]"


def test_the_scrutiny_view_holds_each_concern_as_the_extract_says_it(demo_env):
    """`views.scrutiny` against scrutiny_concerns.csv read with the csv module: every concern once, in meeting
    order; the follow-up words and the open ones named; the meeting marked on the trend it links to; a filter
    keeps only its status, and an unknown one is refused."""
    import csv
    import datetime as dt

    from safer import views
    from safer.store import Store

    rows = list(csv.DictReader((demo_env / "scrutiny_concerns.csv").open(encoding="utf-8")))
    store = Store(demo_env)
    try:
        v = views.scrutiny(store)
        got = v.data["concerns"]
        assert [c["concern_id"] for c in got] == [
            r["concern_id"] for r in sorted(rows, key=lambda r: r["meeting_date"])
        ]  # a stable sort: file order within a meeting
        assert v.data["open_topics"] == [r["topic"] for r in got if r["follow_up_status"] == "open"]
        assert v.data["open_topics"] == [r["topic"] for r in rows if r["follow_up_status"] == "open" and r["follow_up"]]
        n_open = len(v.data["open_topics"])
        assert v.notes == (
            [f"{n_open} open follow-up{'s' if n_open != 1 else ''} (marked ⚠ OPEN below)"] if n_open else []
        )
        by_id = {r["concern_id"]: r for r in rows}
        for c in got:
            r = by_id[c["concern_id"]]
            day = dt.date.fromisoformat(r["meeting_date"])
            assert c["concern"] == r["concern"] and c["topic"] == r["topic"]
            assert c["response"] == (r["response"] or "Not recorded in the extract.")
            if r["follow_up"]:
                word = {"open": "⚠ OPEN follow-up: still owed", "answered": "✔ Follow-up answered"}
                word["closed"] = "✔ Follow-up closed"
                assert c["follow_up"] == r["follow_up"]
                assert c["follow_up_word"] == word.get(r["follow_up_status"], "Follow-up status not given")
            else:
                assert c["follow_up"] is None and c["follow_up_word"] == "None asked for."
            if r["indicator_id"]:
                assert c["trend_link"] == {
                    "indicator": r["indicator_id"],
                    "mark": r["meeting_date"],
                    "mark_label": f"Scrutiny {day:%-d %b %Y}",
                }
            else:
                assert c["trend_link"] is None and not c["has_consultation"]
        first, last = min(r["meeting_date"] for r in rows), max(r["meeting_date"] for r in rows)
        assert v.meta.period == (f"meetings {first} to {last}" if first != last else f"the meeting of {first}")
        answered = views.scrutiny(store, "answered")
        assert [c["concern_id"] for c in answered.data["concerns"]] == [
            c["concern_id"] for c in got if by_id[c["concern_id"]]["follow_up_status"] == "answered"
        ]
        assert answered.meta.filters == {"Show": "Answered follow-ups"}
        assert len(answered.tables["scrutiny concerns"]) == len(answered.data["concerns"])
        with pytest.raises(ValueError, match="shown must be one of"):
            views.scrutiny(store, "everything")

    finally:
        store.close()


EVIL = "![x](http://127.0.0.1:9/i.png) [verify](http://evil.example) :red[alarm] **bold**"


def test_extract_text_in_every_page_s_captions_and_headings_is_literal(data_dir, monkeypatch):
    """Names, labels, units, sources and titles from the extracts reach captions, stamps, headings and notes on
    every page: in markdown an image there would be fetched from another host and a link would be live. Each is
    shown as typed (escaped), on every page."""
    import pandas as pd

    def edit(file, **cols):
        f = data_dir / file
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        for col, fn in cols.items():
            df[col] = df[col].map(fn)
        df.to_csv(f, index=False)

    edit("partnership.csv", name=lambda v: f"{v} {EVIL}")
    edit("indicators.csv", label=lambda v: f"{v} {EVIL}", unit=lambda v: f"{v} {EVIL}", source=lambda v: f"{v} {EVIL}")
    edit("areas.csv", area_name=lambda v: f"{v} {EVIL}")
    edit("priorities.csv", title=lambda v: f"{v} {EVIL}")
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    seen = 0
    for page in ("pages/overview.py", "pages/trends.py", "pages/plan_cycles.py", "pages/areas.py",
                 "pages/priorities.py", "pages/data.py"):  # fmt: skip
        at = open_page(page)
        assert not at.exception, (page, [e.value for e in at.exception])
        for kind in ("markdown", "caption", "warning", "success", "info", "subheader", "header", "title"):
            for e in getattr(at, kind):
                m = str(e.value)
                assert not re.search(r"(?<!\\)(!?\[[^\]]*(?<!\\)\]\(|:red\[|\*\*bold)", m), (page, kind, m)
                seen += "\\!\\[x\\]\\(h:small[]ttp\\:" in m
        for e in at.metric:  # a card's label ("Incidents a month") is markdown too
            assert not re.search(r"(?<!\\)(!?\[[^\]]*(?<!\\)\]\(|:red\[|\*\*bold)", e.label), (page, e.label)
            seen += "\\!\\[x\\]\\(h:small[]ttp\\:" in e.label
    assert seen >= 7  # the escaped text is there, on each page and on the Overview's card


def test_bare_addresses_in_extract_text_are_not_made_links():
    """Streamlit's markdown turns a bare `http://…`, `www.…` or `name@host` into a link even when every markdown
    character is escaped (seen in Chromium): escaped extract text carries an empty `:small[]` (an empty span)
    inside each, so it stays text, looks the same and copies as typed: no invisible character (a word joiner,
    U+2060, went into the clipboard with the text). Checked in Chromium: no link, and the text selected is as typed."""
    text = "Report at https://evil.example/x, www.evil.example or help@evil.example; HTTP://EVIL.EXAMPLE"
    shown = ui.md_escape(text)
    assert "\u2060" not in shown and not re.search(r"[\u200b-\u200f\u2060-\u2064\ufeff]", shown)
    plain = shown.replace(ui.NO_AUTOLINK, "").replace("\\", "")
    assert plain == text  # only escapes and empty spans added
    assert not re.search(r"(?i)(https?://|www\.|mailto:|@\w)", shown.replace("\\", ""))
    assert ui.md_text("line http://a.example\nnext") == "line h:small[]ttp\\://a\\.example  \nnext"
    assert ui.md_escape("a :small[x] b") == "a \\:small\\[x\\] b"  # the extract's own directives stay text


def test_the_link_in_a_citation_reopens_the_same_view_whatever_its_filters_hold(demo_env):
    """The citation's link was the parameters joined as they were: a theme's space cut the link short where it was
    pasted, and a label's `&` or `#` split it, so `?mark_label=Panel & x=1` gave a link with a parameter `x` of the
    sender's choosing. Each value is percent-encoded, and the link gives back exactly the filters shown."""
    from urllib.parse import urlsplit

    params = {"indicator": "asb", "mark": "2020-01-01", "mark_label": "Panel & cabinet=1 #2"}
    at = open_page("pages/trends.py", params)
    assert not at.exception, [e.value for e in at.exception]
    cited = [c.value for c in at.code if "Available at:" in c.value]
    assert cited
    link = cited[0].split("Available at: ", 1)[1].rsplit(" (accessed", 1)[0]
    assert " " not in link
    got = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert got["mark_label"] == "Panel & cabinet=1 #2" and got["mark"] == "2020-01-01" and "#2" not in got
    assert {"indicator", "area", "mark", "mark_label"} <= set(got) and "x" not in got


def test_consultation_shares_and_their_intervals_show_one_decimal_place_each(demo_env):
    """The survey tables drew "28" beside "27.5" and "26" beside "26.9": a share or interval end that was a
    whole number lost its ".0" (an outside audit). Each is shown to one decimal place."""
    import json

    at = open_page("pages/consultation.py")
    assert not at.exception
    grids = [d for d in at.dataframe if "Low (95%)" in d.value.columns and "Question" not in d.value.columns]
    assert grids
    for d in grids:
        config = json.loads(d.proto.columns)
        for col in ("%", "Low (95%)", "High (95%)"):
            assert config[col]["type_config"] == {"type": "number", "format": "%.1f"}, (col, config.get(col))
