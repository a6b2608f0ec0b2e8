-- Each plan cycle's priorities with the indicators that evidence them, their baseline and target, and the status rule that applies.
-- Grain: one row per indicator per priority per plan cycle, in plan order. Baseline and target are monthly means for the whole area (NULL when not set). The rule is the most specific row of status_rules.csv for the cycle and indicator (cycle and indicator, then indicator, then cycle, then the rule for everything); rule columns are NULL when none applies.
-- Reads: indicators, plan_cycles, priorities, priority_indicators, targets, status_rules
-- Params:
--   $cycle (optional): a cycle id from plan_cycles.csv; default every cycle
WITH ranked AS (
    SELECT pi.cycle_id, pi.priority_id, pi.indicator_id, r.rule_id, r.description AS rule_description,
           r.on_track_min_progress_pct, r.at_risk_min_progress_pct, r.min_months_with_data,
           row_number() OVER (PARTITION BY pi.cycle_id, pi.priority_id, pi.indicator_id
                              ORDER BY 2 * (r.indicator_id IS NOT NULL)::INT + (r.cycle_id IS NOT NULL)::INT DESC) AS rn
    FROM priority_indicators pi
    JOIN status_rules r ON (r.cycle_id IS NULL OR r.cycle_id = pi.cycle_id)
                       AND (r.indicator_id IS NULL OR r.indicator_id = pi.indicator_id)
)
SELECT c.cycle_id, c.title AS cycle_title,
       strftime(c.start_month, '%Y-%m') AS cycle_start, strftime(c.end_month, '%Y-%m') AS cycle_end,
       p.priority_id, p.title AS priority_title, p.illustrative,
       i.indicator_id, i.label, i.unit, i.good_direction, pi.headline,
       t.baseline_monthly_mean, t.baseline_period, t.target_monthly_mean, t.note AS target_note,
       r.rule_id, r.rule_description, r.on_track_min_progress_pct, r.at_risk_min_progress_pct,
       r.min_months_with_data
FROM priority_indicators pi
JOIN plan_cycles c ON c.cycle_id = pi.cycle_id
JOIN priorities p ON p.cycle_id = pi.cycle_id AND p.priority_id = pi.priority_id
JOIN indicators i ON i.indicator_id = pi.indicator_id
LEFT JOIN targets t ON t.cycle_id = pi.cycle_id AND t.indicator_id = pi.indicator_id
LEFT JOIN ranked r ON r.cycle_id = pi.cycle_id AND r.priority_id = pi.priority_id
                  AND r.indicator_id = pi.indicator_id AND r.rn = 1
WHERE $cycle IS NULL OR pi.cycle_id = $cycle
ORDER BY c.start_month, p.rowid, pi.rowid
