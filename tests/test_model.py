"""The model the store builds is SQL files in `queries/model/`; every query file says what it reads.

The `Reads:` line of each file is checked by DuckDB itself: the file is bound in a database that holds
only what it says it reads (as empty tables with the built store's columns, and the macros it names), so
a name it uses but does not declare is a catalog error; a name it declares but does not use is caught too.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from safer import config, contract, queries, store
from safer.cli import main

MODELS = queries.list_models()
MODEL_NAMES = {m.name for m in MODELS}
EXTRACT_TABLES = {n.removesuffix(".csv") for n in contract.SPECS if n.endswith(".csv")}
# made by the store before the model runs: the police.uk rows as loaded, and when each extract was last written
SOURCES = {"police_uk_source", "extract_files"}


def test_model_files_build_what_they_are_named_for_and_run_after_what_they_read():
    assert {"fact_monthly", "series", "indicator_months", "police_uk_rows"} <= MODEL_NAMES
    order = [m.name for m in MODELS]
    for i, m in enumerate(MODELS):
        assert m.builds_name == m.name
        assert m.builds.split()[0] in ("table", "macro")
        for r in m.reads:
            assert r in EXTRACT_TABLES | MODEL_NAMES | SOURCES, f"{m.name} reads unknown {r}"
            if r in MODEL_NAMES:
                assert order.index(r) < i, f"{m.name} runs before {r}, which it reads"


def test_a_circle_between_model_files_is_refused(tmp_path):
    (tmp_path / "model").mkdir()
    for a, b in (("one", "two"), ("two", "one")):
        (tmp_path / "model" / f"{a}.sql").write_text(
            f"-- {a}.\n-- Grain: one row.\n-- Builds: table {a}\n-- Reads: {b}\nCREATE TABLE {a} AS SELECT * "
            f"FROM {b};\n"
        )
    with pytest.raises(queries.QueryError, match="circle"):
        queries.list_models(tmp_path)


def test_a_header_without_reads_is_refused(tmp_path):
    (tmp_path / "x.sql").write_text("-- What x answers.\n-- Grain: one row.\nSELECT 1\n")
    with pytest.raises(queries.QueryError, match="Reads"):
        queries.parse(tmp_path / "x.sql")


def _bind_only_reads(built, q: queries.Query) -> None:
    """Bind `q` in a fresh database holding only what it declares it reads (empty, with the store's columns)."""
    con = duckdb.connect()
    by_name = {m.name: m for m in MODELS}
    made: set[str] = set()

    def make(name: str) -> None:
        if name in made:
            return
        made.add(name)
        if name in by_name and by_name[name].builds.startswith("macro"):
            for r in by_name[name].reads:  # a macro binds what it reads when it is created
                make(r)
            con.execute(by_name[name].sql)
        elif name == "police_uk_source":
            con.execute(f"CREATE TABLE police_uk_source ({store.police_columns_sql()})")
        else:
            cols = built.execute(f"DESCRIBE {name}").fetchall()
            con.execute(f"CREATE TABLE {name} ({', '.join(f'{c[0]} {c[1]}' for c in cols)})")

    try:
        for r in q.reads:
            make(r)
        con.execute(q.sql if q.builds else f"PREPARE q AS {q.sql}")  # an undeclared name fails here
    finally:
        con.close()


@pytest.mark.parametrize("q", [*MODELS, *queries.list_queries()], ids=lambda q: q.name)
def test_reads_names_exactly_what_the_file_reads(q, demo_env):
    s = store.Store(demo_env)
    try:
        _bind_only_reads(s.cursor(), q)
    finally:
        s.close()
    body = "\n".join(line.split("--", 1)[0] for line in q.sql.splitlines())
    for r in q.reads:  # and a declared name is used
        assert re.search(rf"\b{r}\b", body), f"{q.name} declares it reads {r} but does not"
        assert not re.search(rf"\b{r}\s+AS\s*\(", body, re.I), f"{q.name}: a CTE named {r} hides the table"


def test_query_list_shows_the_model_with_what_each_builds_and_reads(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    assert "series: series(indicator, area)" in out
    assert "builds: macro series(ind, ar)" in out
    assert "reads: areas, partnership, indicators, fact_monthly, indicator_months" in out
    assert "monthly: Monthly count of one indicator" in out
    assert "reads: indicator_months, series" in out


def test_the_store_code_hash_covers_the_model_files(tmp_path, monkeypatch):
    (tmp_path / "model").mkdir()
    for m in MODELS:
        (tmp_path / "model" / m.path.name).write_text(m.sql)
    store._code_hash.cache_clear()
    monkeypatch.setattr(config, "QUERIES_DIR", tmp_path)
    before = store._code_hash()
    (tmp_path / "model" / "fact_monthly.sql").write_text(
        "-- changed\n" + (tmp_path / "model" / "fact_monthly.sql").read_text()
    )
    store._code_hash.cache_clear()
    after = store._code_hash()
    store._code_hash.cache_clear()
    assert before != after
