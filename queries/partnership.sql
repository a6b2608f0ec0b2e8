-- Who this data directory belongs to, and whether its figures are synthetic.
-- Grain: exactly one row.
-- Reads: partnership, areas
-- Params: none
SELECT p.name, p.area_code, a.area_name, p.police_force, p.synthetic, p.data_note
FROM partnership p JOIN areas a USING (area_code)
