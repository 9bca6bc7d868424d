-- Contracts with many amendments.
SELECT contract_id,
       COUNT(*) AS n_changes,
       SUM(amount_delta) AS changes,
       MIN(changed_on) AS first_change_on,
       MAX(changed_on) AS last_change_on,
       array_to_string(array_sort(array_agg(DISTINCT COALESCE(reason, '未说明'))), '、') AS reasons,
       array_agg(ev('contract_changes', _batch, _row)) AS evidence
FROM contract_changes
GROUP BY contract_id
HAVING COUNT(*) >= ${min_changes}
