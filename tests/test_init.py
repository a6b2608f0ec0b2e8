"""`python -m safer init`: a partnership's data directory from ONS's lookup, police.uk files and populations.

Checked as a new analyst would use it: on the real Stockport lookups from ../shared (every LSOA placed in
the ward the demo places it in, so every count equals the demo's), on the synthetic national files (any
authority, its force's other authorities as the comparator group, counted from the files by hand), and on
each kind of bad input (file, line and column named; nothing written).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import PROJECT, REAL

from bench import national
from safer import cli, fmt, queries, views
from safer.contract import force_key, validate
from safer.partnership_dir import InitError, find_authority, make, read_lookups, read_populations, starter_cycles
from safer.store import Store
from safer.views import headlines, wards

DEMO = PROJECT / "data"


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def nat(tmp_path_factory) -> dict:
    """Three months of synthetic national files (all 43 forces), ONS's lookup layout, and populations."""
    root = tmp_path_factory.mktemp("national")
    made = national.generate(root, months=3, last_month="2026-03", rows_per_month=9000)
    geo = national.geography()
    pop = national.write_populations(geo, root / "population.csv")
    return {"root": root, "months": made["months"], "geo": geo, "pop": pop, "lookup": root / "lsoa_ward_lad_lookup.csv"}


def _init(nat: dict, out: Path, authority: str, *extra: str) -> int:
    args = ["init", "--authority", authority, "--lookup", str(nat["lookup"])]
    args += ["--police-uk", str(nat["root"] / "police_uk"), "--population", str(nat["pop"]), "--out", str(out)]
    return cli.main([*args, "--synthetic", *extra])


def test_any_national_authority_gets_a_valid_directory_and_its_force_as_comparators(nat, tmp_path, capsys):
    geo = nat["geo"]
    a = geo["authority"]
    i = 200  # any authority: the 201st of the national lookup
    code, name = str(a["code"][i]), str(a["name"][i])
    out = tmp_path / "la"
    assert _init(nat, out, code) == 0, capsys.readouterr()
    said = capsys.readouterr().out
    assert "data is valid" in said and f"{name} ({code})" in said
    assert said.splitlines()[-1] == f"open it: bash scripts/start.sh -- --data {out.resolve()}"

    # Its wards and LSOAs are exactly the lookup's.
    wards = np.flatnonzero(geo["ward"]["authority"] == i)
    areas = _rows(out / "areas.csv")
    assert [r["area_code"] for r in areas if r["area_type"] == "borough"] == [code]
    assert {r["area_code"] for r in areas if r["area_type"] == "ward"} == {str(c) for c in geo["ward"]["code"][wards]}
    lookup = pd.read_csv(nat["lookup"], dtype=str)
    mine = lookup[lookup.LAD24CD == code]
    got = {r["lsoa_code"]: r["ward_code"] for r in _rows(out / "lsoa_ward_lookup.csv")}
    assert got == dict(zip(mine.LSOA21CD, mine.WD24CD))

    # The comparator group: every authority of its force, and only its force's files are linked.
    force = int(a["force"][i])
    same = {str(c) for c in a["code"][a["force"] == force]}
    groups = _rows(out / "comparator_groups.csv")
    assert {r["area_code"] for r in groups} == same and len(same) > 1
    slug = national.force_slug(national.FORCES[force][0])
    files = sorted((out / "police_uk").rglob("*.csv"))
    assert len(files) == len(nat["months"]) and all(f"-{slug}-street" in p.name for p in files)
    assert all(p.stat().st_nlink > 1 for p in files)  # hard links, not copies
    assert {r["police_force"] for r in _rows(out / "partnership.csv")} == {national.FORCES[force][0]}

    # Every count equals the files counted by hand through the lookup, for the authority and each comparator.
    rows = pd.concat(pd.read_csv(p, dtype=str) for p in files).merge(lookup, left_on="LSOA code", right_on="LSOA21CD")
    s = Store(out, cache=tmp_path / "cache")
    assert s.status.current
    t = queries.run_true(s, "comparator_trend", indicator="burglary", group="force")
    want = rows[rows["Crime type"] == "Burglary"].groupby(["LAD24CD", "Month"]).size()
    assert len(t) == len(same) * len(nat["months"])
    for r in t.itertuples():
        assert int(r.value) == int(want.get((r.area_code, r.month), 0)), (r.area_code, r.month)
    mine_rows = rows[(rows.LAD24CD == code) & (rows["Crime type"] == "Anti-social behaviour")]
    m = queries.run_true(s, "monthly", indicator="asb")
    assert dict(zip(m.month, m.value.astype(int))) == mine_rows.groupby("Month").size().to_dict()
    # Three months cannot give a verdict, but the Overview card still shows their mean, marked as a few months',
    # saying how many of the 12 months have data.
    card = next(c for c in headlines.overview(s).data["cards"] if c.indicator_id == "asb")
    assert card.verdict == "not enough data"
    assert card.headline == fmt.number(float(mine_rows.groupby("Month").size().mean()))
    assert card.metric_label == "Incidents a month (3 months only)"  # the big number keeps to the number
    assert card.months_line.endswith("to Mar 2026 (3 of 12 months with data; no data for Apr 2025 to Dec 2025)")
    s.close()

    # The starters say they are starters where they show, and a target added as the notes ask gets a status from
    # the starter rule (an outside audit: the priority read "(illustrative)": "the exact wording was not known";
    # a target read "no rule", init having written none)
    assert "status_rules.csv" in said.splitlines()[-3] or "status_rules.csv" in said
    prio = _rows(out / "priorities.csv")
    assert all(r["title"].endswith("(starter: replace with the plan's priority)") for r in prio), prio
    assert {r["illustrative"] for r in prio} == {"false"}
    rule = _rows(out / "status_rules.csv")
    assert [(r["rule_id"], r["on_track_min_progress_pct"], r["min_months_with_data"]) for r in rule] == [
        ("default", "75", "9")
    ] and "starter" in rule[0]["description"]
    cycle = _rows(out / "plan_cycles.csv")[-1]["cycle_id"]
    with (out / "targets.csv").open("a", encoding="utf-8") as f:
        f.write(f"{cycle},asb,100,2025-04 to 2026-03,90,\n")
    s = Store(out, cache=tmp_path / "cache")
    try:
        assert s.status.current, s.status.problems
        got = views.priorities(s).data["assessed"]
        (t,) = got[got.indicator_id == "asb"].to_dict("records")
        assert t["status"] == "not enough data" and "the rule needs 9" in t["reason"], t  # 3 months: not "no rule"
        assert "baseline 100.0 · target 90.0" in t["card_line"] and "Latest " in t["card_line"], t["card_line"]
        other = got[got.indicator_id == "burglary"].iloc[0]  # no target set: said so, not "no data"
        assert "baseline not set · target not set" in other["card_line"], other["card_line"]
        # a starter briefing this data can show, every slide of it (the project's is Stockport's: it cannot)
        assert "starter" in views.briefing_files(data_dir=out)
        b = views.load_briefing("starter", data_dir=out)
        assert [(x.page, x.filters["indicator"]) for x in b.slides] == [
            ("trends", "asb"), ("trends", "burglary"), ("trends", "violence_sexual"), ("trends", "vehicle_crime"),
            ("plan_cycles", "asb"),
        ]  # fmt: skip
        assert views.briefing_problem(s, b) is None
        assert views.briefing_problem(s, views.load_briefing("scrutiny-current-cycle", data_dir=out))
        assert [views.briefing_slide(s, b, i).title for i in (1, 5)] == [
            "Anti-social behaviour: by month", "Anti-social behaviour: by plan cycle"
        ]  # fmt: skip
    finally:
        s.close()


