-- Claims whose expense date is a day of leave or absence.
SELECT c.claim_id,
       c.person_id,
       c.unit_id,
       c.expense_date,
       c.kind,
       c.amount,
       COALESCE(c.merchant, '—') AS merchant,
       COALESCE(c.city, '—') AS city,
       a.status,
       CASE a.status WHEN 'leave' THEN '请假' WHEN 'absent' THEN '缺勤' WHEN 'rest' THEN '休息' ELSE a.status END AS status_zh,
       ev('expense_claims', c._batch, c._row) AS evidence_claim,
       ev('attendance', a._batch, a._row) AS evidence_attendance
FROM expense_claims c
JOIN attendance a ON a.person_id = c.person_id AND a.date = c.expense_date
WHERE a.status IN ${statuses}
