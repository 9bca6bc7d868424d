-- Payroll items outside the salary components and the allowance catalogue.
SELECT s.unit_id || '|' || to_char(p.period, '%Y-%m') AS unit_month,
       s.unit_id,
       to_char(p.period, '%Y-%m') AS month,
       CAST(MIN(p.period) AS DATE) AS period,
       p.item,
       COUNT(DISTINCT p.person_id) AS n_people,
       SUM(p.amount) AS total,
       array_agg(ev('payroll', p._batch, p._row)) AS evidence
FROM payroll p
JOIN persons s ON s.person_id = p.person_id
LEFT JOIN (SELECT DISTINCT item FROM allowance_catalogue) c ON c.item = p.item
WHERE c.item IS NULL
  AND p.item NOT IN ${salary_items}
GROUP BY s.unit_id, to_char(p.period, '%Y-%m'), p.item
