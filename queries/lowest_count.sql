-- Whether a partner indicator's extract looks as if its small counts were left out: its lowest count above 0 at its finest area, and how many (month, area) rows hold that count and the one above it (what contract.small_counts_left_out weighs).
-- Grain: one row; none for a police.uk indicator (its rows are records, counted here) or one with no count above 0. rows_at_lowest and rows_one_above are given only when the lowest count is 2 or more (no row holds 1: the case the rule looks at); otherwise how many rows hold each small count is not shown. They count rows, not people, and describe the whole extract, no one area or month.
-- Reads: fact_monthly, indicators
-- Params:
--   $indicator (required): an indicator id from indicators.csv
WITH sizes AS (
    SELECT f.value, count(*)::BIGINT AS n
    FROM fact_monthly AS f
    INNER JOIN indicators AS i ON f.indicator_id = i.indicator_id
    WHERE f.indicator_id = $indicator
        AND coalesce(i.police_uk_crime_type, '') = ''
        AND f.value > 0
    GROUP BY f.value
), low AS (
    SELECT min(value) AS lowest FROM sizes
)
SELECT
    low.lowest::BIGINT AS lowest,
    CASE WHEN low.lowest >= 2 THEN (SELECT n FROM sizes WHERE value = low.lowest) END AS rows_at_lowest,
    CASE WHEN low.lowest >= 2 THEN coalesce((SELECT n FROM sizes WHERE value = low.lowest + 1), 0) END AS rows_one_above
FROM low
WHERE low.lowest IS NOT NULL
