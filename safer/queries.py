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
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from . import config

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")  # \Z: no newline after the name either
PARAM_LINE_RE = re.compile(r"^\$([a-z_][a-z0-9_]*)\s*\((required|optional)\)\s*:\s*(.*)$")
PARAM_USE_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
BUILDS_RE = re.compile(r"^(table [a-z][a-z0-9_]*|macro [a-z][a-z0-9_]*\([a-z0-9_, ]*\))$")
SUPPRESS_RE = re.compile(r"^Suppress:\s*([a-z0-9_, ]+?)\s*(?:\(also\s+(.+)\))?\s*$", re.I)
# a derived column in a `Suppress:` line's `(also ...)`: `name = round(count / denominator [* k], dp)`
DERIVED_RE = re.compile(
    r"^([a-z][a-z0-9_]*)\s*=\s*round\(\s*([a-z][a-z0-9_]*)\s*/\s*([a-z][a-z0-9_]*)\s*"
    r"(?:\*\s*([0-9]+(?:\.[0-9]+)?)\s*)?,\s*([0-9])\s*\)$"
)

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
class Derived:
    """A column derived from a suppressed count, as its query's `Suppress:` line defines it:
    `name = round(count / denominator * multiplier, decimals)`. Below borough level it is recomputed from the
    published (rounded) count and the row's denominator, never scaled from the true figure."""

    name: str
    count: str
    denominator: str
    multiplier: float = 1.0
    decimals: int = 2


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
    # how each derived column that is recomputed from the published count is defined (see `Derived`); a column
    # in `suppress_also` without one is withheld below borough level
    derived: tuple[Derived, ...] = ()
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
    description_lines, grain, params = [], "", []
    suppress: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()
    reads: tuple[str, ...] = ()
    reads_said = False
    builds = ""
    section = "description"  # the key the lines below belong to: a grain or a list of parameters goes on over lines
    for h in header:
        low = h.lower()
        if low.startswith("reads:"):
            reads, section = tuple(n.strip() for n in h[6:].split(",") if n.strip()), "reads"
            reads_said = True
            if reads == ("none",):  # a macro of its arguments alone (force_key): it reads no table
                reads = ()
            if not all(NAME_RE.match(n) for n in reads):
                raise QueryError(f"{path.name}: 'Reads:' lists table or macro names separated by commas: {h!r}")
        elif low.startswith("builds:"):
            builds, section = h[7:].strip(), "builds"
            if not BUILDS_RE.match(builds):
                raise QueryError(f"{path.name}: write 'Builds: table NAME' or 'Builds: macro NAME(args)', not {h!r}")
        elif low.startswith("suppress:"):
            m, section = SUPPRESS_RE.match(h), "suppress"
            if not m:
                raise QueryError(f"{path.name}: cannot read {h!r}; write 'Suppress: col[, col] (also col, col)'")
            suppress = tuple(c.strip() for c in m.group(1).split(",") if c.strip())
            also, derived = _parse_also(path.name, m.group(2) or "", suppress)
        elif low.startswith("grain:"):
            grain, section = h[6:].strip(), "grain"
        elif low.startswith("params:"):
            section = "params"
            rest = h[7:].strip()
            if rest and rest.lower() != "none":
                raise QueryError(f"{path.name}: list parameters one per line after 'Params:'")
        elif not h:
            continue
        elif section == "params":
            m = PARAM_LINE_RE.match(h)
            if not m:
                raise QueryError(f"{path.name}: cannot read parameter line {h!r}")
            params.append(Param(m.group(1), m.group(2) == "required", m.group(3)))
        elif section == "grain":
            grain += " " + h
        elif section == "description":
            description_lines.append(h)
    body_params = set(PARAM_USE_RE.findall(_strip_comments(text)))
    declared = {p.name for p in params}
    if not description_lines or not grain or not reads_said or not (reads or builds.startswith("macro")):
        raise QueryError(f"{path.name}: the header must say what the query answers, its 'Grain:' and what it 'Reads:'")
    if body_params != declared:
        raise QueryError(
            f"{path.name}: parameters used {sorted(body_params)} differ from those declared {sorted(declared)}"
        )
    q = Query(
        path.stem, " ".join(description_lines), grain, tuple(params), text, path, suppress, also, derived, reads, builds
    )
    if builds and q.builds_name != path.stem:
        raise QueryError(f"{path.name}: a model file is named for what it builds ({q.builds_name})")
    return q


