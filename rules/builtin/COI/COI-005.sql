-- Companies of former staff doing business with the organisation soon after they left.
WITH acts AS (
    SELECT supplier_company_id AS company_id, signed_on AS on_, amount, ev('contracts', _batch, _row) AS ev_act
    FROM contracts
    UNION ALL
    SELECT payee_company_id, paid_on, amount, ev('payments', _batch, _row)
    FROM payments WHERE payee_company_id IS NOT NULL AND contract_id IS NULL
),
former AS (
    SELECT l.company_id, s.person_id, s.name, s.leave_date,
           array_to_string(array_sort(array_agg(DISTINCT l.role)), ', ') AS roles,
           array_to_string(array_sort(array_agg(DISTINCT CASE l.role WHEN 'shareholder' THEN '股东' WHEN 'director' THEN '董事'
                WHEN 'legal_representative' THEN '法定代表人' WHEN 'supervisor' THEN '监事' ELSE '高管' END)), '、') AS roles_zh,
           ev('persons', s._batch, s._row) AS evidence_person,
           array_agg(ev('company_links', l._batch, l._row)) AS evidence_links
    FROM company_links l
    JOIN persons s ON s.resident_id = l.party_resident_id
    WHERE s.leave_date IS NOT NULL
      AND l.role IN ('shareholder', 'legal_representative', 'director', 'supervisor', 'manager')
    GROUP BY l.company_id, s.person_id, s.name, s.leave_date, s._batch, s._row
)
SELECT f.company_id,
       COALESCE(MIN(c.name), f.company_id) AS company_name,
       f.person_id,
       f.name,
       f.leave_date,
       f.roles,
       f.roles_zh,
       MIN(a.on_) AS first_business_on,
       CAST(days_between(f.leave_date, MIN(a.on_)) / 30 AS BIGINT) AS months_after_leaving,
       SUM(a.amount) AS business,
       f.evidence_person,
       f.evidence_links,
       array_agg(a.ev_act) AS evidence_business
FROM former f
JOIN acts a ON a.company_id = f.company_id
 AND a.on_ >= f.leave_date
 AND days_between(f.leave_date, a.on_) <= ${cooling_off_years} * 365
LEFT JOIN companies c ON c.company_id = f.company_id
GROUP BY f.company_id, f.person_id, f.name, f.leave_date, f.roles, f.roles_zh, f.evidence_person, f.evidence_links
