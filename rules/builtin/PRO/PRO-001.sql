-- Competitive procurements awarded on a single bid.
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.method,
       CASE t.method WHEN 'open' THEN '公开招标' WHEN 'invited' THEN '邀请招标'
            WHEN 'competitive_negotiation' THEN '竞争性谈判' WHEN 'competitive_consultation' THEN '竞争性磋商'
            WHEN 'inquiry' THEN '询价' ELSE t.method END AS method_zh,
       t.awarded_on,
       t.award_amount,
       MIN(b.company_id) AS bidder,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       array_agg(ev('bids', b._batch, b._row)) AS evidence_bids
FROM tenders t
JOIN bids b ON b.tender_id = t.tender_id
WHERE t.method <> 'single_source'
  AND (t.awarded_on IS NOT NULL OR t.winner_company_id IS NOT NULL)
GROUP BY t.tender_id, t.title, t.unit_id, t.method, t.awarded_on, t.award_amount, t._batch, t._row
HAVING COUNT(DISTINCT b.company_id) = 1