def _parse_also(file: str, text: str, counts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Derived, ...]]:
    """The columns of a `Suppress:` line's `(also ...)`: each either a bare name (withheld below borough level)
    or `name = round(count / denominator [* k], dp)` (recomputed from the published count)."""
    items, depth, cur = [], 0, ""
    for ch in text:  # split on the commas outside round(...)
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    names, derived = [], []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if NAME_RE.match(item):
            names.append(item)
            continue
        m = DERIVED_RE.match(item)
        if not m:
            raise QueryError(
                f"{file}: cannot read {item!r} in 'Suppress: ... (also ...)'; write a column name (withheld below "
                "borough level) or 'col = round(count / denominator [* k], decimals)'"
            )
        name, count, den, k, dp = m.groups()
        if count not in counts:
            raise QueryError(f"{file}: {name} is derived from {count}, which is not a count the line suppresses")
        names.append(name)
        derived.append(Derived(name, count, den, float(k) if k else 1.0, int(dp)))
    return tuple(names), tuple(derived)


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


def allowed_values(store, name: str) -> frozenset[str]:
    """The values a parameter `name` of `ALLOWED_VALUES_SQL` may take in the build the store serves, read once per
    build (a view binds a dozen queries: reading the list each time was 3% of its building)."""
    version = getattr(store, "version", "")
    if not version:  # no build to key it by: read each time
        return frozenset(store.sql(ALLOWED_VALUES_SQL[name]).iloc[:, 0].astype(str))
    kept = store.__dict__.get("_allowed_values")
    if kept is None or kept[0] != version:  # a new build: the last build's lists go
        kept = store.__dict__["_allowed_values"] = (version, {})
    if name not in kept[1]:
        kept[1][name] = frozenset(store.sql(ALLOWED_VALUES_SQL[name]).iloc[:, 0].astype(str))
    return kept[1][name]


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
            allowed = allowed_values(store, p.name)
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


