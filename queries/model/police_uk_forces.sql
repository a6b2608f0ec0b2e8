-- The police forces with rows in each area counted from the files (police_uk_placed: the partnership, each comparator area), and which of them its police.uk counts come from. A force is counted for an area when both: (1) its rows there a month it has a file are at least a fifth of all forces' rows there a month with any, and its rows there are at least a fifth of all forces' rows there in the months it and another force with rows there both have files (if there are any such months: none for a force's later name, or for the only force downloaded); and (2) its rows there, per LSOA of the area, are at least a twentieth of its rows per LSOA where it has any (a force policing an area has about its usual number of rows in each of its LSOAs; a neighbour's rows near the boundary, or British Transport Police's at stations, are a small fraction of that). So the territorial force is counted under each name it has had, and both forces of an area two forces share; a neighbour's few rows are left out even where the area's own force has no files (then the area has no data, never a count of the neighbour's rows), and so is a force whose rows would make steps in the counts. One rule for the partnership and its comparators, so the Compare page sets like against like.
-- Grain: one row per scope, area and force with at least one row placed there; rows_placed its rows there, share the smaller of its rows a month over all forces' rows a month (at most 1) and its rows over all forces' rows in the months it shares with another force with rows there, density its rows per LSOA of the area over its rows per LSOA it has rows in, first_month and last_month its first and last month with a file, counted whether its rows and months count.
-- Builds: table police_uk_forces
-- Reads: police_uk_placed, police_uk_force_months, police_uk_source, force_key
CREATE TABLE police_uk_forces AS
WITH by_month AS (
    SELECT
        scope,
        area_code,
        force,
        month,
        sum(n) AS n
    FROM police_uk_placed
    GROUP BY ALL
),

here AS (
    SELECT
        scope,
        area_code,
        force,
        sum(n) AS rows_placed,
        sum(n) / any_value(lsoas) AS per_lsoa
    FROM police_uk_placed
    GROUP BY ALL
),

home AS (
    SELECT
        force_key(falls_within) AS force,
        sum(n) / count(DISTINCT lsoa_code) AS per_lsoa
    FROM (
        SELECT
            falls_within,
            lsoa_code,
            count(*) AS n
        FROM police_uk_source
        WHERE lsoa_code <> ''
        GROUP BY ALL
    )
    GROUP BY 1
),

files_here AS (
    SELECT
        h.scope,
        h.area_code,
        h.force,
        m.month
    FROM here AS h
    INNER JOIN police_uk_force_months AS m ON h.force = m.force
),

shared AS (
    SELECT
        a.scope,
        a.area_code,
        a.force,
        a.month
    FROM files_here AS a
    WHERE EXISTS (
        SELECT 1 FROM files_here AS b
        WHERE b.scope = a.scope AND b.area_code = a.area_code AND b.month = a.month AND b.force <> a.force
    )
),

shares AS (
    SELECT
        s.scope,
        s.area_code,
        s.force,
        sum(coalesce(mine.n, 0)) / nullif(sum(coalesce(alls.n, 0)), 0) AS share
    FROM shared AS s
    LEFT JOIN by_month AS mine
        ON s.scope = mine.scope AND s.area_code = mine.area_code AND s.force = mine.force AND s.month = mine.month
    LEFT JOIN (
        SELECT scope, area_code, month, sum(n) AS n FROM by_month GROUP BY ALL
    ) AS alls ON s.scope = alls.scope AND s.area_code = alls.area_code AND s.month = alls.month
    GROUP BY ALL
),

alone AS (
    SELECT
        h.scope,
        h.area_code,
        h.force,
        least(1.0, h.rows_placed / f.months / a.rows_a_month) AS share
    FROM here AS h
    INNER JOIN (SELECT force, count(*) AS months FROM police_uk_force_months GROUP BY force) AS f ON h.force = f.force
    INNER JOIN (
        SELECT scope, area_code, sum(n) / count(DISTINCT month) AS rows_a_month FROM by_month GROUP BY ALL
    ) AS a ON h.scope = a.scope AND h.area_code = a.area_code
),

spans AS (
    SELECT
        force,
        min(month) AS first_month,
        max(month) AS last_month
    FROM police_uk_force_months
    GROUP BY force
)

SELECT
    h.scope,
    h.area_code,
    h.force,
    h.rows_placed,
    least(coalesce(s.share, 1.0), a.share) AS share,
    h.per_lsoa / o.per_lsoa AS density,
    p.first_month,
    p.last_month,
    least(coalesce(s.share, 1.0), a.share) >= 0.2 AND h.per_lsoa / o.per_lsoa >= 0.05 AS counted
FROM here AS h
LEFT JOIN shares AS s ON h.scope = s.scope AND h.area_code = s.area_code AND h.force = s.force
INNER JOIN alone AS a ON h.scope = a.scope AND h.area_code = a.area_code AND h.force = a.force
INNER JOIN spans AS p ON h.force = p.force
INNER JOIN home AS o ON h.force = o.force
ORDER BY h.scope DESC, h.area_code, h.rows_placed DESC, h.force;
