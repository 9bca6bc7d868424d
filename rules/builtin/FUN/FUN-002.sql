-- Large payments to companies that have no contract at all.
SELECT MIN(p.payee_name) AS payee_name,
       MIN(p.unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       MIN(p.paid_on) AS first_paid_on,
       array_to_string(array_sort(array_agg(DISTINCT COALESCE(p.purpose, '未填用途'))), '、') AS purposes,
       array_agg(ev('payments', p._batch, p._row)) AS evidence
FROM payments p
WHERE p.payee_company_id IS NOT NULL
  AND p.contract_id IS NULL
  AND p.amount >= ${min_amount}
  AND (p.budget_line IS NULL OR p.budget_line NOT IN ${exempt_lines})
  AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.supplier_company_id = p.payee_company_id)
GROUP BY p.payee_company_id
