-- The ward boundaries the Areas map draws, as GeoJSON text: ward_boundaries.geojson as validation checked it
-- (the features of areas.csv's wards, each with its area_code and geometry, and the file's attribution).
-- Grain: at most one row; none when the data directory has no boundaries.
-- Reads: ward_boundaries
-- Params: none
SELECT geojson
FROM ward_boundaries
