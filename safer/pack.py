"""The SIA data pack: `python -m safer pack --cycle ID --out DIR`.

Per priority of the plan cycle: its charts (PNG), its tables (CSV, and one Excel workbook with a sheet
per table), and a plain-English paragraph per indicator; an `index.html` ties it together. Every number
comes from the named queries, the same ones the dashboard and `python -m safer query` use.
"""

from __future__ import annotations

import html
import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import export, fmt, queries, views


@dataclass
class IndicatorPart:
    indicator: dict
    tables: dict[str, pd.DataFrame]
    figures: dict[str, object]
    paragraph: list[str]
    period: str


def _indicator_part(store, indicator: dict, cycle_id: str, end_month: str | None) -> IndicatorPart:
    """One indicator's part of the pack, built from the same views as its pages: the trend and the plan
    cycles, and a paragraph from the same verdicts (one family for the pack, adjusted for many tests)."""
    from .views import comparisons

    iid = indicator["indicator_id"]
    trend = views.trend(store, iid, None)
    cyc = views.cycle_comparison(store, iid, None)
    unit = str(indicator["unit"])
    latest = comparisons.in_family(store, "latest12", iid, None, end_month=end_month)
    against = comparisons.in_family(store, "cycle", iid, None, cycle_id=cycle_id)
    paragraph = [
        f"{indicator['label']}: " + comparisons.verdict_sentence(latest, unit),
        "How: " + latest.method,
        comparisons.cycle_sentence(against, unit),
        "How: " + against.method,
    ]
    if latest.family_size:
        paragraph.append(
            f"The pack compares {latest.family_size} indicators at once, so each verdict uses the p-value adjusted "
            f"for many tests (Benjamini–Hochberg): here {fmt.p_value(latest.family_p_value)} for the latest 12 "
            "months."
        )
    caveats = indicator.get("caveats")
    if isinstance(caveats, str) and caveats.strip():
        paragraph.append("Caveats: " + caveats.strip())
    slug = export.slug(iid)
    return IndicatorPart(
        indicator=indicator,
        tables={f"{iid} monthly": trend.tables["monthly"], f"{iid} plan cycles": cyc.tables["plan cycles"]},
        figures={
            f"{slug}-trend": trend.figures["trend chart"],
            f"{slug}-plan-cycles": cyc.figures["cycle means chart"],
        },
        paragraph=paragraph,
        period=trend.meta.period,
    )


