"""The first step beyond one machine: a build published as Parquet, served unchanged by a second process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
from helpers import PROJECT

from safer import queries, views
from safer.cli import main
from safer.store import ParquetStore, Store

SECOND_PROCESS = """
import json, sys
from safer import queries, views
from safer.store import ParquetStore
s = ParquetStore(sys.argv[1])
v = views.trend(s, "cse", "E05000794")
print(json.dumps({
    "version": s.version,
    "data_version": s.data_version,
    "monthly": queries.run_rows(s, "monthly", indicator="burglary")[1],
    "ward_rates": queries.run_rows(s, "ward_rates", indicator="cse")[1],
    "sentences": v.sentences,
}, default=str))
"""


def test_a_published_build_is_served_unchanged_by_a_second_process(demo_env, tmp_path, capsys):
    out = tmp_path / "published"
    assert main(["build", "--parquet", str(out)]) == 0
    assert "published as Parquet" in capsys.readouterr().out
    names = {p.stem for p in out.glob("*.parquet")}
    assert {"fact_monthly", "indicator_months", "police_uk_rows", "indicators", "meta"} <= names
    s = Store(demo_env)
    r = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=dict(os.environ, PYTHONPATH=str(PROJECT)),
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["version"] == s.version  # the same build
    assert got["data_version"] == s.data_version != ""  # the same data version on every stamp
    assert got["monthly"] == json.loads(
        json.dumps(queries.run_rows(s, "monthly", indicator="burglary")[1], default=str)
    )
    assert got["ward_rates"] == json.loads(
        json.dumps(queries.run_rows(s, "ward_rates", indicator="cse")[1], default=str)
    )
    assert got["sentences"] == views.trend(s, "cse", "E05000794").sentences  # suppression and wording too
    s.close()


def test_every_named_query_runs_on_the_published_build(demo_env, tmp_path):
    s = Store(demo_env)
    from safer.store import publish_parquet

    p = ParquetStore(publish_parquet(s, tmp_path / "pub"))
    for q in queries.list_queries():
        params = {x.name: "asb" for x in q.params if x.required and x.name == "indicator"}
        params |= {x.name: "2018-21" for x in q.params if x.required and x.name == "cycle"}
        a, b = queries.run(s, q.name, **params), queries.run(p, q.name, **params)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
    p.close()
    s.close()


MAP_PROCESS = """
import json, sys
from safer import views
from safer.store import ParquetStore
s = ParquetStore(sys.argv[1])
v = views.areas(s, "burglary")
fig = v.data["map"]
print(json.dumps({"wards": sum(1 for t in fig.data if t.fill == "toself"), "attribution": v.data["attribution"]}))
"""


def test_a_second_process_serving_parquet_draws_the_ward_map_from_the_build(demo_env, tmp_path):
    """The boundaries are a table of the build (`ward_boundaries`), published with the rest: a process serving
    Parquet has no data directory to read them from, and draws the same map."""
    from safer.store import publish_parquet

    s = Store(demo_env)
    out = publish_parquet(s, tmp_path / "pub")
    assert (out / "ward_boundaries.parquet").is_file()
    r = subprocess.run(
        [sys.executable, "-c", MAP_PROCESS, str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # nowhere near the data directory
        env=dict(os.environ, PYTHONPATH=str(PROJECT), SAFER_DATA_DIR=str(tmp_path / "nothing here")),
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got == {"wards": 21, "attribution": views.areas(s, "burglary").data["attribution"]}
    assert got["attribution"].startswith("Ward boundaries: ONS")
    s.close()


def test_the_data_page_of_a_published_build_says_what_it_serves_not_missing_files(demo_env, tmp_path, monkeypatch):
    """Served from Parquet, the Data page checked the published folder as if it were a data directory: every
    extract "missing (required)", "10 errors", "0 CSV extracts", and "Current: built ... from the extracts now on
    disk" (an outside audit). It now says which build it serves (the folder, the data version, when and from which
    data directory it was built) and lists the extracts that build was made from, each with its rows as loaded:
    the rows the data directory's own catalogue counts."""
    from test_pages import open_page

    from safer import catalog, ui
    from safer.store import publish_parquet

    s = Store(demo_env)
    out = publish_parquet(s, tmp_path / "pub")
    on_disk = views.catalogue(s, views.disk_fingerprint(s))
    p = ParquetStore(out)
    v = views.catalogue(p, views.disk_fingerprint(p))
    files = v.tables["extracts"].set_index("file")
    assert v.tables["validation problems"].empty
    assert not files["status"].str.contains("missing").any() and set(files["status"]) == {catalog.PUBLISHED_STATUS}
    disk = on_disk.tables["extracts"]
    police = disk[disk["kind"] == "police_uk/"]
    others = disk[disk["kind"] != "police_uk/"].set_index("file")
    assert set(files.index) == set(others.index) | {"police_uk/"}  # every extract of the data directory, no other
    for name, r in others.iterrows():  # rows as loaded are the rows on disk; sources and licences as found there
        assert (files.loc[name, "rows"], files.loc[name, "source"], files.loc[name, "licence"]) == (
            r["rows"],
            r["source"],
            r["licence"],
        ), name
    assert (files.loc["police_uk/", "rows"], files.loc["police_uk/", "files"]) == (police["rows"].sum(), len(police))
    assert files.loc["police_uk/", "licence"] == "Open Government Licence v3.0"
    assert list(v.data["counts"].values())[:2] == list(on_disk.data["counts"].values())[:2]  # CSV files, data rows
    assert v.data["caveats source"] == "the extracts the published build was made from"
    assert on_disk.data["caveats source"] == "the extracts in the data directory"
    said = v.data["published"]
    assert (said["path"], said["version"], said["built_at"], said["data_dir"]) == (
        str(out),
        s.data_version,
        s.status.built_at,
        str(demo_env),
    )
    assert set(v.tables["parquet files"]["file"]) == {f.name for f in out.glob("*.parquet")}

    monkeypatch.setenv("SAFER_PARQUET", str(out))  # the page, served from the published build
    at = open_page("pages/data.py")
    assert not at.exception, [e.value for e in at.exception]
    info = " ".join(str(e.value) for e in at.info)
    # the directories by name, not where they lie on the server (the page may be public)
    assert str(demo_env) not in info and str(out) not in info
    for words in (
        "Serving a build published as Parquet",
        s.data_version,
        f"data directory {ui.md_escape(demo_env.name)}",
    ):
        assert words in info, (words, info)
    shown = [str(x) for df in at.dataframe for x in df.value.to_numpy().ravel()]
    assert not any("missing (required)" in x or "required file is missing" in x for x in shown)
    assert "partner_monthly.csv" in shown and "police_uk/" in shown
    assert not any("extracts now on disk" in str(e.value) for e in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["CSV extracts in the build"] == on_disk.data["counts"]["CSV extracts"] != "0"
    p.close()
    s.close()
