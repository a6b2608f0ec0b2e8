-- Counts from the police.uk files for every comparator area in area_lookup.csv, by indicator and month: each row placed in its local authority by its LSOA, from the forces counted for the area (police_uk_forces), in the months police.uk has data for there (police_uk_months): the partnership's own rule, so a renamed force keeps its months and another force's few rows make no step.
-- Grain: one row per area, police.uk indicator and month with data for the area (value 0 when no row of that type fell in the area that month). A month without a file of a force counted for the area has no row: missing, never 0. An area with no police.uk rows at all has no rows.
-- Builds: table comparator_police_counts
-- Reads: police_uk_source, area_lookup, police_uk_forces, police_uk_months, indicators, force_key
CREATE TABLE comparator_police_counts AS
WITH by_name AS (
    SELECT
        l.lad_code AS area_code,
        p.month,
        p.crime_type,
        p.falls_within,
        count(*) AS n
    FROM police_uk_source AS p
    INNER JOIN area_lookup AS l ON p.lsoa_code = l.lsoa_code
    WHERE l.lad_code IN (SELECT area_code FROM police_uk_forces WHERE scope = 'comparator' AND counted)
    GROUP BY ALL
),

counts AS (
    -- the force's name made a key on the grouped rows, not on every row (a regular expression on 60 M rows)
    SELECT
        b.area_code,
        b.month,
        b.crime_type,
        sum(b.n) AS n
    FROM by_name AS b
    INNER JOIN police_uk_forces AS f
        ON
            f.scope = 'comparator'
            AND b.area_code = f.area_code
            AND force_key(b.falls_within) = f.force
            AND f.counted
    GROUP BY ALL
)

SELECT
    am.area_code,
    i.indicator_id,
    am.month,
    coalesce(c.n, 0)::BIGINT AS value
FROM police_uk_months AS am
CROSS JOIN indicators AS i
LEFT JOIN counts AS c
    ON am.area_code = c.area_code AND am.month = c.month AND i.police_uk_crime_type = c.crime_type
WHERE am.scope = 'comparator' AND i.police_uk_crime_type IS NOT NULL;
