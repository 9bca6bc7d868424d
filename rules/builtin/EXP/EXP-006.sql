-- Receptions above the per-guest standard.
WITH std AS (
    SELECT MIN(daily_max) AS standard FROM expense_standards WHERE kind = 'reception'
),
claims AS (
    SELECT c.*, COALESCE(std.standard, ${default_standard}) AS standard
    FROM expense_claims c
    CROSS JOIN std
    WHERE c.kind = 'reception'
)
SELECT claim_id,
       person_id,
       unit_id,
       expense_date,
       amount,
       COALESCE(merchant, '—') AS merchant,
       guests,
       CASE WHEN guests IS NULL OR guests <= 0 THEN '人数未记录' ELSE CAST(guests AS VARCHAR) || ' 人' END AS guests_text,
       CASE WHEN guests IS NULL OR guests <= 0 THEN 'number of guests not recorded' ELSE CAST(guests AS VARCHAR) || ' guests' END AS guests_text_en,
       CASE WHEN guests IS NULL OR guests <= 0 THEN CAST(amount AS DECIMAL(18,2))
            ELSE CAST(ROUND(CAST(amount AS DOUBLE) / guests, 2) AS DECIMAL(18,2)) END AS per_guest,
       standard,
       CASE WHEN guests IS NULL OR guests <= 0 THEN CAST(amount - standard AS DECIMAL(18,2))
            ELSE CAST(amount - standard * guests AS DECIMAL(18,2)) END AS excess,
       ev('expense_claims', _batch, _row) AS evidence
FROM claims
WHERE (guests > 0 AND CAST(amount AS DOUBLE) / guests > CAST(standard AS DOUBLE) * (1.0 + ${tolerance}) + 0.005)
   OR ((guests IS NULL OR guests <= 0) AND amount > standard * 4)
