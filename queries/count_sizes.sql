-- How many of a partner indicator's rows hold each count: the shape of its extract's small counts, to see whether an export left them out.
-- Grain: one row per count above 0 held by at least one (month, area) row of the indicator at its finest area (a ward, or the borough for a borough-only indicator), smallest first; no rows for a police.uk indicator (its rows are records, counted here).
-- Reads: fact_monthly, indicators
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT f.value AS count, count(*)::BIGINT AS rows
FROM fact_monthly AS f
INNER JOIN indicators AS i ON f.indicator_id = i.indicator_id
WHERE f.indicator_id = $indicator
    AND coalesce(i.police_uk_crime_type, '') = ''
    AND f.value > 0
GROUP BY f.value
ORDER BY f.value
