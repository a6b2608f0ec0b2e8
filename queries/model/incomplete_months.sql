-- Months of partner data that had not ended when partner_monthly.csv was last written: incomplete, so left out of every figure (a partial month would read as a fall).
-- Grain: one row per partner indicator and month on or after the month (UK time) the file was last written, with that month.
-- Builds: table incomplete_months
-- Reads: partner_monthly, extract_files
CREATE TABLE incomplete_months AS
SELECT DISTINCT
    p.indicator_id,
    p.month,
    f.written_month
FROM partner_monthly AS p
INNER JOIN extract_files AS f ON f.file = 'partner_monthly.csv'
WHERE p.month >= f.written_month;
