-- Hotel nights of one person in two cities at once.
WITH nights AS (
    SELECT c.claim_id, c.person_id, c.unit_id, c.city, c.amount, c._batch, c._row,
           unnest(range(0, CAST(LEAST(GREATEST(COALESCE(c.nights, 1), 1), ${max_nights}) AS BIGINT))) AS k,
           c.expense_date
    FROM expense_claims c
    WHERE c.kind = 'hotel' AND c.city IS NOT NULL
),
dated AS (
    SELECT *, add_days(expense_date, k) AS night FROM nights
),
clashes AS (
    SELECT person_id, night
    FROM dated
    GROUP BY person_id, night
    HAVING COUNT(DISTINCT city) >= 2
)
SELECT d.person_id,
       MIN(d.unit_id) AS unit_id,
       d.night,
       array_to_string(array_sort(array_agg(DISTINCT d.city)), '、') AS cities,
       array_to_string(array_sort(array_agg(DISTINCT d.claim_id)), '、') AS claims,
       SUM(d.amount) AS amount,
       array_agg(ev('expense_claims', d._batch, d._row)) AS evidence
FROM dated d
JOIN clashes x ON x.person_id = d.person_id AND x.night = d.night
GROUP BY d.person_id, d.night
