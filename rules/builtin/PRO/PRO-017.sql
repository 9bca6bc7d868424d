-- Competing bidders with the same natural person as owner or officer at tender time.
WITH linked AS (
    SELECT b.tender_id, b.company_id, b._batch AS b_batch, b._row AS b_row,
           l.party_resident_id AS party, l.party_name, l.role,
           l._batch AS l_batch, l._row AS l_row,
           t.unit_id, t.published_on
    FROM bids b
    JOIN company_links l ON l.company_id = b.company_id
    LEFT JOIN tenders t ON t.tender_id = b.tender_id
    WHERE l.party_resident_id IS NOT NULL AND l.party_resident_id <> ''
      AND (l.since IS NULL OR t.published_on IS NULL OR l.since <= t.published_on)
      AND (l.until IS NULL OR t.published_on IS NULL OR l.until >= t.published_on)
),
shared AS (
    SELECT tender_id, party
    FROM linked
    GROUP BY tender_id, party
    HAVING COUNT(DISTINCT company_id) >= 2
)
SELECT l.tender_id,
       l.party,
       MIN(l.party_name) AS party_name,
       MIN(l.unit_id) AS unit_id,
       MIN(l.published_on) AS published_on,
       array_to_string(array_sort(array_agg(DISTINCT l.company_id)), '、') AS companies,
       array_to_string(array_sort(array_agg(DISTINCT l.role)), ', ') AS roles,
       array_to_string(array_sort(array_agg(DISTINCT CASE l.role WHEN 'shareholder' THEN '股东'
            WHEN 'director' THEN '董事' WHEN 'legal_representative' THEN '法定代表人'
            WHEN 'supervisor' THEN '监事' WHEN 'manager' THEN '高管' ELSE '关联人' END)), '、') AS roles_zh,
       array_agg(DISTINCT ev('bids', l.b_batch, l.b_row)) AS evidence_bids,
       array_agg(DISTINCT ev('company_links', l.l_batch, l.l_row)) AS evidence_links
FROM linked l
JOIN shared s ON s.tender_id = l.tender_id AND s.party = l.party
GROUP BY l.tender_id, l.party
