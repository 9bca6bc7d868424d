-- Tenders whose lowest bid was disqualified and a dearer bid won.
WITH ranked AS (
    SELECT b.*, ROW_NUMBER() OVER (PARTITION BY b.tender_id ORDER BY b.amount, b.bid_id) AS rk
    FROM bids b
)
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.awarded_on,
       t.award_amount,
       COALESCE(t.winner_company_id, '—') AS winner,
       r.company_id AS lowest_company,
       r.amount AS lowest_amount,
       COALESCE(r.disqualify_reason, '未说明理由') AS reason,
       t.award_amount - r.amount AS price_gap,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       ev('bids', r._batch, r._row) AS evidence_bid
FROM ranked r
JOIN tenders t ON t.tender_id = r.tender_id
WHERE r.rk = 1
  AND r.disqualified = TRUE
  AND COALESCE(r.is_winner, FALSE) = FALSE
  AND t.award_amount > r.amount
