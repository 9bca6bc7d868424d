-- Pay for months after the month of leaving.
SELECT s.person_id,
       s.name,
       s.unit_id,
       s.leave_date,
       COALESCE(s.leave_reason, 'left') AS reason,
       CASE s.leave_reason WHEN 'retired' THEN '退休' WHEN 'resigned' THEN '辞职' WHEN 'dismissed' THEN '辞退'
            WHEN 'deceased' THEN '死亡' WHEN 'transferred' THEN '调出' ELSE '离职' END AS reason_zh,
       COUNT(DISTINCT date_trunc('month', p.period)) AS months,
       CAST(MIN(p.period) AS DATE) AS first_period,
       CAST(MAX(p.period) AS DATE) AS last_period,
       SUM(p.amount) AS total,
       ev('persons', s._batch, s._row) AS evidence_person,
       array_agg(ev('payroll', p._batch, p._row)) AS evidence_payroll
FROM payroll p
JOIN persons s ON s.person_id = p.person_id
WHERE s.leave_date IS NOT NULL
  AND date_trunc('month', p.period) > date_trunc('month', s.leave_date)
  AND p.item NOT IN ${exempt_items}
GROUP BY s.person_id, s.name, s.unit_id, s.leave_date, s.leave_reason, s._batch, s._row
