-- Claims at clubs, luxury restaurants and resorts (by category or by a word in the merchant's name).
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
       c.kind,
       c.amount,
       COALESCE(c.merchant, '') AS merchant,
       COALESCE(c.merchant_category, '') AS merchant_category,
       CASE c.merchant_category WHEN 'luxury_restaurant' THEN '高档餐厅' WHEN 'club' THEN '私人会所'
            WHEN 'resort' THEN '度假场所' ELSE '高档场所' END AS category_zh,
       ev('expense_claims', c._batch, c._row) AS evidence
FROM expense_claims c
LEFT JOIN by_name n ON n.claim_id = c.claim_id
WHERE COALESCE(c.kind, '') <> 'conference'
  AND (c.merchant_category IN ${categories} OR n.claim_id IS NOT NULL)
