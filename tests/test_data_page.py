"""The Data page: coverage and missing months by indicator, the catalogue of files, the store's status."""

from __future__ import annotations

import io
import os
import time

import pandas as pd
from helpers import POLICE_ROWS
from test_pages import open_page

from safer import catalog, queries


def test_extract_coverage_gives_the_missing_ranges_counted_by_hand(store):
    cov = queries.run(store, "extract_coverage").set_index("indicator_id")
    assert list(cov.index) == ["asb", "burglary", "cse", "slavery"]
    # asb and burglary: police.uk files 2020-01, -02, -04, -05, -06, -07 (no file for 2020-03)
    for ind in ("asb", "burglary"):
        r = cov.loc[ind]
        assert (r.extract, r.source, r.first_month, r.last_month) == ("police_uk/", "police.uk", "2020-01", "2020-07")
        assert (r.months_with_data, r.months_missing, r.missing_ranges) == (6, 1, "2020-03")
    # cse: partner rows for 2020-01, -02 and -04
    r = cov.loc["cse"]
    assert (r.extract, r.source, r.first_month, r.last_month) == (
        "partner_monthly.csv",
        "Children's services",
        "2020-01",
        "2020-04",
    )
    assert (r.months_with_data, r.months_missing, r.missing_ranges) == (3, 1, "2020-03")
    # slavery: 2020-01 and -02, nothing missing
    r = cov.loc["slavery"]
    assert (r.first_month, r.last_month, r.months_with_data, r.months_missing) == ("2020-01", "2020-02", 2, 0)
    assert pd.isna(r.missing_ranges)


def test_extract_coverage_joins_consecutive_missing_months_into_ranges(data_dir):
    from safer.store import Store

    text = (data_dir / "partner_monthly.csv").read_text()
    text += "".join(f"cse,{m},E05000001,1\n" for m in ("2020-08", "2020-12", "2021-02"))
    (data_dir / "partner_monthly.csv").write_text(text)
    s = Store(data_dir)
    try:
        r = queries.run(s, "extract_coverage").set_index("indicator_id").loc["cse"]
    finally:
        s.close()
    assert r.missing_ranges == "2020-03; 2020-05 to 2020-07; 2020-09 to 2020-11; 2021-01"
    assert (r.months_with_data, r.months_missing) == (6, 8)


def test_recording_changes_lists_only_recording_events(store):
    assert queries.run(store, "recording_changes").empty  # the fixture's events are service and covid


def test_catalog_lists_every_file_with_rows_period_status_and_licence(data_dir):
    df = catalog.extract_files_info(data_dir).set_index("file")
    police = [f"police_uk/{m}-test-street.csv" for m in POLICE_ROWS]
    assert set(police) <= set(df.index)
    for m, rows in POLICE_ROWS.items():
        r = df.loc[f"police_uk/{m}-test-street.csv"]
        assert (r.kind, r.rows, r["first"], r["last"], r.status) == ("police_uk/", len(rows), m, m, "ok")
        assert r.licence == "Open Government Licence v3.0"
        assert r.size_bytes == (data_dir / r.name).stat().st_size
    assert df.loc["partnership.csv", "rows"] == 1
    assert df.loc["areas.csv", "rows"] == 3
    assert df.loc["partner_monthly.csv", "rows"] == 6
    assert (df.loc["partner_monthly.csv", "first"], df.loc["partner_monthly.csv", "last"]) == ("2020-01", "2020-04")
    assert df.loc["partner_monthly.csv", "source"] == "Children's services; Home Office"
    assert (
        df.loc["population.csv", "first"],
        df.loc["population.csv", "last"],
        df.loc["population.csv", "source"],
    ) == ("2019", "2021", "test")
    assert df.loc["areas.csv", "source"] == catalog.OWN_SOURCE
    assert df.loc["areas.csv", "licence"] == catalog.LICENCE_NOT_RECORDED
    assert (df.status == "ok").all()
    # optional files that are absent are not listed
    assert "consultation.csv" not in df.index and "ward_boundaries.geojson" not in df.index
    assert df.loc["events.csv", "modified_utc"].endswith("+00:00")


