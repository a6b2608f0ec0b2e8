-- Which priorities each plan cycle carried forward from the previous cycle, which are new, and which it dropped.
-- Grain: one row per plan cycle per priority that is in the cycle or was in the previous cycle, in cycle order. change is 'first plan' (the first cycle), 'carried forward' (same priority_id in the previous cycle), 'new' (not in the previous cycle) or 'dropped' (in the previous cycle, not in this one; title and illustrative are the previous cycle's). reworded is true when a carried-forward priority's title changed.
-- Reads: plan_cycles, priorities
-- Params: none
WITH c AS (
    SELECT cycle_id, title AS cycle_title, start_month, row_number() OVER (ORDER BY start_month) AS n
    FROM plan_cycles
), pairs AS (
    SELECT cur.cycle_id, cur.cycle_title, cur.start_month, cur.n, prev.cycle_id AS previous_cycle_id
    FROM c cur LEFT JOIN c prev ON prev.n = cur.n - 1
), keys AS (
    SELECT DISTINCT pr.cycle_id, p.priority_id
    FROM pairs pr JOIN priorities p ON p.cycle_id = pr.cycle_id OR p.cycle_id = pr.previous_cycle_id
)
SELECT pr.cycle_id, pr.cycle_title, strftime(pr.start_month, '%Y-%m') AS start_month, pr.previous_cycle_id,
       k.priority_id,
       CASE WHEN pr.previous_cycle_id IS NULL THEN 'first plan'
            WHEN now_p.priority_id IS NOT NULL AND prev_p.priority_id IS NOT NULL THEN 'carried forward'
            WHEN now_p.priority_id IS NOT NULL THEN 'new'
            ELSE 'dropped' END AS change,
       coalesce(now_p.title, prev_p.title) AS title,
       coalesce(now_p.description, prev_p.description) AS description,
       coalesce(now_p.illustrative, prev_p.illustrative) AS illustrative,
       prev_p.title AS previous_title,
       (now_p.title IS NOT NULL AND prev_p.title IS NOT NULL AND now_p.title <> prev_p.title) AS reworded
FROM keys k
JOIN pairs pr USING (cycle_id)
LEFT JOIN priorities now_p ON now_p.cycle_id = k.cycle_id AND now_p.priority_id = k.priority_id
LEFT JOIN priorities prev_p ON prev_p.cycle_id = pr.previous_cycle_id AND prev_p.priority_id = k.priority_id
ORDER BY pr.n, now_p.priority_id IS NULL, coalesce(now_p.rowid, prev_p.rowid)
