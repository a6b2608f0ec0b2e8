-- What residents say against what is recorded: each survey result set against an indicator, with the indicator's recorded monthly mean over the same months.
-- Grain: one row per survey row of consultation.csv set against the indicator, by question, answer and period. recorded_monthly_mean = recorded total / months with data in the survey period (2 d.p.; NULL when no month has data, never 0). Below borough level a small-number indicator's totals count the months up to the end of the latest complete financial year only (total_series).
-- Suppress: recorded_total (also recorded_monthly_mean = round(recorded_total / months_with_data, 2))
-- Reads: consultation, total_series
-- Params:
--   $indicator (required): an indicator id from indicators.csv
--   $area (optional): an area code from areas.csv; default the partnership's area
WITH s AS (
    SELECT * FROM total_series($indicator, $area)  -- below borough level, small numbers: to a financial year's end
)
SELECT c.source, c.period, strftime(c.start_month, '%Y-%m') AS start_month, strftime(c.end_month, '%Y-%m') AS end_month,
       c.theme, c.question, c.answer, c.respondents, c.agreeing, c.synthetic,
       (date_diff('month', c.start_month, c.end_month) + 1)::BIGINT AS months_in_period,
       count(s.month)::BIGINT AS months_with_data,
       sum(s.value)::BIGINT AS recorded_total,
       round(sum(s.value) / nullif(count(s.month), 0), 2) AS recorded_monthly_mean
FROM consultation c
LEFT JOIN s ON s.month BETWEEN c.start_month AND c.end_month
WHERE c.indicator_id = $indicator AND c.source_type = 'survey'
GROUP BY ALL
ORDER BY c.question, c.answer, start_month
