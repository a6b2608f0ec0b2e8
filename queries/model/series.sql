-- series(indicator, area): the monthly count of one indicator in one area (the area's own rows plus its wards' rows).
-- Grain: one row per month WITH data for the indicator, earliest first; value is 0 when none were recorded that month. No row for a month without data: a missing month is never 0. An area finer than the indicator's geography (a ward for a borough-only indicator) has no rows. area NULL means the partnership's area.
-- Builds: macro series(ind, ar)
-- Reads: areas, partnership, indicators, fact_monthly, indicator_months
CREATE MACRO series(ind, ar) AS TABLE
WITH target AS (
    SELECT area_code, area_type FROM areas
    WHERE area_code = coalesce(ar, (SELECT area_code FROM partnership))
),

usable AS (
    SELECT count(*) > 0 AS ok FROM indicators AS i, target AS t
    WHERE i.indicator_id = ind AND (i.geography = 'ward' OR t.area_type = 'borough')
),

counts AS (
    SELECT
        f.month,
        sum(f.value) AS value
    FROM fact_monthly AS f
    INNER JOIN areas AS a ON f.area_code = a.area_code
    CROSS JOIN target AS t
    WHERE f.indicator_id = ind AND (a.area_code = t.area_code OR a.parent_code = t.area_code)
    GROUP BY f.month
)

SELECT
    im.month,
    coalesce(c.value, 0)::BIGINT AS value
FROM indicator_months AS im
LEFT JOIN counts AS c ON im.month = c.month
WHERE im.indicator_id = ind AND (SELECT ok FROM usable)
ORDER BY im.month;
