"""Shared test helpers: a small, hand-countable data directory, and where the project and the real data are.

Test modules import these from here (`from helpers import FILES`); fixtures live in `conftest.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REAL = PROJECT.parent / "shared" / "data" / "real"

POLICE_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)

# Hand-countable police.uk rows: (month, lsoa, crime type). N = North ward (E01000001, E01000002),
# S = South ward (E01000003); E01099999 is outside the area; "" has no location.
POLICE_ROWS = {
    "2020-01": [("E01000001", "Anti-social behaviour")] * 3
    + [("E01000003", "Anti-social behaviour")] * 2
    + [("E01099999", "Anti-social behaviour"), ("", "Anti-social behaviour"), ("E01000002", "Burglary")],
    "2020-02": [("E01000002", "Anti-social behaviour")] * 4
    + [("E01000003", "Burglary")] * 2
    + [("E01000001", "Robbery")],
    # 2020-03: no file at all -> missing, never 0
    "2020-04": [("E01000003", "Anti-social behaviour")] * 6 + [("E01000001", "Burglary")],
    "2020-05": [("E01000001", "Anti-social behaviour")] + [("E01000003", "Burglary")] * 3,
    "2020-06": [("E01000001", "Anti-social behaviour")] * 2,  # no burglary: 0, not missing
    "2020-07": [("E01000003", "Anti-social behaviour")] * 7 + [("E01099998", "Burglary")],
}

FILES = {
    "partnership.csv": "name,area_code,police_force,synthetic,data_note\n"
    "Testshire Safety Partnership,E08000099,Test Police,false,\n",
    "areas.csv": "area_code,area_name,area_type,parent_code\n"
    "E08000099,Testborough,borough,\n"
    "E05000001,North,ward,E08000099\n"
    "E05000002,South,ward,E08000099\n",
    "lsoa_ward_lookup.csv": "lsoa_code,lsoa_name,ward_code\n"
    "E01000001,Testborough 001A,E05000001\n"
    "E01000002,Testborough 001B,E05000001\n"
    "E01000003,Testborough 002A,E05000002\n",
    "population.csv": "area_code,year,population,source\n"
    "E08000099,2019,3900,test\n"
    "E08000099,2021,4100,test\n"
    "E05000001,2020,1000,test\n"
    "E05000002,2020,3000,test\n",
    "indicators.csv": "indicator_id,label,unit,good_direction,suppress_below,geography,police_uk_crime_type,"
    "source,caveats\n"
    "asb,Anti-social behaviour,incidents,down,0,ward,Anti-social behaviour,police.uk,\n"
    "burglary,Burglary,crimes,down,0,ward,Burglary,police.uk,\n"
    "cse,Child sexual exploitation reports,reports,up,5,ward,,Children's services,Rises reflect recognition.\n"
    "slavery,Modern slavery referrals,referrals,up,0,borough,,Home Office,\n",
    "plan_cycles.csv": "cycle_id,title,start_month,end_month,approved_on,decision_ref\n"
    "c1,Plan one,2020-01,2020-03,2019-12-10,D1\n"
    "c2,Plan two,2020-04,2020-06,,\n"
    "c3,Plan three,2020-07,2020-12,,\n",
    "priorities.csv": "cycle_id,priority_id,title,description,illustrative\n"
    "c1,safety,Public safety,,false\n"
    "c2,safety,Public safety,,false\n"
    "c2,vulnerable,Vulnerable people,,true\n",
    "priority_indicators.csv": "cycle_id,priority_id,indicator_id,headline\n"
    "c1,safety,asb,true\n"
    "c2,safety,asb,true\n"
    "c2,safety,burglary,false\n"
    "c2,vulnerable,cse,true\n",
    "targets.csv": "cycle_id,indicator_id,baseline_monthly_mean,baseline_period,target_monthly_mean,note\n"
    "c2,asb,5,2020-01 to 2020-03,4,test\n",
    "events.csv": "event_date,title,category,indicator_id,description\n"
    "2020-02-15,Campaign,service,cse,\n"
    "2020-03-23,Lockdown,covid,,\n",
    "partner_monthly.csv": "indicator_id,month,area_code,value\n"
    "cse,2020-01,E05000001,2\n"
    "cse,2020-01,E05000002,1\n"
    "cse,2020-02,E05000001,4\n"
    "cse,2020-04,E05000002,3\n"
    "slavery,2020-01,E08000099,1\n"
    "slavery,2020-02,E08000099,2\n",
}


def police_csv(month: str, rows) -> str:
    lines = [POLICE_HEADER]
    for i, (lsoa, ctype) in enumerate(rows):
        cid = "" if ctype == "Anti-social behaviour" else f"{month}-{i:04d}"
        name = "" if not lsoa else ("Testborough 001A" if lsoa.startswith("E0100000") else "Elsewhere 001A")
        lon, lat, loc = ("", "", "No location") if not lsoa else ("-2.1", "53.4", "On or near Test Street")
        outcome = "" if ctype == "Anti-social behaviour" else "Under investigation"
        lines.append(f"{cid},{month},Test Police,Test Police,{lon},{lat},{loc},{lsoa},{name},{ctype},{outcome},")
    return "\n".join(lines) + "\n"


def write_data_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    pol = root / "police_uk"
    pol.mkdir(exist_ok=True)
    for month, rows in POLICE_ROWS.items():
        (pol / f"{month}-test-street.csv").write_text(police_csv(month, rows), encoding="utf-8")
    return root


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
