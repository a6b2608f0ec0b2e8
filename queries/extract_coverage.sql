-- Which months each indicator has data for: its source, first and last month with data, and the months missing inside that period, as ranges.
-- Grain: one row per indicator in indicators.csv order; an indicator with no data has blank months and 0 months with data. missing_ranges lists each run of consecutive missing months as 'YYYY-MM to YYYY-MM' (or 'YYYY-MM' for one month), separated by '; '; blank when none is missing. incomplete_months lists the partner months left out because they had not ended when partner_monthly.csv was last written ('; '-separated; blank when none).
-- Reads: indicators, indicator_months, incomplete_months
-- Params: none
WITH bounds AS (
    SELECT indicator_id, min(month) AS first_m, max(month) AS last_m, count(DISTINCT month) AS n
    FROM indicator_months GROUP BY indicator_id
), calendar AS (
    SELECT indicator_id, unnest(generate_series(first_m, last_m, INTERVAL 1 MONTH))::DATE AS month
    FROM bounds
), missing AS (
    SELECT c.indicator_id, c.month,
           -- gaps and islands: consecutive missing months share (month index - row number)
           (year(c.month) * 12 + month(c.month))
             - row_number() OVER (PARTITION BY c.indicator_id ORDER BY c.month) AS island
    FROM calendar c
    ANTI JOIN indicator_months im ON im.indicator_id = c.indicator_id AND im.month = c.month
), runs AS (
    SELECT indicator_id, min(month) AS run_first, max(month) AS run_last, count(*) AS n
    FROM missing GROUP BY indicator_id, island
), ranges AS (
    SELECT indicator_id, sum(n)::BIGINT AS months_missing,
           string_agg(CASE WHEN run_first = run_last THEN strftime(run_first, '%Y-%m')
                           ELSE strftime(run_first, '%Y-%m') || ' to ' || strftime(run_last, '%Y-%m') END,
                      '; ' ORDER BY run_first) AS missing_ranges
    FROM runs GROUP BY indicator_id
), incomplete AS (
    SELECT indicator_id, string_agg(strftime(month, '%Y-%m'), '; ' ORDER BY month) AS incomplete_months
    FROM incomplete_months GROUP BY indicator_id
)
SELECT i.indicator_id, i.label,
       CASE WHEN i.police_uk_crime_type IS NULL THEN 'partner_monthly.csv' ELSE 'police_uk/' END AS extract,
       i.source,
       strftime(b.first_m, '%Y-%m') AS first_month,
       strftime(b.last_m, '%Y-%m') AS last_month,
       coalesce(b.n, 0)::BIGINT AS months_with_data,
       coalesce(r.months_missing, 0)::BIGINT AS months_missing,
       r.missing_ranges,
       x.incomplete_months
FROM indicators i
LEFT JOIN bounds b USING (indicator_id)
LEFT JOIN ranges r USING (indicator_id)
LEFT JOIN incomplete x USING (indicator_id)
ORDER BY i.rowid
