-- How many residents an area had in each year an indicator has data for, in the indicator's population group: the denominator of a rate, so a verdict can compare rates where the population changed.
-- Grain: one row per calendar year with data for the indicator, earliest first; population by the rule of population.csv (that year's estimate, else the nearest earlier year, else the nearest later), and estimate_year, the year of the estimate used (another year where ONS's estimates lag); NULL when the area has no estimate for the group.
-- Reads: partnership, indicators, indicator_months, population_of, estimate_year_of
-- Params:
--   $indicator (required): an indicator id from indicators.csv
--   $area (optional): an area code from areas.csv; default the partnership's area
WITH target AS (
    SELECT coalesce($area, (SELECT area_code FROM partnership)) AS area_code
),

pop_group AS (
    SELECT population_group AS grp FROM indicators WHERE indicator_id = $indicator
),

years AS (
    SELECT DISTINCT year(month) AS yr FROM indicator_months WHERE indicator_id = $indicator
)

SELECT
    y.yr AS year,
    population_of((SELECT area_code FROM target), y.yr, (SELECT grp FROM pop_group))::DOUBLE AS population,
    estimate_year_of((SELECT area_code FROM target), y.yr, (SELECT grp FROM pop_group)) AS estimate_year
FROM years AS y
ORDER BY y.yr
