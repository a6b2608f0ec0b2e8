"""Peak memory of validation and ingest on a 200 MB police.uk extract, and of a zip bomb.

    python -m bench.memory [--work /tmp/safer-bench/memory] [--rows 1100000]

Writes one force-wide police.uk month of about 200 MB (SYNTHETIC rows from `bench.gm`, Greater Manchester
Police, October 2026), then measures, each in a fresh process (peak resident memory, `ru_maxrss`):

- `python -m safer validate` of the demo data directory with that file added under `police_uk/`;
- `python -m safer ingest` of that file into a copy of the demo data directory;
- `python -m safer ingest` of a 4 MB zip bomb (one member inflating to about 1 GB): refused with a message;
- `python -m safer validate` of the demo data with a 200 MB `partner_monthly.csv` (SYNTHETIC: 1,700 partner
  indicators added to `indicators.csv`, every ward every month), and `python -m safer ingest` of that file
  (merged with the demo's partner rows).

It prints each target beside its measurement. Everything is written under `--work`, never into the project.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

from bench import gm

PROJECT = Path(__file__).resolve().parent.parent
TARGET_MB = 500  # issue 11: validate and ingest of a 200 MB extract within 500 MB

# The peak is this process's own high-water mark (VmHWM, reset by exec): `ru_maxrss` would carry over the
# parent's peak at fork, here the generator's.
RUNNER = """
import runpy, sys
sys.argv = ["safer", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("safer", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"PEAK_KB={hwm}", file=sys.stderr)
sys.exit(code)
"""


def measure(args: list[str]) -> tuple[int, float, float, str]:
    """Run `python -m safer ARGS` in a fresh process: (exit code, peak MB, seconds, last line of output)."""
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(PROJECT)),
    )
    secs = time.monotonic() - t0
    peak = next(int(x.split("=")[1]) for x in r.stderr.splitlines() if x.startswith("PEAK_KB="))
    out = [x for x in (r.stdout + r.stderr).splitlines() if x.strip() and not x.startswith("PEAK_KB=")]
    return r.returncode, peak / 1024, secs, (out[-1] if out else "")


def big_month(work: Path, rows: int) -> Path:
    path = work / "2026-10-greater-manchester-street.csv"
    if not path.exists():
        geo = gm.geography()
        snaps = {code: gm._snaps(code, geo[code]["lsoas"], gm.BOROUGHS[i][5]) for i, code in enumerate(geo)}
        lines = gm.month_rows("2026-10", geo, snaps, rows)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(gm.HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    return path


def demo_copy(dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(PROJECT / "data", dest, copy_function=os.link)  # hard links: nothing to copy
    return dest


PARTNER_INDICATORS = 1_700  # x 21 wards x ~190 months: about 6.8 million rows, 200 MB


def big_partner(work: Path, data: Path) -> tuple[Path, Path]:
    """A SYNTHETIC partner extract of about 200 MB and the `indicators.csv` that declares its indicators."""
    path, inds = work / "partner_monthly.csv", work / "indicators.csv"
    if path.exists() and inds.exists():
        return path, inds
    base = (data / "indicators.csv").read_text(encoding="utf-8")
    template = next(line for line in base.splitlines() if line.startswith("missing_episodes,"))
    rest = template.split(",", 2)[2]
    ids = [f"partner_{i:04d}" for i in range(PARTNER_INDICATORS)]
    extra = "".join(f"{i},Synthetic partner indicator {i},{rest}\n" for i in ids)
    inds.write_text(base + ("" if base.endswith("\n") else "\n") + extra, encoding="utf-8")
    wards = [line.split(",")[0] for line in (data / "areas.csv").read_text().splitlines() if ",ward," in line]
    months = [f"{y}-{m:02d}" for y in range(2011, 2027) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-09"]
    rng = np.random.default_rng(11)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("indicator_id,month,area_code,value\n")
        for i in ids:
            vals = rng.poisson(6, size=(len(months), len(wards)))
            f.write("".join(f"{i},{m},{w},{v}\n" for r, m in zip(vals, months) for w, v in zip(wards, r)))
    os.replace(tmp, path)
    return path, inds


def zip_bomb(work: Path) -> Path:
    path = work / "bomb.zip"
    if not path.exists():
        line = b"x,2026-10,Greater Manchester Police,Greater Manchester Police,,,,,,Burglary,,\n"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            with z.open("2026-10/2026-10-greater-manchester-street.csv", "w", force_zip64=True) as f:
                f.write(gm.HEADER.encode() + b"\n")
                block = line * 16384
                for _ in range(1024 * 1024 * 1024 // len(block)):
                    f.write(block)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/safer-bench/memory"))
    ap.add_argument("--rows", type=int, default=1_100_000, help="rows in the big month (about 190 bytes each)")
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    big = big_month(a.work, a.rows)
    bomb = zip_bomb(a.work)
    size_mb = big.stat().st_size / 1e6
    print(f"extract: {big.name}, {size_mb:.0f} MB; zip bomb: {bomb.stat().st_size / 1e6:.1f} MB on disk")
    results = []
    d = demo_copy(a.work / "validate")
    os.link(big, d / "police_uk" / big.name)
    results.append(("validate, 200 MB police.uk file added", *measure(["validate", "--data", str(d)])))
    d = demo_copy(a.work / "ingest")
    results.append(("ingest of the 200 MB file", *measure(["ingest", str(big), "--data", str(d), "--quiet"])))
    d = demo_copy(a.work / "bomb")
    results.append(("ingest of the zip bomb (refused)", *measure(["ingest", str(bomb), "--data", str(d), "--quiet"])))
    partner, inds = big_partner(a.work, PROJECT / "data")
    print(f"partner extract: {partner.stat().st_size / 1e6:.0f} MB")
    d = demo_copy(a.work / "partner-validate")
    (d / "indicators.csv").unlink()
    os.link(inds, d / "indicators.csv")
    (d / "partner_monthly.csv").unlink()
    os.link(partner, d / "partner_monthly.csv")
    results.append(("validate, 200 MB partner_monthly.csv", *measure(["validate", "--data", str(d)])))
    d = demo_copy(a.work / "partner-ingest")
    (d / "indicators.csv").unlink()
    os.link(inds, d / "indicators.csv")
    results.append(
        ("ingest of the 200 MB partner file", *measure(["ingest", str(partner), "--data", str(d), "--quiet"]))
    )
    print("\n| run | exit | peak memory | target | time | last line |\n|---|---|---|---|---|---|")
    for name, code, peak, secs, last in results:
        ok = "met" if peak <= TARGET_MB else "NOT met"
        print(f"| {name} | {code} | {peak:,.0f} MB | ≤ {TARGET_MB} MB ({ok}) | {secs:.1f} s | {last[:90]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
