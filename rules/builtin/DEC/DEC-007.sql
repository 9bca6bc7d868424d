-- Votes by members whose declared relative is linked to the decision's counterparty.
SELECT d.decision_id,
       d.title,
       d.unit_id,
       d.amount,
       d.decided_on,
       v.person_id,
       v.vote,
       r.relative_name,
       r.relation,
       CASE r.relation WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       l.company_id,
       MIN(l.role) AS role,
       MIN(CASE l.role WHEN 'shareholder' THEN '股东' WHEN 'director' THEN '董事'
                WHEN 'legal_representative' THEN '法定代表人' WHEN 'supervisor' THEN '监事'
                WHEN 'manager' THEN '高管' ELSE '联系人' END) AS role_zh,
       ev('meeting_votes', v._batch, v._row) AS evidence_vote,
       ev('decisions', d._batch, d._row) AS evidence_decision,
       ev('person_relations', r._batch, r._row) AS evidence_relation,
       array_agg(ev('company_links', l._batch, l._row)) AS evidence_links
FROM meeting_votes v
JOIN decisions d ON d.decision_id = v.decision_id
JOIN person_relations r ON r.person_id = v.person_id
JOIN company_links l ON l.company_id = d.counterparty_company_id
 AND l.role IN ('shareholder', 'director', 'legal_representative', 'supervisor', 'manager')
 AND (l.party_resident_id = r.relative_resident_id
      OR (l.party_resident_id IS NULL AND l.party_name = r.relative_name))
 AND (l.since IS NULL OR l.since <= d.decided_on)
 AND (l.until IS NULL OR l.until >= d.decided_on)
WHERE COALESCE(v.recused, FALSE) = FALSE
GROUP BY d.decision_id, d.title, d.unit_id, d.amount, d.decided_on, v.person_id, v.vote,
         r.relative_name, r.relation, l.company_id, v._batch, v._row, d._batch, d._row, r._batch, r._row
