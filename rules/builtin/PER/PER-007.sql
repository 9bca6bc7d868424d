-- Relatives who both work in incompatible functions.
SELECT a.person_id,
       a.name,
       a.unit_id,
       ua.name AS unit_name,
       r.relative_name,
       r.relative_person_id,
       r.relation,
       CASE r.relation WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       ub.name AS relative_unit_name,
       ev('person_relations', r._batch, r._row) AS evidence_relation,
       ev('persons', a._batch, a._row) AS evidence_person,
       ev('persons', b._batch, b._row) AS evidence_relative
FROM person_relations r
JOIN persons a ON a.person_id = r.person_id
JOIN persons b ON b.person_id = r.relative_person_id
JOIN org_units ua ON ua.unit_id = a.unit_id
JOIN org_units ub ON ub.unit_id = b.unit_id
WHERE ua.function IN ${functions}
  AND ub.function IN ${functions}
  AND a.leave_date IS NULL AND b.leave_date IS NULL