def test_catalog_reports_broken_and_missing_files(data_dir):
    (data_dir / "areas.csv").write_text((data_dir / "areas.csv").read_text() + "E05000009,Bad,ward,E0800\n,,,\n")
    (data_dir / "targets.csv").unlink()
    df = catalog.extract_files_info(data_dir).set_index("file")
    # line 5 has a bad parent code; the all-empty line 6 is a warning and is not a row
    assert df.loc["areas.csv", "status"] == "1 error, 1 warning"
    assert df.loc["areas.csv", "rows"] == 4
    assert df.loc["targets.csv", "status"] == "missing (required)"
    assert df.loc["partnership.csv", "status"] == "ok"


def _frames(at):
    return [el.value for el in at.dataframe]


def test_data_page_on_the_demo_data_lists_the_police_uk_gap(demo_env, monkeypatch):
    monkeypatch.setenv("SAFER_CACHE_DIR", os.environ["SAFER_CACHE_DIR"])
    at = open_page("pages/data.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("Synthetic demo data" in w.value for w in at.warning)
    assert any("Current: built at" in s.value for s in at.success)
    # the data directory by name, not where it lies on the server (a public page: an outside audit)
    assert "Data directory\\: data" in [c.value for c in at.caption]
    assert not any(os.environ["SAFER_DATA_DIR"] in str(e.value) for e in at.main if hasattr(e, "value"))
    cov = next(df for df in _frames(at) if "Missing months" in df.columns).set_index("Indicator")
    for ind in ("asb", "burglary"):
        assert "2019-07 to 2020-12" in cov.loc[ind, "Missing months"]
    files = next(df for df in _frames(at) if "Licence" in df.columns)
    # 120 GMP files, 24 Cheshire and 23 Derbyshire files (the comparator group's neighbours), 18 CSV extracts
    # (with the two comparator files, the area lookup and the groups) and the boundaries.
    assert len(files) == 186 and (files["Validation"] == "ok").all()
    bounds = files[files["File"] == "ward_boundaries.geojson"].iloc[0]
    assert bounds["Rows"] == 21 and bounds["Licence"] == "Open Government Licence v3.0"
    police = files[files["Contract entry"] == "police_uk/"]
    assert len(police) == 167 and (police["Licence"] == "Open Government Licence v3.0").all()
    pol = next(df for df in _frames(at) if "Placed in the area" in df.columns)
    assert len(pol) == 167
    text = " ".join(m.value for m in at.markdown)
    for caveat in ("locations are approximate", "from July 2019", "Recording practice changes"):
        assert caveat in text
    texts = [t.value for t in at.text]
    assert any(
        t.startswith("2019-07-01 · GMP new records system") and "(every police.uk indicator)" in t for t in texts
    )
    assert any(t.startswith("Burglary (burglary): ") for t in texts)
    # the caveats' stamp, from the view (the page wrote it): the extracts in the data directory, and their period
    assert at.caption[-1].value.startswith("Data period\\: 2015\\-04 to 2026\\-09 · Source\\: the extracts in the data "
                                           "directory · Data version"), at.caption[-1].value  # fmt: skip


def test_data_page_with_a_broken_file_shows_the_problem_and_serves_the_last_good_build(data_dir, monkeypatch):
    monkeypatch.setenv("SAFER_DATA_DIR", str(data_dir))
    at = open_page("pages/data.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Synthetic" in w.value for w in at.warning)
    (data_dir / "areas.csv").write_text((data_dir / "areas.csv").read_text() + "E05000009,Bad,ward,E0800\n")
    time.sleep(1.05)  # the extracts on disk are checked at most once a second (SAFER_DISK_CHECK_SECONDS)
    at = open_page("pages/data.py")
    assert not at.exception, [e.value for e in at.exception]
    # the page's banner (`ui.header`) in the words the briefing's note uses (`views.last_good_note`)
    assert any(e.value.startswith("The newest extracts have problems, so this page shows the last good data (built ")
               and e.value.endswith("). Fix these and the page updates by itself:") for e in at.error)  # fmt: skip
    assert any("Serving the last good build" in e.value for e in at.error)
    assert any("the extracts now on disk have 1 problem, so they are not loaded" in e.value for e in at.error)
    assert any("areas.csv:5: parent_code" in c.value for c in at.code)
    files = next(df for df in _frames(at) if "Licence" in df.columns).set_index("File")
    assert files.loc["areas.csv", "Validation"] == "1 error"
    # errors and warnings each a metric of its own (one value for both was cut short at 1,280 px)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Validation errors"] == "1" and metrics["Validation warnings"].isdigit()
    probs = next(df for df in _frames(at) if "Problem" in df.columns)
    assert list(probs[["File", "Line", "Column"]].itertuples(index=False, name=None)) == [
        ("areas.csv", 5, "parent_code")
    ]
    # the served build is the last good one: coverage still comes from it
    cov = next(df for df in _frames(at) if "Missing months" in df.columns).set_index("Indicator")
    assert cov.loc["asb", "Missing months"] == "2020-03"
    # the problems' download is of the extracts on disk, not loaded: named and stamped with their own version
    import re

    from safer import ui

    (version,) = {m.group(1) for e in at.error if (m := re.search(r"data version ([0-9a-f]{10})", e.value))}
    at.session_state[ui.ON_DEMAND + "exports:data-validation-problems"] = True
    at.run()
    ids = [b.proto.id for b in at.get("download_button") if "validation-problems" in b.proto.id]
    assert ids and all("-disk-" in i and version not in i for i in ids), (version, ids)


def test_what_the_served_build_holds_is_stamped_with_its_period_not_as_on_disk(demo_env):
    """The coverage and police.uk files tables are the build's (the last good one, where an extract is broken): their
    exports were stamped "as on disk now" beside the extracts' table, which showed the files on disk a month
    shorter (an outside audit). The files' own tables keep "as on disk now"."""
    from safer import views
    from safer.store import Store

    s = Store(demo_env)
    try:
        v = views.catalogue(s, views.disk_fingerprint(s))
        for name in ("extract coverage", "police.uk files"):
            m = v.meta_of(name)
            assert (m.period, m.source) == (v.data["period"], "the build being served"), name
        assert v.data["period"].startswith("2015-04 to ")
        assert (v.meta_of("extracts").period, v.meta_of("validation problems").period) == ("as on disk now",) * 2
    finally:
        s.close()


def test_the_problems_of_extracts_not_loaded_carry_no_served_build_s_data_version(data_dir):
    """The validation problems (and the extracts' table) of files on disk that are not loaded are of no build: their
    stamp and their download's name carried the served build's data version (an outside audit), which holds none of
    those problems. They carry the files' own ("disk-" and their fingerprint); once loaded, the build's."""
    from safer import export, views
    from safer.store import Store

    s = Store(data_dir)
    try:
        v = views.catalogue(s, views.disk_fingerprint(s))
        assert {v.meta_of(n).data_version for n in v.tables} == {s.data_version} and s.data_version
        (data_dir / "areas.csv").write_text((data_dir / "areas.csv").read_text() + "E05000009,Bad,ward,E0800\n")
        s.refresh()
        assert s.status.problems and not s.status.current
        fp = views.disk_fingerprint(s)
        v = views.catalogue(s, fp)
        for name in ("extracts", "validation problems"):
            assert v.meta_of(name).data_version == "disk-" + fp[:10] != s.data_version, name
        for name in ("extract coverage", "police.uk files"):  # what the served build holds stays its own
            assert v.meta_of(name).data_version == s.data_version, name
        raw = export.csv_bytes(v.tables["validation problems"], v.meta_of("validation problems"))
        got = pd.read_csv(io.BytesIO(raw))
        assert list(got["Data version"]) == ["disk-" + fp[:10]] and s.data_version not in raw.decode()
    finally:
        s.close()
