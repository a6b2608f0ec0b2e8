"""Briefings: `?briefing=NAME` shows a briefing one view per screen, for a projector.

Each slide: one chart filling the screen, at most three plain sentences in large type from the same view
as the chart (what changed, against the previous plan, the caveat), the method one click away, the data
period, source and data version, and Previous / Next (buttons, or the
left and right arrow keys). The step is kept in the URL (`&step=2`), so a link reopens the same slide.
dashboard.py hides the navigation while a briefing is open. Without `?briefing=` this page lists the
briefings in the project's `briefings/` and the data directory's own. Everything shown comes from `safer.views`
(its slides: `safer.views.slides`); the PDF from `ui.briefing_pdf_download`.
"""

import streamlit as st

from safer import ui, views

# Projector type for the sentences and the stamp (the chart's own type is set in safer.views.slides).
# Constant CSS only: no text from the data or the URL goes into it.
# No Streamlit chrome on a projector: no header bar, toolbar, Deploy button or main menu.
PROJECTOR_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 1rem 1.5rem 0.5rem 1.5rem; max-width: 100%; }
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], #MainMenu,
[data-testid="stAppDeployButton"], [data-testid="stMainMenu"] { display: none !important; }
.st-key-briefing_text p { font-size: 1.75rem; line-height: 1.35; margin-bottom: 0.9rem; }
.st-key-briefing_stamp p { font-size: 1rem; line-height: 1.3; }
/* A 720-line projector (1280x720): the whole slide on one screen, its stamp included (at 1.4rem three sentences
   ran under the screen's edge and took the stamp with them); the stamp 16 px, as everywhere (14 px was below what a
   projector's back row reads), its lines closer. */
@media (min-width: 900px) and (max-height: 820px) {
  .st-key-briefing_text p { font-size: 1.25rem; line-height: 1.28; margin-bottom: 0.5rem; }
  .st-key-briefing_stamp p { font-size: 1rem; line-height: 1.2; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding-top: 0; }
}
/* An XGA projector (1024x768): the words' column is a fifth narrower than at 1280, so they take 18 px type, the
   least a projector's back row reads (at 20 px the stamp ran under the screen's edge: an outside audit). */
@media (min-width: 900px) and (max-width: 1199px) {
  .st-key-briefing_text p { font-size: 1.125rem; line-height: 1.25; margin-bottom: 0.45rem; }
  /* and the stamp 16 px, not the 720-line screen's 14 (an outside audit): XGA's 768 lines have the room */
  .st-key-briefing_stamp p { font-size: 1rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; }
  /* and the words' column two fifths of the width, not a third (the chart keeps three fifths, 585 px) */
  [data-testid="stColumn"]:has(> div .st-key-briefing_chart) { flex: 3 1 0 !important; width: auto !important; }
  [data-testid="stColumn"]:has(.st-key-briefing_text) { flex: 2 1 0 !important; width: auto !important; }
}
/* The slide's chart takes the screen's height under the heading (one story per screen, the chart as large
   as the screen allows): its figure is drawn at the container's height, never below the slide's own 600 px. */
.stVerticalBlock.st-key-briefing_chart {
  flex: 0 0 auto !important; height: max(600px, calc(100vh - 140px)) !important;
}
.st-key-briefing_chart > [data-testid="stElementContainer"],
.st-key-briefing_chart [data-testid="stFullScreenFrame"],
.st-key-briefing_chart [data-testid="stPlotlyChart"] { height: 100% !important; }
/* A screen too short for a slide (a 720-line screen at 125% or 150% zoom is 576 or 480 px tall to the page): the
   chart takes what the screen has, and the slide says how to get the rest (one story per screen needs the room). */
.st-key-briefing_short { display: none; }
@media (min-width: 900px) and (max-height: 660px) {
  .stVerticalBlock.st-key-briefing_chart { height: max(360px, calc(100vh - 110px)) !important; }
  .st-key-briefing_short { display: block; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.6rem; }
}
/* A phone, or a screen under 900 px wide (an SVGA projector): projector type does not fit its width, so the slide
   shows the chart as its page draws it (at 800 px a legend entry of the projector's chart ran out of its box). */
