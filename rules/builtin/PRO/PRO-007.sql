-- Awards above the estimate (price ceiling).
SELECT tender_id,
       title,
       unit_id,
       awarded_on,
       estimate,
       award_amount,
       award_amount - estimate AS excess,
       ROUND((CAST(award_amount AS DOUBLE) / CAST(estimate AS DOUBLE) - 1.0) * 100.0, 1) AS excess_pct,
       ev('tenders', _batch, _row) AS evidence
FROM tenders
WHERE award_amount IS NOT NULL AND estimate IS NOT NULL AND estimate > 0
  AND CAST(award_amount AS DOUBLE) > CAST(estimate AS DOUBLE) * (1.0 + ${tolerance})
