"""Scrutiny: the concerns raised, what was said, the follow-up still owed, and the evidence for each."""

from __future__ import annotations

import datetime as dt

from .. import fmt, queries
from .base import View, cached, query_command, stamp

QUESTION = "What concerns did scrutiny raise, what was said, what is still owed, and what do the figures show?"
SOURCE = "scrutiny_concerns.csv"
# The follow-up statuses a page may show, in order, with their words ("all": every concern).
SHOWN = {
    "all": "Every concern",
    "open": "⚠ Open follow-ups",
    "answered": "Answered follow-ups",
    "closed": "Closed follow-ups",
}
# A follow-up's status in words and a symbol, so it never rests on colour alone.
FOLLOW_UP = {"open": "⚠ OPEN follow-up: still owed", "answered": "✔ Follow-up answered", "closed": "✔ Follow-up closed"}


def _text(v) -> str | None:
    """A text field from the extract, or None when it is empty."""
    return v if isinstance(v, str) and v.strip() else None


def _concern(r: dict) -> dict:
    """One concern as a page lays it out: the extract's text as written, and the words and links around it."""
    day = dt.date.fromisoformat(r["meeting_date"])
    status = r["follow_up_status"]
    follow_up = _text(r["follow_up"])
    return {
        "concern_id": r["concern_id"],
        "topic": r["topic"],
        "meeting": f"{day:%-d %B %Y} · {r['committee']}",
        "concern": r["concern"],
        "response": _text(r["response"]) or "Not recorded in the extract.",
        "follow_up": follow_up,
        "follow_up_status": status if follow_up else None,
        "follow_up_word": FOLLOW_UP.get(status, "Follow-up status not given") if follow_up else "None asked for.",
        "indicator_id": _text(r["indicator_id"]),
        "label": r["label"] if _text(r["indicator_id"]) else None,
        # the trend, with the meeting marked (`?mark=...&mark_label=...`, see ui.url_mark)
        "trend_link": (
            {
                "indicator": r["indicator_id"],
                "mark": r["meeting_date"],
                "mark_label": f"Scrutiny {day:%-d %b %Y}",
            }
            if _text(r["indicator_id"])
            else None
        ),
        "has_consultation": bool(r["has_consultation"]) and bool(_text(r["indicator_id"])),
        "illustrative": bool(r["illustrative"]),
        "source": _text(r["source"]),
    }


@cached
def scrutiny(store, shown: str = "all") -> View:
    """Every concern raised at scrutiny, or those whose follow-up is `shown` (open, answered or closed)."""
    if shown not in SHOWN:
        raise ValueError(f"shown must be one of {', '.join(SHOWN)}, not {shown!r}")
    everything = queries.run(store, "scrutiny_concerns")
    rows = everything if shown == "all" else queries.run(store, "scrutiny_concerns", follow_up_status=shown)
    if len(everything):
        first, last = everything.meeting_date.min(), everything.meeting_date.max()
        period = f"meetings {first} to {last}" if first != last else f"the meeting of {first}"
    else:
        period = "no meetings recorded"
    # open: a follow-up was asked for and is still owed (a status with no follow-up asked for is not counted)
    open_ = everything[
        (everything.follow_up_status == "open") & everything.follow_up.map(lambda t: _text(t) is not None)
    ]
    filters = {} if shown == "all" else {"Show": SHOWN[shown]}
    title = "Concerns raised at scrutiny"
    # the page puts this first, with the topics still owed, so an open follow-up is never missed
    notes = [f"{fmt.plural(len(open_), 'open follow-up')} (marked ⚠ OPEN below)"] if len(open_) else []
    return View(
        name="scrutiny",
        title=title,
        question=QUESTION,
        meta=stamp(store, title, period, SOURCE, filters),
        tables={"scrutiny concerns": rows},
        notes=notes,
        queries=[query_command("scrutiny_concerns", follow_up_status=shown)],
        data={
            "any": bool(len(everything)),
            "concerns": [_concern(r) for r in rows.to_dict("records")],
            "open_topics": list(open_.topic),
        },
    )
