-- Contracts whose change orders added more than the allowed share.
SELECT c.contract_id,
       COALESCE(c.title, c.contract_id) AS title,
       c.unit_id,
       COALESCE(c.project_id, '—') AS project_id,
       c.amount,
       COUNT(*) AS n_changes,
       SUM(ch.amount_delta) AS changes,
       MAX(ch.changed_on) AS last_change_on,
       ROUND(CAST(SUM(ch.amount_delta) AS DOUBLE) / CAST(c.amount AS DOUBLE) * 100.0, 1) AS change_pct,
       ROUND(${max_share} * 100.0, 1) AS limit_pct,
       ev('contracts', c._batch, c._row) AS evidence_contract,
       array_agg(ev('contract_changes', ch._batch, ch._row)) AS evidence_changes
FROM contracts c
JOIN contract_changes ch ON ch.contract_id = c.contract_id AND ch.amount_delta > 0
WHERE c.amount > 0
GROUP BY c.contract_id, c.title, c.unit_id, c.project_id, c.amount, c._batch, c._row
HAVING CAST(SUM(ch.amount_delta) AS DOUBLE) > CAST(c.amount AS DOUBLE) * ${max_share}
