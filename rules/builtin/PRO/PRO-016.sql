-- One phone number given in the bids of several competing companies.
SELECT b.tender_id,
       MIN(t.unit_id) AS unit_id,
       MIN(CAST(t.deadline_at AS DATE)) AS deadline_on,
       MIN(COALESCE(b.phone_masked, '电话')) AS phone,
       array_to_string(array_sort(array_agg(DISTINCT b.company_id)), '、') AS companies,
       array_agg(ev('bids', b._batch, b._row)) AS evidence
FROM bids b
LEFT JOIN tenders t ON t.tender_id = b.tender_id
WHERE b.phone IS NOT NULL AND b.phone <> ''
GROUP BY b.tender_id, b.phone
HAVING COUNT(DISTINCT b.company_id) >= 2
