"""Named SQL: one file per question in `queries/`, run with bound parameters.

Each file opens with a comment block:

    -- What the query answers, in one sentence.
    -- Grain: one row per ...
    -- Params:
    --   $indicator (required): an indicator id from indicators.csv
    --   $area (optional): an area code; default the partnership's area
    -- Reads: the tables, model tables and macros it reads, e.g. series, indicators

The model the store builds from the extracts (`fact_monthly`, `series`, ...) is SQL too, one file per
table or macro in `queries/model/`, with the same header and a `Builds:` line; the store runs them in the
order their `Reads:` lines give. A number on a page is then two hops from its extract: the named query,
whose header names the model tables it reads, and the model file, whose header names the extracts.

Values are always bound (`$name`), never pasted into SQL. Query names are checked against
the files in `queries/`, and values of the well-known parameters against the store's own
lists (indicators, areas, cycles), so a typo gets a clear error instead of an empty table.
"""

from __future__ import annotations

import graphlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import config

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PARAM_LINE_RE = re.compile(r"^\$([a-z_][a-z0-9_]*)\s*\((required|optional)\)\s*:\s*(.*)$")
PARAM_USE_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
BUILDS_RE = re.compile(r"^(table [a-z][a-z0-9_]*|macro [a-z][a-z0-9_]*\([a-z0-9_, ]*\))$")
SUPPRESS_RE = re.compile(r"^Suppress:\s*([a-z0-9_, ]+?)\s*(?:\(also\s+([a-z0-9_, ]+)\))?\s*$", re.I)

# Well-known parameters: values must be in the store's own lists.
ALLOWED_VALUES_SQL = {
    "indicator": "SELECT indicator_id FROM indicators",
    "area": "SELECT area_code FROM areas",
    "cycle": "SELECT cycle_id FROM plan_cycles",
    "group": "SELECT group_id FROM comparator_group_areas",
}


class QueryError(ValueError):
    """A query name or parameter that cannot be used."""


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    doc: str


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    grain: str
    params: tuple[Param, ...]
    sql: str
    path: Path = field(compare=False)
    suppress: tuple[str, ...] = ()  # count columns subject to small-number suppression
    suppress_also: tuple[str, ...] = ()  # columns derived from them, blanked with them
    reads: tuple[str, ...] = ()  # the tables, model tables and macros it reads (its `Reads:` line)
    builds: str = ""  # for a model file: what it creates, e.g. "table fact_monthly" or "macro series(ind, ar)"

    @property
    def builds_name(self) -> str:
        """The name a model file creates (`fact_monthly`, `series`); empty for a question."""
        return re.split(r"[\s(]", self.builds.split(maxsplit=1)[-1])[0] if self.builds else ""

    def usage(self) -> str:
        ps = " ".join(f"--{p.name} V" if p.required else f"[--{p.name} V]" for p in self.params)
        return f"{self.name} {ps}".strip()


