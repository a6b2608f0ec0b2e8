-- How the partnership's rate of an indicator per 1,000 residents moved against similar areas, month by month.
-- Grain: one row per area of the comparator group per month with data (counts from the police.uk files or comparator_monthly.csv: comparator_counts). rate_12m_per_1000 is the annualised rate over the 12 months ending that month (total of those months * 1000 / population), NULL unless all 12 months have data (a missing month is never 0); population is the estimate for that month's year (else the nearest earlier, else the nearest later): the partnership's own area from population.csv (as on every other page), the others from comparator_population.csv; NULL, with a NULL rate, for an area with none. group_rate_12m_per_1000 is the same for all the areas with a population together (their totals over their populations), NULL unless every one of them has all 12 months (an area without that month's data, as where its force published no file, is never left out of the group's figure for that month alone: the group would be another group). is_partnership marks the partnership's own area.
-- Reads: partnership, comparator_counts, comparator_group_areas, comparator_estimate
-- Params:
--   $indicator (required): an indicator id from indicators.csv with comparator counts
--   $group (optional): a group id from comparator_groups.csv; default the first group
WITH members AS (
    SELECT area_code, area_name FROM comparator_group_areas
    WHERE group_id = coalesce($group, (SELECT group_id FROM comparator_group_areas ORDER BY group_order, group_id LIMIT 1))
), base AS (
    SELECT c.area_code, m.area_name, c.month, c.value
    FROM comparator_counts c JOIN members m USING (area_code)
    WHERE c.indicator_id = $indicator
), rolled AS (
    SELECT area_code, area_name, month, value,
           sum(value) OVER w AS total_12m, count(*) OVER w AS months_12m
    FROM base
    WINDOW w AS (PARTITION BY area_code ORDER BY month RANGE BETWEEN INTERVAL 11 MONTH PRECEDING AND CURRENT ROW)
), years AS (
    SELECT DISTINCT r.area_code, year(r.month) AS yr FROM rolled r
), pop AS (
    SELECT y.area_code, y.yr, comparator_estimate(y.area_code, y.yr).population AS population
    FROM years y
), rated AS (
    SELECT r.area_code, r.area_name, r.month, r.value, p.population,
           CASE WHEN r.months_12m = 12 THEN r.total_12m END AS total_12m
    FROM rolled r JOIN pop p ON p.area_code = r.area_code AND p.yr = year(r.month)
), grp AS (
    SELECT month, sum(total_12m) FILTER (WHERE population IS NOT NULL) * 1000.0 / sum(population) AS group_rate,
           count(total_12m) FILTER (WHERE population IS NOT NULL)
               = (SELECT count(DISTINCT area_code) FROM rated WHERE population IS NOT NULL) AS complete
    FROM rated GROUP BY month
)
SELECT r.area_code, r.area_name, r.area_code = (SELECT area_code FROM partnership) AS is_partnership,
       strftime(r.month, '%Y-%m') AS month, r.value::BIGINT AS value, r.population::BIGINT AS population,
       round(r.total_12m * 1000.0 / r.population, 2) AS rate_12m_per_1000,
       round(CASE WHEN g.complete THEN g.group_rate END, 2) AS group_rate_12m_per_1000
FROM rated r JOIN grp g USING (month)
ORDER BY r.month, r.area_name
