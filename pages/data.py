"""Data: every extract with its rows, period, gaps, last change, source, licence and validation status,
the police.uk files, the store's status, and the caveats a reader must know."""

import streamlit as st

from safer import ui, views

p = ui.header("Data", "Where does every figure come from, what period does it cover, and what is missing?")
s = ui.store()
with st.spinner("Checking every extract…"):
    v = views.catalogue(s, views.disk_fingerprint(s))
files, problems = v.tables["extracts"], v.tables["validation problems"]
published = v.data.get("published")  # a build published as Parquet: no data directory here to check


def stamp_of(name: str):
    """The view's own stamp of one table (`View.meta_of`), with this page's link."""
    m = v.meta_of(name)
    return ui.meta(m.title, m.period, m.source, m.filters, m.data_version)


# ----------------------------------------------------------------------------- store status
ui.section("What the dashboard is showing")
if published:
    st.info(
        ui.md_escape(published["said"]) + "  \nA newer build is published with `python -m safer build --parquet DIR`.",
        icon=":material/inventory_2:",
    )
elif ui.building_notice(s):
    pass
elif s.status.current:
    st.success(views.status_sentence(s.status, s.data_version), icon=":material/check_circle:")
else:
    st.error(views.status_sentence(s.status, s.data_version), icon=":material/error:")
for col, (label, value) in zip(st.columns(len(v.data["counts"])), v.data["counts"].items()):
    col.metric(label, value)
if not published:
    st.caption(ui.md_escape(v.data["where"]))  # a name's _ or * would otherwise format it
if len(problems):
    st.markdown(
        "**Validation problems in the extracts on disk** (file, line and column; also listed by "
        "`python -m safer validate`)"
    )
    ui.table(problems)
    ui.exports(
        {"validation problems": problems},
        {},
        stamp_of("validation problems"),
        cite=False,
    )
if s.status.warnings:
    st.markdown("**Warnings from the build being served**")
    st.code("\n".join(s.status.warnings[:50]), language=None)

# ----------------------------------------------------------------------------- coverage
ui.section("Months with data, and months missing")
coverage = v.tables["extract coverage"]  # exported as it is
st.caption(
    "One row per indicator: the first and last month with data, and every month missing in between. "
    "A missing month is shown as a gap on every chart and left out of totals and means, never counted as zero. "
    "A partner month that had not ended when partner_monthly.csv was last written is incomplete: it is left out "
    "of every figure, as a missing month is, until a later extract holds the whole month."
)
ui.table(
    v.data["coverage shown"],
    column_order=[
        "indicator_id",
        "label",
        "first_month",
        "last_month",
        "months_with_data",
        "months_missing",
        "missing_ranges",
        "incomplete_months",
        "extract",
        "source",
    ],
    column_config={
        "indicator_id": "Indicator",
        "label": st.column_config.TextColumn("Name", width="medium"),
        "extract": "Extract",
        "source": "Source",
        "first_month": "First month",
        "last_month": "Last month",
        "months_with_data": st.column_config.NumberColumn("Months with data", format="%d"),
        "months_missing": st.column_config.NumberColumn("Months missing", format="%d"),
        "missing_ranges": st.column_config.TextColumn("Missing months", width="medium"),
        "incomplete_months": st.column_config.TextColumn("Months not over (left out)", width="small"),
    },
    rows_on_phone=("coverage", "label"),
)
ui.exports(
    {"extract coverage": coverage},
    {},
    stamp_of("extract coverage"),
    cite=False,
)

# ----------------------------------------------------------------------------- every extract
if published:
    ui.section("Every extract the published build was made from")
    st.caption(
        "One row per extract of the data directory the build was made from, as loaded: its rows (the police.uk "
        "street files together, with how many files), the month it was last written, its source and licence. "
        "Each was checked against the data contract (data/README.md) where the build was made; the files "
        "themselves are not here."
    )
    ui.table(
        v.data["extracts shown"],
        column_order=["file", "files", "rows", "written_month", "status", "source", "licence"],
        column_config={
            "file": st.column_config.TextColumn("Extract", width="medium"),
            "files": st.column_config.NumberColumn("Files", format="%d"),
            "rows": st.column_config.NumberColumn("Rows", format="%d"),
            "written_month": st.column_config.TextColumn("Last written", width=90),
            "status": "Validation",
            "source": "Source",
            "licence": "Licence",
        },
    )
    st.markdown("**The Parquet files served** (one per table of the build)")
    ui.table(
        v.tables["parquet files"],
        column_config={
            "file": st.column_config.TextColumn("File", width="medium"),
            "size_bytes": st.column_config.NumberColumn("Size (bytes)", format="%d"),
            "modified_utc": "Written (UTC)",
        },
    )
else:
    ui.section("Every extract")
    st.caption(
        "One row per file in the data directory: its rows, the first and last month (or year) its rows cover, "
        "its size and last change (UTC), whether it passes the data contract (data/README.md), its source and "
        "licence. Files with problems come first; their rows are counted as read, before checks."
    )
    ui.table(
        v.data["extracts shown"],
        column_order=[
            "file",
            "rows",
            "first",
            "last",
            "status",
            "modified_utc",
            "size_bytes",
            "source",
            "licence",
            "kind",
        ],
        column_config={
            "file": st.column_config.TextColumn("File", width="medium"),
            "kind": "Contract entry",
            "rows": st.column_config.NumberColumn("Rows", format="%d"),
            "first": st.column_config.TextColumn("From", width=70),
            "last": st.column_config.TextColumn("To", width=70),
            "size_bytes": st.column_config.NumberColumn("Size (bytes)", format="%d"),
            "modified_utc": "Last changed (UTC)",
            "status": "Validation",
            "source": "Source",
            "licence": "Licence",
        },
    )
ui.exports(
    {"extracts": files},
    {},
    stamp_of("extracts"),
    cite=False,
)

# ----------------------------------------------------------------------------- police.uk files
ui.section("police.uk files: rows read, placed and left out")
pol = v.tables["police.uk files"]
totals = v.data["police totals"]
if totals is None:
    st.info("The build being served has no police.uk files.")
else:
    for col, (label, value, help_) in zip(st.columns(4), totals["metrics"]):
        col.metric(label, value, help=help_)
    ui.caption(totals["note"])
    ui.table(
        pol,
        column_config={
            "file": st.column_config.TextColumn("File", width="large"),
            "first_month": "First month",
            "last_month": "Last month",
            "rows": st.column_config.NumberColumn("Rows read", format="%d"),
            "rows_in_area": st.column_config.NumberColumn("Placed in the area", format="%d"),
            "rows_without_location": st.column_config.NumberColumn("Without a location", format="%d"),
            "rows_outside_area": st.column_config.NumberColumn("Outside the area", format="%d"),
        },
    )
    ui.exports(
        {"police.uk files": pol},
        {},
        stamp_of("police.uk files"),
        cite=False,
    )

# ----------------------------------------------------------------------------- caveats
ui.section("Caveats")
st.markdown("\n".join(f"- {c}" for c in v.data["general caveats"]))  # text from the code, not extracts
st.markdown("**Recording changes** (from events.csv, category `recording`)")
if not v.data["recording changes"]:
    st.caption("events.csv records no recording changes.")
for line in v.data["recording changes"]:
    st.text(line)  # text from an extract: shown literally
st.markdown("**Each indicator's caveats** (from indicators.csv)")
for line in v.data["caveats"]:
    st.text(line)
ui.stamp(v.data["period"], v.data["caveats source"])
