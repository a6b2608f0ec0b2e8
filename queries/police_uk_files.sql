-- What each police.uk file contributed: rows read, rows placed in the area, rows left out and why.
-- Grain: one row per police.uk file, in month order.
-- Reads: police_uk_files
-- Params: none
SELECT source_path AS file, strftime(first_month, '%Y-%m') AS first_month, strftime(last_month, '%Y-%m') AS last_month,
       rows::BIGINT AS rows, rows_in_area::BIGINT AS rows_in_area,
       rows_without_location::BIGINT AS rows_without_location, rows_outside_area::BIGINT AS rows_outside_area
FROM police_uk_files
ORDER BY first_month, source_path
