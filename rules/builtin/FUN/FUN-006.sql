-- Company payments whose receiving account is a staff member's account.
SELECT s.person_id,
       s.name AS person_name,
       MIN(p.payee_name) AS payee_name,
       MIN(p.unit_id) AS unit_id,
       MIN(COALESCE(p.payee_account_masked, s.bank_account_masked)) AS account,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       MIN(p.paid_on) AS first_paid_on,
       array_agg(ev('payments', p._batch, p._row)) AS evidence_payments,
       ev('persons', s._batch, s._row) AS evidence_person
FROM payments p
JOIN persons s ON s.bank_account = p.payee_account
WHERE p.payee_company_id IS NOT NULL
GROUP BY s.person_id, s.name, p.payee_company_id, s._batch, s._row
