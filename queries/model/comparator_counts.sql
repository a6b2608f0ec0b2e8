-- Every comparator count the Compare page uses: police.uk indicators counted from the files for the areas in area_lookup.csv, and the rows of comparator_monthly.csv (partner indicators, and areas outside the lookup).
-- Grain: one row per area, indicator and month with data. Validation rejects a comparator_monthly.csv row for an area and police.uk indicator counted from the files in any month a police.uk file holds, so no (area, indicator, month) comes from both. source says where the count comes from.
-- Builds: table comparator_counts
-- Reads: comparator_police_counts, comparator_monthly, comparator_group_areas
CREATE TABLE comparator_counts AS
SELECT
    c.area_code,
    n.area_name,
    c.indicator_id,
    c.month,
    c.value,
    'police.uk files' AS source
FROM comparator_police_counts AS c
INNER JOIN (
    SELECT
        area_code,
        any_value(area_name) AS area_name
    FROM comparator_group_areas
    GROUP BY area_code
) AS n ON c.area_code = n.area_code
UNION ALL
SELECT
    area_code,
    area_name,
    indicator_id,
    month,
    value,
    'comparator_monthly.csv' AS source
FROM comparator_monthly;