.st-key-briefing_chart_phone { display: none; }
@media (max-width: 899px) {
  .st-key-briefing_chart { display: none; }
  .st-key-briefing_chart_phone { display: block; }
  /* the slide's buttons and words before its chart: under it, Previous and Next were a screen and more below the
     title (an outside audit); a phone reads the verdict first, as the Trends page puts it */
  [data-testid="stColumn"]:has(.st-key-briefing_text) { order: -1; }
  /* and its words in a phone's reading size (projector type made a slide three screens tall) */
  .st-key-briefing_text p { font-size: 1.05rem; line-height: 1.45; margin-bottom: 0.6rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.75rem; }
}
</style>"""


def _index() -> None:
    ui.header("Briefings", "Which views go to the committee, one per screen, in what order?")
    s = ui.store()
    found = views.briefing_files(data_dir=s.data_dir)
    for why in views.briefings_passed_over(data_dir=s.data_dir):  # a file in the folder that is not a briefing's
        st.warning(ui.md_escape(why), icon=":material/warning:")
    if not found:
        st.info("There are no briefings: add one to the data directory's briefings/ folder (see the README).")
        return
    st.markdown(
        "A briefing shows one view per screen in large type, for a projector. Move on with the "
        "**Next** and **Previous** buttons or the right and left arrow keys; the slide number is kept "
        "in the link. Each briefing also downloads as one PDF, one view per page."
    )
    st.caption(
        "Listed: the project's briefings/ folder and the data directory's own briefings/ folder, where a "
        "partnership keeps its briefings with its extracts (one TOML file each; see the README)."
    )
    for name in found:
        try:
            b = views.load_briefing(name, data_dir=s.data_dir)
        except views.BriefingError as exc:
            st.error(ui.md_escape(exc), icon=":material/error:")
            continue
        cannot = views.briefing_problem(s, b)
        if cannot:  # written for other data (another partnership's indicators): listed, not offered
            st.warning(
                ui.md_escape(f"{b.title} ({len(b.slides)} views) cannot be shown with this data: {cannot}"),
                icon=":material/block:",
            )
            continue
        st.page_link(
            "pages/briefing.py",
            label=ui.md_escape(f"{b.title} ({len(b.slides)} views)"),
            icon=":material/slideshow:",
            query_params={"briefing": name, "step": "1"},
        )
        if b.description:
            st.caption(ui.md_escape(b.description))


def _go(step: int) -> None:
    st.query_params["step"] = str(step)


def _buttons(step: int, n: int):
    """Previous, Next and "step of n" in a row (returned, so a caller may add to it)."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with row:
        st.button(
            "Previous",
            icon=":material/arrow_back:",
            shortcut="Left",
            disabled=step <= 1,
            on_click=_go,
            args=(step - 1,),
            key="briefing_previous",
        )
        st.button(
            "Next",
            icon=":material/arrow_forward:",
            shortcut="Right",
            disabled=step >= n,
            type="primary",
            on_click=_go,
            args=(step + 1,),
            key="briefing_next",
        )
        st.markdown(f"**{step} of {n}**")
    return row


def _show(name: str) -> None:
    if not getattr(ui.NAV, "active", False):  # opened on its own: run the dashboard, which routes here
        ui.run_dashboard()
    s = ui.store()
    try:
        b = views.load_briefing(name, data_dir=s.data_dir)
        step = views.briefing_step(st.query_params.get("step"), len(b.slides))
    except views.BriefingError as exc:
        ui.page_title("Briefing")
        st.title("Briefing")
        st.error(ui.md_escape(exc), icon=":material/error:")
        if views.briefing_files(data_dir=s.data_dir):  # the error names them
            st.markdown("Open one with `?briefing=NAME` in the address.")
        return
    st.query_params["step"] = str(step)
    n = len(b.slides)
    ui.page_title(f"{b.slides[step - 1].title} ({step} of {n})")
    p = ui.partnership()
    st.html(PROJECTOR_CSS)
    try:
        slide = views.briefing_slide(s, b, step)
    except views.BriefingError as exc:  # this slide only: the others may still be shown, so the buttons stay
        st.title(ui.md_escape(b.slides[step - 1].title))
        _buttons(step, n)
        st.error(ui.md_escape(exc), icon=":material/error:")
        return

    st.title(ui.md_escape(slide.title))  # a briefing file's text, shown literally as extract text is
    chart, text = st.columns([2, 1], gap="medium")
    with chart.container(key="briefing_chart"):  # the screen's height (PROJECTOR_CSS)
        st.plotly_chart(
            slide.figure, width="stretch", height="stretch", theme=None, config={"displayModeBar": False},
            alt=slide.alt,
        )  # fmt: skip
    with chart.container(key="briefing_chart_phone"):  # as its page draws it: title and subtitle wrap as text
        ui.chart(slide.phone_figure, config={"displayModeBar": False}, alt=slide.alt)
    with text:
        with st.container(key="briefing_short"):  # shown by PROJECTOR_CSS on a screen too short for a slide
            st.warning(views.BRIEFING_SHORT_SCREEN, icon=":material/fit_screen:")
        with _buttons(step, n):
            ui.briefing_pdf_download(b)
        if p["synthetic"]:
            st.warning(f"**{views.BRIEFING_SYNTHETIC_NOTE}**", icon=":material/warning:")
        last_good = views.last_good_note(s.status)
        if last_good:
            st.error(last_good, icon=":material/error:")
        with st.container(key="briefing_text"):
            for sentence in slide.sentences:
                st.markdown(ui.md_escape(sentence))
        with st.container(key="briefing_stamp"):
            st.caption(ui.md_escape(slide.stamp))
        if slide.detail:
            with st.expander("How this was worked out (for analysts)"):
                for line in slide.detail:
                    st.caption(ui.md_escape(line))


name = st.query_params.get("briefing")
if name:
    _show(name)
else:
    _index()
