-- Suppliers owned or run by a staff member's declared relative.
WITH business AS (
    SELECT company_id, SUM(contract_total) AS contract_total, SUM(n_contracts) AS n_contracts,
           SUM(paid_total) AS paid_total, SUM(n_payments) AS n_payments, MIN(first_on) AS first_on
    FROM (
        SELECT supplier_company_id AS company_id, SUM(amount) AS contract_total, COUNT(*) AS n_contracts,
               CAST(0 AS DECIMAL(18,2)) AS paid_total, 0 AS n_payments, MIN(signed_on) AS first_on
        FROM contracts GROUP BY supplier_company_id
        UNION ALL
        SELECT payee_company_id, CAST(0 AS DECIMAL(18,2)), 0, SUM(amount), COUNT(*), MIN(paid_on)
        FROM payments WHERE payee_company_id IS NOT NULL GROUP BY payee_company_id
    ) x
    GROUP BY company_id
),
links AS (
    SELECT r.person_id, r.relative_name, r.relation, l.company_id, l.role,
           ev('person_relations', r._batch, r._row) AS ev_rel,
           ev('company_links', l._batch, l._row) AS ev_link
    FROM person_relations r
    JOIN company_links l
      ON l.party_resident_id = r.relative_resident_id
      OR (l.party_resident_id IS NULL AND l.party_name = r.relative_name)
    WHERE l.role IN ('legal_representative', 'director', 'supervisor', 'manager')
       OR (l.role = 'shareholder' AND COALESCE(l.share_pct, 100.0) >= ${min_share_pct})
)
SELECT k.company_id,
       COALESCE(MIN(c.name), k.company_id) AS company_name,
       k.person_id,
       MIN(k.relative_name) AS relative_name,
       MIN(k.relation) AS relation,
       CASE MIN(k.relation) WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       array_to_string(array_sort(array_agg(DISTINCT k.role)), ', ') AS roles,
       array_to_string(array_sort(array_agg(DISTINCT CASE k.role WHEN 'shareholder' THEN '股东' WHEN 'director' THEN '董事'
            WHEN 'legal_representative' THEN '法定代表人' WHEN 'supervisor' THEN '监事' ELSE '高管' END)), '、') AS roles_zh,
       MIN(b.n_contracts) AS n_contracts,
       MIN(b.n_payments) AS n_payments,
       CASE WHEN MIN(b.contract_total) > MIN(b.paid_total) THEN MIN(b.contract_total) ELSE MIN(b.paid_total) END AS business,
       MIN(b.first_on) AS first_business_on,
       array_agg(k.ev_rel) AS evidence_relations,
       array_agg(k.ev_link) AS evidence_links
FROM links k
JOIN business b ON b.company_id = k.company_id
LEFT JOIN companies c ON c.company_id = k.company_id
GROUP BY k.company_id, k.person_id
