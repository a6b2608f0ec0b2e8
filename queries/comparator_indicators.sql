-- Which indicators can be compared with similar areas in a comparator group: those with counts for the group's areas (from the police.uk files or comparator_monthly.csv).
-- Grain: one row per indicator with comparator data in the group, in catalogue order; areas is the number of the group's areas with data, first_month and last_month the months covered.
-- Reads: indicators, comparator_counts, comparator_group_areas
-- Params:
--   $group (optional): a group id from comparator_groups.csv; default the first group
WITH members AS (
    SELECT area_code FROM comparator_group_areas
    WHERE group_id = coalesce($group, (SELECT group_id FROM comparator_group_areas ORDER BY group_order, group_id LIMIT 1))
)
SELECT i.indicator_id, i.label, i.unit, i.source,
       count(DISTINCT c.area_code)::BIGINT AS areas,
       strftime(min(c.month), '%Y-%m') AS first_month, strftime(max(c.month), '%Y-%m') AS last_month
FROM indicators i JOIN comparator_counts c USING (indicator_id)
WHERE c.area_code IN (SELECT area_code FROM members)
GROUP BY i.indicator_id, i.label, i.unit, i.source, i.rowid
ORDER BY i.rowid
