-- Payees whose amounts' first digits stray far from Benford's law.
WITH digits AS (
    SELECT COALESCE(payee_company_id, payee_name) AS payee,
           payee_name, unit_id, paid_on, amount, _batch, _row,
           CAST(substr(CAST(CAST(floor(CAST(amount AS DOUBLE)) AS BIGINT) AS VARCHAR), 1, 1) AS BIGINT) AS d
    FROM payments
    WHERE amount >= 10
),
sizes AS (
    SELECT payee, COUNT(*) AS n FROM digits GROUP BY payee HAVING COUNT(*) >= ${min_payments}
),
nine AS (
    SELECT s.payee, s.n, g.d
    FROM sizes s
    CROSS JOIN (SELECT unnest(make_array(1, 2, 3, 4, 5, 6, 7, 8, 9)) AS d) g
),
observed AS (
    SELECT n9.payee, n9.n, n9.d,
           CAST(COUNT(x.d) AS DOUBLE) / n9.n AS share,
           log10(1.0 + 1.0 / n9.d) AS expected
    FROM nine n9
    LEFT JOIN digits x ON x.payee = n9.payee AND x.d = n9.d
    GROUP BY n9.payee, n9.n, n9.d
),
scored AS (
    SELECT payee,
           avg(abs(share - expected)) AS mad,
           first_value(d ORDER BY share - expected DESC) AS top_digit,
           max(share - expected) AS top_excess
    FROM observed
    GROUP BY payee
),
top AS (
    SELECT s.payee, s.mad, s.top_digit, o.share, o.expected
    FROM scored s
    JOIN observed o ON o.payee = s.payee AND o.d = s.top_digit
    WHERE s.mad >= ${min_mad}
)
SELECT MIN(x.payee_name) AS payee_name,
       MIN(x.unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(x.amount) AS total,
       MAX(x.paid_on) AS last_paid_on,
       round(MIN(t.mad), 3) AS mad,
       MIN(t.top_digit) AS top_digit,
       round(100.0 * MIN(t.share), 1) AS top_share_pct,
       round(100.0 * MIN(t.expected), 1) AS top_expected_pct,
       array_agg(ev('payments', x._batch, x._row)) AS evidence
FROM top t
JOIN digits x ON x.payee = t.payee
GROUP BY t.payee
