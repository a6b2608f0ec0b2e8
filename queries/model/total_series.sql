-- total_series(indicator, area): the months of series(indicator, area) a published total may count. Below borough level a small-number indicator's totals stop at the end of its latest complete financial year (total_horizons): totals that moved with each monthly release, each rounded on its own, gave small counts away to someone who kept every release.
-- Grain: one row per month with data, as series, up to that month for a small-number indicator in a ward; every month otherwise.
-- Builds: macro total_series(ind, ar)
-- Reads: series, areas, partnership, total_horizons
CREATE MACRO total_series(ind, ar) AS TABLE
SELECT s.*
FROM series(ind, ar) AS s
WHERE
    (SELECT area_type FROM areas WHERE area_code = coalesce(ar, (SELECT area_code FROM partnership))) = 'borough'
    OR s.month <= coalesce((SELECT horizon FROM total_horizons WHERE indicator_id = ind), DATE '9999-12-01');
