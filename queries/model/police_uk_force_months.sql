-- The months each police force has a police.uk file for, whatever its rows: the force as "Falls within" names it, compared as ingest compares names (lower case, runs of other characters as one '-').
-- Grain: one row per force and calendar month with at least one row in a file.
-- Builds: table police_uk_force_months
-- Reads: police_uk_source, force_key
CREATE TABLE police_uk_force_months AS
SELECT DISTINCT
    force_key(falls_within) AS force,
    month
FROM (SELECT DISTINCT falls_within, month FROM police_uk_source);