def published_floor(threshold: int, base: int = ROUND_TO) -> int:
    """The smallest count published for an indicator whose `suppress_below` is `threshold`: the first multiple of
    `base` at or above it (5 for a threshold of 2 to 5, 10 for 6 to 10). A count at or above the threshold that
    rounds to less is published as this, so a published figure never reads as a count that is withheld (with a
    threshold of 2, a true 2 would round to 0; with 7, a true 7 would round to 5 and, 3 to 6 being `<7`, give
    itself away)."""
    return -(-max(int(threshold), 1) // base) * base


def published_note(attrs: dict) -> str:
    """What `suppress` did to a table, in words that travel with it (the page, its CSV and Excel downloads, the
    command line): '' where it did nothing. `attrs`: the table's (`suppress` sets them)."""
    if "rounded_to" not in attrs:
        return ""
    t, base = int(attrs["suppress_below"]), int(attrs["rounded_to"])
    floor = int(attrs.get("published_floor") or base)
    return (
        f"Ward counts under {t} are withheld (shown <{t}) and the others rounded to the nearest "
        f"{base}" + (f", never below {floor}" if floor > base else "") + "; the whole area's counts are exact, so the "
        "wards need not add up to it; a ward's means and rates are worked out from its rounded count and withheld "
        "with it."
    )


def _round_base(v: pd.Series, base: int = ROUND_TO, floor: int = 0) -> pd.Series:
    """Round half up to the nearest multiple of `base` (7 -> 5, 8 -> 10, 12.5 -> 15), never below `floor`."""
    r = (pd.to_numeric(v, errors="coerce") / base + 0.5).apply(lambda x: x // 1 if pd.notna(x) else x) * base
    return r.where(r.isna() | r.ge(floor), float(floor))


def round_half_up(x: float, decimals: int) -> float:
    """`x` rounded half away from zero at `decimals` places, on its exact value (as SQL's round does, without
    the binary error of scaling first): the one rounding of every figure recomputed from a published count."""
    if x is None or pd.isna(x):
        return math.nan
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(float(x)).quantize(q, rounding=ROUND_HALF_UP))


def derive(d: Derived, count: pd.Series, denominator: pd.Series) -> pd.Series:
    """A derived column as its query defines it, `round(count / denominator * multiplier, decimals)`, from the
    counts given (the published ones) at full precision, rounded once at the end; missing where the count is
    missing or the denominator is missing or 0."""
    c = pd.to_numeric(count, errors="coerce").astype("float64")
    n = pd.to_numeric(denominator, errors="coerce").astype("float64")
    exact = (c / n.where(n != 0)) * d.multiplier
    return exact.map(lambda x: round_half_up(x, d.decimals)).astype("float64")


def suppress(store, q: Query, bound: dict, df: pd.DataFrame) -> pd.DataFrame:
    """Statistical disclosure control at the one exit where figures leave the engine (see docs/disclosure.md).

    Below borough level, for an indicator whose `suppress_below` (t) is above 1: a count under t — zero
    included, so that "0" cannot be told from a small number — is withheld (`<t`), and every other count is
    rounded to the nearest 5, never below the first multiple of 5 at or above t (`published_floor`). Figures
    derived from a count (means, rates) are recomputed from the published count and the row's denominator
    as the query's `Suppress:` line defines them (`Derived`), at full precision and rounded once, so they are
    a function of published figures only; they are withheld with their count. Other derived columns (changes
    between periods) are withheld. A difference between two published figures (two periods, a borough and its
    wards, a cycle and its months) is then a difference of rounded or withheld figures, which cannot pin a
    count from 1 to t − 1.
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
    _check_row_periods(store, q, bound, df, ward)
    missing = [c for c in (*q.suppress, *q.suppress_also, *(d.denominator for d in q.derived)) if c not in df]
    if missing:
        raise QueryError(f"query '{q.name}' declares 'Suppress:' columns it does not return: {missing}")
    df = df.copy()
    ward = ward.fillna(False).astype(bool)
    floor = published_floor(threshold)
    withheld: dict[str, pd.Series] = {}
    for col in q.suppress:
        v = pd.to_numeric(df[col], errors="coerce").astype("float64")
        mask = (ward & v.notna() & v.lt(threshold)).fillna(False).astype(bool)
        rounded = v.where(~ward, _round_base(v, floor=floor))
        df[col] = rounded.mask(mask).round().astype("Int64")  # stays whole numbers once a value is withheld
        df[f"{col}_suppressed"] = mask
        withheld[col] = mask
    hidden = pd.Series(False, index=df.index)
    for mask in withheld.values():
        hidden |= mask
    defined = {d.name: d for d in q.derived}
    for col in q.suppress_also:
        v = pd.to_numeric(df[col], errors="coerce").astype("float64")
        d = defined.get(col)
        if d is None:
            df[col] = v.mask(ward)  # e.g. a change between two rounded figures would mislead: withheld below borough
            continue
        # from the published count and the row's published denominator only: never the true count, never a
        # figure the database rounded from it
        recomputed = derive(d, df[d.count], df[d.denominator])
        df[col] = v.where(~ward, recomputed).mask(ward & hidden)
    if q.derived:
        df = _reorder(q, df)  # rows ordered by a true figure would rank a ward's true count among the others
    df.attrs["suppress_below"] = threshold
    df.attrs["rounded_to"] = ROUND_TO
    df.attrs["published_floor"] = floor
    return df


ORDER_KEY_RE = re.compile(
    r"^(?:([a-z][a-z0-9_]*)\s*=\s*'([^']*)'|([a-z][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+last)?)$", re.I
)


def _reorder(q: Query, df: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order the query's last `ORDER BY` gives, applied again to the published figures when it
    sorts by a derived column (ward_rates: highest rate first): otherwise the row order, set by the true rates,
    would place each ward's true rate — a withheld one included — among the published ones. Keys may be a
    column with ASC/DESC (NULLS LAST, DuckDB's default) or `column = 'text'`; ties keep the database's order."""
    body = _strip_comments(q.sql)
    found = list(re.finditer(r"\border\s+by\b", body, re.I))
    if not found:
        return df
    clause = body[found[-1].end() :].strip().rstrip(";").strip()
    keys = [k.strip() for k in clause.split(",")]
    derived = {d.name for d in q.derived}
    if not any(k.split()[0] in derived for k in keys if k):
        return df
    cols, ascending, work = [], [], df.copy()
    for i, k in enumerate(keys):
        m = ORDER_KEY_RE.match(k)
        if not m:
            raise QueryError(f"query '{q.name}' sorts by a derived column with a key that cannot be re-applied: {k!r}")
        if m.group(1):
            work[f"__key{i}"] = work[m.group(1)].eq(m.group(2)).fillna(False).astype(bool)
            asc = True
        else:
            work[f"__key{i}"] = work[m.group(3)]
            asc = (m.group(4) or "asc").lower() == "asc"
        cols.append(f"__key{i}")
        ascending.append(asc)
    order = work.sort_values(cols, ascending=ascending, na_position="last", kind="stable").index
    out = df.loc[order].reset_index(drop=True)
    out.attrs = df.attrs
    return out


# The periods a small-number indicator's ward totals are published for: its latest complete financial year and
# each plan cycle up to the end of that year (`total_horizons`), so that no total moves with each monthly release;
# one definition, the model's macro `published_windows`, read here and by the queries that check a period against it
PUBLISHED_WINDOWS_SQL = """
SELECT strftime(start_month, '%Y-%m') AS start_month, strftime(end_month, '%Y-%m') AS end_month
FROM published_windows($indicator) ORDER BY ord
"""


def _check_published_window(store, q: Query, bound: dict, df: pd.DataFrame) -> None:
    """Below borough level a small-number indicator's totals are published for set periods only. Each total of
    any window is rounded on its own, but hundreds of overlapping windows (any start, any end) together pin
    the months inside them, even those published as `<5`: an attacker's integer program did so for 43 of 45
    ward-months. So a window a query is asked for must be one the pages publish."""
    if not {"start_month", "end_month"} <= {p.name for p in q.params}:
        return
    if not (bound.get("start_month") or bound.get("end_month")):
        return  # the default: the latest complete financial year (the latest 12 months for other indicators)
    if not {"start_month", "end_month"} <= set(df.columns):
        raise QueryError(f"query '{q.name}' takes a period but does not say which months it used")
    window = (str(df["start_month"].iloc[0]), str(df["end_month"].iloc[0]))
    allowed = [
        tuple(r) for r in store.sql(PUBLISHED_WINDOWS_SQL, {"indicator": bound["indicator"]}).itertuples(index=False)
    ]
    if window not in allowed:
        shown = "; ".join(f"--start_month {a} --end_month {b}" for a, b in allowed)
        raise QueryError(
            f"{bound['indicator']} is a small-number indicator: in a ward its totals are published for "
            f"the latest complete financial year and each plan cycle up to its end only, not {window[0]} to "
            f"{window[1]} (many overlapping periods, or periods that move with each release, would give small "
            f"counts away). Periods published: {shown}"
        )


def _check_row_periods(store, q: Query, bound: dict, df: pd.DataFrame, ward: pd.Series) -> None:
    """Fail closed: a ward row that says its period (`start_month`, `end_month`: a survey's, in
    perception_vs_recorded) may carry a total of a small-number indicator only when the months it counts (the
    period up to the end of the latest complete financial year) are one of the periods published
    (`published_windows`) or a single month. A total over any other period, set beside the months and the
    published totals, gives withheld months away (two months shown as `<5` whose total is published as 10 were
    both 4); the query withholds such totals itself, and this stops one that does not."""
    if not {"start_month", "end_month"} <= set(df.columns):
        return
    horizon = store.sql(
        "SELECT strftime(horizon, '%Y-%m') FROM total_horizons WHERE indicator_id = $i", {"i": bound["indicator"]}
    )
    if horizon.empty or not isinstance(horizon.iloc[0, 0], str):
        return
    end_at = horizon.iloc[0, 0]
    allowed = {
        tuple(r) for r in store.sql(PUBLISHED_WINDOWS_SQL, {"indicator": bound["indicator"]}).itertuples(index=False)
    }
    counted = pd.Series(False, index=df.index)
    for col in q.suppress:
        counted |= pd.to_numeric(df[col], errors="coerce").notna()
    for i in df.index[ward.fillna(False).astype(bool) & counted]:
        start, end = str(df.at[i, "start_month"]), min(str(df.at[i, "end_month"]), end_at)
        if start != end and (start, end) not in allowed:
            raise QueryError(
                f"query '{q.name}' would publish a ward total of {bound['indicator']}, a small-number indicator, over "
                f"{start} to {end}, which is not a period its ward totals are published for (the latest complete "
                "financial year and each plan cycle to its end): set beside the months and the published totals, it "
                "would give withheld months away"
            )


def run_rows(store, name: str, **values) -> tuple[list[str], list[tuple]]:
    """Like `run`, but rows of Python values for exact CSV output; a withheld count prints as `<N`, and
    counts below borough level of small-number indicators are the rounded ones, their derived figures
    recomputed from them and the rows in the order of the published figures (see `suppress`)."""
    names, rows, _note = published_rows(store, name, **values)
    return names, rows


def published_rows(store, name: str, **values) -> tuple[list[str], list[tuple], str]:
    """`run_rows` with what `suppress` did to the rows, in words (`published_note`; '' where nothing)."""
    q = get(name)
    bound = bind(store, q, values)
    names, rows = store.rows(q.sql, bound)
    if not q.suppress:
        return names, rows, ""
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    frame[ROW_COLUMN] = range(len(rows))  # where each row was, should `suppress` order them again
    df = suppress(store, q, bound, frame)
    if "suppress_below" not in df.attrs:
        return names, rows, ""
    marker = f"<{df.attrs['suppress_below']}"
    out = []
    for i, at in enumerate(df[ROW_COLUMN]):
        r = list(rows[int(at)])
        for col in (*q.suppress, *q.suppress_also):
            v = df[col].iloc[i]
            r[names.index(col)] = None if pd.isna(v) else (int(v) if col in q.suppress else float(v))
        for col in q.suppress:
            if df[f"{col}_suppressed"].iloc[i]:
                r[names.index(col)] = marker
        out.append(tuple(r))
    return names, out, published_note(df.attrs)


ROW_COLUMN = "__row"  # run_rows' note of each row's place in the database's order
