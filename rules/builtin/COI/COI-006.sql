-- Benefit payments to declared relatives, matched by resident id.
SELECT r.person_id,
       b.recipient_name,
       MIN(r.relation) AS relation,
       CASE MIN(r.relation) WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       MIN(b.program) AS program,
       COUNT(*) AS n_payments,
       SUM(b.amount) AS total,
       MIN(b.paid_on) AS first_paid_on,
       MIN(ev('person_relations', r._batch, r._row)) AS evidence_relation,
       array_agg(ev('benefits', b._batch, b._row)) AS evidence_benefits
FROM benefits b
JOIN person_relations r ON r.relative_resident_id = b.recipient_resident_id
GROUP BY r.person_id, b.recipient_name
