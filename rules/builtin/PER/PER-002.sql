-- Months with base pay but no attendance, per person.
WITH covered AS (
    SELECT DISTINCT date_trunc('month', date) AS month FROM attendance
),
present AS (
    SELECT DISTINCT person_id, date_trunc('month', date) AS month FROM attendance
),
paid AS (
    -- Months after the month of leaving are PER-001's (paid after leaving).
    SELECT p.person_id, date_trunc('month', p.period) AS month
    FROM payroll p
    LEFT JOIN persons s ON s.person_id = p.person_id
    WHERE p.item = ${base_item}
      AND (s.leave_date IS NULL OR date_trunc('month', p.period) <= date_trunc('month', s.leave_date))
),
empty AS (
    SELECT pd.person_id, pd.month
    FROM paid pd
    JOIN covered c ON c.month = pd.month
    LEFT JOIN present pr ON pr.person_id = pd.person_id AND pr.month = pd.month
    WHERE pr.person_id IS NULL
)
SELECT s.person_id,
       s.name,
       s.unit_id,
       COUNT(DISTINCT e.month) AS months,
       CAST(MIN(e.month) AS DATE) AS first_month,
       CAST(MAX(e.month) AS DATE) AS last_month,
       SUM(p.amount) AS total,
       ev('persons', s._batch, s._row) AS evidence_person,
       array_agg(CASE WHEN p.item = ${base_item} THEN ev('payroll', p._batch, p._row) END) AS evidence_payroll
FROM empty e
JOIN payroll p ON p.person_id = e.person_id AND date_trunc('month', p.period) = e.month
JOIN persons s ON s.person_id = e.person_id
GROUP BY s.person_id, s.name, s.unit_id, s._batch, s._row
HAVING COUNT(DISTINCT e.month) >= ${min_months}
