-- population_of(area, year, group): the same as population_for for one population group (e.g. children), by the same rule.
-- Grain: one value (NULL when the area has no estimate for the group).
-- Builds: macro population_of(ar, yr, grp)
-- Reads: population
CREATE MACRO population_of(ar, yr, grp) AS (
    SELECT population FROM population
    WHERE area_code = ar AND population_group = grp
    ORDER BY (year > yr), abs(year - yr)
    LIMIT 1
);
