-- One indicator's months lined up by month of plan cycle, so that cycles can be compared on one axis.
-- Grain: one row per plan cycle per month of the cycle (1 = the cycle's first month); value is NULL where the month has no data or has not happened yet.
-- Suppress: value
-- Reads: plan_cycles, series
-- Params:
--   $indicator (required): an indicator id from indicators.csv
--   $area (optional): an area code from areas.csv; default the partnership's area
WITH months AS (
    SELECT c.cycle_id, c.start_month,
           unnest(generate_series(c.start_month, c.end_month, INTERVAL 1 MONTH))::DATE AS month
    FROM plan_cycles c
)
SELECT m.cycle_id,
       (date_diff('month', m.start_month, m.month) + 1)::BIGINT AS month_of_cycle,
       strftime(m.month, '%Y-%m') AS month,
       s.value
FROM months m
LEFT JOIN series($indicator, $area) s USING (month)
ORDER BY m.start_month, m.month
