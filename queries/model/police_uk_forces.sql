-- The police forces with rows in the partnership's wards, and which of them its police.uk counts come from: a force is counted when its rows placed there, a month it has a file, are at least a fifth of the rows placed there in a month of any force (the territorial force, under each name it has had; two, for an area two forces share). A force below that (British Transport Police, a neighbour's few rows near the boundary) is left out: its files come and go with what was downloaded, and its rows would make steps in the counts.
-- Grain: one row per force with at least one row placed in a ward; rows_placed its rows there, share its rows there a month (of the months it has a file) over all forces' rows there a month (of the months with any), first_month and last_month its first and last month with a file, counted whether its rows and months count.
-- Builds: table police_uk_forces
-- Reads: police_uk_source, lsoa_ward_lookup, police_uk_force_months, force_key
CREATE TABLE police_uk_forces AS
WITH placed AS (
    SELECT
        force_key(p.falls_within) AS force,
        p.month,
        count(*) AS n
    FROM police_uk_source AS p
    INNER JOIN lsoa_ward_lookup AS l ON p.lsoa_code = l.lsoa_code
    GROUP BY ALL
),

per_force AS (
    SELECT
        pl.force,
        sum(pl.n) AS rows_placed,
        (SELECT count(*) FROM police_uk_force_months AS fm WHERE fm.force = pl.force) AS months_with_files
    FROM placed AS pl
    GROUP BY pl.force
),

overall AS (
    SELECT sum(n) / count(DISTINCT month) AS rows_a_month FROM placed
),

spans AS (
    SELECT force, min(month) AS first_month, max(month) AS last_month
    FROM police_uk_force_months
    GROUP BY force
)

SELECT
    f.force,
    f.rows_placed,
    f.rows_placed / f.months_with_files / o.rows_a_month AS share,
    s.first_month,
    s.last_month,
    f.rows_placed / f.months_with_files >= 0.2 * o.rows_a_month AS counted
FROM per_force AS f
CROSS JOIN overall AS o
INNER JOIN spans AS s ON f.force = s.force
ORDER BY f.rows_placed DESC, f.force;
