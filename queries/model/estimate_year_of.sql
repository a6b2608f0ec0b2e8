-- estimate_year_of(area, year, group): the year of the population estimate population_of takes for an area, year and population group (that year's own, else the nearest earlier year, else the nearest later), so a rate can say how old its denominator is.
-- Grain: one value (NULL when the area has no estimate for the group).
-- Builds: macro estimate_year_of(ar, yr, grp)
-- Reads: population
CREATE MACRO estimate_year_of(ar, yr, grp) AS (
    SELECT year FROM population
    WHERE area_code = ar AND population_group = grp
    ORDER BY (year > yr), abs(year - yr)
    LIMIT 1
);
