-- Counts from the police.uk files for every comparator area in area_lookup.csv, by indicator and month: each row placed in its local authority by its LSOA.
-- Grain: one row per area, police.uk indicator and month in which the area's force has a police.uk file (value 0 when no row of that type fell in the area that month). An area's force is the force ("Falls within", compared as ingest compares names) with most of its rows; a month without that force's file has no row: missing, never 0. An area with no police.uk rows at all has no rows.
-- Builds: table comparator_police_counts
-- Reads: police_uk_source, area_lookup, comparator_group_areas, indicators, force_key
CREATE TABLE comparator_police_counts AS
WITH areas_counted AS (
    SELECT DISTINCT area_code FROM comparator_group_areas WHERE from_police_uk
),

placed AS (
    SELECT
        l.lad_code AS area_code,
        p.month,
        p.crime_type,
        p.falls_within
    FROM police_uk_source AS p
    INNER JOIN area_lookup AS l ON p.lsoa_code = l.lsoa_code
    WHERE l.lad_code IN (SELECT area_code FROM areas_counted)
),

force_rows AS (
    SELECT
        area_code,
        force,
        row_number() OVER (PARTITION BY area_code ORDER BY sum(n) DESC, force) AS rank
    FROM (
        SELECT
            area_code,
            force_key(falls_within) AS force,
            count(*) AS n
        FROM placed
        GROUP BY area_code, falls_within
    )
    GROUP BY area_code, force
),

force_months AS (
    SELECT DISTINCT
        force_key(falls_within) AS force,
        month
    FROM (SELECT DISTINCT falls_within, month FROM police_uk_source)
),

area_months AS (
    SELECT
        f.area_code,
        m.month
    FROM force_rows AS f
    INNER JOIN force_months AS m ON f.force = m.force
    WHERE f.rank = 1
),

counts AS (
    SELECT
        area_code,
        month,
        crime_type,
        count(*) AS n
    FROM placed
    GROUP BY ALL
)

SELECT
    am.area_code,
    i.indicator_id,
    am.month,
    coalesce(c.n, 0)::BIGINT AS value
FROM area_months AS am
CROSS JOIN indicators AS i
LEFT JOIN counts AS c
    ON am.area_code = c.area_code AND am.month = c.month AND i.police_uk_crime_type = c.crime_type
WHERE i.police_uk_crime_type IS NOT NULL;
