-- force_key(name): a police force's name as ingest compares names (lower case, each run of other characters one '-', none at either end), so "Greater Manchester Police " and "greater manchester police" are one force (safer.contract.force_key, the same rule in Python).
-- Grain: one value per name.
-- Builds: macro force_key(name)
-- Reads: none
CREATE MACRO force_key(name) AS trim(regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g'), '-');
