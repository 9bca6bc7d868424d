-- Single-source purchases at or above the tender threshold with no justification.
WITH thresholds AS (
    SELECT u.unit_id, COALESCE(u.tender_threshold, p.tender_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
)
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.published_on,
       CASE WHEN t.award_amount IS NOT NULL AND (t.estimate IS NULL OR t.award_amount > t.estimate)
            THEN t.award_amount ELSE t.estimate END AS amount,
       COALESCE(th.threshold, ${default_threshold}) AS threshold,
       ev('tenders', t._batch, t._row) AS evidence
FROM tenders t
LEFT JOIN thresholds th ON th.unit_id = t.unit_id
WHERE t.method = 'single_source'
  AND (t.single_source_reason IS NULL OR trim(t.single_source_reason) = '')
  AND COALESCE(CASE WHEN t.award_amount IS NOT NULL AND (t.estimate IS NULL OR t.award_amount > t.estimate)
                    THEN t.award_amount ELSE t.estimate END, 0) >= COALESCE(th.threshold, ${default_threshold})