def test_a_group_file_brings_in_the_other_forces_files_and_their_populations(nat, tmp_path, capsys):
    a = nat["geo"]["authority"]
    home, other = 10, int(np.flatnonzero(a["force"] != a["force"][10])[5])
    groups = tmp_path / "msg.csv"
    groups.write_text(
        "group_id,group_name,area_code,area_name\n"
        f"msg,Most similar group,{a['code'][other]},x\n"  # the partnership's own authority not listed: added
    )
    out = tmp_path / "la"
    assert _init(nat, out, str(a["code"][home]), "--groups", str(groups)) == 0
    said = capsys.readouterr().out
    assert f"the partnership's authority {a['code'][home]} added to group 'msg'" in said
    slugs = {national.force_slug(national.FORCES[int(a["force"][k])][0]) for k in (home, other)}
    linked = {p.name.split("-", 2)[2].removesuffix("-street.csv") for p in (out / "police_uk").rglob("*.csv")}
    assert linked == slugs
    pops = _rows(out / "comparator_population.csv")
    assert [(r["area_code"], r["population"]) for r in pops] == [
        (str(a["code"][other]), str(int(a["population"][other])))
    ]
    assert {r["area_name"] for r in _rows(out / "comparator_groups.csv")} == {
        str(a["name"][home]),
        str(a["name"][other]),
    }


