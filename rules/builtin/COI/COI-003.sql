-- Staff who hold posts in outside companies.
SELECT s.person_id,
       s.name,
       s.unit_id,
       l.company_id,
       COALESCE(MIN(c.name), l.company_id) AS company_name,
       MIN(l.since) AS since,
       array_to_string(array_sort(array_agg(DISTINCT l.role)), ', ') AS roles,
       array_to_string(array_sort(array_agg(DISTINCT CASE l.role WHEN 'director' THEN '董事'
            WHEN 'legal_representative' THEN '法定代表人' WHEN 'supervisor' THEN '监事' ELSE '高管' END)), '、') AS roles_zh,
       ev('persons', s._batch, s._row) AS evidence_person,
       array_agg(ev('company_links', l._batch, l._row)) AS evidence_links
FROM company_links l
JOIN persons s ON s.resident_id = l.party_resident_id
LEFT JOIN companies c ON c.company_id = l.company_id
WHERE l.role IN ('legal_representative', 'director', 'supervisor', 'manager')
  AND l.company_id NOT IN ${exempt_companies}
  AND (s.leave_date IS NULL OR l.since IS NULL OR l.since < s.leave_date)
  AND (l.until IS NULL OR s.hire_date IS NULL OR l.until > s.hire_date)
GROUP BY s.person_id, s.name, s.unit_id, l.company_id, s._batch, s._row
