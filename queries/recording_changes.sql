-- Changes in how figures were recorded or supplied (events of category 'recording'), which break the comparability of a series.
-- Grain: one row per recording event in events.csv, in date order; indicator_id is blank when the change applies to every
--   indicator (of source, when source is police_uk or partner).
-- Reads: events
-- Params: none
SELECT strftime(event_date, '%Y-%m-%d') AS event_date, title, indicator_id, nullif(source, '') AS source, description
FROM events
WHERE category = 'recording'
ORDER BY event_date, title
