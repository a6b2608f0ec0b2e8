-- Counts by indicator, month and the finest area each indicator has (a ward, or the borough for borough-only indicators).
-- Grain: one row per indicator, month and area code with at least one record (police.uk rows counted, partner counts summed; a partner month not over when its file was written is left out).
-- Builds: table fact_monthly
-- Reads: police_uk_rows, indicators, partner_monthly, incomplete_months
CREATE TABLE fact_monthly AS
SELECT
    i.indicator_id,
    r.month,
    r.ward_code AS area_code,
    count(*)::BIGINT AS value
FROM police_uk_rows AS r
INNER JOIN indicators AS i ON r.crime_type = i.police_uk_crime_type
GROUP BY ALL
UNION ALL
SELECT
    p.indicator_id,
    p.month,
    p.area_code,
    sum(p.value)::BIGINT AS value
FROM partner_monthly AS p
ANTI JOIN incomplete_months AS x ON p.indicator_id = x.indicator_id AND p.month = x.month
GROUP BY ALL;
