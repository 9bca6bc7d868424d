-- Companies that bid many times on awarded tenders and never won.
WITH judged AS (
    SELECT b.company_id, b.tender_id, b._batch, b._row, t.unit_id,
           CAST(COALESCE(b.submitted_at, t.deadline_at) AS DATE) AS bid_on,
           (b.company_id = t.winner_company_id OR COALESCE(b.is_winner, FALSE)) AS won,
           COALESCE(b.disqualified, FALSE) AS out
    FROM bids b
    JOIN tenders t ON t.tender_id = b.tender_id
    WHERE t.winner_company_id IS NOT NULL
)
SELECT company_id,
       MIN(unit_id) AS unit_id,
       COUNT(*) AS n_bids,
       COUNT(DISTINCT tender_id) AS n_tenders,
       MIN(bid_on) AS first_bid_on,
       MAX(bid_on) AS last_bid_on,
       array_agg(ev('bids', _batch, _row)) AS evidence
FROM judged
GROUP BY company_id
HAVING COUNT(*) >= ${min_bids}
   AND SUM(CASE WHEN won OR out THEN 1 ELSE 0 END) = 0
