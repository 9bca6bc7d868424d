-- The same invoice of the same payee paid more than once.
-- Duplicated keys are found first, so the ordered aggregates run on the few groups that matter.
WITH dup AS (
    SELECT COALESCE(payee_company_id, payee_name) AS payee_key, invoice_no
    FROM payments
    WHERE invoice_no IS NOT NULL AND trim(invoice_no) <> ''
    GROUP BY COALESCE(payee_company_id, payee_name), invoice_no
    HAVING COUNT(*) >= 2
)
SELECT MIN(p.payee_name) AS payee_name,
       d.invoice_no,
       MIN(p.unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       SUM(p.amount) - MIN(p.amount) AS duplicate_amount,
       MAX(p.paid_on) AS last_paid_on,
       array_to_string(array_agg(CAST(p.paid_on AS VARCHAR) ORDER BY p.paid_on), '、') AS dates,
       array_agg(ev('payments', p._batch, p._row)) AS evidence
FROM payments p
JOIN dup d ON COALESCE(p.payee_company_id, p.payee_name) = d.payee_key AND p.invoice_no = d.invoice_no
GROUP BY d.payee_key, d.invoice_no
