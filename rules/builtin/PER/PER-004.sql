-- Allowances paid above the catalogue's monthly maximum for the grade (the grade's own row,
-- else the row for all grades `*`; the catalogue's key is item and grade, so each join finds
-- at most one row).
WITH rows_ AS (
    SELECT p.*, s.name, s.unit_id, s.grade,
           COALESCE(g.name, a.name) AS item_name,
           COALESCE(g.monthly_max, a.monthly_max) AS monthly_max
    FROM payroll p
    JOIN persons s ON s.person_id = p.person_id
    LEFT JOIN allowance_catalogue g ON g.item = p.item AND g.grade = s.grade
    LEFT JOIN allowance_catalogue a ON a.item = p.item AND a.grade = '*'
    WHERE g.monthly_max IS NOT NULL OR a.monthly_max IS NOT NULL
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
WHERE amount > monthly_max
GROUP BY person_id, name, unit_id, grade, item
