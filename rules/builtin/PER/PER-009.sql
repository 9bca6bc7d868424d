-- People paid far above the median of their grade, on one item, for several months.
WITH lines AS (
    SELECT y.person_id, y.period, y.item, y.amount, y._batch, y._row,
           p.grade, p.name, p.unit_id
    FROM payroll y
    JOIN persons p ON p.person_id = y.person_id
    WHERE p.grade IS NOT NULL AND y.amount > 0
),
medians AS (
    SELECT date_trunc('month', period) AS month_ts, item, grade,
           median(CAST(amount AS DOUBLE)) AS peer_median,
           COUNT(DISTINCT person_id) AS n_peers
    FROM lines
    GROUP BY date_trunc('month', period), item, grade
),
outliers AS (
    SELECT l.*, m.peer_median, CAST(l.amount AS DOUBLE) / m.peer_median AS ratio
    FROM lines l
    JOIN medians m
      ON m.month_ts = date_trunc('month', l.period) AND m.item = l.item AND m.grade = l.grade
    WHERE m.n_peers >= ${min_peers}
      AND m.peer_median > 0
      AND CAST(l.amount AS DOUBLE) >= m.peer_median * ${ratio}
)
SELECT person_id,
       MIN(name) AS name,
       MIN(grade) AS grade,
       MIN(unit_id) AS unit_id,
       item,
       COUNT(*) AS months,
       MIN(period) AS first_period,
       round(median(peer_median), 2) AS peer_median,
       round(MAX(ratio), 1) AS ratio,
       round(SUM(CAST(amount AS DOUBLE) - peer_median), 2) AS excess,
       array_agg(ev('payroll', _batch, _row)) AS evidence
FROM outliers
GROUP BY person_id, item
HAVING COUNT(*) >= ${min_months}
