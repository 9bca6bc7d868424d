-- Competitive procurements awarded with more than one but fewer than the minimum bidders.
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.method,
       t.awarded_on,
       t.award_amount,
       ${min_bidders} AS min_bidders,
       COUNT(DISTINCT b.company_id) AS n_bidders,
       array_to_string(array_sort(array_agg(DISTINCT b.company_id)), '、') AS bidders,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       array_agg(ev('bids', b._batch, b._row)) AS evidence_bids
FROM tenders t
JOIN bids b ON b.tender_id = t.tender_id
WHERE t.method <> 'single_source'
  AND (t.awarded_on IS NOT NULL OR t.winner_company_id IS NOT NULL)
GROUP BY t.tender_id, t.title, t.unit_id, t.method, t.awarded_on, t.award_amount, t._batch, t._row
HAVING COUNT(DISTINCT b.company_id) > 1 AND COUNT(DISTINCT b.company_id) < ${min_bidders}
