-- The comparator groups the Compare page offers and their areas: the groups of comparator_groups.csv, or, without that file, one group of every area in comparator_monthly.csv.
-- Grain: one row per group and area. group_order is the group's place in the file (first group first); from_police_uk is true for an area whose police.uk indicators are counted from police_uk/ (in a group of comparator_groups.csv and in area_lookup.csv).
-- Builds: table comparator_group_areas
-- Reads: comparator_groups, comparator_monthly, area_lookup
CREATE TABLE comparator_group_areas AS
SELECT
    g.group_id,
    g.group_name,
    min(g.rowid) OVER (PARTITION BY g.group_id) AS group_order,
    g.area_code,
    g.area_name,
    g.area_code IN (SELECT lad_code FROM area_lookup) AS from_police_uk
FROM comparator_groups AS g
UNION ALL
SELECT
    'similar-areas' AS group_id,
    'Similar areas' AS group_name,
    0 AS group_order,
    area_code,
    any_value(area_name) AS area_name,
    false AS from_police_uk
FROM comparator_monthly
WHERE NOT EXISTS (SELECT 1 FROM comparator_groups)
GROUP BY area_code;
