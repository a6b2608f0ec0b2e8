-- The months each indicator has data for: for police.uk indicators the months police_uk_months gives for the partnership (its force has a file), for partner indicators every month partner_monthly.csv has a row for, except a month not over when the file was written (incomplete_months).
-- Grain: one row per indicator and month with data. A month without a row is a month without data, never a zero.
-- Builds: table indicator_months
-- Reads: indicators, police_uk_months, partner_monthly, incomplete_months
CREATE TABLE indicator_months AS
SELECT
    i.indicator_id,
    m.month
FROM indicators AS i, police_uk_months AS m
WHERE i.police_uk_crime_type IS NOT NULL AND m.scope = 'partnership'
UNION ALL
SELECT DISTINCT
    p.indicator_id,
    p.month
FROM partner_monthly AS p
INNER JOIN indicators AS i ON p.indicator_id = i.indicator_id
ANTI JOIN incomplete_months AS x ON p.indicator_id = x.indicator_id AND p.month = x.month
WHERE i.police_uk_crime_type IS NULL;