def build_pack(store, cycle_id: str, out_dir: Path, images: bool = True) -> dict:
    """Write the pack for `cycle_id` into `out_dir`; return {"files": [...], "priorities": n, "indicators": n}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    p = queries.run(store, "partnership").iloc[0].to_dict()
    synthetic = bool(p["synthetic"])
    cycles = queries.run(store, "plan_cycles")
    cycle = cycles.set_index("cycle_id").loc[cycle_id].to_dict()
    rows = queries.run(store, "cycle_priorities", cycle=cycle_id)
    catalogue = queries.run(store, "indicators").set_index("indicator_id")
    area = {"area_code": p["area_code"], "area_name": p["area_name"]}
    version = store.version

    last = catalogue["last_month"].dropna().max() if len(catalogue) else None
    end_month = str(cycle["end_month"]) if isinstance(last, str) and str(cycle["end_month"]) < last else None
    parts: dict[str, IndicatorPart] = {}
    for iid in rows.indicator_id.dropna().unique():
        ind = catalogue.loc[iid].to_dict() | {"indicator_id": iid}
        parts[iid] = _indicator_part(store, ind, cycle_id, end_month)

    files: list[str] = []
    figs, fig_paths = [], []
    sections = []
    priorities = list(dict.fromkeys(zip(rows.priority_id, rows.priority_title, rows.illustrative)))
    for n, (pid, ptitle, illustrative) in enumerate(priorities, start=1):
        folder = out_dir / f"{n:02d}-{pid}"
        folder.mkdir(exist_ok=True)
        iids = [i for i in rows[rows.priority_id == pid].indicator_id if isinstance(i, str)]
        sheets: dict[str, pd.DataFrame] = {}
        items = []
        for iid in iids:
            part = parts[iid]
            meta = export.Meta(
                title=f"{part.indicator['label']}, {area['area_name']}",
                period=part.period,
                source=str(part.indicator["source"]),
                data_version=version,
                partnership=p["name"],
                filters={"indicator": iid, "area": area["area_code"], "plan cycle": cycle_id},
                synthetic=synthetic,
            )
            for tname, df in part.tables.items():
                fname = f"{export.slug(tname)}.csv"
                (folder / fname).write_bytes(export.csv_bytes(df, meta))
                files.append(f"{folder.name}/{fname}")
                sheets[tname] = df
            imgs = []
            for fname, fig in part.figures.items():
                if images:
                    figs.append(export.stamped_figure(fig, meta))
                    fig_paths.append(folder / f"{fname}.png")
                    files.append(f"{folder.name}/{fname}.png")
                imgs.append(f"{folder.name}/{fname}.png")
            (folder / f"{export.slug(iid)}.txt").write_text("\n".join(part.paragraph) + "\n", encoding="utf-8")
            files.append(f"{folder.name}/{export.slug(iid)}.txt")
            items.append((part, imgs, [f"{folder.name}/{export.slug(t)}.csv" for t in part.tables]))
        if sheets:
            meta = export.Meta(
                title=f"{ptitle}: tables",
                period=f"{cycle['start_month']} to {cycle['end_month']}",
                source="see each indicator",
                data_version=version,
                partnership=p["name"],
                filters={"plan cycle": cycle_id},
                synthetic=synthetic,
            )
            (folder / "tables.xlsx").write_bytes(export.xlsx_bytes(sheets, meta))
            files.append(f"{folder.name}/tables.xlsx")
        sections.append((ptitle, bool(illustrative), items, f"{folder.name}/tables.xlsx" if sheets else None))

    if images and figs:
        import plotly.io as pio

        pio.write_images(
            figs,
            [str(x) for x in fig_paths],
            width=[1400] * len(figs),
            height=[int(f.layout.height or 640) for f in figs],
            scale=1,
        )

    (out_dir / "index.html").write_text(
        _index_html(p, cycle_id, cycle, sections, version, synthetic, images), encoding="utf-8"
    )
    files.append("index.html")
    return {"files": files, "priorities": len(priorities), "indicators": len(parts)}


def _index_html(p: dict, cycle_id: str, cycle: dict, sections, version: str, synthetic: bool, images: bool) -> str:
    e = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(p['name'])}: SIA data pack, plan cycle {e(cycle_id)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.5;color:#222}"
        "img{max-width:100%;border:1px solid #ccc}.synthetic{background:#B84F00;color:#fff;padding:.5em 1em;"
        "font-weight:bold}.illustrative{color:#595959;font-style:italic}</style></head><body>",
        f"<h1>{e(p['name'])}</h1>",
        f"<p>Strategic Intelligence Assessment data pack for <b>{e(str(cycle['title']))}</b> "
        f"({e(cycle['start_month'])} to {e(cycle['end_month'])}). Data version {e(version)}.</p>",
    ]
    if synthetic:
        out.append('<p class="synthetic">SYNTHETIC DEMO DATA: these are not real figures.</p>')
    for ptitle, illustrative, items, workbook in sections:
        out.append(f"<h2>{e(ptitle)}</h2>")
        if illustrative:
            out.append('<p class="illustrative">Illustrative: the exact wording of this priority is not known.</p>')
        if not items:
            out.append("<p>No indicator is linked to this priority.</p>")
        for part, imgs, csvs in items:
            out.append(f"<h3>{e(part.indicator['label'])}</h3>")
            out += [f"<p>{e(s)}</p>" for s in part.paragraph]
            if images:
                out += [f'<p><img src="{e(i)}" alt="{e(part.indicator["label"])}: chart"></p>' for i in imgs]
            out.append("<p>Tables: " + ", ".join(f'<a href="{e(c)}">{e(c.split("/")[-1])}</a>' for c in csvs) + "</p>")
        if workbook:
            out.append(f'<p>All tables of this priority in one workbook: <a href="{e(workbook)}">tables.xlsx</a></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def pack_zip(store, cycle_id: str, images: bool = True) -> bytes:
    """The same pack, as the bytes of a zip file (for the dashboard's download)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"sia-pack-{cycle_id}"
        build_pack(store, cycle_id, root, images=images)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(root.parent).as_posix())
        shutil.rmtree(root, ignore_errors=True)
    return buf.getvalue()
