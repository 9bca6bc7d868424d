-- Months in which a unit paid far more, in number and in total, than in its median month.
WITH monthly AS (
    SELECT unit_id,
           date_trunc('month', paid_on) AS month_ts,
           COUNT(*) AS n_payments,
           SUM(CAST(amount AS DOUBLE)) AS total
    FROM payments
    GROUP BY unit_id, date_trunc('month', paid_on)
),
compared AS (
    SELECT m.unit_id, m.month_ts, m.n_payments, m.total,
           median(CAST(o.n_payments AS DOUBLE)) AS median_count,
           median(o.total) AS median_total,
           COUNT(*) AS n_months
    FROM monthly m
    JOIN monthly o ON o.unit_id = m.unit_id AND o.month_ts <> m.month_ts
    GROUP BY m.unit_id, m.month_ts, m.n_payments, m.total
),
surges AS (
    SELECT * FROM compared
    WHERE n_months >= ${min_months}
      AND n_payments >= ${min_payments}
      AND n_payments >= median_count * ${ratio}
      AND total >= median_total * ${total_ratio}
)
SELECT s.unit_id || '|' || to_char(CAST(s.month_ts AS DATE), '%Y-%m') AS unit_month,
       s.unit_id,
       to_char(CAST(s.month_ts AS DATE), '%Y-%m') AS month,
       CAST(s.month_ts AS DATE) AS month_start,
       s.n_payments,
       s.median_count,
       round(s.total, 2) AS total,
       round(s.median_total, 2) AS median_total,
       round(s.total / s.median_total, 1) AS ratio,
       round(s.total - s.median_total, 2) AS excess,
       array_agg(ev('payments', p._batch, p._row)) AS evidence
FROM surges s
JOIN payments p ON p.unit_id = s.unit_id AND date_trunc('month', p.paid_on) = s.month_ts
GROUP BY s.unit_id, s.month_ts, s.n_payments, s.median_count, s.total, s.median_total
