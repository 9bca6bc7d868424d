-- Payees paid mostly in whole multiples of the round unit.
WITH marked AS (
    SELECT p.*,
           CASE WHEN p.amount > 0 AND p.amount % ${unit} = 0 THEN 1 ELSE 0 END AS is_round
    FROM payments p
)
SELECT MIN(payee_name) AS payee_name,
       MIN(unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(is_round) AS n_round,
       ROUND(100.0 * SUM(is_round) / COUNT(*), 1) AS round_share_pct,
       SUM(CASE WHEN is_round = 1 THEN amount END) AS round_total,
       MAX(paid_on) AS last_paid_on,
       ${unit} AS unit,
       array_agg(CASE WHEN is_round = 1 THEN ev('payments', _batch, _row) END) AS evidence
FROM marked
GROUP BY COALESCE(payee_company_id, payee_name)
HAVING COUNT(*) >= ${min_payments}
   AND CAST(SUM(is_round) AS DOUBLE) / COUNT(*) >= ${min_share}