def test_a_comparator_s_rows_no_lookup_places_are_named_as_the_partnership_s_are(nat, tmp_path, capsys):
    """A lookup of the wrong year left a comparator's rows out in silence (an outside audit: its rates 20-30% too
    low until the month police.uk changed LSOA codes) while the partnership's own got a note: each comparator
    authority's rows in LSOAs named for it, whose codes no lookup places, are named with their file and count."""
    a, lsoa, ward = nat["geo"]["authority"], nat["geo"]["lsoa"], nat["geo"]["ward"]
    home, other = 10, int(np.flatnonzero(a["force"] != a["force"][10])[5])
    theirs = [str(c) for c, w in zip(lsoa["code"], lsoa["ward"]) if ward["authority"][w] == other][:4]
    lookup = tmp_path / "lookup.csv"  # the national lookup less four of the comparator's LSOAs (another year's)
    with open(nat["lookup"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with open(lookup, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(r for r in rows if r[0] not in theirs)
    groups = tmp_path / "msg.csv"
    groups.write_text(f"group_id,group_name,area_code,area_name\nmsg,Most similar group,{a['code'][other]},x\n")
    out = tmp_path / "la"
    args = ["init", "--authority", str(a["code"][home]), "--lookup", str(lookup), "--groups", str(groups)]
    args += ["--police-uk", str(nat["root"] / "police_uk"), "--population", str(nat["pop"]), "--out", str(out)]
    assert cli.main([*args, "--synthetic"]) == 0
    said = capsys.readouterr().out
    files = sorted(
        (nat["root"] / "police_uk").rglob(f"*-{national.force_slug(national.FORCES[a['force'][other]][0])}-street.csv")
    )
    named = 0
    for path in (files[0], files[-1]):  # the force's oldest and newest files
        n = sum(r["LSOA code"] in theirs for r in _rows(path))
        k = len({r["LSOA code"] for r in _rows(path) if r["LSOA code"] in theirs})
        note = f"note: {path}: {n} rows lie in {k} LSOAs named for {a['name'][other]} (a comparator: its rates"
        assert (note in said) == (n > 0), said
        named += n > 0
    assert named and "would be too low) whose codes no lookup given places" in said
    assert f"named for {a['name'][home]} " not in said  # the partnership's own LSOAs are all placed


def test_a_header_only_newest_file_does_not_hide_where_the_rows_lie(nat, tmp_path, capsys):
    """A force's newest month published with its header only (an outside audit's, 65 good months before it): init
    said no row of the newest files lay in the authority. It reads the newest file with rows."""
    a = nat["geo"]["authority"]
    code = str(a["code"][200])
    police = tmp_path / "police_uk"
    shutil.copytree(nat["root"] / "police_uk", police, copy_function=os.link)
    for f in list(police.rglob(f"{nat['months'][-1]}-*-street.csv")):
        later = police / "2026-04" / f.name.replace(nat["months"][-1], "2026-04")
        later.parent.mkdir(exist_ok=True)
        later.write_text(f.read_text().split("\n", 1)[0] + "\n")
    out = tmp_path / "la"
    args = ["init", "--authority", code, "--lookup", str(nat["lookup"]), "--police-uk", str(police)]
    assert cli.main([*args, "--population", str(nat["pop"]), "--out", str(out), "--synthetic"]) == 0, (
        capsys.readouterr()
    )
    assert "hold no rows after the header, left out (those months are missing, not zero)" in capsys.readouterr().out
    assert not validate(out).errors and not list((out / "police_uk").rglob("2026-04-*"))


def test_zip_archives_as_downloaded_are_read_member_by_member_and_the_newest_release_wins(nat, tmp_path, capsys):
    """data.police.uk serves zip archives (months in folders, outcomes files beside the street files); two
    downloads overlap by months: each force-month is taken from the newer download, never twice."""
    a = nat["geo"]["authority"]
    i = 30
    slug = national.force_slug(national.FORCES[int(a["force"][i])][0])
    months = nat["months"]
    src = nat["root"] / "police_uk"
    older, newer = tmp_path / "older.zip", tmp_path / "newer.zip"
    with zipfile.ZipFile(older, "w") as z:  # the first two months, the second one altered (a row dropped)
        z.write(src / months[0] / f"{months[0]}-{slug}-street.csv", f"{months[0]}/{months[0]}-{slug}-street.csv")
        text = (src / months[1] / f"{months[1]}-{slug}-street.csv").read_text().splitlines(keepends=True)
        z.writestr(f"{months[1]}/{months[1]}-{slug}-street.csv", "".join(text[:-1]))
        z.writestr(f"{months[1]}/{months[1]}-{slug}-outcomes.csv", "Crime ID,Month\n")
    with zipfile.ZipFile(newer, "w") as z:  # months 2 and 3, one member with a path that climbs out
        z.write(src / months[1] / f"{months[1]}-{slug}-street.csv", f"{months[1]}/{months[1]}-{slug}-street.csv")
        z.write(src / months[2] / f"{months[2]}-{slug}-street.csv", f"../../{months[2]}-{slug}-street.csv")
    out = tmp_path / "la"
    args = ["init", "--authority", str(a["code"][i]), "--lookup", str(nat["lookup"]), "--out", str(out)]
    args += ["--police-uk", str(older), "--police-uk", str(newer), "--population", str(nat["pop"]), "--synthetic"]
    assert cli.main(args) == 0, capsys.readouterr()
    said = capsys.readouterr().out
    assert "1 force-months found twice (overlapping downloads): each taken from the newest release" in said
    assert "1 files given are not street files" in said
    got = sorted(p.relative_to(out).as_posix() for p in (out / "police_uk").rglob("*") if p.is_file())
    assert got == [f"police_uk/{m}/{m}-{slug}-street.csv" for m in months]
    assert not list(tmp_path.glob(f"{months[2]}-*")) and not list(tmp_path.parent.glob(f"{months[2]}-*"))
    for m in months:  # each month whole, the altered copy of the second month not taken
        want = (src / m / f"{m}-{slug}-street.csv").read_bytes()
        assert (out / "police_uk" / m / f"{m}-{slug}-street.csv").read_bytes() == want


def test_next_months_national_archive_ingests_into_an_init_directory(nat, tmp_path, capsys):
    """The monthly refresh: data.police.uk's archive of a new month (all 43 forces) ingested into a directory
    `init` made: the partnership's force-month written (its rows and its comparators'), the 42 others one line."""
    a = nat["geo"]["authority"]
    i = 77
    out = tmp_path / "la"
    assert _init(nat, out, str(a["code"][i])) == 0
    nxt = sorted((nat["root"] / "next_month").rglob("*-street.csv"))
    assert len(nxt) == 43
    archive = tmp_path / "next.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in nxt:
            z.write(p, f"{p.parent.name}/{p.name}")
    capsys.readouterr()
    assert cli.main(["ingest", str(archive), "--data", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out.splitlines()
    month = nxt[0].name[:7]
    force = force_key(national.FORCES[int(a["force"][i])][0])  # as the ingest names a force: its `Falls within`
    assert said[0].startswith(f"added    {month} {force}: ")
    assert said[1] == (
        "kept     42 force-months of 42 forces with no row inside the area or its comparators, so nothing was "
        "written: "
        + ", ".join(sorted(force_key(f[0]) for f in national.FORCES if force_key(f[0]) != force)[:5])
        + ", ..."
    )
    assert sum(line.startswith("added") for line in said) == 1 and len(said) == 3
    s = Store(out, cache=tmp_path / "cache")
    t = queries.run_true(s, "comparator_trend", indicator="burglary", group="force")
    lookup = pd.read_csv(nat["lookup"], dtype=str)
    rows = pd.concat(pd.read_csv(p, dtype=str) for p in nxt).merge(lookup, left_on="LSOA code", right_on="LSOA21CD")
    want = rows[rows["Crime type"] == "Burglary"].groupby("LAD24CD").size()
    got = t[t.month == month]
    assert len(got) == len(set(a["code"][a["force"] == a["force"][i]]))
    assert {r.area_code: int(r.value) for r in got.itertuples()} == {c: int(want.get(c, 0)) for c in got.area_code}
    s.close()


def test_the_real_stockport_lookups_place_every_lsoa_as_the_demo_does_so_every_count_agrees(tmp_path, capsys):
    if not (REAL / "stockport_lsoa21_to_ward22_bestfit.csv").exists():
        pytest.skip("../shared/data/real is not here")
    police = tmp_path / "police"
    shutil.copytree(DEMO / "police_uk", police)
    # The real 2017 ward boundaries, with ONS's property names (as the Open Geography Portal publishes them).
    geo = json.loads((REAL / "stockport_wards_2017_generalised.geojson").read_text(encoding="utf-8"))
    for f in geo["features"]:
        p = f["properties"]
        f["properties"] = {"FID": 1, "WD17CD": p["area_code"], "WD17NM": p["area_name"], "LONG": p["lon"]}
    geo["features"].append({"type": "Feature", "properties": {"WD17CD": "E05000800"}, "geometry": None})
    ons = tmp_path / "Wards_December_2017_Generalised_Clipped_Boundaries.geojson"
    ons.write_text(json.dumps(geo), encoding="utf-8")
    out = tmp_path / "stockport"
    args = ["init", "--authority", "stockport", "--police-uk", str(police), "--out", str(out), "--synthetic"]
    args += ["--boundaries", str(ons)]
    args += ["--lookup", str(REAL / "stockport_lsoa21_to_ward22_bestfit.csv")]
    args += ["--lookup", str(REAL / "stockport_lsoa11_to_ward17_bestfit.csv")]  # 2011 codes, no LSOA names
    args += [
        "--population",
        str(REAL / "stockport_ward_population.csv"),
        "--population",
        str(REAL / "gm_la_population.csv"),
    ]
    assert cli.main(args) == 0, capsys.readouterr()
    said = capsys.readouterr().out
    assert "Stockport (E08000007), 21 wards, 192 LSOAs, force Greater Manchester Police" in said
    # Every LSOA in the demo's ward (the demo's lookup was made from the same ONS best-fit lookups).
    demo = {r["lsoa_code"]: r["ward_code"] for r in _rows(DEMO / "lsoa_ward_lookup.csv")}
    assert {r["lsoa_code"]: r["ward_code"] for r in _rows(out / "lsoa_ward_lookup.csv")} == demo
    pops = {(r["area_code"], r["year"]): int(r["population"]) for r in _rows(out / "population.csv")}
    assert pops[("E08000007", "2021")] == 295243 and pops[("E05000779", "2020")] == 12807
    assert len(pops) == 22  # 21 wards in 2020, the borough in 2021; the other nine GM boroughs are not ours
    # Only Greater Manchester's files: the demo's Derbyshire and Cheshire files hold no Stockport row.
    assert {p.name[8:] for p in (out / "police_uk").iterdir()} == {"greater-manchester-street.csv.gz"}
    shapes = json.loads((out / "ward_boundaries.geojson").read_text(encoding="utf-8"))
    assert sorted(f["properties"]["area_code"] for f in shapes["features"]) == sorted(set(demo.values()))
    assert "Open Government Licence" in shapes["attribution"] and ons.name in shapes["attribution"]
    a, b = Store(DEMO, cache=tmp_path / "c1"), Store(out, cache=tmp_path / "c2")
    drawn = wards.areas(b, "burglary")
    assert drawn.data["map"] is not None and drawn.data["attribution"] == shapes["attribution"]
    for indicator, area in (("burglary", None), ("asb", "E05000784"), ("burglary", "E05000799")):
        want = queries.run_true(a, "monthly", indicator=indicator, area=area)
        got = queries.run_true(b, "monthly", indicator=indicator, area=area)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    a.close()
    b.close()


def test_a_missing_lookup_year_is_named_with_the_rows_it_would_leave_out(tmp_path, capsys):
    """The demo's newest files use two 2021 LSOA codes the 2011 lookup lacks (E01033947, E01033948: an LSOA
    split in 2021): given the 2011 lookup alone, init says how many rows of which file it would leave out."""
    if not (REAL / "stockport_lsoa11_to_ward17_bestfit.csv").exists():
        pytest.skip("../shared/data/real is not here")
    out = tmp_path / "stockport"
    args = ["init", "--authority", "E08000007", "--police-uk", str(DEMO / "police_uk"), "--out", str(out)]
    args += ["--lookup", str(REAL / "stockport_lsoa11_to_ward17_bestfit.csv"), "--synthetic"]
    args += ["--population", str(REAL / "gm_la_population.csv")]
    assert cli.main(args) == 0
    said = capsys.readouterr().out
    newest = DEMO / "police_uk" / "2026-09-greater-manchester-street.csv.gz"
    with gzip.open(newest, "rt", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["LSOA code"] in ("E01033947", "E01033948")]
    assert rows and all(r["LSOA name"].startswith("Stockport ") for r in rows)
    assert f"note: {newest}: {len(rows)} rows lie in 2 LSOAs named for Stockport whose codes no lookup given" in said
    assert "21 of 21 wards have no population" in said  # the LA estimates alone: no ward rates, and why
    s = Store(out, cache=tmp_path / "cache")
    assert wards.areas(s, "burglary").sentences[1] == (
        "Burglary: no ward has a rate to show: population.csv has no population for any ward."
    )
    s.close()


def test_bad_input_names_file_line_and_column_and_writes_nothing(nat, tmp_path, capsys):
    out = tmp_path / "la"
    code = str(nat["geo"]["authority"]["code"][0])
    # A lookup with a bad code on line 3.
    bad = tmp_path / "lookup.csv"
    lines = nat["lookup"].read_text().splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[-2], "E0680")
    bad.write_text("\n".join(lines) + "\n")
    rc = cli.main(
        [
            "init",
            "--authority",
            code,
            "--lookup",
            str(bad),
            "--police-uk",
            str(nat["root"] / "police_uk"),
            "--population",
            str(nat["pop"]),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and f"{bad}:3: LAD24CD: " in err and "nothing written" in err
    assert not out.exists()
    # An authority the lookup does not have, by name: the nearest names are offered.
    # It names the header's line and the column as the file names it (it said line 0 and "LAD code": an audit).
    lookup = str(nat["lookup"])
    with pytest.raises(InitError, match=rf"^{lookup}:1: LAD24CD: no local authority 'Hampshire district 99' in the"):
        make("Hampshire district 99", [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out)
    with pytest.raises(InitError, match=rf"^{lookup}:1: LAD24CD: no local authority 'E06899999' in the lookup"):
        make("E06899999", [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out)
    # A population that is not a number, on line 4.
    pop = tmp_path / "pop.csv"
    pop.write_text(f"area_code,year,population\n{code},2021,100\n{code},2022,101\n{code},2023,1e5\n")
    with pytest.raises(InitError) as e:
        make(code, [nat["lookup"]], nat["root"] / "police_uk", [pop], out)
    assert str(e.value).startswith(f"{pop}:4: population: '1e5' is not a whole number")
    # No population for the authority at all.
    pop.write_text("area_code,year,population\nE08000001,2021,100\n")
    with pytest.raises(InitError, match=r"no population for .* \(E06800001\)"):
        make(code, [nat["lookup"]], nat["root"] / "police_uk", [pop], out)
    # No street file (the archive's outcomes files only).
    outcomes = tmp_path / "outcomes"
    outcomes.mkdir()
    (outcomes / "2026-01-kent-outcomes.csv").write_text("Crime ID,Month\n")
    with pytest.raises(InitError, match="holds no police.uk street file"):
        make(code, [nat["lookup"]], outcomes, [nat["pop"]], out)
    # Boundaries in British National Grid (metres), not longitude and latitude.
    ward = str(nat["geo"]["ward"]["code"][0])
    bng = tmp_path / "wards.geojson"
    square = [[[380000, 390000], [381000, 390000], [381000, 391000], [380000, 390000]]]
    feature = {
        "type": "Feature",
        "properties": {"WD24CD": ward},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    bng.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(InitError, match=rf"{bng}:1: coordinates: {ward}'s point \(380000, 390000\) is not a longitude"):
        make(code, [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out, boundaries=bng)
    # Two groups, neither with the partnership's authority.
    groups = tmp_path / "g.csv"
    groups.write_text("group_id,group_name,area_code,area_name\na,A,E06800002,x\nb,B,E06800003,y\n")
    with pytest.raises(InitError, match="no group holds the partnership's authority E06800001"):
        make(code, [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out, groups=groups)
    # A group member the lookup does not have, on line 3.
    groups.write_text("group_id,group_name,area_code,area_name\na,A,E06800001,x\na,A,E06899999,y\n")
    with pytest.raises(InitError, match=rf"^{groups}:3: area_code: E06899999 is not in the lookup"):
        make(code, [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out, groups=groups)
    # A lookup without wards (LSOA to local authority only).
    no_wards = tmp_path / "lsoa_lad.csv"
    lk = pd.read_csv(nat["lookup"], dtype=str)[["LSOA21CD", "LSOA21NM", "LAD24CD", "LAD24NM"]]
    lk.to_csv(no_wards, index=False)
    with pytest.raises(InitError, match=rf"^{no_wards}:1: WD code: gives no ward for .* \({code}\)"):
        make(code, [no_wards], nat["root"] / "police_uk", [nat["pop"]], out)
    assert not out.exists() and not list(tmp_path.glob(".la.tmp-*"))


@pytest.mark.parametrize(
    "option, value, said",
    [
        ("--name", "Evil\u202eName", "--name:0: -: holds the control character U+202E"),
        ("--note", "Bad\x01note", "--note:0: -: holds the control character U+0001"),
        ("--name", "   ", "--name:0: -: is blank"),
    ],
    ids=["right-to-left override in the name", "a control character in the note", "a blank name"],
)
def test_a_bad_name_or_note_is_refused_before_anything_is_written(nat, tmp_path, capsys, option, value, said):
    """A control character in --name or --note was found only by the validation after all 19 files were written
    (naming partnership.csv, a file the user never wrote), and a name of three spaces passed (an outside audit)."""
    out = tmp_path / "la"
    assert _init(nat, out, str(nat["geo"]["authority"]["code"][0]), option, value) == 1
    err = capsys.readouterr().err
    assert err.startswith(said) and err.rstrip().endswith("init: nothing written"), err
    assert not out.exists() and not list(tmp_path.glob(".la.tmp-*"))


def test_an_existing_folder_with_files_is_never_touched(nat, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InitError, match="exists and is not empty"):
        make(str(nat["geo"]["authority"]["code"][0]), [nat["lookup"]], nat["root"] / "police_uk", [nat["pop"]], out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "keep me"


def test_nomis_downloads_give_the_total_of_all_ages_once(tmp_path):
    """NOMIS's layout: one row per sex, age and measure, and metropolitan districts listed twice."""
    nomis = tmp_path / "nomis.csv"
    head = "DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,GEOGRAPHY_TYPE,GENDER_NAME,C_AGE_NAME,MEASURES_NAME,OBS_VALUE\n"
    rows = [
        "2021,Stockport,E08000007,district,Total,All Ages,Value,295243",
        "2021,Stockport,E08000007,district,Male,All Ages,Value,144000",
        "2021,Stockport,E08000007,district,Total,Aged 0 to 4,Value,17000",
        "2021,Stockport,E08000007,district,Total,All Ages,Percent,100",
        "2021,Stockport,E08000007,county,Total,All Ages,Value,295243",
        "2020,Stockport,E08000007,district,Total,All Ages,Value,294197",
    ]
    nomis.write_text(head + "\n".join(rows) + "\n")
    got = read_populations([nomis])
    assert got == {
        ("E08000007", 2021): (295243, "ONS mid-year estimate (nomis.csv)"),
        ("E08000007", 2020): (294197, "ONS mid-year estimate (nomis.csv)"),
    }


def test_a_nomis_table_by_sex_gives_all_persons_and_two_populations_for_one_year_are_refused(tmp_path):
    """An outside audit's NOMIS download named its columns SEX_NAME and AGE_NAME: `init` kept the first row of each
    area and year (men, 28,388 of 56,776) and every rate doubled, without a word. Those columns are read now (all
    persons of all ages kept); and a table whose rows still give two populations for one area and year is refused
    at the second, naming the first."""
    nomis = tmp_path / "nm31.csv"
    nomis.write_text(
        "DATE,GEOGRAPHY_CODE,SEX_NAME,AGE_NAME,MEASURES_NAME,OBS_VALUE\n"
        "2024,E07000177,Male,All Ages,Value,28388\n"
        "2024,E07000177,Female,All Ages,Value,28388\n"
        "2024,E07000177,All persons,All Ages,Value,56776\n"
    )
    assert read_populations([nomis]) == {("E07000177", 2024): (56776, "ONS mid-year estimate (nm31.csv)")}
    plain = tmp_path / "pop.csv"
    plain.write_text("area_code,year,population\nE07000177,2024,56776\nE07000177,2024,56776\nE07000177,2024,99999\n")
    with pytest.raises(InitError) as err:
        read_populations([plain])
    assert str(err.value) == (
        f"{plain}:4: population: E07000177 in 2024 has 99,999 here and 56,776 on line 2: one population an area and "
        "year (a table by sex or age? give the total for all persons of all ages only)"
    )
    by_sex = tmp_path / "by_sex.csv"  # a split this reader does not know: refused, not halved
    by_sex.write_text("area_code,year,sex,population\nE07000177,2024,m,28388\nE07000177,2024,f,28390\n")
    with pytest.raises(InitError, match="by_sex.csv:3: population: E07000177 in 2024 has 28,390 here"):
        read_populations([by_sex])


LOOKUP_HEAD = "LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM\n"


def test_a_lookup_init_cannot_write_as_a_valid_directory_is_refused_at_its_own_line(tmp_path):
    """An outside audit gave `init` lookups that `validate` then refused in the directory `init` wrote (the error
    naming area_lookup.csv, not the download, and the folder left behind): an LSOA in two wards, a code with two
    names. Each is refused at the lookup's own line, before anything is written."""
    two_wards = tmp_path / "two_wards.csv"
    two_wards.write_text(
        LOOKUP_HEAD + "E01000001,A 001A,E05000001,North,E07000177,Cherwell\n"
        "E01000001,A 001A,E05000002,South,E07000177,Cherwell\n"
    )
    with pytest.raises(InitError) as err:
        read_lookups([two_wards])
    assert str(err.value) == (
        f"{two_wards}:3: lsoa_code: E01000001 is in ward E05000002 here and in E05000001 on line 2: an LSOA lies in "
        "one ward"
    )
    names = tmp_path / "names.csv"
    names.write_text(
        LOOKUP_HEAD + "E01000001,A 001A,E05000001,North,E07000177,Cherwell\n"
        "E01000002,A 001B,E05000001,North,E07000177,Cherwel\n"
    )
    with pytest.raises(InitError, match=r"names.csv:3: lad_name: authority E07000177 is named 'Cherwel' here and "
                                        r"'Cherwell' on line 2: one name a code"):  # fmt: skip
        read_lookups([names])
    # two lookups (two years) spelling a name two ways: the first's is kept, so the directory validates
    later = tmp_path / "later.csv"
    later.write_text(LOOKUP_HEAD + "E01000002,A 001B,E05000001,North ward,E07000177,Cherwell District\n")
    first = tmp_path / "first.csv"
    first.write_text(LOOKUP_HEAD + "E01000001,A 001A,E05000001,North,E07000177,Cherwell\n")
    merged = read_lookups([first, later])
    assert {(r["ward_name"], r["lad_name"]) for r in merged.rows.values()} == {("North", "Cherwell")}
    # one name, two codes: the codes are named, not "did you mean Cherwell?"
    both = tmp_path / "both.csv"
    both.write_text(
        LOOKUP_HEAD + "E01000001,A,E05000001,N,E07000177,Cherwell\nE01000009,B,E05000009,S,E07000999,Cherwell\n"
    )
    with pytest.raises(InitError, match=r"'Cherwell' names 2 authorities \(E07000177, E07000999\): give the code"):
        find_authority(read_lookups([both]), "Cherwell", str(both))


def test_a_group_file_with_a_member_twice_or_two_names_is_refused_at_its_own_line(tmp_path):
    """`init` wrote such a file and `validate` refused the copy (and counted the duplicate member in its note)."""
    from safer.partnership_dir import read_groups

    lookup = tmp_path / "l.csv"
    lookup.write_text(
        LOOKUP_HEAD + "E01000001,A,E05000001,N,E07000177,Cherwell\nE01000009,B,E05000009,S,E07000178,Oxford\n"
    )
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "group_id,group_name,area_code,area_name\nmsg,Most similar,E07000177,Cherwell\n"
        "msg,Most similar,E07000178,Oxford\nmsg,Most similar,E07000178,Oxford\nmsg,Other name,E07000177,Cherwell\n"
    )
    with pytest.raises(InitError) as err:
        read_groups(groups, "E07000177", read_lookups([lookup]))
    assert str(err.value).splitlines() == [
        f"{groups}:4: group_id,area_code: duplicate of line 3",
        f"{groups}:5: group_id,area_code: duplicate of line 2",
        f"{groups}:5: group_name: group msg is named 'Other name' here and 'Most similar' on line 2",
    ]


def test_starter_cycles_are_april_to_march_thirds_covering_the_months():
    assert starter_cycles("2015-04", "2021-03") == [
        ["2015-18", "April 2015 to March 2018 (starter: replace with the plan)", "2015-04", "2018-03", "", ""],
        ["2018-21", "April 2018 to March 2021 (starter: replace with the plan)", "2018-04", "2021-03", "", ""],
    ]
    assert [c[0] for c in starter_cycles("2016-02", "2026-09")] == ["2015-18", "2018-21", "2021-24", "2024-27"]


def test_targets_and_events_may_hold_only_their_header_but_priorities_may_not(tmp_path):
    d = shutil.copytree(DEMO, tmp_path / "d", ignore=shutil.ignore_patterns("police_uk"))
    for name in ("targets.csv", "events.csv"):
        (d / name).write_text((DEMO / name).read_text().splitlines()[0] + "\n")
    assert validate(d).ok, [str(p) for p in validate(d).errors]
    (d / "priority_indicators.csv").write_text((DEMO / "priority_indicators.csv").read_text().splitlines()[0] + "\n")
    assert [str(p) for p in validate(d).errors] == ["priority_indicators.csv:2: -: no data rows after the header"]


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ("[" * 5000, "1: -", "is not GeoJSON: it is nested too deeply to be read (a thousand or more levels)"),
        ('{"type":"FeatureCollection","features":[', "1: column 41", "is not GeoJSON: Expecting value"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        7,
                        {
                            "properties": {"WD24CD": "E05000001"},
                            "geometry": {"type": "Polygon", "coordinates": [[[-2.1, 53.4], ["x", 53.4]] * 2]},
                        },
                    ],
                }
            ),
            "1: features[1].geometry.coordinates[0][1]",
            "E05000001: a longitude is the text 'x', not a number",
        ),
    ],
)
def test_init_boundaries_that_cannot_be_read_are_a_message_naming_the_file(tmp_path, text, where, why):
    """`init --boundaries` caught OSError, UnicodeDecodeError and ValueError only: 5,000 nested `[` was a
    RecursionError traceback."""
    from safer.partnership_dir import read_boundaries

    path = tmp_path / "wards.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InitError) as exc:
        read_boundaries(path, {"E05000001": "North"})
    assert [str(p) for p in exc.value.problems] == [f"{path}:{where}: {why}"]


def test_a_population_written_with_a_thousands_comma_is_refused_at_its_line(tmp_path):
    """`E05000001,2023,6,820` (the comma unquoted) was read as 6 residents, silently: every rate of that ward grew
    by a thousand times. A row with more fields than its header is refused, naming the line."""
    from safer.partnership_dir import InitError, read_populations

    pop = tmp_path / "pop.csv"
    pop.write_text("area_code,year,population\nE05000001,2022,6810\nE05000001,2023,6,820\n", encoding="utf-8")
    with pytest.raises(InitError) as e:
        read_populations([pop])
    assert str(e.value).startswith(f"{pop}:3: -: row has 4 fields, the header has 3 (a number written 6,820")


def test_an_authority_named_by_the_start_of_its_name_is_offered(tmp_path):
    """ "Folkestone" for "Folkestone and Hythe": no close match by difflib, so no suggestion at all was made."""
    from safer.partnership_dir import InitError, Lookup, find_authority

    lk = Lookup(rows={
        "E01024000": {"lad_code": "E07000112", "lad_name": "Folkestone and Hythe"},
        "E01024001": {"lad_code": "E07000110", "lad_name": "Maidstone"},
    })  # fmt: skip
    with pytest.raises(
        InitError, match=r"no local authority 'Folkestone' in the lookup; did you mean Folkestone and Hythe\?"
    ):
        find_authority(lk, "Folkestone", "lookup.csv")
    assert find_authority(lk, "folkestone and hythe", "lookup.csv") == ("E07000112", "Folkestone and Hythe")
