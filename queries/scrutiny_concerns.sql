-- Concerns raised at scrutiny, the response, the follow-up asked for and its status, with the indicator whose trend answers each.
-- Grain: one row per concern, by meeting date then file order. label is NULL when the concern has no indicator. has_consultation is true when consultation.csv has survey rows set against the same indicator.
-- Reads: indicators, scrutiny_concerns, consultation
-- Params:
--   $follow_up_status (optional): open, answered or closed; default every concern
SELECT s.concern_id, strftime(s.meeting_date, '%Y-%m-%d') AS meeting_date, s.committee, s.topic,
       s.indicator_id, i.label, s.concern, s.response, s.follow_up, s.follow_up_status, s.source, s.illustrative,
       EXISTS (SELECT 1 FROM consultation c WHERE c.indicator_id = s.indicator_id AND c.source_type = 'survey')
           AS has_consultation
FROM scrutiny_concerns s
LEFT JOIN indicators i ON i.indicator_id = s.indicator_id
WHERE $follow_up_status IS NULL OR s.follow_up_status = $follow_up_status
ORDER BY s.meeting_date, s.rowid
