-- The police forces with rows in each area counted from the files (police_uk_placed: the partnership, each comparator area), and which of them its police.uk counts come from. A force is counted for an area when (1) its rows there a month it has a file are at least a fifth of all forces' rows there a month with any, and its rows there are at least a fifth of all forces' rows there in the months it and another force with rows there both have files (if there are any such months: none for a force's later name, or for the only force downloaded); and (2) for a comparator area and the partnership's own force, its rows there a month per resident are at least a twentieth of the partnership's (both with a population estimate). So the territorial force is counted under each name it has had, and both forces of an area two forces share; British Transport Police and a neighbour's few rows near the boundary are left out, and so are the partnership's force's few rows in a comparator area whose own force's files were not downloaded (that area then has no data, never a count of those rows). One rule for the partnership and its comparators, so the Compare page sets like against like.
-- Grain: one row per scope, area and force with at least one row placed there; rows_placed its rows there, share the smaller of its rows a month over all forces' rows a month (at most 1) and its rows over all forces' rows in the months it shares with another force with rows there, per_resident_ratio its rows a month per resident over the partnership's (a comparator area and the partnership's force only, else NULL), first_month and last_month its first and last month with a file, counted whether its rows and months count.
-- Builds: table police_uk_forces
-- Reads: police_uk_placed, police_uk_force_months, population, comparator_population
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

files AS (
    SELECT
        force,
        count(*) AS months,
        min(month) AS first_month,
        max(month) AS last_month
    FROM police_uk_force_months
    GROUP BY force
),

here AS (
    SELECT
        scope,
        area_code,
        force,
        sum(n) AS rows_placed
    FROM police_uk_placed
    GROUP BY ALL
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
    INNER JOIN files AS f ON h.force = f.force
    INNER JOIN (
        SELECT scope, area_code, sum(n) / count(DISTINCT month) AS rows_a_month FROM by_month GROUP BY ALL
    ) AS a ON h.scope = a.scope AND h.area_code = a.area_code
),

per_resident AS (
    SELECT
        h.scope,
        h.area_code,
        h.force,
        h.rows_placed / f.months / CASE
            WHEN h.scope = 'partnership'
                THEN (
                    SELECT avg(p.population) FROM population AS p
                    WHERE p.area_code = h.area_code AND p.population_group = 'all'
                )
            ELSE (SELECT avg(c.population) FROM comparator_population AS c WHERE c.area_code = h.area_code)
        END AS per_resident
    FROM here AS h
    INNER JOIN files AS f ON h.force = f.force
)

SELECT
    h.scope,
    h.area_code,
    h.force,
    h.rows_placed,
    least(coalesce(s.share, 1.0), a.share) AS share,
    r.per_resident / o.per_resident AS per_resident_ratio,
    p.first_month,
    p.last_month,
    least(coalesce(s.share, 1.0), a.share) >= 0.2 AND coalesce(r.per_resident / o.per_resident >= 0.05, true) AS counted
FROM here AS h
LEFT JOIN shares AS s ON h.scope = s.scope AND h.area_code = s.area_code AND h.force = s.force
INNER JOIN alone AS a ON h.scope = a.scope AND h.area_code = a.area_code AND h.force = a.force
INNER JOIN files AS p ON h.force = p.force
INNER JOIN per_resident AS r ON h.scope = r.scope AND h.area_code = r.area_code AND h.force = r.force
LEFT JOIN per_resident AS o ON h.scope = 'comparator' AND o.scope = 'partnership' AND h.force = o.force
ORDER BY h.scope DESC, h.area_code, h.rows_placed DESC, h.force;
