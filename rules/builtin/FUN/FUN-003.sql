-- Contracts paid beyond their amount plus approved changes.
WITH paid AS (
    SELECT contract_id, SUM(amount) AS paid, COUNT(*) AS n_payments, MAX(paid_on) AS last_paid_on,
           array_agg(ev('payments', _batch, _row)) AS evidence_payments
    FROM payments
    WHERE contract_id IS NOT NULL
    GROUP BY contract_id
),
changes AS (
    SELECT contract_id, SUM(amount_delta) AS changes
    FROM contract_changes
    GROUP BY contract_id
)
SELECT c.contract_id,
       c.unit_id,
       COALESCE(co.name, c.supplier_company_id) AS supplier_name,
       c.amount AS contract_amount,
       COALESCE(ch.changes, CAST(0 AS DECIMAL(18,2))) AS changes,
       p.paid,
       p.n_payments,
       p.last_paid_on,
       p.paid - c.amount - COALESCE(ch.changes, CAST(0 AS DECIMAL(18,2))) AS excess,
       ev('contracts', c._batch, c._row) AS evidence_contract,
       p.evidence_payments
FROM contracts c
JOIN paid p ON p.contract_id = c.contract_id
LEFT JOIN changes ch ON ch.contract_id = c.contract_id
LEFT JOIN companies co ON co.company_id = c.supplier_company_id
WHERE CAST(p.paid AS DOUBLE) > CAST(c.amount + COALESCE(ch.changes, CAST(0 AS DECIMAL(18,2))) AS DOUBLE) * (1.0 + ${tolerance}) + 0.005
