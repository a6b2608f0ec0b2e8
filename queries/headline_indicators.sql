-- Which indicators evidence each priority of a plan cycle, with what the Overview needs to colour them.
-- Grain: one row per indicator per priority of the cycle, headline indicators only, in the plan's order.
-- Reads: indicators, plan_cycles, priorities, priority_indicators, indicator_months
-- Params:
--   $cycle (optional): a cycle id from plan_cycles.csv; default the latest cycle with headline indicators that has started by the last month with data
WITH chosen AS (
    SELECT coalesce($cycle, (
        SELECT cycle_id FROM plan_cycles
        WHERE start_month <= (SELECT max(month) FROM indicator_months)
          AND cycle_id IN (SELECT cycle_id FROM priority_indicators WHERE headline)
        ORDER BY start_month DESC LIMIT 1)) AS cycle_id
)
SELECT p.cycle_id, p.priority_id, p.title AS priority_title, p.illustrative,
       i.indicator_id, i.label, i.unit, i.good_direction, i.geography, i.suppress_below, i.caveats
FROM priority_indicators pi
JOIN chosen c ON pi.cycle_id = c.cycle_id
JOIN priorities p ON p.cycle_id = pi.cycle_id AND p.priority_id = pi.priority_id
JOIN indicators i ON i.indicator_id = pi.indicator_id
WHERE pi.headline
ORDER BY p.rowid, pi.rowid
