-- Dated events to mark on an indicator's charts (plan approvals, service changes, lockdowns, recording changes).
-- Grain: one row per event that applies to the indicator, in date order: events naming the indicator, and events
--   with a blank indicator whose source is blank or the indicator's own (police_uk or partner), so a gap in
--   police.uk's data is not drawn on a partner's series.
-- Reads: events, indicators
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT strftime(e.event_date, '%Y-%m-%d') AS event_date, e.title, e.category, e.description
FROM events AS e
WHERE e.indicator_id = $indicator
    OR (
        e.indicator_id IS NULL
        AND (
            coalesce(e.source, '') = ''
            OR e.source = (
                SELECT CASE WHEN i.police_uk_crime_type IS NULL THEN 'partner' ELSE 'police_uk' END
                FROM indicators AS i
                WHERE i.indicator_id = $indicator
            )
        )
    )
ORDER BY e.event_date
