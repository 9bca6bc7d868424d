-- Approved decisions on a contract that was signed or paid before the decision date.
WITH first_pay AS (
    SELECT contract_id, MIN(paid_on) AS first_paid_on
    FROM payments
    WHERE contract_id IS NOT NULL
    GROUP BY contract_id
)
SELECT d.decision_id,
       d.title,
       d.unit_id,
       d.decided_on,
       c.contract_id,
       c.amount AS contract_amount,
       c.signed_on,
       f.first_paid_on,
       CASE WHEN f.first_paid_on IS NOT NULL AND f.first_paid_on < c.signed_on
            THEN f.first_paid_on ELSE c.signed_on END AS first_act_on,
       ev('decisions', d._batch, d._row) AS evidence_decision,
       ev('contracts', c._batch, c._row) AS evidence_contract
FROM decisions d
JOIN contracts c ON c.contract_id = d.contract_id
LEFT JOIN first_pay f ON f.contract_id = c.contract_id
WHERE d.outcome = 'approved'
  AND (c.signed_on < d.decided_on OR f.first_paid_on < d.decided_on)
