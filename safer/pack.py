"""The SIA data pack: `python -m safer pack --cycle ID --out DIR`.

Per priority of the plan cycle: its charts (PNG), its tables (CSV, and one Excel workbook with a sheet
per table), and a plain-English paragraph per indicator; an `index.html` ties it together. Every number
comes from one view, `safer.views.sia_pack` (built from the same trend and plan-cycle views as the pages);
this module only writes it out as files.
"""

from __future__ import annotations

import html
import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from . import export, views


def build_pack(store, cycle_id: str, out_dir: Path, images: bool = True) -> dict:
    """Write the pack for `cycle_id` into `out_dir`; return {"files": [...], "priorities": n, "indicators": n}.

    Everything written comes from one view (`views.sia_pack`); this only lays it out as files."""
    v = views.sia_pack(store, cycle_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    figs, fig_paths = [], []
    laid_out = []
    for n, sec in enumerate(v.data["sections"], start=1):
        folder = out_dir / f"{n:02d}-{export.slug(sec.title, 60)}"  # named as the index and the plan name it
        folder.mkdir(exist_ok=True)
        sheets: dict[str, pd.DataFrame] = {}
        metas = {}  # each sheet's own stamp: its indicator's period and source, not the section's
        items = []
        for part in sec.parts:
            iid = part.indicator["indicator_id"]
            for tname, df in part.tables.items():
                fname = f"{export.slug(tname)}.csv"
                (folder / fname).write_bytes(export.csv_bytes(df, part.meta_of(tname)))
                files.append(f"{folder.name}/{fname}")
                sheets[tname] = df
                metas[tname] = part.meta_of(tname)
            imgs = []
            for fname, fig in part.figures.items():
                if images:
                    figs.append(export.stamped_figure(fig, part.meta_of(fname)))
                    fig_paths.append(folder / f"{fname}.png")
                    files.append(f"{folder.name}/{fname}.png")
                imgs.append(f"{folder.name}/{fname}.png")
            # the paragraph to paste into the SIA, with its source and a citation for its footnote
            text = [*part.paragraph, "", f"Cite as: {export.citation(part.meta)}"]
            (folder / f"{export.slug(iid)}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
            files.append(f"{folder.name}/{export.slug(iid)}.txt")
            items.append((part, imgs, [f"{folder.name}/{export.slug(t)}.csv" for t in part.tables]))
        if sheets:
            (folder / "tables.xlsx").write_bytes(export.xlsx_bytes(sheets, sec.meta, metas))
            files.append(f"{folder.name}/tables.xlsx")
        laid_out.append((sec.title, sec.illustrative, items, f"{folder.name}/tables.xlsx" if sheets else None))

    for f, path in zip(figs, fig_paths):
        path.write_bytes(export.render(f, "png", 1400, int(f.layout.height or 640)))

    (out_dir / "index.html").write_text(_index_html(v, laid_out, images), encoding="utf-8")
    files.append("index.html")
    return {"files": files, "priorities": len(v.data["sections"]), "indicators": v.data["indicators"]}


def _index_html(v, sections, images: bool) -> str:
    e = html.escape
    p, cycle, version = v.data["partnership"], v.data["cycle"], v.meta.data_version
    cycle_id = cycle["cycle_id"]
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(p['name'])}: SIA data pack, plan cycle {e(cycle_id)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.5;color:#222;"
        "overflow-wrap:anywhere}"
        "img{max-width:100%;border:1px solid #ccc}.synthetic{background:#B84F00;color:#fff;padding:.5em 1em;"
        "font-weight:bold}.illustrative{color:#595959;font-style:italic}.cite{color:#444}</style></head><body>",
        f"<h1>{e(p['name'])}</h1>",
        f"<p>Strategic Intelligence Assessment data pack for <b>{e(str(cycle['title']))}</b> "
        f"({e(cycle['start_month'])} to {e(cycle['end_month'])}). Data version {e(version)}.</p>",
    ]
    if v.meta.synthetic:
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
            out.append(f'<p class="cite">Cite as: {e(export.citation(part.meta))}</p>')
            if images:
                out += [f'<p><img src="{e(i)}" alt="{e(part.indicator["label"])}: chart"></p>' for i in imgs]
            out.append("<p>Tables: " + ", ".join(f'<a href="{e(c)}">{e(c.split("/")[-1])}</a>' for c in csvs) + "</p>")
        if workbook:
            out.append(f'<p>All tables of this priority in one workbook: <a href="{e(workbook)}">tables.xlsx</a></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


@views.cached
def pack_zip(store, cycle_id: str, images: bool = True) -> bytes:
    """The same pack, as the bytes of a zip file (for the dashboard's download). Made once per plan cycle and
    data version, and shared: analysts downloading it at once wait for one pack (seconds of charts drawn), not
    one each."""
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
