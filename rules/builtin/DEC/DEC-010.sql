-- Units whose large-fund threshold is far above the median of the other units'.
WITH set_units AS (
    SELECT unit_id, name, large_fund_threshold, _batch, _row
    FROM org_units
    WHERE large_fund_threshold IS NOT NULL
),
peers AS (
    SELECT u.unit_id,
           median(CAST(o.large_fund_threshold AS DOUBLE)) AS peer_median,
           COUNT(*) AS n_peers
    FROM set_units u
    JOIN set_units o ON o.unit_id <> u.unit_id
    GROUP BY u.unit_id
)
SELECT u.unit_id,
       u.name,
       u.large_fund_threshold,
       p.peer_median,
       round(CAST(u.large_fund_threshold AS DOUBLE) / p.peer_median, 1) AS ratio,
       ev('org_units', u._batch, u._row) AS evidence
FROM set_units u
JOIN peers p ON p.unit_id = u.unit_id
WHERE p.n_peers >= ${min_peers}
  AND p.peer_median > 0
  AND CAST(u.large_fund_threshold AS DOUBLE) >= p.peer_median * ${ratio}
