-- Payments into a staff member's account that are not recorded as that staff member's.
SELECT s.person_id,
       s.name AS person_name,
       MIN(p.unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       MIN(p.paid_on) AS first_paid_on,
       array_to_string(array_sort(array_agg(DISTINCT COALESCE(p.purpose, '未填用途'))), '、') AS purposes,
       array_agg(ev('payments', p._batch, p._row)) AS evidence_payments,
       ev('persons', s._batch, s._row) AS evidence_person
FROM payments p
JOIN persons s ON s.bank_account = p.payee_account
WHERE p.payee_company_id IS NULL
  AND (p.payee_person_id IS NULL OR p.payee_person_id <> s.person_id)
GROUP BY s.person_id, s.name, s._batch, s._row
