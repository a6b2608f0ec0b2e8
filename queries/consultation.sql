-- Consultation inputs by source and theme: survey results with their base, and points raised at events and groups.
-- Grain: one row per row of consultation.csv, by source, theme, question, answer and period. respondents and agreeing are NULL for events and groups (never 0).
-- Reads: consultation
-- Params:
--   $source (optional): a source as written in consultation.csv; default every source
--   $theme (optional): a theme as written in consultation.csv; default every theme
SELECT source, source_type, period, strftime(start_month, '%Y-%m') AS start_month,
       strftime(end_month, '%Y-%m') AS end_month, theme, question, answer,
       respondents, agreeing, indicator_id, summary, synthetic
FROM consultation
WHERE ($source IS NULL OR source = $source) AND ($theme IS NULL OR theme = $theme)
ORDER BY source_type <> 'survey', source, theme, question, answer, start_month, rowid
