-- The comparator groups the Compare page offers, with each group's areas and where their counts come from.
-- Grain: one row per group and area, groups in the order of comparator_groups.csv (one group of every area in comparator_monthly.csv without that file), areas by name. from_police_uk: its police.uk indicators are counted from police_uk/; has_population: it has a population estimate for rates (the partnership's own area in population.csv, the others in comparator_population.csv); is_partnership marks the partnership's own area.
-- Reads: comparator_group_areas, comparator_population, population, partnership
-- Params: none
SELECT g.group_id, g.group_name, g.area_code, g.area_name, g.from_police_uk,
       g.area_code = (SELECT area_code FROM partnership) AS is_partnership,
       CASE WHEN g.area_code = (SELECT area_code FROM partnership)
            THEN EXISTS (SELECT 1 FROM population p WHERE p.area_code = g.area_code AND p.population_group = 'all')
            ELSE EXISTS (SELECT 1 FROM comparator_population p WHERE p.area_code = g.area_code) END AS has_population
FROM comparator_group_areas g
ORDER BY g.group_order, g.group_id, g.area_name
