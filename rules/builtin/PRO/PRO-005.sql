-- Winning bids submitted after the deadline.
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.awarded_on,
       t.award_amount,
       t.deadline_at,
       b.submitted_at,
       b.company_id,
       CAST((CAST(b.submitted_at AS BIGINT) - CAST(t.deadline_at AS BIGINT)) / 60000 AS BIGINT) AS minutes_late,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       ev('bids', b._batch, b._row) AS evidence_bid
FROM tenders t
JOIN bids b ON b.tender_id = t.tender_id
WHERE (b.is_winner = TRUE OR (b.is_winner IS NULL AND b.company_id = t.winner_company_id))
  AND b.submitted_at IS NOT NULL AND t.deadline_at IS NOT NULL
  AND CAST(b.submitted_at AS BIGINT) - CAST(t.deadline_at AS BIGINT) > ${grace_minutes} * 60000
