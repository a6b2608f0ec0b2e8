-- police.uk rows placed in one of the partnership's wards, by their LSOA, from the forces its counts come from (police_uk_forces.counted for the partnership).
-- Grain: one row per police.uk record whose LSOA is in lsoa_ward_lookup.csv and whose force is counted (rows without a location, outside the area, or from a force not counted are left out here; police_uk_files counts every row placed); the columns the counts need (safer.police_sql.KEPT: every column is checked, these are kept).
-- Builds: table police_uk_rows
-- Reads: police_uk_source, lsoa_ward_lookup, police_uk_forces, force_key
CREATE TABLE police_uk_rows AS
WITH placed AS (
    SELECT
        p.month,
        p.crime_type,
        l.ward_code,
        p.lsoa_code,
        p.source_path,
        force_key(p.falls_within) AS force
    FROM police_uk_source AS p
    INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
)

SELECT placed.month, placed.crime_type, placed.ward_code, placed.lsoa_code, placed.source_path
FROM placed
INNER JOIN police_uk_forces AS f ON placed.force = f.force AND f.counted AND f.scope = 'partnership';
