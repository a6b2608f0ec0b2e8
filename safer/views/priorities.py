"""Priorities across plan cycles: carried forward, new or dropped, each target's status with its uncertainty.

A status (on track / at risk / off track / too early to tell) compares the latest 12 months with the
plan's baseline and target under the rule stored in `status_rules.csv`; "too early to tell" when chance
variation alone could put progress in more than one band. It answers a different question from the
Overview's verdict (did it change beyond chance, against the same months a year before), so both can be
true at once: the page says so beside every status.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import fmt, queries, status
from . import comparisons
from .base import METHODS, View, cached, stamp

CHANGE_SYMBOL = {"first plan": "●", "carried forward": "→", "new": "✚", "dropped": "✖"}
BOTH_TRUE = (
    "The status measures progress from the plan's baseline towards its target; the Overview asks whether the "
    "latest 12 months differ from the same months a year before beyond chance. An indicator can be off track "
    "for its target and show no clear change on the year, or the other way round."
)


def _nums(*xs) -> list[str]:
    """Means read side by side (`fmt.numbers`), 'no data' for none."""
    return ["no data" if fmt.is_missing(x) else s for x, s in zip(xs, fmt.numbers(*xs))]


def _progress(a: dict) -> str:
    p = a.get("progress_pct")
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "not worked out"
    return status._pct(p)


@cached
def priorities(store) -> View:
    changes = queries.run(store, "priority_cycles")
    targets = queries.run(store, "priority_targets")
    assessed = []
    for t in targets.to_dict("records"):
        iid = t["indicator_id"]
        rule = None if t["rule_id"] is None or t["rule_id"] != t["rule_id"] else t
        a = status.assess(
            comparisons.true_monthly(store, iid),
            t["baseline_monthly_mean"],
            t["target_monthly_mean"],
            rule,
            t["good_direction"],
            t["cycle_start"],
            t["cycle_end"],
            recording=comparisons.recording(store, iid),
            baseline_period=t.get("baseline_period"),
        )
        a = t | a
        latest = fmt.period_label(a["latest_first_month"], a["latest_last_month"])
        # the three means are read side by side, and the latest is the Overview card's figure for the same months:
        # written with the same rule (fmt.numbers), not "418.8" here beside "419" there
        now, base, goal = _nums(a["latest_mean"], a["baseline_monthly_mean"], a["target_monthly_mean"])
        # a baseline or target not in targets.csv is "not set" (it read "no data", as if a figure were missing: an
        # outside audit); the figures name what they count, as the Overview's "Crimes a month"
        set_as = ((a["baseline_monthly_mean"], base), (a["target_monthly_mean"], goal))
        base, goal = ("not set" if fmt.is_missing(x) else v for x, v in set_as)
        a["card_line"] = (
            ("Latest: no data" if now == "no data" else f"Latest {now} {t['unit']} a month")
            + f" ({latest}, {a['latest_months_with_data']} of 12 months with data) · baseline {base} · target {goal}"
            f" · progress {_progress(a)}"
        )
        lo, hi = a.get("progress_low", math.nan), a.get("progress_high", math.nan)
        a["interval_line"] = (
            f"Progress {_progress(a)}, 95% interval {status._pct(lo)} to {status._pct(hi)}."
            if isinstance(lo, float) and not math.isnan(lo)
            else "No interval: progress is not worked out."
        )
        assessed.append(a)
    assessed_df = pd.DataFrame(assessed)
    cycles = changes.drop_duplicates("cycle_id")[["cycle_id", "cycle_title", "previous_cycle_id"]].to_dict("records")
    matrix = pd.DataFrame()
    if len(changes):
        titled = [
            str(r["title"]) + (" (illustrative)" if r["illustrative"] else "") for r in changes.to_dict("records")
        ]
        matrix = (
            changes.assign(
                cell=[
                    f"{CHANGE_SYMBOL[c]} {c}{' (reworded)' if c == 'carried forward' and rw is True else ''}: {t}"
                    for c, t, rw in zip(changes.change, titled, changes.reworded)
                ]
            )
            .pivot(index="priority_id", columns="cycle_id", values="cell")
            .reindex(index=list(dict.fromkeys(changes.priority_id)), columns=[c["cycle_id"] for c in cycles])
            .fillna("")
            .reset_index(drop=True)
        )
    table = pd.DataFrame()
    if len(assessed_df):
        table = pd.DataFrame(
            {
                "Plan cycle": assessed_df["cycle_id"],
                "Priority": assessed_df["priority_title"],
                "Illustrative": assessed_df["illustrative"],
                "Indicator": assessed_df["label"],
                "Baseline a month": assessed_df["baseline_monthly_mean"],
                "Baseline period": assessed_df["baseline_period"],
                "Target a month": assessed_df["target_monthly_mean"],
                "Latest months": [
                    fmt.period_label(a, b)
                    for a, b in zip(assessed_df["latest_first_month"], assessed_df["latest_last_month"])
                ],
                "Months with data": assessed_df["latest_months_with_data"],
                "Latest a month": assessed_df["latest_mean"].round(2),
                "Progress, %": assessed_df["progress_pct"].round(1),
                "Progress, 95% low": assessed_df.get("progress_low", pd.Series(dtype=float)).round(1),
                "Progress, 95% high": assessed_df.get("progress_high", pd.Series(dtype=float)).round(1),
                "Status": assessed_df["status"],
                "Why": assessed_df["reason"],
                "Rule": assessed_df["rule_id"],
            }
        )
    meta = stamp(
        store,
        "Priorities: status of every target",
        "the latest 12 calendar months for each indicator, those with data (to the cycle's end for a finished cycle)",
        "priorities.csv, targets.csv, status_rules.csv and the indicators' monthly counts",
        method=METHODS["targets"],
    )
    return View(
        name="priorities",
        title=meta.title,
        question="Which priorities did each plan carry forward, add or drop, and is each on track?",
        meta=meta,
        tables={"priority status": table} if len(table) else {},
        notes=[BOTH_TRUE],
        detail=[status.RULE_METHOD],  # how a status is worked out
        queries=[
            "python -m safer query priority_cycles",
            "python -m safer query priority_targets",
            "python -m safer query monthly --indicator ID",
        ],
        data={
            "illustrative_note": comparisons.ILLUSTRATIVE if changes.illustrative.any() else "",
            "changes": changes,
            "cycles": cycles,
            "assessed": assessed_df,
            "matrix": matrix,
            "columns": _columns(changes, cycles, assessed_df),
        },
    )


def _columns(changes: pd.DataFrame, cycles: list[dict], assessed: pd.DataFrame) -> list[dict]:
    """Each plan cycle as the page lays it out, in plain lists (a rerun then does no pandas work): its kept
    priorities, each with the note saying where it came from and its assessed indicators, then its dropped ones."""
    out = []
    for cyc in cycles:
        rows = changes[changes.cycle_id == cyc["cycle_id"]]
        kept = []
        for r in rows[rows.change != "dropped"].to_dict("records"):
            if r["change"] == "carried forward":
                note = f"→ Carried forward from {cyc['previous_cycle_id']}"
                if r["reworded"]:
                    note += " (reworded; was: " + str(r["previous_title"]) + ")"
            elif r["change"] == "new":
                note = f"✚ New in {cyc['cycle_id']}"
            else:
                note = "● In the first plan shown"
            inds = (
                assessed[(assessed.cycle_id == cyc["cycle_id"]) & (assessed.priority_id == r["priority_id"])]
                if len(assessed)
                else assessed
            )
            kept.append(r | {"note": note, "indicators": inds.to_dict("records")})
        out.append(cyc | {"kept": kept, "dropped": rows[rows.change == "dropped"].to_dict("records")})
    return out
