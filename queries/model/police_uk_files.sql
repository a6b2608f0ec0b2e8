-- What each police.uk file holds: its months, its rows, and how many fell in, outside or without a location.
-- Grain: one row per police.uk file (its path under police_uk/), earliest month first.
-- Builds: table police_uk_files
-- Reads: police_uk_source, lsoa_ward_lookup
CREATE TABLE police_uk_files AS
SELECT
    p.source_path,
    min(p.month) AS first_month,
    max(p.month) AS last_month,
    count(*) AS rows,
    count(l.ward_code) AS rows_in_area,
    count(*) FILTER (WHERE p.lsoa_code IS NULL) AS rows_without_location,
    count(*) FILTER (WHERE p.lsoa_code IS NOT NULL AND l.ward_code IS NULL) AS rows_outside_area
FROM police_uk_source AS p
LEFT JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
GROUP BY p.source_path
ORDER BY first_month;
