-- The areas a view can be filtered to: the partnership's borough first, then its wards by name.
-- Grain: one row per area.
-- Reads: areas
-- Params: none
SELECT a.area_code, a.area_name, a.area_type, a.parent_code
FROM areas a
ORDER BY a.area_type = 'ward', lower(a.area_name), a.area_name
