-- The months police.uk has data for in the partnership's area: every month in which the partnership's force has a file. The partnership's force is the force ("Falls within", compared as ingest compares names) with most of the rows placed in its wards, as for a comparator area (comparator_police_counts). A month for which only other forces have files (the partnership's own force published nothing that month) is missing for every police.uk indicator, never 0; with no row placed in its wards at all, no month has data.
-- Grain: one row per calendar month in which the partnership's force has a police.uk file.
-- Builds: table police_uk_months
-- Reads: police_uk_source, lsoa_ward_lookup
CREATE TABLE police_uk_months AS
WITH force_months AS (
    SELECT DISTINCT
        trim(regexp_replace(lower(falls_within), '[^a-z0-9]+', '-', 'g'), '-') AS force,
        month
    FROM (SELECT DISTINCT falls_within, month FROM police_uk_source)
),

home AS (
    SELECT trim(regexp_replace(lower(p.falls_within), '[^a-z0-9]+', '-', 'g'), '-') AS force
    FROM police_uk_source AS p
    INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
    GROUP BY ALL
    ORDER BY count(*) DESC, force
    LIMIT 1
)

SELECT DISTINCT m.month
FROM force_months AS m
INNER JOIN home AS h ON m.force = h.force
ORDER BY m.month;
