"""Exports that cannot execute: formula-like text is inert in every workbook and CSV (OWASP's rule)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from helpers import PROJECT

from safer import export

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    " =1+1",
    "\n=1+1",
    "  \t@A1",
]
# (the last three: some imports trim leading spaces and line breaks before they read a formula)


def _cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.mark.parametrize("text", HOSTILE)
def test_workbook_cells_titles_and_sheet_names_are_never_formulas(text):
    df = pd.DataFrame({text: [text, "plain"], "count": [-5, 3]})
    meta = export.Meta(title=text, period=text, source=text, data_version="v1", filters={"f": text})
    data = export.xlsx_bytes({text: df}, meta)
    cells = list(_cells(data))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and export.neutralise(c.value) != c.value]
    if not text.startswith("\r"):  # Excel keeps no carriage return at the start of a cell
        assert hostile, "the hostile text should still be there, as text"
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    # numbers stay numbers, negative ones included
    assert -5 in [c.value for c in cells]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not any(name.startswith(export.FORMULA_TRIGGERS) for name in wb.sheetnames)


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_cells_are_neutralised_and_numbers_are_not(text):
    df = pd.DataFrame({"label": [text, "plain"], "count": [-5, 3]})
    rows = list(csv.reader(io.StringIO(export.csv_bytes(df).decode("utf-8"), newline="")))
    assert rows[1][0] == "'" + text
    assert rows[1][1] == "-5"
    assert rows[2] == ["plain", "3"]


def test_the_query_command_neutralises_text_from_an_extract(tmp_path):
    data = tmp_path / "data"
    from helpers import write_data_dir

    write_data_dir(data)
    events = data / "events.csv"
    events.write_text(
        events.read_text(encoding="utf-8") + '2020-04-01,"=HYPERLINK(""http://evil.example"")",service,,\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "safer", "query", "events", "--indicator", "asb", "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={"SAFER_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    titles = [r[rows[0].index("title")] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in titles


def test_the_stamp_on_an_exported_chart_is_text_not_plotly_html():
    """Plotly reads `<a href>`, `<b>` and `<br>` in annotation text: the stamp under an exported chart (PNG, SVG,
    the pack's charts, the briefing PDF) holds extract text, so each `<` and `&` is an entity and shows as typed."""
    import plotly.graph_objects as go

    src = '<a href="https://evil.example/phish">verify figures here</a> <b>big</b> & co'
    meta = export.Meta(title="T <i>x</i>", period="2025", source=src, data_version="v1", partnership="P <br> Q")
    f = export.stamped_figure(go.Figure(go.Scatter(x=[1], y=[1])), meta)
    (stamp,) = [a.text for a in f.layout.annotations if a.name == "stamp"]
    assert "<a " not in stamp and "<b>" not in stamp and "<i>" not in stamp and "<br> Q" not in stamp
    assert '&lt;a href="https://evil.example/phish"&gt;verify figures here&lt;/a&gt;' in stamp
    assert "&amp; co" in stamp and "&lt;b&gt;big&lt;/b&gt;" in stamp
    lines = stamp.split("<br>")  # the only tags left are the stamp's own line breaks
    assert len(lines) >= 1 and all("<" not in line for line in lines)
