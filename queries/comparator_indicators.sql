-- Which indicators can be compared with similar areas: those with rows in comparator_monthly.csv.
-- Grain: one row per indicator with comparator data, in catalogue order; areas is the number of comparator areas, first_month and last_month the months covered.
-- Reads: indicators, comparator_monthly
-- Params: none
SELECT i.indicator_id, i.label, i.unit, i.source,
       count(DISTINCT c.area_code)::BIGINT AS areas,
       strftime(min(c.month), '%Y-%m') AS first_month, strftime(max(c.month), '%Y-%m') AS last_month
FROM indicators i JOIN comparator_monthly c USING (indicator_id)
GROUP BY i.indicator_id, i.label, i.unit, i.source, i.rowid
ORDER BY i.rowid