def parse(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("--"):
            header.append(line[2:].strip())
        elif line.strip():
            break
    description_lines, grain, params, in_params = [], "", [], False
    suppress: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    builds = ""
    for h in header:
        low = h.lower()
        if low.startswith("reads:"):
            reads = tuple(n.strip() for n in h[6:].split(",") if n.strip())
            if not all(NAME_RE.match(n) for n in reads):
                raise QueryError(f"{path.name}: 'Reads:' lists table or macro names separated by commas: {h!r}")
            in_params = False
        elif low.startswith("builds:"):
            builds = h[7:].strip()
            if not BUILDS_RE.match(builds):
                raise QueryError(f"{path.name}: write 'Builds: table NAME' or 'Builds: macro NAME(args)', not {h!r}")
            in_params = False
        elif low.startswith("suppress:"):
            m = SUPPRESS_RE.match(h)
            if not m:
                raise QueryError(f"{path.name}: cannot read {h!r}; write 'Suppress: col[, col] (also col, col)'")
            suppress = tuple(c.strip() for c in m.group(1).split(",") if c.strip())
            also = tuple(c.strip() for c in (m.group(2) or "").split(",") if c.strip())
            in_params = False
        elif h.lower().startswith("grain:"):
            grain, in_params = h[6:].strip(), False
        elif h.lower().startswith("params:"):
            in_params = True
            rest = h[7:].strip()
            if rest and rest.lower() != "none":
                raise QueryError(f"{path.name}: list parameters one per line after 'Params:'")
        elif in_params and h:
            m = PARAM_LINE_RE.match(h)
            if not m:
                raise QueryError(f"{path.name}: cannot read parameter line {h!r}")
            params.append(Param(m.group(1), m.group(2) == "required", m.group(3)))
        elif not grain and not in_params and h:
            description_lines.append(h)
    body_params = set(PARAM_USE_RE.findall(_strip_comments(text)))
    declared = {p.name for p in params}
    if not description_lines or not grain or not reads:
        raise QueryError(f"{path.name}: the header must say what the query answers, its 'Grain:' and what it 'Reads:'")
    if body_params != declared:
        raise QueryError(
            f"{path.name}: parameters used {sorted(body_params)} differ from those declared {sorted(declared)}"
        )
    q = Query(path.stem, " ".join(description_lines), grain, tuple(params), text, path, suppress, also, reads, builds)
    if builds and q.builds_name != path.stem:
        raise QueryError(f"{path.name}: a model file is named for what it builds ({q.builds_name})")
    return q


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def list_queries(queries_dir: Path | None = None) -> list[Query]:
    d = queries_dir or config.QUERIES_DIR
    return [parse(p) for p in sorted(d.glob("*.sql"))]


def list_models(queries_dir: Path | None = None) -> list[Query]:
    """The model files in `queries/model/`, in the order they must run: each after everything it reads."""
    d = (queries_dir or config.QUERIES_DIR) / "model"
    models = {q.name: q for q in (parse(p) for p in sorted(d.glob("*.sql")))}
    for q in models.values():
        if not q.builds:
            raise QueryError(f"model/{q.path.name}: a model file says what it 'Builds:'")
    graph = {name: [r for r in q.reads if r in models] for name, q in models.items()}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise QueryError(f"model files read each other in a circle: {' -> '.join(exc.args[1])}") from None
    return [models[n] for n in order]


def get(name: str, queries_dir: Path | None = None) -> Query:
    d = queries_dir or config.QUERIES_DIR
    if not NAME_RE.match(name or ""):
        raise QueryError(f"'{name}' is not a query name")
    path = d / f"{name}.sql"
    if not path.is_file():
        known = ", ".join(q.name for q in list_queries(d))
        raise QueryError(f"no query named '{name}' (known: {known})")
    return parse(path)


def bind(store, q: Query, values: dict[str, object]) -> dict[str, object]:
    """Check `values` against the query's declared parameters and the store's allow-lists."""
    declared = {p.name: p for p in q.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryError(
            f"query '{q.name}' has no parameter {', '.join('--' + u for u in unknown)}; usage: {q.usage()}"
        )
    bound: dict[str, object] = {}
    for p in q.params:
        v = values.get(p.name)
        if v is None or v == "":
            if p.required:
                raise QueryError(f"query '{q.name}' needs --{p.name} ({p.doc}); usage: {q.usage()}")
            bound[p.name] = None
            continue
        if p.name in ALLOWED_VALUES_SQL:
            allowed = set(store.sql(ALLOWED_VALUES_SQL[p.name]).iloc[:, 0].astype(str))
            if str(v) not in allowed:
                raise QueryError(f"--{p.name} '{v}' is not known (known: {', '.join(sorted(allowed))})")
        if p.name.endswith("month") and not MONTH_RE.match(str(v)):
            raise QueryError(f"--{p.name} '{v}' is not a month (YYYY-MM)")
        bound[p.name] = v
    start, end = bound.get("start_month"), bound.get("end_month")
    if start and end and str(start) > str(end):
        raise QueryError(f"--start_month {start} is after --end_month {end}")
    return bound


def run(store, name: str, **values) -> pd.DataFrame:
    """Run `queries/NAME.sql` with bound values and return a DataFrame, small numbers suppressed.

    For a query whose header says `Suppress: col`, counts of 1 up to the indicator's
    `suppress_below` minus one in ward rows become missing, with a boolean `col_suppressed`
    column beside them and `df.attrs["suppress_below"]` set: the true value never leaves here.
    """
    q = get(name)
    bound = bind(store, q, values)
    return suppress(store, q, bound, store.sql(q.sql, bound))


def run_true(store, name: str, **values) -> pd.DataFrame:
    """Run `queries/NAME.sql` with bound values and NO small-number suppression: true counts.

    For the statistics engine and the view layer only, which compute on true counts and suppress what they
    show. What this returns must never reach a screen, an export or the command line's `query` output.
    """
    q = get(name)
    return store.sql(q.sql, bind(store, q, values))


ROUND_TO = 5  # ward counts of small-number indicators are published rounded to the nearest 5 (as ONS does)


def _round_base(v: pd.Series, base: int = ROUND_TO) -> pd.Series:
    """Round half up to the nearest multiple of `base` (7 -> 5, 8 -> 10, 12.5 -> 15)."""
    return (pd.to_numeric(v, errors="coerce") / base + 0.5).apply(lambda x: x // 1 if pd.notna(x) else x) * base


def suppress(store, q: Query, bound: dict, df: pd.DataFrame) -> pd.DataFrame:
    """Statistical disclosure control at the one exit where figures leave the engine (see docs/disclosure.md).

    Below borough level, for an indicator whose `suppress_below` (t) is above 1: a count under t — zero
    included, so that "0" cannot be told from a small number — is withheld (`<t`), and every other count is
    rounded to the nearest 5. Figures derived from a count (rates, means) are recomputed from the rounded
    count; changes between periods are withheld. A difference between two published figures (two periods,
    a borough and its wards, a cycle and its months) is then a difference of rounded or withheld figures,
    which cannot pin a count from 1 to t − 1.
    """
    if not q.suppress or not bound.get("indicator") or df.empty:
        return df
    threshold = int(
        store.sql("SELECT suppress_below FROM indicators WHERE indicator_id = $i", {"i": bound["indicator"]}).iloc[0, 0]
    )
    if threshold <= 1:
        return df
    if "area_type" in df.columns:
        ward = df["area_type"].eq("ward")
    else:
        area_type = store.sql(
            "SELECT area_type FROM areas WHERE area_code = coalesce($a, (SELECT area_code FROM partnership))",
            {"a": bound.get("area")},
        ).iloc[0, 0]
        ward = pd.Series(area_type == "ward", index=df.index)
    if not ward.any():
        return df  # suppression applies below borough level only
    _check_published_window(store, q, bound, df)
    df = df.copy()
    hidden = pd.Series(False, index=df.index)
    factor = pd.Series(1.0, index=df.index)
    for i, col in enumerate(q.suppress):
        v = pd.to_numeric(df[col], errors="coerce").astype("float64")
        mask = (ward & v.notna() & v.lt(threshold)).fillna(False).astype(bool)
        rounded = v.where(~ward, _round_base(v))
        if i == 0:
            factor = (rounded / v).where(v > 0, 1.0)
        df[col] = rounded.mask(mask).round().astype("Int64")  # stays whole numbers once a value is withheld
        df[f"{col}_suppressed"] = mask
        hidden |= mask
    for col in q.suppress_also:
        v = pd.to_numeric(df[col], errors="coerce").astype("float64")
        if "pct" in col:
            df[col] = v.mask(ward)  # a change between two rounded figures would mislead: withheld below borough
        else:
            df[col] = (v * factor.where(ward, 1.0)).round(2).mask(hidden)
    df.attrs["suppress_below"] = threshold
    df.attrs["rounded_to"] = ROUND_TO
    return df


# The periods a small-number indicator's ward figures are published for: the latest 12 months with data and
# each plan cycle started by then (to its end or that month), as the Areas page offers them.
PUBLISHED_WINDOWS_SQL = """
WITH last AS (SELECT max(month) AS m FROM indicator_months WHERE indicator_id = $indicator)
SELECT strftime((m - INTERVAL 11 MONTH)::DATE, '%Y-%m') AS start_month, strftime(m, '%Y-%m') AS end_month FROM last
UNION ALL
SELECT strftime(c.start_month, '%Y-%m'), strftime(least(c.end_month, l.m), '%Y-%m')
FROM plan_cycles c, last l WHERE c.start_month <= l.m
"""


def _check_published_window(store, q: Query, bound: dict, df: pd.DataFrame) -> None:
    """Below borough level a small-number indicator's totals are published for set periods only. Each total of
    any window is rounded on its own, but hundreds of overlapping windows (any start, any end) together pin
    the months inside them, even those published as `<5`: an attacker's integer program did so for 43 of 45
    ward-months. So a window a query is asked for must be one the pages publish."""
    if not {"start_month", "end_month"} <= {p.name for p in q.params}:
        return
    if not (bound.get("start_month") or bound.get("end_month")):
        return  # the default: the latest 12 months
    if not {"start_month", "end_month"} <= set(df.columns):
        raise QueryError(f"query '{q.name}' takes a period but does not say which months it used")
    window = (str(df["start_month"].iloc[0]), str(df["end_month"].iloc[0]))
    allowed = [
        tuple(r) for r in store.sql(PUBLISHED_WINDOWS_SQL, {"indicator": bound["indicator"]}).itertuples(index=False)
    ]
    if window not in allowed:
        shown = "; ".join(f"--start_month {a} --end_month {b}" for a, b in allowed)
        raise QueryError(
            f"{bound['indicator']} is a small-number indicator: below borough level its figures are published for "
            f"the latest 12 months and each plan cycle only, not {window[0]} to {window[1]} (many overlapping "
            f"periods would give small counts away). Periods published: {shown}"
        )


def run_rows(store, name: str, **values) -> tuple[list[str], list[tuple]]:
    """Like `run`, but rows of Python values for exact CSV output; a withheld count prints as `<N`, and
    counts below borough level of small-number indicators are the rounded ones (see `suppress`)."""
    q = get(name)
    bound = bind(store, q, values)
    names, rows = store.rows(q.sql, bound)
    if not q.suppress:
        return names, rows
    df = suppress(store, q, bound, pd.DataFrame(rows, columns=names, dtype=object))
    if "suppress_below" not in df.attrs:
        return names, rows
    marker = f"<{df.attrs['suppress_below']}"
    out = []
    for i, r in enumerate(rows):
        r = list(r)
        for col in (*q.suppress, *q.suppress_also):
            v = df[col].iloc[i]
            r[names.index(col)] = None if pd.isna(v) else (int(v) if col in q.suppress else float(v))
        for col in q.suppress:
            if df[f"{col}_suppressed"].iloc[i]:
                r[names.index(col)] = marker
        out.append(tuple(r))
    return names, out
