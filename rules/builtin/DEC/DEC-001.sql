-- Payments on contracts at or above the unit's large-fund threshold, made before any approved
-- collective decision names the contract.
WITH thresholds AS (
    SELECT u.unit_id,
           COALESCE(u.large_fund_threshold, p.large_fund_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
),
covered AS (
    SELECT contract_id, MIN(decided_on) AS decided_on
    FROM decisions
    WHERE decided_by = 'meeting' AND outcome = 'approved' AND contract_id IS NOT NULL
    GROUP BY contract_id
),
large AS (
    SELECT c.contract_id, c.unit_id, c.amount, c.supplier_company_id, c._batch, c._row,
           COALESCE(t.threshold, ${default_threshold}) AS threshold
    FROM contracts c
    LEFT JOIN thresholds t ON t.unit_id = c.unit_id
)
SELECT l.contract_id,
       l.unit_id,
       COALESCE(co.name, l.supplier_company_id) AS supplier_name,
       l.amount AS contract_amount,
       l.threshold,
       SUM(p.amount) AS paid,
       COUNT(*) AS n_payments,
       MIN(p.paid_on) AS first_paid_on,
       CASE WHEN MIN(cv.decided_on) IS NULL THEN '没有任何批准该合同的集体决策'
            ELSE '集体决策尚未作出（迟至 ' || CAST(MIN(cv.decided_on) AS VARCHAR) || ' 才决策）' END AS decision_zh,
       CASE WHEN MIN(cv.decided_on) IS NULL THEN 'no collective decision approves the contract'
            ELSE 'the collective decision came only on ' || CAST(MIN(cv.decided_on) AS VARCHAR) END AS decision_en,
       ev('contracts', l._batch, l._row) AS evidence_contract,
       array_agg(ev('payments', p._batch, p._row)) AS evidence_payments
FROM large l
JOIN payments p ON p.contract_id = l.contract_id
LEFT JOIN covered cv ON cv.contract_id = l.contract_id
LEFT JOIN companies co ON co.company_id = l.supplier_company_id
WHERE l.amount >= l.threshold
  AND (cv.decided_on IS NULL OR p.paid_on < cv.decided_on)
GROUP BY l.contract_id, l.unit_id, co.name, l.supplier_company_id, l.amount, l.threshold, l._batch, l._row
