-- Payments approved by someone whose relative owns or runs the payee company.
WITH rel_links AS (
    SELECT r.person_id, r.relative_name, r.relation, l.company_id,
           array_to_string(array_sort(array_agg(DISTINCT l.role)), ', ') AS roles,
           array_to_string(array_sort(array_agg(DISTINCT CASE l.role WHEN 'shareholder' THEN '股东' WHEN 'director' THEN '董事'
                WHEN 'legal_representative' THEN '法定代表人' WHEN 'supervisor' THEN '监事' ELSE '高管' END)), '、') AS roles_zh,
           ev('person_relations', r._batch, r._row) AS evidence_relation,
           array_agg(ev('company_links', l._batch, l._row)) AS evidence_links
    FROM person_relations r
    JOIN company_links l
      ON l.party_resident_id = r.relative_resident_id
      OR (l.party_resident_id IS NULL AND l.party_name = r.relative_name)
    WHERE l.role IN ('shareholder', 'legal_representative', 'director', 'supervisor', 'manager')
    GROUP BY r.person_id, r.relative_name, r.relation, l.company_id, r._batch, r._row
)
SELECT k.company_id,
       MIN(p.payee_name) AS company_name,
       p.approver_id,
       k.relative_name,
       k.relation,
       CASE k.relation WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       k.roles,
       k.roles_zh,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       MIN(p.paid_on) AS first_paid_on,
       k.evidence_relation,
       k.evidence_links,
       array_agg(ev('payments', p._batch, p._row)) AS evidence_payments
FROM payments p
JOIN rel_links k ON k.person_id = p.approver_id AND k.company_id = p.payee_company_id
GROUP BY k.company_id, p.approver_id, k.relative_name, k.relation, k.roles, k.roles_zh, k.evidence_relation, k.evidence_links
