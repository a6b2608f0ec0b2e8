"""The SIA data pack as one view: per priority of a plan cycle, each linked indicator's tables, charts and
paragraph, each with its own stamp. Built from the trend and plan-cycle views (the same objects as their
pages) and the same verdicts, adjusted as one family for the pack; `safer.pack` only writes it to files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from .. import export, fmt, queries
from . import comparisons
from .base import METHODS, View, cached, stamp
from .cycles import cycle_comparison
from .trends import trend


@dataclass
class PackPart:
    """One indicator's part: tables and figures named as their files will be, a paragraph, a stamp."""

    indicator: dict
    tables: dict[str, pd.DataFrame]
    figures: dict[str, object]  # file stem -> Plotly figure
    paragraph: list[str]
    meta: export.Meta
    # each table's and figure's own stamp, by its name: the months it holds (the monthly series, the plan cycles
    # with data), as its page's view stamps it
    metas: dict[str, export.Meta] = field(default_factory=dict)

    def meta_of(self, name: str) -> export.Meta:
        return self.metas.get(name, self.meta)


@dataclass
class PackSection:
    """One priority: its title, whether its wording is illustrative, its indicators' parts, the stamp of its
    workbook (all its tables)."""

    priority_id: str
    title: str
    illustrative: bool
    parts: list[PackPart] = field(default_factory=list)
    meta: export.Meta | None = None


def _paragraph(indicator: dict, latest, against) -> list[str]:
    unit = str(indicator["unit"])
    out = [
        f"{indicator['label']}: " + comparisons.verdict_sentence(latest, unit),
        "How: " + latest.method,
        comparisons.cycle_sentence(against, unit),
        "How: " + against.method,
    ]
    if latest.family_size:
        out.append(
            f"The pack compares {latest.family_size} indicators at once, so each verdict uses the p-value adjusted "
            f"for many tests (Benjamini–Hochberg): here {fmt.p_value(latest.family_p_value)} for the latest 12 "
            "months."
        )
    caveats = indicator.get("caveats")
    if isinstance(caveats, str) and caveats.strip():
        out.append("Caveats: " + caveats.strip())
    return out


def _part(store, indicator: dict, cycle_id: str, end_month: str | None, area: dict) -> PackPart:
    iid = indicator["indicator_id"]
    tr = trend(store, iid, None)
    cyc = cycle_comparison(store, iid, None)
    slug = export.slug(iid)
    latest = comparisons.in_family(store, "latest12", iid, None, end_month=end_month)
    against = comparisons.in_family(store, "cycle", iid, None, cycle_id=cycle_id)
    # the paragraph's changes per resident (or child) rest on population.csv too: its citation names it (an outside
    # audit), as the Areas page's does
    per_resident = any(c.per_resident_change_pct is not None for c in (latest, against))
    who = indicator.get("rate_per") or "residents"
    meta = stamp(
        store,
        f"{indicator['label']}, {area['area_name']}",
        tr.meta.period,
        str(indicator["source"]) + (f"; {who} from population.csv" if per_resident else ""),
        {"indicator": iid, "area": area["area_code"], "plan cycle": cycle_id},
        # and the months its two verdicts compare, as the pages' citations name them (an SIA analyst)
        method=METHODS["change"]
        + comparisons.months_compared_clause((("the latest 12 months", latest), (cycle_id, against))),
    )
    own = {
        f"{iid} monthly": tr.meta,
        f"{slug}-trend": tr.meta,
        f"{iid} plan cycles": cyc.meta,
        f"{slug}-plan-cycles": cyc.meta,
    }
    return PackPart(
        indicator=indicator,
        tables={f"{iid} monthly": tr.tables["monthly"], f"{iid} plan cycles": cyc.tables["plan cycles"]},
        figures={f"{slug}-trend": tr.figures["trend chart"], f"{slug}-plan-cycles": cyc.figures["cycle means chart"]},
        paragraph=_paragraph(indicator, latest, against),
        meta=meta,
        metas={name: replace(meta, period=m.period, source=m.source) for name, m in own.items()},
    )


def _span(periods) -> str:
    """The months a set of stamps' data periods cover together ('2015-04 to 2026-09'): never the plan cycle's own
    span, which runs past the data while the cycle is under way; 'no data' where none has months."""
    ends = [p.split(" to ") for p in periods if re.fullmatch(r"\d{4}-\d{2} to \d{4}-\d{2}", str(p))]
    return f"{min(a for a, _b in ends)} to {max(b for _a, b in ends)}" if ends else "no data"


@cached
def sia_pack(store, cycle_id: str) -> View:
    """Every priority of plan cycle `cycle_id`, with its indicators' parts, in the cycle's order."""
    p = queries.run(store, "partnership").iloc[0].to_dict()
    cycle = queries.run(store, "plan_cycles").set_index("cycle_id").loc[cycle_id].to_dict()
    rows = queries.run(store, "cycle_priorities", cycle=cycle_id)
    catalogue = queries.run(store, "indicators").set_index("indicator_id")
    area = {"area_code": p["area_code"], "area_name": p["area_name"]}
    # Verdicts compare the latest 12 months up to the cycle's end when the data run past it.
    last = catalogue["last_month"].dropna().max() if len(catalogue) else None
    end_month = str(cycle["end_month"]) if isinstance(last, str) and str(cycle["end_month"]) < last else None
    parts = {
        iid: _part(store, catalogue.loc[iid].to_dict() | {"indicator_id": iid}, cycle_id, end_month, area)
        for iid in rows.indicator_id.dropna().unique()
    }
    sections = []
    for pid, ptitle, illustrative in dict.fromkeys(zip(rows.priority_id, rows.priority_title, rows.illustrative)):
        sec = PackSection(str(pid), str(ptitle), bool(illustrative))
        sec.parts = [parts[i] for i in rows[rows.priority_id == pid].indicator_id if isinstance(i, str)]
        if sec.parts:
            period = _span(m.period for part in sec.parts for m in part.metas.values())
            sec.meta = stamp(
                store,
                f"{ptitle}: tables",
                period,
                "see each indicator",
                {"plan cycle": cycle_id},
                method=METHODS["change"],
            )
        sections.append(sec)
    period = _span(m.period for part in parts.values() for m in part.metas.values())
    filters = {"plan cycle": cycle_id}
    meta = stamp(
        store, f"SIA data pack, plan cycle {cycle_id}", period, "see each indicator", filters, METHODS["change"]
    )
    return View(
        name="sia_pack",
        title=f"{p['name']}: SIA data pack, plan cycle {cycle_id}",
        question=f"What does the evidence say about each priority of {cycle['title']}?",
        meta=meta,
        data={
            "partnership": p,
            "cycle": cycle | {"cycle_id": cycle_id},
            "sections": sections,
            "indicators": len(parts),
        },
        queries=[f"python -m safer pack --cycle {cycle_id} --out DIR"],
    )
