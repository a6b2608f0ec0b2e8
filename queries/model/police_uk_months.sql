-- The months police.uk has data for in each area counted from the files (the partnership, each comparator area): a month in which a force counted for the area (police_uk_forces) has a file, and no counted force lacks one that should have it: one whose files span the month, or one that shares the area (it has a file in a month another counted force has one) whose files end before the month (start after it) with no counted force starting after its last file (ending before its first): a force's later name takes over from it, while a force that shares the area and is missing from the latest release leaves those months missing. So a month for which only other forces have files (the area's force published nothing that month), or one of two forces sharing the area has none, is missing for every police.uk indicator, never 0; with no force counted, no month has data.
-- Grain: one row per scope, area and calendar month with data for the police.uk indicators.
-- Builds: table police_uk_months
-- Reads: police_uk_force_months, police_uk_forces
CREATE TABLE police_uk_months AS
WITH counted AS (
    SELECT * FROM police_uk_forces WHERE counted
),

sharing AS (
    SELECT DISTINCT
        a.scope,
        a.area_code,
        a.force
    FROM counted AS a
    INNER JOIN counted AS b ON a.scope = b.scope AND a.area_code = b.area_code AND a.force <> b.force
    INNER JOIN police_uk_force_months AS x ON a.force = x.force
    INNER JOIN police_uk_force_months AS y ON b.force = y.force AND x.month = y.month
)

SELECT DISTINCT
    f.scope,
    f.area_code,
    m.month
FROM police_uk_force_months AS m
INNER JOIN counted AS f ON m.force = f.force
WHERE NOT EXISTS (
    SELECT 1
    FROM counted AS g
    WHERE
        g.scope = f.scope
        AND g.area_code = f.area_code
        AND NOT EXISTS (
            SELECT 1 FROM police_uk_force_months AS x
            WHERE x.force = g.force AND x.month = m.month
        )
        AND (
            m.month BETWEEN g.first_month AND g.last_month
            OR (
                g.force IN (SELECT k.force FROM sharing AS k WHERE k.scope = g.scope AND k.area_code = g.area_code)
                AND m.month > g.last_month
                AND NOT EXISTS (
                    SELECT 1 FROM counted AS h
                    WHERE h.scope = g.scope AND h.area_code = g.area_code AND h.first_month > g.last_month
                )
            )
            OR (
                g.force IN (SELECT k.force FROM sharing AS k WHERE k.scope = g.scope AND k.area_code = g.area_code)
                AND m.month < g.first_month
                AND NOT EXISTS (
                    SELECT 1 FROM counted AS h
                    WHERE h.scope = g.scope AND h.area_code = g.area_code AND h.last_month < g.first_month
                )
            )
        )
)
ORDER BY f.scope DESC, f.area_code, m.month;
