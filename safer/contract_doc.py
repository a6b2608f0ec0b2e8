"""The data contract for people: `data/README.md`, generated from `safer.contract.SPECS`.

`python -m safer contract-doc` prints it; a test checks that `data/README.md` is exactly this text, so the
documented contract and the validated one cannot drift apart.
"""

from __future__ import annotations

from . import contract

TYPE_RULES = {
    "bool": "`true` or `false`",
    "month": "month `YYYY-MM`",
    "date": "date `YYYY-MM-DD`",
    "id": f"lower-case letters, digits, `-`, `_`, first a letter or digit; at most {contract.ID_MAX} characters",
    "area_code": "ONS code: a capital letter and 8 digits",
    "lsoa_code": "`E01` or `W01` and 6 digits",
    "int": "whole number",
    "float": "number (decimal point)",
}


def _rule(col: contract.Column) -> str:
    """What a column accepts, in words: its type's rule, its allowed values or range, and its own note."""
    parts = []
    if col.type == "enum":
        parts.append("one of " + ", ".join(f"`{a}`" for a in col.allowed))
    elif col.type in TYPE_RULES:
        parts.append(TYPE_RULES[col.type])
    if col.minimum is not None:
        parts.append(f"at least {col.minimum:g}")
    if col.maximum is not None:
        parts.append(f"at most {col.maximum:g}")
    if col.max_length is not None:
        parts.append(f"at most {col.max_length} characters")
    rule = "; ".join(parts)
    if col.doc:
        rule = f"{rule}. {col.doc}" if rule else col.doc
    return rule.replace("|", "\\|")


def contract_tables_markdown() -> str:
    """One section per contract file, with its column table, generated from `contract.SPECS`."""
    out = []
    for name, spec in contract.SPECS.items():
        out.append(f"### `{name}`\n")
        out.append(spec.doc + "\n")
        out.append(f"- Grain: {spec.grain}.")
        out.append(
            f"- Required: {'yes' if spec.required else 'no'}"
            + (" (may hold only its header)." if spec.may_be_empty else ".")
        )
        out.append("- Key: " + (", ".join(f"`{k}`" for k in spec.key) + " (unique)" if spec.key else "none") + ".")
        if spec.exact_header_order:
            out.append("- The header must list the columns in exactly this order.")
        out.append("")
        out.append("| column | type | required | allowed values / rules | example |")
        out.append("|---|---|---|---|---|")
        for c in spec.columns:
            ex = f"`{c.example}`" if c.example else ""
            out.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} | {_rule(c)} | {ex} |")
        out.append("")
    for name, doc in contract.OPTIONAL_FILES.items():
        out.append(f"### `{name}`\n")
        out.append(doc + "\n")
        out.append("- Grain: one feature per ward (a ward may have several).")
        out.append("- Required: no.")
        out.append(f"- Key: the feature property `{contract.BOUNDARY_CODE}` (an `areas.csv` ward code).")
        if name == contract.BOUNDARIES:
            out += boundary_rules()
        out.append("")
    return "\n".join(out)


def boundary_rules() -> list[str]:
    """What `validate` checks in `ward_boundaries.geojson` (`contract._check_boundaries`), in words."""
    code = contract.BOUNDARY_CODE
    return [
        "- Rules (each problem is `ward_boundaries.geojson:LINE: FIELD: message`: the line and column where the JSON "
        "cannot be read, else line 1 and the field, such as `features[3].geometry.coordinates[0][7]`):",
        f"  - at most {contract.MAX_BOUNDARY_BYTES / 2**20:g} MB of UTF-8 JSON, nested fewer than a thousand levels;",
        '  - one object with `"type": "FeatureCollection"` and a list `features`; its `attribution`, if any, is text '
        f"of at most {contract.MAX_ATTRIBUTION_CHARS:,} characters (shown under the map, and on the Data page with "
        "the licence it names);",
        "  - each feature's `geometry` is a `Polygon` or `MultiPolygon`; each ring is a list of at least four points "
        "`[longitude, latitude]`, numbers in WGS84 (EPSG:4326): longitude -180 to 180, latitude -90 to 90 (a third "
        "number, a height, is allowed); British National Grid metres are an error;",
        f"  - at most {contract.MAX_BOUNDARY_POINTS:,} points in all (every point is sent to each browser that opens "
        "the map): use generalised boundaries of the partnership's wards;",
        f"  - each feature names its ward in the property `{code}` (text). A code that is not a ward in `areas.csv`, "
        "and a ward of `areas.csv` with no boundary, are warnings: not drawn on the map.",
        "- The boundaries validation read are kept in the build (only each ward's code and geometry, and the "
        "attribution): the Areas map never reads the file, so a file broken since leaves the last good build, "
        "with its boundaries, serving, and the Data page lists the problem.",
    ]


