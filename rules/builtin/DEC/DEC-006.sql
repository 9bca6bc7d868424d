-- Contracts signed for more than the collective decision approved.
WITH approved AS (
    SELECT contract_id, MAX(amount) AS approved_amount
    FROM decisions
    WHERE outcome = 'approved' AND amount IS NOT NULL AND contract_id IS NOT NULL
    GROUP BY contract_id
)
SELECT d.decision_id,
       d.title,
       d.unit_id,
       c.contract_id,
       c.signed_on,
       a.approved_amount,
       c.amount AS contract_amount,
       c.amount - a.approved_amount AS excess,
       ROUND((CAST(c.amount AS DOUBLE) / CAST(a.approved_amount AS DOUBLE) - 1.0) * 100.0, 1) AS excess_pct,
       ev('decisions', d._batch, d._row) AS evidence_decision,
       ev('contracts', c._batch, c._row) AS evidence_contract
FROM approved a
JOIN decisions d ON d.contract_id = a.contract_id AND d.outcome = 'approved' AND d.amount = a.approved_amount
JOIN contracts c ON c.contract_id = a.contract_id
WHERE a.approved_amount > 0
  AND CAST(c.amount AS DOUBLE) > CAST(a.approved_amount AS DOUBLE) * (1.0 + ${tolerance})
