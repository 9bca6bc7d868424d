-- Projects split into untendered lots below the tender threshold.
WITH thresholds AS (
    SELECT u.unit_id, COALESCE(u.tender_threshold, p.tender_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
),
lots AS (
    SELECT c.*, COALESCE(th.threshold, ${default_threshold}) AS threshold, t.method
    FROM contracts c
    LEFT JOIN tenders t ON t.tender_id = c.tender_id
    LEFT JOIN thresholds th ON th.unit_id = c.unit_id
    WHERE c.project_id IS NOT NULL
      AND c.parent_contract_id IS NULL
      AND COALESCE(c.kind, 'works') = 'works'
      AND COALESCE(t.method, '') <> 'open'
)
SELECT l.project_id,
       COALESCE(MIN(pr.name), l.project_id) AS project_name,
       MIN(l.unit_id) AS unit_id,
       MAX(l.threshold) AS threshold,
       COUNT(*) AS n_contracts,
       SUM(l.amount) AS total,
       MIN(l.signed_on) AS first_signed_on,
       array_to_string(array_agg(l.contract_id ORDER BY l.contract_id), '、') AS contracts,
       array_agg(ev('contracts', l._batch, l._row)) AS evidence
FROM lots l
LEFT JOIN projects pr ON pr.project_id = l.project_id
WHERE l.amount < l.threshold
GROUP BY l.project_id
HAVING COUNT(*) >= 2 AND SUM(l.amount) >= MAX(l.threshold)
