-- Claims with invoices from tobacco and liquor shops.
WITH words AS (
    SELECT unnest(make_array${name_words}) AS w
),
by_name AS (
    SELECT DISTINCT c.claim_id
    FROM expense_claims c
    JOIN words ON strpos(c.merchant, words.w) > 0
)
SELECT c.claim_id,
       c.person_id,
       c.unit_id,
       c.expense_date,
       c.amount,
       COALESCE(c.merchant, '') AS merchant,
       COALESCE(c.description, c.kind) AS description,
       ev('expense_claims', c._batch, c._row) AS evidence
FROM expense_claims c
LEFT JOIN by_name n ON n.claim_id = c.claim_id
WHERE c.merchant_category = 'tobacco_liquor' OR n.claim_id IS NOT NULL
