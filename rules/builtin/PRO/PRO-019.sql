-- Awarded tenders where every bid but the winner's was disqualified.
WITH judged AS (
    SELECT b.*, t.winner_company_id,
           (b.company_id = t.winner_company_id OR COALESCE(b.is_winner, FALSE)) AS won
    FROM bids b
    JOIN tenders t ON t.tender_id = b.tender_id
    WHERE t.winner_company_id IS NOT NULL
)
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.awarded_on,
       t.award_amount,
       t.winner_company_id AS winner,
       COUNT(*) AS n_bids,
       SUM(CASE WHEN NOT j.won THEN 1 ELSE 0 END) AS n_disqualified,
       COALESCE(array_to_string(array_sort(array_agg(DISTINCT j.disqualify_reason)), '；'), '未说明理由') AS reasons,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       array_agg(ev('bids', j._batch, j._row)) AS evidence_bids
FROM judged j
JOIN tenders t ON t.tender_id = j.tender_id
GROUP BY t.tender_id, t.title, t.unit_id, t.awarded_on, t.award_amount, t.winner_company_id, t._batch, t._row
HAVING COUNT(*) >= ${min_bids}
   AND SUM(CASE WHEN j.won AND NOT COALESCE(j.disqualified, FALSE) THEN 1 ELSE 0 END) >= 1
   AND SUM(CASE WHEN NOT j.won AND NOT COALESCE(j.disqualified, FALSE) THEN 1 ELSE 0 END) = 0
