-- Which extracts the build being served was made from: each one's rows as loaded, and the month it was last written. A build published as Parquet (`python -m safer build --parquet DIR`) is served where its data directory is not, so the Data page lists these instead of the files on disk.
-- Grain: one row per extract of the data contract, in the contract's order (the police.uk street files as one row, police_uk/, with its number of files; the ward boundaries as ward_boundaries.geojson, without rows); in_build is false for an optional extract the build did not have. written_month: the month the file was last written (blank for police.uk and the boundaries); sources: where its rows come from, for the extracts that say it (a source column, or partner_monthly.csv's indicators), in the order the file first names each.
-- Reads: extract_files, partnership, areas, lsoa_ward_lookup, population, indicators, plan_cycles, priorities, priority_indicators, targets, events, partner_monthly, police_uk_releases, status_rules, scrutiny_concerns, consultation, comparator_monthly, comparator_population, area_lookup, comparator_groups, police_uk_files, ward_boundaries
-- Params: none
WITH loaded(file, position, files, rows) AS (
    SELECT 'partnership.csv', 1, 1, count(*) FROM partnership
    UNION ALL
    SELECT 'areas.csv', 2, 1, count(*) FROM areas
    UNION ALL
    SELECT 'lsoa_ward_lookup.csv', 3, 1, count(*) FROM lsoa_ward_lookup
    UNION ALL
    SELECT 'population.csv', 4, 1, count(*) FROM population
    UNION ALL
    SELECT 'indicators.csv', 5, 1, count(*) FROM indicators
    UNION ALL
    SELECT 'plan_cycles.csv', 6, 1, count(*) FROM plan_cycles
    UNION ALL
    SELECT 'priorities.csv', 7, 1, count(*) FROM priorities
    UNION ALL
    SELECT 'priority_indicators.csv', 8, 1, count(*) FROM priority_indicators
    UNION ALL
    SELECT 'targets.csv', 9, 1, count(*) FROM targets
    UNION ALL
    SELECT 'events.csv', 10, 1, count(*) FROM events
    UNION ALL
    SELECT 'partner_monthly.csv', 11, 1, count(*) FROM partner_monthly
    UNION ALL
    SELECT 'police_uk/', 12, count(*), coalesce(sum(rows), 0) FROM police_uk_files
    UNION ALL
    SELECT 'police_uk_releases.csv', 13, 1, count(*) FROM police_uk_releases
    UNION ALL
    SELECT 'status_rules.csv', 14, 1, count(*) FROM status_rules
    UNION ALL
    SELECT 'scrutiny_concerns.csv', 15, 1, count(*) FROM scrutiny_concerns
    UNION ALL
    SELECT 'consultation.csv', 16, 1, count(*) FROM consultation
    UNION ALL
    SELECT 'comparator_monthly.csv', 17, 1, count(*) FROM comparator_monthly
    UNION ALL
    SELECT 'comparator_population.csv', 18, 1, count(*) FROM comparator_population
    UNION ALL
    SELECT 'area_lookup.csv', 19, 1, count(*) FROM area_lookup
    UNION ALL
    SELECT 'comparator_groups.csv', 20, 1, count(*) FROM comparator_groups
    UNION ALL
    SELECT 'ward_boundaries.geojson', 21, count(*), NULL FROM ward_boundaries
), named(file, value, first) AS (  -- where the rows come from, in the order the file first names each
    SELECT 'population.csv', source, min(rowid) FROM population GROUP BY source
    UNION ALL
    SELECT 'consultation.csv', source, min(rowid) FROM consultation GROUP BY source
    UNION ALL
    SELECT 'scrutiny_concerns.csv', source, min(rowid) FROM scrutiny_concerns GROUP BY source
    UNION ALL
    SELECT 'partner_monthly.csv', i.source, min(p.rowid)
    FROM partner_monthly p JOIN indicators i USING (indicator_id) GROUP BY i.source
), sources AS (
    SELECT file, list(trim(value) ORDER BY first) AS sources FROM named WHERE trim(coalesce(value, '')) <> '' GROUP BY file
)
SELECT l.file, CASE WHEN b.in_build THEN l.files ELSE 0 END::BIGINT AS files, l.rows::BIGINT AS rows,
       strftime(e.written_month, '%Y-%m') AS written_month, b.in_build, s.sources
FROM loaded l
LEFT JOIN extract_files e USING (file)
LEFT JOIN sources s USING (file)
CROSS JOIN LATERAL (
    SELECT e.file IS NOT NULL OR (l.file IN ('police_uk/', 'ward_boundaries.geojson') AND l.files > 0) AS in_build
) b
ORDER BY l.position
