-- How one indicator moved from plan cycle to plan cycle: total and monthly mean over the months that have data.
-- Grain: one row per plan cycle, in time order. monthly_mean = total / months_with_data (2 d.p.); change_in_whole_cycle_means_pct compares the monthly means of all their months with data with the previous cycle's (1 d.p.; NULL for the first cycle or when either cycle has no data): not the change the verdict tests, which compares matched calendar months (`python -m safer explain --compare cycle`). Below borough level a small-number indicator's totals count the months up to the end of the latest complete financial year only (total_series).
-- Suppress: total (also monthly_mean = round(total / months_with_data, 2), change_in_whole_cycle_means_pct)
-- Reads: plan_cycles, total_series
-- Params:
--   $indicator (required): an indicator id from indicators.csv, e.g. asb
--   $area (optional): an area code from areas.csv; default the partnership's area
WITH s AS (
    SELECT * FROM total_series($indicator, $area)  -- below borough level, small numbers: to a financial year's end
), per_cycle AS (
    SELECT c.cycle_id, c.start_month,
           date_diff('month', c.start_month, c.end_month) + 1 AS months_in_cycle,
           count(s.month) AS months_with_data,
           sum(s.value) AS total
    FROM plan_cycles c
    LEFT JOIN s ON s.month BETWEEN c.start_month AND c.end_month
    GROUP BY c.cycle_id, c.start_month, c.end_month
), means AS (
    SELECT *, total / nullif(months_with_data, 0) AS mean_exact FROM per_cycle
)
SELECT cycle_id,
       months_in_cycle::BIGINT AS months_in_cycle,
       months_with_data::BIGINT AS months_with_data,
       total::BIGINT AS total,
       round(mean_exact, 2) AS monthly_mean,
       round((mean_exact - lag(mean_exact) OVER w) / nullif(lag(mean_exact) OVER w, 0) * 100, 1) AS change_in_whole_cycle_means_pct
FROM means
WINDOW w AS (ORDER BY start_month)
ORDER BY start_month
