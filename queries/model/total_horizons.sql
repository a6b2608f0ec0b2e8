-- The last month a total of a small-number indicator below borough level may count: the end of the latest complete financial year (the last March at or before the indicator's last month with data). Ward totals over windows that move with each monthly release (the latest 12 months, a plan cycle to date), each rounded on its own, pinned ward-months that no one release pins once a year of releases was kept (15 in the demo over 36 releases): totals ending at a financial year's end change once a year, and then by whole years.
-- Grain: one row per indicator with a month of data. horizon is NULL for an indicator that is not a small-number one (suppress_below 1 or less): its totals may end at any month.
-- Builds: table total_horizons
-- Reads: indicators, indicator_months
CREATE TABLE total_horizons AS
SELECT
    i.indicator_id,
    CASE
        WHEN i.suppress_below > 1
            THEN make_date(year(max(m.month)) - CASE WHEN month(max(m.month)) >= 3 THEN 0 ELSE 1 END, 3, 1)
    END AS horizon
FROM indicators AS i
INNER JOIN indicator_months AS m ON i.indicator_id = m.indicator_id
GROUP BY i.indicator_id, i.suppress_below;
