-- The priorities of one plan cycle and every indicator that evidences each of them.
-- Grain: one row per indicator per priority of the cycle, in the plan's order; a priority with no indicator has one row with an empty indicator_id.
-- Reads: indicators, priorities, priority_indicators
-- Params:
--   $cycle (required): a cycle id from plan_cycles.csv
SELECT p.cycle_id, p.priority_id, p.title AS priority_title, p.description, p.illustrative,
       pi.indicator_id, i.label, i.unit, i.good_direction, i.geography, i.source, i.caveats,
       coalesce(pi.headline, false) AS headline
FROM priorities p
LEFT JOIN priority_indicators pi ON pi.cycle_id = p.cycle_id AND pi.priority_id = p.priority_id
LEFT JOIN indicators i ON i.indicator_id = pi.indicator_id
WHERE p.cycle_id = $cycle
ORDER BY p.rowid, pi.rowid
