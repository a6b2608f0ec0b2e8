-- police.uk rows placed in one of the partnership's wards, by their LSOA.
-- Grain: one row per police.uk record whose LSOA is in lsoa_ward_lookup.csv (rows without a location, or outside the area, are left out here and counted in police_uk_files); the columns the counts need (safer.police_sql.KEPT: every column is checked, these are kept).
-- Builds: table police_uk_rows
-- Reads: police_uk_source, lsoa_ward_lookup
CREATE TABLE police_uk_rows AS
SELECT p.month, p.crime_type, l.ward_code, p.lsoa_code, p.source_path
FROM police_uk_source AS p
INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code;
