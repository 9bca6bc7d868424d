-- Payments applied for and approved by the same person.
SELECT payment_id,
       payee_name,
       unit_id,
       paid_on,
       amount,
       approver_id,
       ev('payments', _batch, _row) AS evidence
FROM payments
WHERE applicant_id IS NOT NULL AND approver_id IS NOT NULL
  AND applicant_id = approver_id
  AND amount >= ${min_amount}
