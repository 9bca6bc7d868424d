-- Single office-supplies claims at or above the limit.
SELECT claim_id,
       person_id,
       unit_id,
       expense_date,
       amount,
       COALESCE(merchant, '—') AS merchant,
       ${limit} AS limit,
       ev('expense_claims', _batch, _row) AS evidence
FROM expense_claims
WHERE kind = 'office_supplies' AND amount >= ${limit}
