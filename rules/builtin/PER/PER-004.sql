-- Allowances paid above the catalogue's monthly maximum for the grade.
WITH rows_ AS (
    SELECT p.*, s.name, s.unit_id, s.grade, c.name AS item_name, c.monthly_max,
           ROW_NUMBER() OVER (PARTITION BY p.person_id, p.period, p.item
                              ORDER BY CASE WHEN c.grade = '*' THEN 1 ELSE 0 END) AS pick
    FROM payroll p
    JOIN persons s ON s.person_id = p.person_id
    JOIN allowance_catalogue c ON c.item = p.item AND (c.grade = s.grade OR c.grade = '*')
)
SELECT person_id,
       name,
       unit_id,
       COALESCE(grade, '*') AS grade,
       item,
       COALESCE(MIN(item_name), item) AS item_name,
       MIN(monthly_max) AS standard,
       MAX(amount) AS max_paid,
       COUNT(*) AS months,
       CAST(MIN(period) AS DATE) AS first_period,
       SUM(amount - monthly_max) AS excess,
       array_agg(ev('payroll', _batch, _row)) AS evidence
FROM rows_
WHERE pick = 1 AND amount > monthly_max
GROUP BY person_id, name, unit_id, grade, item
