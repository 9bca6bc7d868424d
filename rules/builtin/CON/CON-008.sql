-- Final accounts above the approved budget.
SELECT project_id,
       name,
       unit_id,
       completed_on,
       budget,
       settlement_amount,
       settlement_amount - budget AS excess,
       ROUND((CAST(settlement_amount AS DOUBLE) / CAST(budget AS DOUBLE) - 1.0) * 100.0, 1) AS excess_pct,
       ev('projects', _batch, _row) AS evidence
FROM projects
WHERE budget > 0 AND settlement_amount IS NOT NULL
  AND CAST(settlement_amount AS DOUBLE) > CAST(budget AS DOUBLE) * (1.0 + ${max_share})
