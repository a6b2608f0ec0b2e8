-- Whether a partner indicator's extract looks as if its small counts were left out: the lowest count it holds, when validation's rule (contract.small_counts_left_out: no count from 1 up to a lowest count that too many rows hold for chance) says so.
-- Grain: one row when it does, none when it does not (and for a police.uk indicator). How many rows hold each count is not kept by the build, so no output can narrow a rounded ward figure by it.
-- Reads: small_counts_left_out
-- Params:
--   $indicator (required): an indicator id from indicators.csv
SELECT lowest::BIGINT AS lowest
FROM small_counts_left_out
WHERE indicator_id = $indicator
