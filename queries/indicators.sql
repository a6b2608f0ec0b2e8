-- The indicator catalogue: what each indicator counts, its unit, its good direction, its caveats and whom its rates are per 1,000 of (rate_per).
-- Grain: one row per indicator, with the first and last month that has data.
-- Reads: indicators, indicator_months
-- Params: none
WITH coverage AS (
    SELECT indicator_id, min(month) AS first_m, max(month) AS last_m, count(*) AS n
    FROM indicator_months GROUP BY indicator_id
)
SELECT i.indicator_id, i.label, i.unit, i.good_direction, i.suppress_below, i.geography,
       i.police_uk_crime_type, i.source, i.caveats, i.population_group,
       CASE WHEN i.population_group = 'all' THEN 'residents' ELSE i.population_group END AS rate_per,
       strftime(c.first_m, '%Y-%m') AS first_month,
       strftime(c.last_m, '%Y-%m') AS last_month,
       coalesce(c.n, 0)::BIGINT AS months_with_data
FROM indicators i
LEFT JOIN coverage c USING (indicator_id)
ORDER BY i.rowid
