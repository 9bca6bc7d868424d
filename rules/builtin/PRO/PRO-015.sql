-- Non-open procurements whose estimate sits just under the tender threshold.
WITH thresholds AS (
    SELECT u.unit_id, COALESCE(u.tender_threshold, p.tender_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
),
priced AS (
    SELECT t.*, COALESCE(th.threshold, ${default_threshold}) AS threshold
    FROM tenders t
    LEFT JOIN thresholds th ON th.unit_id = t.unit_id
    WHERE t.method <> 'open' AND t.estimate IS NOT NULL
)
SELECT tender_id,
       title,
       unit_id,
       method,
       CASE method WHEN 'invited' THEN '邀请招标' WHEN 'competitive_negotiation' THEN '竞争性谈判'
            WHEN 'competitive_consultation' THEN '竞争性磋商' WHEN 'inquiry' THEN '询价'
            WHEN 'single_source' THEN '单一来源' ELSE method END AS method_zh,
       published_on,
       estimate,
       threshold,
       threshold - estimate AS gap,
       ev('tenders', _batch, _row) AS evidence
FROM priced
WHERE estimate < threshold
  AND CAST(estimate AS DOUBLE) >= CAST(threshold AS DOUBLE) * (1.0 - ${margin})
