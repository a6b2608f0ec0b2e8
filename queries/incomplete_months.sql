-- Which months of an indicator are left out as incomplete: partner months that had not ended when partner_monthly.csv was last written.
-- Grain: one row per month left out, earliest first, with the month the file was last written (UK time); no rows for a police.uk indicator.
-- Reads: incomplete_months
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT
    strftime(month, '%Y-%m') AS month,
    strftime(written_month, '%Y-%m') AS written_month
FROM incomplete_months
WHERE indicator_id = $indicator
ORDER BY month
