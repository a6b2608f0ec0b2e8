-- comparator_estimate(area, year): the population estimate a comparator group's area has for a year, and that estimate's year (the year's own, else the nearest earlier year, else the nearest later): the partnership's own area from population.csv (as on every other page; comparator_population.csv only when population.csv has none for it), every other area from comparator_population.csv. One rule for the comparator rates' exposure, their reference population and its year, and the comparator trend.
-- Grain: one STRUCT(population, year) (NULL when the area has no estimate).
-- Builds: macro comparator_estimate(ar, yr)
-- Reads: partnership, population, comparator_population
CREATE MACRO comparator_estimate(ar, yr) AS (
    SELECT {'population': e.population, 'year': e.year}
    FROM (
        SELECT p.population, p.year, 0 AS source FROM population AS p
        WHERE p.area_code = ar AND p.population_group = 'all' AND ar = (SELECT area_code FROM partnership)
        UNION ALL
        SELECT c.population, c.year, 1 AS source FROM comparator_population AS c
        WHERE c.area_code = ar
    ) AS e
    ORDER BY e.source, (e.year > yr), abs(e.year - yr)
    LIMIT 1
);
