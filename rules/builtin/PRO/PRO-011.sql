-- Different bidders quoting the same price on one tender.
SELECT b.tender_id,
       MIN(t.unit_id) AS unit_id,
       MIN(CAST(t.deadline_at AS DATE)) AS deadline_on,
       b.amount AS price,
       COUNT(DISTINCT b.company_id) AS n_bidders,
       array_to_string(array_sort(array_agg(DISTINCT b.company_id)), '、') AS companies,
       array_agg(ev('bids', b._batch, b._row)) AS evidence
FROM bids b
LEFT JOIN tenders t ON t.tender_id = b.tender_id
WHERE b.amount >= ${min_amount}
GROUP BY b.tender_id, b.amount
HAVING COUNT(DISTINCT b.company_id) >= 2
