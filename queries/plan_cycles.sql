-- The partnership's plan cycles.
-- Grain: one row per plan cycle, in time order; months as YYYY-MM, inclusive.
-- Reads: plan_cycles
-- Params: none
SELECT cycle_id, title, strftime(start_month, '%Y-%m') AS start_month, strftime(end_month, '%Y-%m') AS end_month,
       strftime(approved_on, '%Y-%m-%d') AS approved_on, decision_ref
FROM plan_cycles
ORDER BY start_month
