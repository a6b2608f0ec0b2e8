-- population_for(area, year): the all-residents population estimate of an area for a year, else the nearest earlier year, else the nearest later.
-- Grain: one value (NULL when the area has no all-residents estimate).
-- Builds: macro population_for(ar, yr)
-- Reads: population
CREATE MACRO population_for(ar, yr) AS (
    SELECT population FROM population
    WHERE area_code = ar AND population_group = 'all'
    ORDER BY (year > yr), abs(year - yr)
    LIMIT 1
);
