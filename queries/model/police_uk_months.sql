-- The months police.uk has data for: a month present in any file is a month with data for every police.uk indicator.
-- Grain: one row per calendar month present in any police.uk file.
-- Builds: table police_uk_months
-- Reads: police_uk_source
CREATE TABLE police_uk_months AS
SELECT DISTINCT month
FROM police_uk_source
ORDER BY month;
