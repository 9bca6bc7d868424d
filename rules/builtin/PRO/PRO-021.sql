-- Tenders whose bid prices form an arithmetic progression.
WITH stepped AS (
    SELECT b.*,
           b.amount - LAG(b.amount) OVER (PARTITION BY b.tender_id ORDER BY b.amount, b.bid_id) AS step
    FROM bids b
)
SELECT s.tender_id,
       MIN(t.unit_id) AS unit_id,
       MIN(CAST(t.deadline_at AS DATE)) AS deadline_on,
       COUNT(*) AS n_bids,
       MAX(s.step) AS step,
       array_to_string(array_agg(CAST(s.amount AS VARCHAR) ORDER BY s.amount), '、') AS prices,
       array_agg(ev('bids', s._batch, s._row)) AS evidence
FROM stepped s
LEFT JOIN tenders t ON t.tender_id = s.tender_id
GROUP BY s.tender_id
HAVING COUNT(*) >= ${min_bids}
   AND COUNT(DISTINCT s.step) = 1
   AND MIN(s.step) > 0
