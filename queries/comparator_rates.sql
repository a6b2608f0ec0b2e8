-- How the partnership's rate of an indicator per 1,000 residents compares with similar areas, over 12 months.
-- Grain: one row per area of the comparator group with data in the period (counts from the police.uk files or comparator_monthly.csv: comparator_counts), highest rate first; an area with no population estimate has a NULL population, person_years and rate (last). total is the count over the months with data; person_years adds up, over those months, each month's population estimate / 12 (the exposure for the funnel plot), and rate_per_1000 = total / person_years * 1000: the same denominator as the Areas page. Each month's estimate is for that month's year (else the nearest earlier year, else the nearest later); the partnership's own area takes its estimates from population.csv (as every other page does), the other areas from comparator_population.csv. population is the estimate for the period's last year, for reference, and estimate_year the year of that estimate (areas' estimates may be of different years). is_partnership marks the partnership's own area.
-- Reads: partnership, comparator_counts, comparator_group_areas, comparator_estimate
-- Params:
--   $indicator (required): an indicator id from indicators.csv with comparator counts
--   $end_month (optional): last month YYYY-MM of the 12-month period; default the indicator's last month with counts in the group
--   $group (optional): a group id from comparator_groups.csv; default the first group
WITH members AS (
    SELECT area_code, area_name FROM comparator_group_areas
    WHERE group_id = coalesce($group, (SELECT group_id FROM comparator_group_areas ORDER BY group_order, group_id LIMIT 1))
), comparator_monthly AS (
    SELECT c.area_code, m.area_name, c.indicator_id, c.month, c.value
    FROM comparator_counts c JOIN members m USING (area_code)
), period AS (
    SELECT coalesce(strptime($end_month || '-01', '%Y-%m-%d')::DATE, max(month)) AS end_m
    FROM comparator_monthly WHERE indicator_id = $indicator
), span AS (
    SELECT (end_m - INTERVAL 11 MONTH)::DATE AS start_m, end_m FROM period
), counts AS (
    SELECT c.area_code, any_value(c.area_name) AS area_name, sum(c.value) AS total, count(*) AS months_with_data
    FROM comparator_monthly c, span
    WHERE c.indicator_id = $indicator AND c.month BETWEEN span.start_m AND span.end_m
    GROUP BY c.area_code
), comparator_months AS (
    SELECT c.area_code, c.month
    FROM comparator_monthly c, span
    WHERE c.indicator_id = $indicator AND c.month BETWEEN span.start_m AND span.end_m
), exposure AS (
    SELECT m.area_code, sum(comparator_estimate(m.area_code, year(m.month)).population) / 12.0 AS person_years
    FROM comparator_months m
    GROUP BY m.area_code
), pops AS (
    SELECT k.area_code, comparator_estimate(k.area_code, year(s.end_m)) AS estimate
    FROM counts k, span s
)
SELECT k.area_code, k.area_name,
       k.area_code = (SELECT area_code FROM partnership) AS is_partnership,
       strftime((SELECT start_m FROM span), '%Y-%m') AS start_month,
       strftime((SELECT end_m FROM span), '%Y-%m') AS end_month,
       k.total::BIGINT AS total,
       k.months_with_data::BIGINT AS months_with_data,
       p.estimate.population::BIGINT AS population,
       p.estimate.year::INTEGER AS estimate_year,
       round(e.person_years, 1) AS person_years,
       round(k.total / e.person_years * 1000, 2) AS rate_per_1000
FROM counts k JOIN pops p USING (area_code) JOIN exposure e USING (area_code)
ORDER BY rate_per_1000 DESC NULLS LAST, k.area_name
