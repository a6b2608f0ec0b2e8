-- The police.uk rows placed in each area whose counts come from the files, by force and month: the partnership (scope 'partnership', placed in its wards by lsoa_ward_lookup.csv, area_code its borough's code) and each comparator area counted from the files (scope 'comparator', placed in its local authority by area_lookup.csv). The partnership is kept apart from a comparator area of the same code: its counts are its wards'.
-- Grain: one row per scope, area, force and month with at least one row placed; n the rows.
-- Builds: table police_uk_placed
-- Reads: police_uk_source, lsoa_ward_lookup, area_lookup, comparator_group_areas, areas, force_key
CREATE TABLE police_uk_placed AS
WITH by_name AS (
    SELECT
        'partnership' AS scope,
        coalesce((SELECT min(area_code) FROM areas WHERE area_type = 'borough'), '') AS area_code,
        p.falls_within,
        p.month,
        count(*) AS n
    FROM police_uk_source AS p
    INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
    GROUP BY ALL
    UNION ALL
    SELECT
        'comparator' AS scope,
        l.lad_code AS area_code,
        p.falls_within,
        p.month,
        count(*) AS n
    FROM police_uk_source AS p
    INNER JOIN area_lookup AS l ON p.lsoa_code = l.lsoa_code
    WHERE l.lad_code IN (SELECT area_code FROM comparator_group_areas WHERE from_police_uk)
    GROUP BY ALL
)

-- the force's name made a key on the grouped rows, not on every row
SELECT
    scope,
    area_code,
    force_key(falls_within) AS force,
    month,
    sum(n) AS n
FROM by_name
GROUP BY ALL;
