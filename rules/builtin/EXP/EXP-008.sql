-- Several invoices from one merchant on one day, each just under the approval limit.
SELECT person_id,
       MIN(unit_id) AS unit_id,
       expense_date,
       merchant,
       COUNT(*) AS n_invoices,
       MIN(amount) AS min_amount,
       MAX(amount) AS max_amount,
       SUM(amount) AS total,
       ${limit} AS limit,
       array_agg(ev('expense_claims', _batch, _row)) AS evidence
FROM expense_claims
WHERE merchant IS NOT NULL
  AND amount < ${limit}
  AND CAST(amount AS DOUBLE) >= CAST(${limit} AS DOUBLE) * (1.0 - ${band})
GROUP BY person_id, expense_date, merchant
HAVING COUNT(*) >= ${min_invoices} AND SUM(amount) > ${limit}
