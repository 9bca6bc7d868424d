-- Heads of unit whose declared relatives work in the unit they lead (or a unit below it).
SELECT h.person_id AS head_id,
       h.name AS head_name,
       u.unit_id,
       u.name AS unit_name,
       r.relative_name,
       r.relative_person_id,
       r.relation,
       CASE r.relation WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       ev('person_relations', r._batch, r._row) AS evidence_relation,
       ev('persons', h._batch, h._row) AS evidence_head,
       ev('persons', b._batch, b._row) AS evidence_relative
FROM org_units u
JOIN persons h ON h.person_id = u.head_person_id
JOIN person_relations r ON r.person_id = h.person_id
JOIN persons b ON b.person_id = r.relative_person_id
LEFT JOIN org_units bu ON bu.unit_id = b.unit_id
WHERE (b.unit_id = u.unit_id OR bu.parent_id = u.unit_id)
  AND b.leave_date IS NULL
  AND COALESCE(u.kind, '') <> 'unit'
