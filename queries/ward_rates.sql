-- Which wards have the highest rate of an indicator per 1,000 residents, with the borough for reference.
-- Grain: one row per ward and one for the borough (area_type 'borough'), highest ward rate first. rate_per_1000 = total / person_years * 1000, where person_years adds up, over the months with data, each month's population estimate (for that month's year, else the nearest earlier year, else the nearest later) / 12: the same denominator on every page. Populations are of the indicator's population_group (all residents, or e.g. children). person_years is given unrounded (public: it comes from population estimates only), so each rate is round(total / person_years * 1000, 2) of the row's own figures; below borough level of a small-number indicator, of the published (rounded) total. population is the estimate for the period's last year, for reference, and estimate_year the year of that estimate (an earlier year's where ONS's estimates lag). Totals are NULL for wards when the indicator is recorded for the borough only.
-- Suppress: total (also rate_per_1000 = round(total / person_years * 1000, 2))
-- Reads: partnership, areas, indicators, indicator_months, total_horizons, population_of, estimate_year_of, fact_monthly
-- Params:
--   $indicator (required): an indicator id from indicators.csv
--   $start_month (optional): first month YYYY-MM; default 11 months before the end month
--   $end_month (optional): last month YYYY-MM; default the indicator's last month with data. For a small-number indicator (suppress_below above 1) no later than the end of the latest complete financial year (total_horizons), so by default its latest complete financial year
WITH pop_group AS (
    SELECT population_group AS grp FROM indicators WHERE indicator_id = $indicator
), period_end AS (
    -- a small-number indicator's totals end at the latest complete financial year at the latest (total_horizons)
    SELECT least(
        coalesce(strptime($end_month || '-01', '%Y-%m-%d')::DATE, max(month)),
        coalesce((SELECT horizon FROM total_horizons WHERE indicator_id = $indicator), DATE '9999-12-01')
    ) AS end_m
    FROM indicator_months WHERE indicator_id = $indicator
), span AS (
    SELECT coalesce(strptime($start_month || '-01', '%Y-%m-%d')::DATE, (end_m - INTERVAL 11 MONTH)::DATE) AS start_m, end_m
    FROM period_end
), covered AS (
    SELECT m.month FROM indicator_months m, span
    WHERE m.indicator_id = $indicator AND m.month BETWEEN span.start_m AND span.end_m
), targets AS (
    SELECT a.area_code, a.area_name, a.area_type,
           (i.geography = 'ward' OR a.area_type = 'borough') AS usable
    FROM areas a, partnership p, indicators i
    WHERE (a.area_code = p.area_code OR a.parent_code = p.area_code) AND i.indicator_id = $indicator
), counts AS (
    SELECT t.area_code, sum(f.value) AS total
    FROM targets t
    JOIN areas a ON a.area_code = t.area_code OR a.parent_code = t.area_code
    JOIN fact_monthly f ON f.area_code = a.area_code AND f.indicator_id = $indicator
    JOIN covered c ON c.month = f.month
    GROUP BY t.area_code
), exposure AS (
    SELECT t.area_code, sum(population_of(t.area_code, year(c.month), (SELECT grp FROM pop_group))) / 12.0 AS person_years
    FROM targets t, covered c
    GROUP BY t.area_code
), joined AS (
    SELECT t.area_code, t.area_name, t.area_type,
           CASE WHEN t.usable THEN coalesce(c.total, 0) END AS total,
           CASE WHEN t.usable THEN (SELECT count(*) FROM covered) END AS months_with_data,
           population_of(t.area_code, (SELECT year(end_m) FROM span), (SELECT grp FROM pop_group)) AS population,
           estimate_year_of(t.area_code, (SELECT year(end_m) FROM span), (SELECT grp FROM pop_group)) AS estimate_year,
           CASE WHEN t.usable THEN e.person_years END AS person_years
    FROM targets t LEFT JOIN counts c USING (area_code) LEFT JOIN exposure e USING (area_code)
)
SELECT area_code, area_name, area_type,
       strftime((SELECT start_m FROM span), '%Y-%m') AS start_month,
       strftime((SELECT end_m FROM span), '%Y-%m') AS end_month,
       (SELECT date_diff('month', start_m, end_m) + 1 FROM span)::BIGINT AS months_in_period,
       total::BIGINT AS total,
       months_with_data::BIGINT AS months_with_data,
       population::BIGINT AS population,
       estimate_year::INTEGER AS estimate_year,
       person_years,  -- full precision: the rate's denominator, so the rate can be checked against it
       round(total / nullif(person_years, 0) * 1000, 2) AS rate_per_1000
FROM joined
ORDER BY area_type = 'borough', rate_per_1000 DESC NULLS LAST, area_name
