-- The police.uk rows placed in each area whose counts come from the files, by force, month and LSOA: the partnership (scope 'partnership', placed in its wards by lsoa_ward_lookup.csv, area_code its borough's code) and each comparator area counted from the files (scope 'comparator', placed in its local authority by area_lookup.csv). The partnership is kept apart from a comparator area of the same code: its counts are its wards'. lsoas is how many LSOAs the area has in its lookup (a force's rows there per LSOA are measured against its rows per LSOA elsewhere in police_uk_forces).
-- Grain: one row per scope, area, force, month and LSOA with at least one row placed; n the rows.
-- Builds: table police_uk_placed
-- Reads: police_uk_source, lsoa_ward_lookup, area_lookup, comparator_group_areas, areas, force_key
CREATE TABLE police_uk_placed AS
WITH comparator_lsoas AS (
    SELECT
        lsoa_code,
        lad_code
    FROM area_lookup
    WHERE lad_code IN (SELECT area_code FROM comparator_group_areas WHERE from_police_uk)
)

SELECT
    'partnership' AS scope,
    coalesce((SELECT min(area_code) FROM areas WHERE area_type = 'borough'), '') AS area_code,
    force_key(p.falls_within) AS force,
    p.month,
    p.lsoa_code,
    count(*) AS n,
    (SELECT count(DISTINCT lsoa_code) FROM lsoa_ward_lookup) AS lsoas
FROM police_uk_source AS p
INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
GROUP BY ALL
UNION ALL
SELECT
    'comparator' AS scope,
    l.lad_code AS area_code,
    force_key(p.falls_within) AS force,
    p.month,
    p.lsoa_code,
    count(*) AS n,
    any_value(k.lsoas) AS lsoas
FROM police_uk_source AS p
INNER JOIN comparator_lsoas AS l ON p.lsoa_code = l.lsoa_code
INNER JOIN (
    SELECT lad_code, count(DISTINCT lsoa_code) AS lsoas FROM comparator_lsoas GROUP BY lad_code
) AS k ON l.lad_code = k.lad_code
GROUP BY scope, l.lad_code, force_key(p.falls_within), p.month, p.lsoa_code;
