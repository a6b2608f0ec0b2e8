-- Up to which month an indicator's totals below borough level are published: for a small-number indicator the end of its latest complete financial year (totals that moved with each monthly release, each rounded on its own, gave small counts away), for any other indicator its last month with data.
-- Grain: one row: indicator_id, horizon (YYYY-MM), small_numbers (true when totals stop at the financial year's end), last_month (YYYY-MM, the indicator's last month with data).
-- Reads: indicators, indicator_months, total_horizons
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT
    i.indicator_id,
    strftime(coalesce(h.horizon, max(m.month)), '%Y-%m') AS horizon,
    h.horizon IS NOT NULL AS small_numbers,
    strftime(max(m.month), '%Y-%m') AS last_month
FROM indicators AS i
LEFT JOIN indicator_months AS m ON i.indicator_id = m.indicator_id
LEFT JOIN total_horizons AS h ON i.indicator_id = h.indicator_id
WHERE i.indicator_id = $indicator
GROUP BY i.indicator_id, h.horizon
