-- Months of one police force's rows published again under a second name (a file whose "Falls within" says "GMP" beside one saying "Greater Manchester Police", or a renamed force's download repeating months), found where counts are made: in the partnership's wards and the comparator areas counted from the files. Each name would pass the rule that counts a force for an area (police_uk_forces: both hold a fifth of its rows), so the month would be counted twice and every month before the second name's first file read as missing. The build is refused naming both files (safer.store), as validation refuses one force's month in two files.
-- Grain: one row per scope, month and pair of force names (force before other) whose rows that month fall largely in the same LSOAs and crime types: the rows they share cell by cell (the smaller count of each LSOA and crime type, summed) at least 20 and at least half of the smaller name's rows, and the smaller name's rows at least half of the larger's (British Transport Police's few rows at stations, or a neighbour's near the boundary, share cells with the territorial force but are far fewer; two forces of one area hold different LSOAs). With each name's rows there, its raw name, the first file holding its rows that month and its first month with a file (the later is the second name).
-- Builds: table police_uk_twice
-- Reads: police_uk_placed, police_uk_source, lsoa_ward_lookup, area_lookup, comparator_group_areas, police_uk_force_months, force_key
CREATE TABLE police_uk_twice AS
-- two names with comparable rows in one area and month (police_uk_placed, already grouped): only their months are
-- read again cell by cell, so a directory without such a pair reads no row here
WITH suspects AS (
    SELECT DISTINCT
        a.scope,
        a.month
    FROM police_uk_placed AS a
    INNER JOIN police_uk_placed AS b
        ON a.scope = b.scope AND a.area_code = b.area_code AND a.month = b.month AND a.force < b.force
    WHERE least(a.n, b.n) >= 20 AND least(a.n, b.n) >= 0.5 * greatest(a.n, b.n)
),

raw_cells AS (
    SELECT
        'partnership' AS scope,
        p.falls_within,
        p.month,
        p.lsoa_code,
        p.crime_type,
        count(*) AS n,
        min(p.source_path) AS source_path
    FROM police_uk_source AS p
    INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
    WHERE p.month IN (SELECT month FROM suspects WHERE scope = 'partnership')
    GROUP BY ALL
    UNION ALL
    SELECT
        'comparator' AS scope,
        p.falls_within,
        p.month,
        p.lsoa_code,
        p.crime_type,
        count(*) AS n,
        min(p.source_path) AS source_path
    FROM police_uk_source AS p
    INNER JOIN area_lookup AS l ON p.lsoa_code = l.lsoa_code
    WHERE
        l.lad_code IN (SELECT area_code FROM comparator_group_areas WHERE from_police_uk)
        AND p.month IN (SELECT month FROM suspects WHERE scope = 'comparator')
    GROUP BY ALL
),

cells AS (
    SELECT
        scope,
        force_key(falls_within) AS force,
        month,
        lsoa_code,
        crime_type,
        sum(n) AS n
    FROM raw_cells
    GROUP BY ALL
),

totals AS (
    SELECT
        scope,
        force_key(falls_within) AS force,
        month,
        sum(n) AS n,
        min(falls_within) AS falls_within,
        min(source_path) AS source_path
    FROM raw_cells
    GROUP BY ALL
),

pairs AS (
    SELECT
        a.scope,
        a.month,
        a.force,
        b.force AS other,
        sum(least(a.n, b.n)) AS shared
    FROM cells AS a
    INNER JOIN cells AS b
        ON
            a.scope = b.scope
            AND a.month = b.month
            AND a.lsoa_code = b.lsoa_code
            AND a.crime_type = b.crime_type
            AND a.force < b.force
    GROUP BY ALL
)

SELECT
    p.scope,
    p.month,
    p.force,
    ta.falls_within,
    ta.source_path,
    ta.n AS force_rows,
    p.other,
    tb.falls_within AS other_falls_within,
    tb.source_path AS other_source_path,
    tb.n AS other_rows,
    p.shared AS shared_rows,
    (SELECT min(m.month) FROM police_uk_force_months AS m WHERE m.force = p.force) AS first_month,
    (SELECT min(m.month) FROM police_uk_force_months AS m WHERE m.force = p.other) AS other_first_month
FROM pairs AS p
INNER JOIN totals AS ta ON p.scope = ta.scope AND p.month = ta.month AND p.force = ta.force
INNER JOIN totals AS tb ON p.scope = tb.scope AND p.month = tb.month AND p.other = tb.force
WHERE
    p.shared >= 20
    AND p.shared >= 0.5 * least(ta.n, tb.n)
    AND least(ta.n, tb.n) >= 0.5 * greatest(ta.n, tb.n);
