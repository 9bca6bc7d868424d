-- Major matters approved by one signature and not ratified by a meeting soon after.
SELECT d.decision_id,
       d.title,
       d.unit_id,
       d.category,
       d.amount,
       CASE WHEN d.amount IS NULL THEN '未列金额' ELSE '金额 ' || CAST(d.amount AS VARCHAR) || ' 元' END AS amount_text,
       d.decided_on,
       COALESCE(d.signer_id, '（未记录签批人）') AS signer_id,
       ev('decisions', d._batch, d._row) AS evidence
FROM decisions d
WHERE d.decided_by = 'individual'
  AND d.outcome = 'approved'
  AND d.category IN ('major_decision', 'key_appointment', 'major_project', 'large_fund')
  AND NOT EXISTS (
      SELECT 1 FROM decisions r
      WHERE r.matter_ref = d.matter_ref
        AND r.decided_by = 'meeting' AND r.outcome = 'approved'
        AND days_between(d.decided_on, r.decided_on) BETWEEN 0 AND ${ratify_days}
  )
