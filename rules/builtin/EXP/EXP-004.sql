-- One invoice on several claims (duplicated numbers found first, then their claims gathered).
WITH dup AS (
    SELECT invoice_no
    FROM expense_claims
    WHERE invoice_no IS NOT NULL AND trim(invoice_no) <> ''
    GROUP BY invoice_no
    HAVING COUNT(*) >= 2
)
SELECT c.invoice_no,
       MAX(c.person_id) AS person_id,
       MIN(c.unit_id) AS unit_id,
       COUNT(*) AS n_claims,
       SUM(c.amount) - MIN(c.amount) AS duplicate_amount,
       MAX(c.claimed_on) AS last_claimed_on,
       array_to_string(array_agg(c.claim_id ORDER BY c.claim_id), '、') AS claims,
       array_to_string(array_sort(array_agg(DISTINCT c.person_id)), '、') AS claimants,
       array_agg(ev('expense_claims', c._batch, c._row)) AS evidence
FROM expense_claims c
JOIN dup d ON d.invoice_no = c.invoice_no
GROUP BY c.invoice_no
