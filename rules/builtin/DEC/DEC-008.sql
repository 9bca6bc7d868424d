-- Several sub-threshold decisions on one matter that together reach the threshold.
WITH thresholds AS (
    SELECT u.unit_id, COALESCE(u.large_fund_threshold, p.large_fund_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
),
parts AS (
    SELECT d.*,
           COALESCE(t.threshold, ${default_threshold}) AS threshold,
           COALESCE(d.matter_ref, d.unit_id || '/' || d.counterparty_company_id) AS matter_key
    FROM decisions d
    LEFT JOIN thresholds t ON t.unit_id = d.unit_id
    WHERE d.outcome = 'approved' AND d.amount IS NOT NULL
      AND (d.matter_ref IS NOT NULL OR d.counterparty_company_id IS NOT NULL)
)
SELECT matter_key,
       MIN(unit_id) AS unit_id,
       MAX(threshold) AS threshold,
       COUNT(*) AS n_parts,
       SUM(amount) AS total,
       MIN(decided_on) AS first_on,
       MAX(decided_on) AS last_on,
       days_between(MIN(decided_on), MAX(decided_on)) AS span_days,
       array_to_string(array_agg(title ORDER BY decided_on), '；') AS titles,
       array_agg(ev('decisions', _batch, _row)) AS evidence
FROM parts
WHERE amount < threshold
GROUP BY matter_key
HAVING COUNT(*) >= 2
   AND SUM(amount) >= MAX(threshold)
   AND days_between(MIN(decided_on), MAX(decided_on)) <= ${window_days}
