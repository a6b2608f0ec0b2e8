-- Dated events to mark on an indicator's charts (plan approvals, service changes, lockdowns, recording changes).
-- Grain: one row per event that applies to the indicator (events with a blank indicator apply to all), in date order.
-- Reads: events
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT strftime(event_date, '%Y-%m-%d') AS event_date, title, category, description
FROM events
WHERE indicator_id IS NULL OR indicator_id = $indicator
ORDER BY event_date
