-- Staff who hold shares in a company doing business with the organisation.
WITH business AS (
    SELECT company_id, SUM(total) AS business
    FROM (
        SELECT supplier_company_id AS company_id, SUM(amount) AS total FROM contracts GROUP BY supplier_company_id
        UNION ALL
        SELECT payee_company_id, SUM(amount) FROM payments WHERE payee_company_id IS NOT NULL AND contract_id IS NULL GROUP BY payee_company_id
    ) x
    GROUP BY company_id
)
SELECT s.person_id,
       s.name,
       s.unit_id,
       l.company_id,
       COALESCE(c.name, l.company_id) AS company_name,
       l.share_pct,
       CASE WHEN l.share_pct IS NULL THEN '（比例未知）' ELSE CAST(l.share_pct AS VARCHAR) || '%' END AS share_text,
       CASE WHEN l.share_pct IS NULL THEN 'an unknown share' ELSE CAST(l.share_pct AS VARCHAR) || '%' END AS share_text_en,
       b.business,
       ev('persons', s._batch, s._row) AS evidence_person,
       ev('company_links', l._batch, l._row) AS evidence_link
FROM company_links l
JOIN persons s ON s.resident_id = l.party_resident_id
JOIN business b ON b.company_id = l.company_id
LEFT JOIN companies c ON c.company_id = l.company_id
WHERE l.role = 'shareholder'
  AND COALESCE(l.share_pct, 100.0) >= ${min_share_pct}
  AND (s.leave_date IS NULL OR l.since IS NULL OR l.since < s.leave_date)
  AND (l.until IS NULL OR s.hire_date IS NULL OR l.until > s.hire_date)
