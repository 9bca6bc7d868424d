-- Cumulative payments ahead of certified progress.
WITH paid AS (
    SELECT p.contract_id, p.paid_on, p._batch, p._row,
           SUM(p.amount) OVER (PARTITION BY p.contract_id ORDER BY p.paid_on, p._row
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS paid_to_date
    FROM payments p
    WHERE p.contract_id IN (SELECT DISTINCT contract_id FROM milestones)
),
matched AS (
    SELECT pd.*, c.amount, c.unit_id, m.completion_pct, m.certified_on,
           m._batch AS m_batch, m._row AS m_row,
           ROW_NUMBER() OVER (PARTITION BY pd.contract_id, pd._batch, pd._row ORDER BY m.certified_on DESC) AS latest
    FROM paid pd
    JOIN contracts c ON c.contract_id = pd.contract_id
    LEFT JOIN milestones m ON m.contract_id = pd.contract_id AND m.certified_on <= pd.paid_on
),
ahead AS (
    SELECT *,
           CAST(paid_to_date AS DOUBLE) / CAST(amount AS DOUBLE) AS paid_share,
           COALESCE(completion_pct, 0.0) / 100.0 AS certified_share
    FROM matched
    WHERE latest = 1 AND amount > 0
),
worst AS (
    SELECT *,
           ROW_NUMBER() OVER (PARTITION BY contract_id ORDER BY paid_share - certified_share DESC) AS rk
    FROM ahead
    WHERE paid_share > certified_share + ${tolerance} AND paid_share > ${advance_share}
)
SELECT contract_id,
       unit_id,
       paid_on,
       paid_to_date,
       ROUND(paid_share * 100.0, 1) AS paid_pct,
       ROUND(certified_share * 100.0, 1) AS certified_pct,
       certified_on,
       CAST(paid_to_date AS DOUBLE) - certified_share * CAST(amount AS DOUBLE) AS overpaid,
       ev('payments', _batch, _row) AS evidence_payment,
       ev('milestones', m_batch, m_row) AS evidence_milestone
FROM worst
WHERE rk = 1
