"""Validation: every kind of broken extract gives FILE:LINE: COLUMN: message, and good ones pass."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from helpers import FILES, POLICE_ROWS, PROJECT

from safer import contract, contract_doc
from safer.cli import main


def problems(d, severity="error"):
    return [str(p) for p in contract.validate(d).problems if p.severity == severity]


def test_fixture_is_valid(data_dir):
    rep = contract.validate(data_dir)
    assert rep.problems == []
    assert rep.ok
    assert rep.files_checked == 11 + len(POLICE_ROWS)


def test_missing_column(data_dir):
    (data_dir / "areas.csv").write_text("area_code,area_name,area_type\nE08000099,Testborough,borough\n")
    assert problems(data_dir)[0] == "areas.csv:1: parent_code: column is missing from the header"


def test_extra_column(data_dir):
    text = FILES["population.csv"].replace("source\n", "source,notes\n", 1)
    text = text.replace(",test\n", ",test,x\n")
    (data_dir / "population.csv").write_text(text)
    assert problems(data_dir) == [
        "population.csv:1: notes: column is not in the contract (area_code, year, population, source, population_group)"
    ]


def test_wrong_type_names_line_and_column(data_dir):
    text = FILES["partner_monthly.csv"].replace("cse,2020-02,E05000001,4", "cse,2020-02,E05000001,four")
    (data_dir / "partner_monthly.csv").write_text(text)
    assert problems(data_dir) == [f"partner_monthly.csv:4: value: {contract.SMALL_COUNT_SHOWN} is not a whole number"]


def test_decimal_comma_is_named(data_dir):
    text = FILES["targets.csv"].replace(",5,", ',"5,5",')
    (data_dir / "targets.csv").write_text(text)
    assert problems(data_dir) == ["targets.csv:2: baseline_monthly_mean: '5,5' is not a number (decimal comma?)"]


def test_impossible_month(data_dir):
    text = FILES["partner_monthly.csv"].replace("cse,2020-04,", "cse,2023-13,")
    (data_dir / "partner_monthly.csv").write_text(text)
    assert problems(data_dir) == ["partner_monthly.csv:5: month: '2023-13' is not a month (YYYY-MM, month 01-12)"]


def test_impossible_month_in_police_file(data_dir):
    p = data_dir / "police_uk" / "2020-02-test-street.csv"
    lines = p.read_text().splitlines()
    lines[3] = lines[3].replace("2020-02", "2023-13", 1)
    p.write_text("\n".join(lines) + "\n")
    assert problems(data_dir) == [
        "police_uk/2020-02-test-street.csv:4: Month: '2023-13' is not a month (YYYY-MM, month 01-12)"
    ]


def test_header_only_file(data_dir):
    """A file that must hold rows (plans, here) and holds only its header is an error; targets and events may
    (a partnership may have none yet): `test_init.py`."""
    (data_dir / "plan_cycles.csv").write_text("cycle_id,title,start_month,end_month,approved_on,decision_ref\n")
    assert problems(data_dir)[0] == "plan_cycles.csv:2: -: no data rows after the header"
    (data_dir / "events.csv").write_text("event_date,title,category,indicator_id,description\n")
    assert "events.csv:2: -: no data rows after the header" not in problems(data_dir)


def test_zero_byte_file(data_dir):
    (data_dir / "police_uk" / "2020-05-test-street.csv").write_bytes(b"")
    out = problems(data_dir)
    assert len(out) == 1
    assert out[0].startswith("police_uk/2020-05-test-street.csv:1: -: file is empty (0 bytes)")


def test_row_with_too_few_fields(data_dir):
    text = FILES["areas.csv"].replace("E05000002,South,ward,E08000099", "E05000002,South,ward")
    (data_dir / "areas.csv").write_text(text)
    out = problems(data_dir)
    assert out[0] == "areas.csv:4: -: row has 3 fields, the header has 4"


def test_trailing_empty_rows_from_a_spreadsheet_are_skipped_with_a_warning(data_dir):
    (data_dir / "areas.csv").write_text(FILES["areas.csv"] + ",,,\n,,,\n")
    rep = contract.validate(data_dir)
    assert rep.ok
    assert [str(p) for p in rep.warnings] == ["areas.csv:5: -: warning: 2 trailing all-empty rows (lines 5-6) skipped"]
    assert len(rep.tables["areas.csv"].rows) == 3


def test_bom_and_crlf_are_read_correctly(data_dir, tmp_path):
    from safer.store import Store

    text = FILES["partner_monthly.csv"].replace("\n", "\r\n")
    (data_dir / "partner_monthly.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    rep = contract.validate(data_dir)
    assert rep.problems == []
    assert rep.tables["partner_monthly.csv"].header[0] == "indicator_id"
    store = Store(data_dir)
    rows = store.rows(
        "SELECT indicator_id, strftime(month, '%Y-%m'), area_code, value FROM partner_monthly ORDER BY rowid"
    )[1]
    assert rows[0] == ("cse", "2020-01", "E05000001", 2)
    assert rows[-1] == ("slavery", "2020-02", "E08000099", 2)
    store.close()


def test_gzipped_police_file_is_read(data_dir):
    p = data_dir / "police_uk" / "2020-04-test-street.csv"
    gz = p.with_name(p.name + ".gz")
    gz.write_bytes(gzip.compress(p.read_bytes()))
    p.unlink()
    assert contract.validate(data_dir).problems == []


def test_duplicate_key_names_both_lines(data_dir):
    (data_dir / "areas.csv").write_text(FILES["areas.csv"] + "E05000001,North again,ward,E08000099\n")
    assert problems(data_dir) == ["areas.csv:5: area_code: duplicate of line 3 (E05000001)"]


@pytest.mark.parametrize("collide", [False, True], ids=["hashes", "every-hash-equal"])
def test_every_repeated_key_names_the_first_line_even_when_hashes_collide(data_dir, monkeypatch, collide):
    """Keys are found by their hashes; rows behind equal hashes are compared, so a collision never makes a
    false duplicate and never hides a true one."""
    if collide:
        monkeypatch.setattr(contract, "hash", lambda k: 7, raising=False)
    extra = "cse,2020-01,E05000001,9\ncse,2020-01,E05000002,4\ncse,2020-01,E05000001,3\n"
    (data_dir / "partner_monthly.csv").write_text(FILES["partner_monthly.csv"] + extra)  # lines 8, 9, 10
    key = "indicator_id,month,area_code"
    want = [
        f"partner_monthly.csv:8: {key}: duplicate of line 2 (cse, 2020-01, E05000001)",
        f"partner_monthly.csv:9: {key}: duplicate of line 3 (cse, 2020-01, E05000002)",
        f"partner_monthly.csv:10: {key}: duplicate of line 2 (cse, 2020-01, E05000001)",
    ]
    assert [p for p in problems(data_dir) if "duplicate" in p] == want


def test_broken_reference(data_dir):
    text = FILES["partner_monthly.csv"] + "cse,2020-05,E05999999,1\n"
    (data_dir / "partner_monthly.csv").write_text(text)
    assert problems(data_dir) == [
        "partner_monthly.csv:8: area_code: 'E05999999' is not a ward in areas.csv (indicator cse is recorded by ward)"
    ]


def test_an_event_source_must_be_its_indicators_own(data_dir):
    (data_dir / "events.csv").write_text(
        "event_date,title,category,indicator_id,source,description\n"
        "2020-02-15,Campaign,service,cse,police_uk,\n"
        "2020-02-16,Ok,service,cse,partner,\n"
        "2020-03-23,Gap,recording,,police_uk,\n"
        "2020-03-24,Bad,recording,,police,\n"
    )
    assert problems(data_dir) == [
        "events.csv:2: source: 'cse' comes from partner, not police_uk: leave source blank or match it",
        "events.csv:5: source: 'police' is not one of police_uk, partner",
    ]


def test_same_police_month_in_two_files_would_double_count(data_dir):
    src = data_dir / "police_uk" / "2020-04-test-street.csv"
    (data_dir / "police_uk" / "again").mkdir()
    (data_dir / "police_uk" / "again" / "2020-04-test-street.csv").write_text(src.read_text())
    out = problems(data_dir)
    assert len(out) == 1
    assert "2020-04 for Test Police is also in" in out[0]


def test_police_header_must_be_the_published_one(data_dir):
    p = data_dir / "police_uk" / "2020-06-test-street.csv"
    p.write_text(p.read_text().replace("Crime type", "Crime category", 1))
    out = problems(data_dir)
    assert "police_uk/2020-06-test-street.csv:1: Crime type: column is missing from the header" in out
    assert any(
        o.startswith("police_uk/2020-06-test-street.csv:1: Crime category: column is not in the contract") for o in out
    )
    assert len(out) == 2


def test_not_utf8_names_the_line_the_column_and_the_character(data_dir):
    """A Latin-1 'é' was named by its byte offset in the whole file (1566: of no use in a large extract) and no
    column (an outside audit): now its column, from the header, and its character in the line."""
    good = FILES["areas.csv"].encode()
    (data_dir / "areas.csv").write_bytes(good + "E05000003,Caf\xe9,ward,E08000099\n".encode("latin-1"))
    assert problems(data_dir) == [
        "areas.csv:5: area_name: is not UTF-8 text: character 14 of the line is the byte 0xe9 (text saved as "
        "Latin-1 or Windows-1252?); save the file as UTF-8 (a spreadsheet's 'CSV UTF-8')"
    ]
    # after a quoted value holding a comma (and a UTF-8 'é' before it), the field is still counted right
    (data_dir / "areas.csv").write_bytes(good + '"E05000003","Café, Tea",'.encode() + b"w\xe9rd,E08000099\n")
    (out,) = problems(data_dir)
    assert out.startswith("areas.csv:5: area_type: is not UTF-8 text: character 26 of the line is the byte 0xe9")
    (data_dir / "areas.csv").write_bytes("area_code,area_n\xe9me\n".encode("latin-1"))  # in the header: no column
    assert problems(data_dir)[0].startswith("areas.csv:1: -: is not UTF-8 text: character 17 of the line")


def test_cli_validate_prints_file_line_and_exit_code(data_dir, capsys):
    assert main(["validate", "--data", str(data_dir)]) == 0
    assert "0 errors" in capsys.readouterr().out
    (data_dir / "plan_cycles.csv").write_text(FILES["plan_cycles.csv"].replace("2020-12", "2020-13"))
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "plan_cycles.csv:4: end_month: '2020-13' is not a month (YYYY-MM, month 01-12)"
    assert out[-1].endswith(": 1 error, 0 warnings; data is NOT valid")


def test_validation_leaves_the_directory_untouched(data_dir):
    import hashlib

    def tree():
        return {
            p.relative_to(data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*"))
            if p.is_file()
        }

    (data_dir / "areas.csv").write_text("area_code,area_name\n")
    before = tree()
    assert main(["validate", "--data", str(data_dir)]) == 1
    assert tree() == before


def test_data_readme_is_exactly_what_the_contract_generates(capsys):
    """`data/README.md` is the contract for people: generated from `contract.SPECS`, never edited by hand."""
    text = (PROJECT / "data" / "README.md").read_text(encoding="utf-8")
    assert text == contract_doc.markdown(), "data/README.md differs: run python -m safer contract-doc > data/README.md"
    assert main(["contract-doc"]) == 0
    assert capsys.readouterr().out == text
    for name, spec in contract.SPECS.items():  # and it documents every column with its rule
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for c in spec.columns:
            assert f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} |" in section, (name, c.name)


def test_a_file_lists_at_most_100_problems_and_counts_the_rest(data_dir):
    """A file with a bad value on every one of 250 rows: the first 100 are listed with their lines, the other 150
    in one last line (an error), so a million bad rows do not make a million messages."""
    rows = "".join(f"cse,2019-{1 + i % 12:02d},E05000001,x{i}\n" for i in range(250))
    (data_dir / "partner_monthly.csv").write_text("indicator_id,month,area_code,value\n" + rows)
    found = [p for p in contract.validate(data_dir).problems if p.file == "partner_monthly.csv"]
    assert len(found) == 101
    assert [p.line for p in found[:100]] == list(range(2, 102))
    assert str(found[100]) == (
        "partner_monthly.csv:102: -: and 150 more problems from this line on, not listed (only the first 100 of a "
        "file are): fix these and validate again"
    )
    assert found[100].severity == "error"


def test_indicator_ids_that_differ_only_by_dash_and_underscore_are_refused(data_dir):
    """`missing-episodes` and `missing_episodes` would write one set of files in the SIA pack (the second over
    the first): the second is an error naming the first."""
    extra = "asb-x,One,incidents,down,0,ward,,P,\nasb_x,Two,incidents,down,0,ward,,P,\n"
    (data_dir / "indicators.csv").write_text(FILES["indicators.csv"] + extra)
    assert problems(data_dir) == [
        "indicators.csv:7: indicator_id: 'asb_x' differs from 'asb-x' (line 6) only by - and _: name it differently"
    ]


def test_an_id_longer_than_64_characters_is_refused_where_it_stands(data_dir):
    """An id names the SIA pack's folders and files and the downloads: a 250-character plan cycle id overran the
    file system's 255-byte names (the pack's download failed) and two 80-character indicator ids wrote one file."""
    long_id = "c" * 65
    text = FILES["plan_cycles.csv"] + f"{long_id},Plan four,2021-01,2021-06,,\n"
    (data_dir / "plan_cycles.csv").write_text(text)
    assert problems(data_dir) == [
        f"plan_cycles.csv:5: cycle_id: '{long_id}' is 65 characters long: an id is at most 64"
    ]
    (data_dir / "plan_cycles.csv").write_text(FILES["plan_cycles.csv"] + f"{'c' * 64},Plan four,2021-01,2021-06,,\n")
    assert problems(data_dir) == []  # 64 is allowed


def test_two_wards_with_one_name_are_refused(data_dir):
    """Pickers, the ward ranking chart (one row a name: 21 wards named alike were drawn on one row) and every
    sentence name a ward by its name, so two wards may not share one (spaces and case aside)."""
    (data_dir / "areas.csv").write_text(FILES["areas.csv"] + "E05000003,  north ,ward,E08000099\n")
    assert problems(data_dir) == [
        "areas.csv:5: area_name: '  north ' is the name of the ward on line 3 too: each area needs a name of its "
        "own (pages, charts and sentences name areas by name)"
    ]


def test_months_with_no_row_among_few_a_month_are_named_as_maybe_dropped_zeros(data_dir):
    """Modern slavery at 1 to 3 a month for two years, with no row for three months: missing, never 0, which is
    right only if the extract did not cover them. A GROUP BY export writes no row for a month with none, so
    validation says so, at the line of the first row after the first; a row with 0 for those months, or counts
    that are not few, say nothing."""
    from safer import fmt

    pm = data_dir / "partner_monthly.csv"
    head = pm.read_text(encoding="utf-8").replace("slavery,2020-01,E08000099,1\nslavery,2020-02,E08000099,2\n", "")
    months = [m for m in fmt.months_between("2018-01", "2019-12") if m not in ("2018-05", "2019-02", "2019-03")]

    def write(value, extra=""):
        pm.write_text(head + "".join(f"slavery,{m},E08000099,{value(k)}\n" for k, m in enumerate(months)) + extra)

    write(lambda k: 1 + k % 3)
    first_after = head.count("\n") + 1 + months.index("2018-06")
    assert problems(data_dir, "warning") == [
        f"partner_monthly.csv:{first_after}: month: warning: slavery has no row for 2018-05, 2019-02, 2019-03, "
        "2020-01, 2020-02, 2020-03 and 1 more (7 months from its first month, 2018-01, to the file's last, 2020-04), "
        "and 5 or fewer in a typical month: a month with no row is missing, never 0. If nothing was recorded that "
        "month, write a row with value 0 (left out, zeros make every mean higher); if the extract did not cover it, "
        "nothing to do"
    ]  # its last months too (2020-01 to 2020-04, the file's CSE runs on): zeros left off the end read as a fall
    write(lambda k: 30 + k % 3)
    assert problems(data_dir, "warning") == []  # 30 a month: a month without a row is not a likely zero
    zeros = ("2018-05", "2019-02", "2019-03", "2020-01", "2020-02", "2020-03", "2020-04")
    write(lambda k: 1 + k % 3, "".join(f"slavery,{m},E08000099,0\n" for m in zeros))
    assert problems(data_dir, "warning") == []


def test_rows_every_third_month_are_named_as_maybe_quarterly_totals(data_dir):
    """An extract that changed to quarterly totals, each written as its quarter's last month: 30-34 a month for a
    year, then 88-94 every third month with no month between. Each reads as one month three times too high, so
    validation says so at the line of the first quarter's row (an outside audit: the Plan cycles bar tripled and
    nothing said why). Four such rows in a row are needed; three, or the same months at 31-37 with the
    months between present, say nothing."""
    from safer import fmt

    pm = data_dir / "partner_monthly.csv"
    head = pm.read_text(encoding="utf-8").replace("slavery,2020-01,E08000099,1\nslavery,2020-02,E08000099,2\n", "")
    quarters = ["2019-03", "2019-06", "2019-09", "2019-12"]

    def write(quarters, value=88, between=()):
        rows = [(m, 30 + k % 5) for k, m in enumerate(fmt.months_between("2018-01", "2018-12"))]
        rows += [(m, value + 2 * k) for k, m in enumerate(quarters)] + [(m, 30 + k % 5) for k, m in enumerate(between)]
        pm.write_text(head + "".join(f"slavery,{m},E08000099,{v}\n" for m, v in rows))

    write(quarters)
    line = head.count("\n") + 1 + 12
    assert problems(data_dir, "warning") == [
        f"partner_monthly.csv:{line}: month: warning: slavery has counts only every third month from 2019-03 to "
        "2019-12 (2019-03, 2019-06, 2019-09, 2019-12; 91 on average against 32 in the 12 months with counts "
        "before), none in the months between: if these are quarterly totals, each is read as one month's, about "
        "three times too high, and the months between as missing or none. The contract's rows are months: write "
        "the quarter's months, or leave the quarters out"
    ]
    quiet = problems(data_dir, "warning")
    # the months between written as 0 (a month grid's export): the same warning, at the same line
    zeros = [m for m in fmt.months_between("2019-01", "2019-12") if m not in quarters]
    pm.write_text(pm.read_text(encoding="utf-8") + "".join(f"slavery,{m},E08000099,0\n" for m in zeros))
    assert problems(data_dir, "warning") == quiet
    write(quarters[:3])
    assert problems(data_dir, "warning") == []
    # 3-5 a month, then quarters of 12-18 with no row between: the quarterly warning alone, not also the
    # dropped zeros' "write a row with value 0", which would hide the quarters (an outside review)
    few = [(m, 3 + k % 3) for k, m in enumerate(fmt.months_between("2017-01", "2018-12"))]
    few += [(m, 12 + 2 * k) for k, m in enumerate(quarters)]
    pm.write_text(head + "".join(f"slavery,{m},E08000099,{v}\n" for m, v in few))
    (warned,) = problems(data_dir, "warning")
    assert "slavery has counts only every third month from 2019-03 to 2019-12" in warned
    write(quarters, 31, [m for m in fmt.months_between("2019-01", "2019-12") if m not in quarters])
    assert problems(data_dir, "warning") == []


def test_the_rule_for_small_counts_left_out():
    """The lowest count, 2 or more, held by no fewer rows than the one above it and by too many rows to have none
    below by chance (binomial bound under 0.001): an export that left small counts out. Zeros neither show
    nor rule it out."""
    rule = contract.small_counts_left_out
    assert rule({5: 12, 6: 9, 7: 4}) == 5  # (6/11)**12 = 0.0007
    assert rule({0: 40, 3: 14, 4: 10, 9: 1}) == 3  # (4/7)**14 = 0.0004
    assert rule({3: 10, 4: 10}) is None  # (4/7)**10 = 0.004: ten rows could be there by chance
    assert rule({1: 1, 5: 12, 6: 9}) is None  # a 1: small counts are there
    assert rule({5: 12, 6: 13, 7: 20}) is None  # rising from the lowest: its tail, not a cut
    assert rule({5: 9, 6: 3}) is None  # too few rows to tell
    assert rule({1: 30, 2: 12}) is None and rule({}) is None and rule({0: 12}) is None


def test_small_counts_left_out_are_rarely_seen_where_there_are_none_and_found_where_there_are():
    """Simulated extracts, Poisson and over-dispersed (negative binomial, shape 2), zeros left out as the
    contract allows. With every count kept the rule fires in under 0.1% of extracts: a ward indicator's 720
    rows (20 wards, 36 months) at means 0.3 to 40, and a borough indicator's 40 to 60 months at 3.5 to 6 a month
    (an outside statistician's case: the first rule, 10 rows at the lowest, fired in 1 of 200 there). With
    counts 1 to 4 left out (an export suppressing below 5) at means 2 to 4, where they are over half the rows,
    it fires in 90% or more of the 720-row extracts (below, too few rows of 5 or more to tell)."""
    rng = np.random.default_rng(20261206)
    rule = contract.small_counts_left_out

    def sizes(values):
        v, n = np.unique(values[values > 0], return_counts=True)
        return dict(zip(v.tolist(), n.tolist()))

    def draws(mean, n):
        return (rng.poisson(mean, n), rng.negative_binomial(2, 2 / (2 + mean), n))

    wards = [rule(sizes(d)) is not None for m in (0.3, 0.7, 1, 1.5, 2, 3, 4, 6, 8, 12, 20, 40) for _ in range(40)
             for d in draws(m, 720)]  # fmt: skip
    borough = [rule(sizes(d)) is not None for m, n in ((3.5, 40), (4, 45), (4, 48), (5, 60), (6, 60))
               for _ in range(1000) for d in draws(m, n)]  # fmt: skip
    assert sum(wards) / len(wards) < 0.001 and sum(borough) / len(borough) < 0.001
    found = [rule(sizes(np.where(d >= 5, d, 0))) == 5 for m in (2, 3, 4) for _ in range(40) for d in draws(m, 720)]
    assert sum(found) / len(found) >= 0.9


VALUES_FROM_5 = [6, 5, 5, 7, 5, 6, 5, 9, 5, 5, 6, 5, 5, 8, 5, 5, 6, 5, 11, 5, 7, 6, 5, 6]


def _cse_with_small_counts_left_out(data_dir):
    """The fixture's CSE rows replaced by two wards' 2019 counts with none below 5 (as an export that left out
    counts 1 to 4 writes): (file, its other rows, the counts, the CSE rows)."""
    from safer import fmt

    pm = data_dir / "partner_monthly.csv"
    head = "".join(line + "\n" for line in FILES["partner_monthly.csv"].splitlines() if not line.startswith("cse,"))
    months = sorted(fmt.months_between("2019-01", "2019-12") * 2)
    rows = [f"cse,{m},E0500000{1 + k % 2},{v}\n" for k, (m, v) in enumerate(zip(months, VALUES_FROM_5))]
    pm.write_text(head + "".join(rows))
    return pm, head, VALUES_FROM_5, rows


def test_a_partner_extract_with_small_counts_left_out_is_named_at_its_line(data_dir):
    """CSE by ward with no count from 1 to 4 but thirteen 5s: a ward with no row reads as 0, so the warning says
    what that does, at the line of the first 5; a ward-month holding a 2 (small counts kept) says nothing."""
    pm, head, values, rows = _cse_with_small_counts_left_out(data_dir)
    first_five = head.count("\n") + 1 + values.index(5)
    assert values.count(5) == 13 and values.count(6) == 6
    assert problems(data_dir, "warning") == [
        f"partner_monthly.csv:{first_five}: value: warning: cse has no count from 1 to 4 in 24 rows, yet 13 of 5 "
        "and 6 of 6: the mark of an export that left small counts out (or wrote 5 for them). Left out, a ward with "
        "no row in a month reads as 0, so a ward shown with none may have had 1 to 4, and every ward's figure and "
        "the whole area's are too low: write every true count, small ones too (the dashboard withholds small "
        "numbers where it shows them, by the indicator's suppress_below)"
    ]
    pm.write_text(head + "".join(rows) + "cse,2020-01,E05000001,2\n")
    assert problems(data_dir, "warning") == []


def test_the_screens_say_small_counts_look_left_out(data_dir):
    """The Areas and Trends views of such an indicator say what the warning says (a ward with none may have had
    1 to 4); with a count of 1 among them, or for a police.uk indicator, neither says it."""
    from safer import queries
    from safer.store import Store
    from safer.views import trends, wards

    pm, head, _values, rows = _cse_with_small_counts_left_out(data_dir)
    said = (
        "Child sexual exploitation reports: the partner's extract has no count from 1 to 4 in any ward, yet many of "
        "5: small counts look left out of it. If so, a ward with no row in a month reads as 0, so a ward shown with "
        "none may have had 1 to 4, and every ward's figure and the whole area's are too low (the Data page names "
        "the file's line)."
    )
    s = Store(data_dir)
    try:
        # the build keeps validation's finding, the lowest count only: how many rows hold each count is not kept
        # (an audit: rows at 5 and at 6 split the ward-months published as 5 into true 5s, 6s and 7s)
        assert queries.run(s, "small_counts_left_out", indicator="cse").to_dict("list") == {"lowest": [5]}
        assert queries.run(s, "small_counts_left_out", indicator="asb").empty
        assert said in wards.areas(s, "cse").notes
        assert said in trends.trend(s, "cse").notes
        assert not any("left out of it" in n for n in wards.areas(s, "asb").notes + trends.trend(s, "asb").notes)
    finally:
        s.close()
    pm.write_text(head + "".join(rows) + "cse,2020-01,E05000001,1\n")
    s = Store(data_dir)
    try:
        assert not any("left out of it" in n for n in wards.areas(s, "cse").notes + trends.trend(s, "cse").notes)
        assert queries.run(s, "small_counts_left_out", indicator="cse").empty
    finally:
        s.close()


def test_a_target_on_the_wrong_side_of_its_baseline_is_refused_at_its_line(data_dir):
    """Anti-social behaviour (better down) with a target of 600 against a baseline of 474.8 passed validation and
    the Priorities page read it "off track", -45% of the way, while the months since were below both (an outside
    audit). Refused at the target's line; a target equal to its baseline (hold the level) and one of an indicator
    better up above its baseline pass."""
    t = data_dir / "targets.csv"
    t.write_text(FILES["targets.csv"].replace("c2,asb,5,2020-01 to 2020-03,4,test", "c2,asb,5,2020-01 to 2020-03,6,x"))
    assert problems(data_dir) == [
        "targets.csv:2: target_monthly_mean: the target, 6, is above the baseline, 5, but asb is better down "
        "(good_direction in indicators.csv): a target on the wrong side of its baseline would be read upside down "
        "(progress towards it a step away). Check which value is which"
    ]
    t.write_text(FILES["targets.csv"] + "c2,cse,10,2020-01 to 2020-03,8,x\n")  # CSE is better up
    assert [p.split(": ")[0] for p in problems(data_dir)] == ["targets.csv:3"]
    t.write_text(FILES["targets.csv"] + "c2,cse,10,2020-01 to 2020-03,12,x\nc3,asb,5,2020-01 to 2020-03,5,hold\n")
    assert problems(data_dir) == []


def test_a_row_left_out_for_its_own_problem_gives_one_error_not_dozens_about_references_to_it(data_dir):
    """One field too many on a ward's row of areas.csv gave its own error, then one for every row elsewhere naming
    that ward ("'E05000001' is not an area in areas.csv"), and a plan cycle starting in 1900 one for every row
    naming the cycle (an outside audit: 136 and 18 lines, one to fix). References to a file that left a row out
    are checked once its own problems are fixed."""
    (data_dir / "areas.csv").write_text(
        FILES["areas.csv"].replace("E05000001,North,ward,E08000099", "E05000001,North,ward,E08000099,x")
    )
    assert problems(data_dir) == ["areas.csv:3: -: row has 5 fields, the header has 4"]
    (data_dir / "areas.csv").write_text(FILES["areas.csv"])
    (data_dir / "plan_cycles.csv").write_text(
        FILES["plan_cycles.csv"].replace("c2,Plan two,2020-04", "c2,Plan two,1900-01")
    )
    assert problems(data_dir) == ["plan_cycles.csv:3: start_month: '1900-01' is not a month between 1990 and 2100"]
    (data_dir / "plan_cycles.csv").write_text(FILES["plan_cycles.csv"].replace("c2,Plan two", "c9,Plan two"))
    assert len(problems(data_dir)) > 1  # a cycle renamed, no row left out: every reference to c2 is still named


def test_an_ons_lookup_missing_a_column_names_it_as_ons_does(tmp_path):
    """An ONS lookup whose ward column is misspelt (WARD24CD) was told the contract wanted `ward_code`, a name in
    no ONS file: the column it lacks is named as ONS names it, in the year of its other columns."""
    f = tmp_path / "lookup.csv"
    f.write_text(
        "LSOA21CD,LSOA21NM,WARD24CD,WD24NM,LAD24CD,LAD24NM\nE01005743,Stockport 014A,E05000781,Bredbury,E08000007,S\n"
    )
    found: list = []
    assert contract.check_ons_file(f, "lookup.csv", found) is None
    assert [str(p) for p in found] == [
        "lookup.csv:1: WARD24CD: column is not in the contract (LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD, LAD24NM)"
    ]
    f.write_text("lsoa_code,lsoa_name,ward,lad_code,lad_name\nE01005743,Stockport 014A,E05000781,E08000007,S\n")
    found = []
    contract.check_ons_file(f, "lookup.csv", found)  # the contract's own names: told in them
    assert "ward_code" in str(found[0])


def test_a_bad_partnership_row_is_named_once_not_again_in_the_files_that_need_its_area(data_dir):
    """An indicator per child needs the partnership's area in population.csv: with that file right and
    partnership.csv's row refused for a problem of its own (a blank `synthetic`), only that problem is named,
    not a false one on every such indicator (an outside audit). An id starting with '-' is refused by a message
    that says ids start with a letter or digit."""
    ind = FILES["indicators.csv"].replace("source,caveats\n", "source,caveats,population_group\n", 1)
    ind = ind.replace("Rises reflect recognition.\n", "Rises reflect recognition.,children\n")
    ind = "\n".join(x if x.endswith((",children", "population_group")) else x + "," for x in ind.splitlines()) + "\n"
    (data_dir / "indicators.csv").write_text(ind)
    pop = FILES["population.csv"].replace("source\n", "source,population_group\n", 1).replace(",test\n", ",test,\n")
    (data_dir / "population.csv").write_text(pop + "E08000099,2020,900,test,children\n")
    assert problems(data_dir) == []
    (data_dir / "partnership.csv").write_text(FILES["partnership.csv"].replace(",false,", ",,"))
    assert problems(data_dir) == ["partnership.csv:2: synthetic: is empty; a value is required"]
    (data_dir / "partnership.csv").write_text(FILES["partnership.csv"])
    (data_dir / "plan_cycles.csv").write_text(FILES["plan_cycles.csv"].replace("\nc1,", "\n-c1,"))
    assert problems(data_dir)[0] == (
        "plan_cycles.csv:2: cycle_id: '-c1' is not an id (lower-case letters, digits, '-' and '_', starting with a "
        "letter or digit)"
    )


def test_an_area_name_longer_than_any_ons_name_is_refused(data_dir):
    """A ward name of 10,000 characters filled the Trends page with it (an outside audit): at most 100."""
    long = "N" * 101
    (data_dir / "areas.csv").write_text(FILES["areas.csv"].replace("E05000001,North,", f"E05000001,{long},"))
    assert problems(data_dir) == [
        "areas.csv:3: area_name: is 101 characters long: at most 100 (it is shown in chart and slide titles)"
    ]
