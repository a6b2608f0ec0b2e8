-- published_windows(indicator): the periods a small-number indicator's totals below borough level are published for: its latest complete financial year (the 12 months to its horizon, total_horizons) and each plan cycle started by then, to its end or that horizon. A ward's total over any other period, set beside its months (each published rounded on its own) and these totals, can give withheld months away: a survey period of two months totalling 10, beside two months shown as `<5`, says both were 4.
-- Grain: one row per period (start_month, end_month: DATEs; each period once), ord 0 for the financial year, then the plan cycles in time order (a cycle whose period is that year's is that row); no rows for an indicator that is not a small-number one (its totals may be of any period).
-- Builds: macro published_windows(ind)
-- Reads: total_horizons, plan_cycles
CREATE MACRO published_windows(ind) AS TABLE
WITH h AS (
    SELECT horizon FROM total_horizons WHERE indicator_id = ind AND horizon IS NOT NULL
)

SELECT
    0 AS ord,
    (h.horizon - INTERVAL 11 MONTH)::DATE AS start_month,
    h.horizon AS end_month
FROM h
UNION ALL
SELECT
    row_number() OVER (ORDER BY c.start_month) AS ord,
    c.start_month,
    least(c.end_month, h.horizon) AS end_month
FROM plan_cycles AS c, h
WHERE
    c.start_month <= h.horizon
    -- a cycle that is that financial year (it started then and runs past it) is the same period: once
    AND NOT (c.start_month = (h.horizon - INTERVAL 11 MONTH)::DATE AND c.end_month >= h.horizon);
