-- Monthly count of one indicator in one area, with missing months left empty.
-- Grain: one row per calendar month from the indicator's first to its last month with data; value is NULL for a month with no data (never 0).
-- Suppress: value
-- Reads: indicator_months, series
-- Params:
--   $indicator (required): an indicator id from indicators.csv, e.g. asb
--   $area (optional): an area code from areas.csv (the borough or a ward); default the partnership's area
WITH bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month
    FROM indicator_months WHERE indicator_id = $indicator
), calendar AS (
    SELECT unnest(generate_series(first_month, last_month, INTERVAL 1 MONTH))::DATE AS month FROM bounds
)
SELECT strftime(c.month, '%Y-%m') AS month, s.value
FROM calendar c
LEFT JOIN series($indicator, $area) s USING (month)
ORDER BY c.month
