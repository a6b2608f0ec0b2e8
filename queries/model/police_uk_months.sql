-- The months police.uk has data for in each area counted from the files (the partnership, each comparator area): a month in which a force counted for the area (police_uk_forces: the territorial force, under each name it has had) has a file, and no counted force whose files span that month lacks one. A month for which only other forces have files (the area's force published nothing that month), or one of two forces sharing the area has none, is missing for every police.uk indicator, never 0; with no force counted, no month has data.
-- Grain: one row per scope, area and calendar month with data for the police.uk indicators.
-- Builds: table police_uk_months
-- Reads: police_uk_force_months, police_uk_forces
CREATE TABLE police_uk_months AS
SELECT DISTINCT
    f.scope,
    f.area_code,
    m.month
FROM police_uk_force_months AS m
INNER JOIN police_uk_forces AS f ON m.force = f.force AND f.counted
WHERE NOT EXISTS (
    SELECT 1
    FROM police_uk_forces AS g
    WHERE
        g.scope = f.scope
        AND g.area_code = f.area_code
        AND g.counted
        AND m.month BETWEEN g.first_month AND g.last_month
        AND NOT EXISTS (
            SELECT 1 FROM police_uk_force_months AS x
            WHERE x.force = g.force AND x.month = m.month
        )
)
ORDER BY f.scope DESC, f.area_code, m.month;
