-- The same invoice of the same payee paid more than once.
SELECT MIN(payee_name) AS payee_name,
       invoice_no,
       MIN(unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(amount) AS total,
       SUM(amount) - MIN(amount) AS duplicate_amount,
       MAX(paid_on) AS last_paid_on,
       array_to_string(array_agg(CAST(paid_on AS VARCHAR) ORDER BY paid_on), '、') AS dates,
       array_agg(ev('payments', _batch, _row)) AS evidence
FROM payments
WHERE invoice_no IS NOT NULL AND trim(invoice_no) <> ''
GROUP BY COALESCE(payee_company_id, payee_name), invoice_no
HAVING COUNT(*) >= 2
