-- Open and invited tenders won at (almost) exactly the estimate.
WITH nb AS (
    SELECT tender_id, COUNT(DISTINCT company_id) AS n FROM bids GROUP BY tender_id
)
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.awarded_on,
       t.estimate,
       t.award_amount,
       ROUND(CAST(t.award_amount AS DOUBLE) / CAST(t.estimate AS DOUBLE) * 100.0, 2) AS ratio_pct,
       ROUND(${gap} * 100.0, 2) AS gap_pct,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       array_agg(ev('bids', b._batch, b._row)) AS evidence_winning_bid
FROM tenders t
JOIN nb ON nb.tender_id = t.tender_id
LEFT JOIN bids b ON b.tender_id = t.tender_id AND b.company_id = t.winner_company_id
WHERE t.method IN ('open', 'invited')
  AND nb.n >= ${min_bidders}
  AND t.estimate > 0 AND t.award_amount IS NOT NULL
  AND t.award_amount <= t.estimate
  AND CAST(t.award_amount AS DOUBLE) > CAST(t.estimate AS DOUBLE) * (1.0 - ${gap})
GROUP BY t.tender_id, t.title, t.unit_id, t.awarded_on, t.estimate, t.award_amount, t._batch, t._row
