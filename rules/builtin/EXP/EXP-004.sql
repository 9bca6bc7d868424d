-- One invoice on several claims.
SELECT invoice_no,
       MAX(person_id) AS person_id,
       MIN(unit_id) AS unit_id,
       COUNT(*) AS n_claims,
       SUM(amount) - MIN(amount) AS duplicate_amount,
       MAX(claimed_on) AS last_claimed_on,
       array_to_string(array_agg(claim_id ORDER BY claim_id), '、') AS claims,
       array_to_string(array_sort(array_agg(DISTINCT person_id)), '、') AS claimants,
       array_agg(ev('expense_claims', _batch, _row)) AS evidence
FROM expense_claims
WHERE invoice_no IS NOT NULL AND trim(invoice_no) <> ''
GROUP BY invoice_no
HAVING COUNT(*) >= 2
