-- What residents say against what is recorded: each survey result set against an indicator, with the indicator's recorded monthly mean over the same months.
-- Grain: one row per survey row of consultation.csv set against the indicator, by question, answer and period. recorded_monthly_mean = recorded total / months with data in the survey period (2 d.p.; NULL when no month has data, never 0). Below borough level a small-number indicator's totals count the months up to the end of the latest complete financial year only (total_series), and are given only where the months a survey's period counts are one of the periods the ward totals are published for (published_windows: that financial year and each plan cycle to the end of one) or a single month: a total over any other period, set beside the months and the published totals, gave withheld months away. Otherwise recorded_total and recorded_monthly_mean are NULL and recorded_note says why; recorded_note also says when the months counted stop before the period's end.
-- Suppress: recorded_total (also recorded_monthly_mean = round(recorded_total / months_with_data, 2))
-- Reads: consultation, total_series, total_horizons, published_windows, areas, partnership
-- Params:
--   $indicator (required): an indicator id from indicators.csv
--   $area (optional): an area code from areas.csv; default the partnership's area
WITH s AS (
    SELECT * FROM total_series($indicator, $area)  -- below borough level, small numbers: to a financial year's end
), held AS (
    -- below borough level, a small-number indicator: the last month its totals count (one row); otherwise none
    SELECT horizon FROM total_horizons
    WHERE indicator_id = $indicator AND horizon IS NOT NULL
      AND (SELECT area_type FROM areas WHERE area_code = coalesce($area, (SELECT area_code FROM partnership))) <> 'borough'
), surveys AS (
    SELECT c.source, c.period, c.start_month, c.end_month, c.theme, c.question, c.answer, c.respondents, c.agreeing,
           c.synthetic, h.horizon,
           -- the months counted are the period's up to the horizon: a published period, or a single month
           h.horizon IS NULL
               OR c.start_month = least(c.end_month, h.horizon)
               OR EXISTS (SELECT 1 FROM published_windows($indicator) AS w
                          WHERE w.start_month = c.start_month AND w.end_month = least(c.end_month, h.horizon))
               AS published
    FROM consultation c
    LEFT JOIN held h ON true
    WHERE c.indicator_id = $indicator AND c.source_type = 'survey'
), counted AS (
    SELECT c.*, count(s.month) AS n, sum(s.value) AS total
    FROM surveys c
    LEFT JOIN s ON s.month BETWEEN c.start_month AND c.end_month
    GROUP BY ALL
)
SELECT source, period, strftime(start_month, '%Y-%m') AS start_month, strftime(end_month, '%Y-%m') AS end_month,
       theme, question, answer, respondents, agreeing, synthetic,
       (date_diff('month', start_month, end_month) + 1)::BIGINT AS months_in_period,
       n::BIGINT AS months_with_data,
       CASE WHEN published THEN total END::BIGINT AS recorded_total,
       CASE WHEN published THEN round(total / nullif(n, 0), 2) END AS recorded_monthly_mean,
       CASE
           WHEN horizon IS NULL THEN NULL
           WHEN start_month > horizon THEN
               'small numbers: in a ward totals stop at the end of the latest complete financial year ('
               || strftime(horizon, '%Y-%m') || '); this period is after it'
           WHEN NOT published THEN
               'withheld (small numbers): in a ward totals are given for the latest complete financial '
               || 'year and each plan cycle only, not for this period'
           WHEN end_month > horizon THEN
               'small numbers: counts the months to ' || strftime(horizon, '%Y-%m')
               || ' only (the end of the latest complete financial year)'
       END AS recorded_note
FROM counted
ORDER BY question, answer, start_month, end_month, source, period
