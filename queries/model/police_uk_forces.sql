-- The police forces with rows in each area counted from the files (police_uk_placed: the partnership, each comparator area), and which of them its police.uk counts come from: a force is counted for an area when its rows placed there, a month it has a file, are at least a fifth of the rows placed there in a month of any force (the territorial force, under each name it has had; two, for an area two forces share). A force below that (British Transport Police, a neighbour's few rows near the boundary) is left out: its files come and go with what was downloaded, and its rows would make steps in the counts. One rule for the partnership and its comparators, so the Compare page sets like against like.
-- Grain: one row per scope, area and force with at least one row placed there; rows_placed its rows there, share its rows there a month (of the months it has a file) over all forces' rows there a month (of the months with any), first_month and last_month its first and last month with a file, counted whether its rows and months count.
-- Builds: table police_uk_forces
-- Reads: police_uk_placed, police_uk_force_months
CREATE TABLE police_uk_forces AS
WITH per_force AS (
    SELECT
        scope,
        area_code,
        force,
        sum(n) AS rows_placed
    FROM police_uk_placed
    GROUP BY ALL
),

files AS (
    SELECT
        force,
        count(*) AS months_with_files,
        min(month) AS first_month,
        max(month) AS last_month
    FROM police_uk_force_months
    GROUP BY force
),

overall AS (
    SELECT
        scope,
        area_code,
        sum(n) / count(DISTINCT month) AS rows_a_month
    FROM police_uk_placed
    GROUP BY ALL
)

SELECT
    f.scope,
    f.area_code,
    f.force,
    f.rows_placed,
    f.rows_placed / s.months_with_files / o.rows_a_month AS share,
    s.first_month,
    s.last_month,
    f.rows_placed / s.months_with_files >= 0.2 * o.rows_a_month AS counted
FROM per_force AS f
INNER JOIN overall AS o ON f.scope = o.scope AND f.area_code = o.area_code
INNER JOIN files AS s ON f.force = s.force
ORDER BY f.scope DESC, f.area_code, f.rows_placed DESC, f.force;