HEAD = """# Data directory: the data contract

This directory holds every extract the dashboard reads. The files here now are **synthetic demo data**
for Stockport (see [DEMO.md](DEMO.md)); a partnership replaces them with its own extracts
that follow the same contract. The contract is defined in code in `safer/contract.py` (`SPECS`);
this file is generated from it (`python -m safer contract-doc > data/README.md`), and a test checks that
they agree. What the demo files are, and where their reference geography comes from (ONS, Open Government
Licence v3.0), is in [DEMO.md](DEMO.md).

Check a directory with:

    python -m safer validate --data data

Every problem is reported as `FILE:LINE: COLUMN: message`; line 0 is the file as a whole (missing, unreadable,
or lacking something no one line could hold), column `-` no one column.

## General rules

- Text is UTF-8 (a byte-order mark is fine), comma-separated, with `"` double-quote quoting where a value
  contains a comma, a quote or a line break, and a header row. Lines may end in CRLF or LF.
- Column names must match the contract exactly (surrounding spaces are ignored). Extra or missing columns
  are errors. Columns may come in any order, except in police.uk files, which keep the published order.
- Months are `YYYY-MM`; dates are `YYYY-MM-DD`; booleans are `true` or `false`; numbers use a decimal
  point (never a decimal comma) and no thousands separators. No number, whole or not, is beyond ±10^12
  (`1e12`).
- Text holds no control characters except a tab, and a line break inside a quoted value, and none of
  Unicode's bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which
  reorder text on screen; codes, ids, months and numbers hold none at all. (police.uk files are read as
  published and are not checked for these.)
- A file may be a hard link, or a symbolic link to a file inside this directory; a symbolic link to
  anything outside it (a file, or `police_uk/` itself) is an error and is not read.
- **Missing months are missing, never zero.** A month with no police.uk file, or a month with no row for
  an indicator in `partner_monthly.csv`, is shown as a gap, never as 0. Within a month that has data, an
  area with no row in `partner_monthly.csv` had 0.
- **A month not over is incomplete.** A month in `partner_monthly.csv` on or after the month the file was last
  written (its modification time, UK time) had not ended when it was extracted: it is named in a warning and left
  out of every figure, as a missing month is, until a file written after it ended holds it.
- Rows that are entirely empty (spreadsheet exports often end in `,,,` lines) are skipped with a warning.
  Any other bad value is an error that names the file, line and column.
- Keys are unique: a duplicated key is an error.
- References must resolve: ward codes to `areas.csv`, indicators to `indicators.csv`, cycles to
  `plan_cycles.csv`, priorities to `priorities.csv` of the same cycle.

## How police.uk rows are placed in wards

- Every `*.csv` or `*.csv.gz` file under `police_uk/` (in any sub-folder) is read; a file keeps the published
  header order `POLICE_HEADER`.
- A row is placed in a ward through its `LSOA code` and `lsoa_ward_lookup.csv` (2011 and 2021 LSOA codes
  both appear there, so files from before and after the 2021 LSOA change both work).
- Left out: rows with a blank `LSOA code` (no location), and rows whose LSOA code is not in the lookup
  (they lie in another borough: a force's file covers the whole force area).
- Only crime types named in `indicators.csv` (`police_uk_crime_type`) are counted; other types are ignored.
- The counts come from the partnership's force: the `Falls within` of at least a fifth of the rows placed in
  its wards a month (also in the months another force has rows there and a file), under each name it has had;
  two forces for an area they share. Another force's few rows there (British Transport Police, a neighbour near
  the boundary) are left out: its files come and go with what was downloaded. Comparator areas are counted by
  the same rule, and the partnership's force's rows in one only at a twentieth of its rows per resident in the
  partnership or more (docs/statistics.md). A month in which the partnership's force has a file is a month with
  data for every police.uk
  indicator; a month only other forces' files hold (the force published nothing for it) is missing, never 0.
  One month of one force must come from one file only (police.uk archives overlap: keep one release of each
  month).
- Locations are anonymised snap points, so a few rows near a boundary fall in the neighbouring ward or borough.

## Bringing your own extracts

The quickest start is `python -m safer init`: from ONS's LSOA → ward → local authority lookup as published,
a folder of police.uk street files as downloaded and population estimates (NOMIS), it writes a directory
that validates, with starter plans and priorities labelled as such (see the project's README). Otherwise,
or after it, replace the files in this directory with your own, keeping the file names and columns:

1. `partnership.csv`, `areas.csv` and `lsoa_ward_lookup.csv` for your area (ONS codes and a best-fit LSOA lookup).
2. Download your force's street-level files from data.police.uk and put them, unchanged (zipped or
   unzipped, `.csv` or `.csv.gz`), under `police_uk/`.
3. Partner counts (for indicators police.uk lacks) go in `partner_monthly.csv`, one row per indicator,
   month and area; list a month only when you have data for it.
4. Your catalogue, plans, priorities, targets and events go in the remaining files. Set `synthetic` in
   `partnership.csv` to `false` once no figure is synthetic.
5. Run the validation above until it reports no errors.

## Files

"""


def markdown() -> str:
    """The whole of `data/README.md`: the general rules, then one section per contract file."""
    return HEAD.replace("POLICE_HEADER", ",".join(contract.POLICE_UK_COLUMNS)) + contract_tables_markdown()
