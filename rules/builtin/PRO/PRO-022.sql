-- Pairs of companies that bid on the same tenders and take turns winning.
WITH b AS (
    SELECT DISTINCT x.tender_id, x.company_id,
           (x.company_id = t.winner_company_id OR COALESCE(x.is_winner, FALSE)) AS won
    FROM bids x
    JOIN tenders t ON t.tender_id = x.tender_id
    WHERE t.winner_company_id IS NOT NULL
),
per_company AS (
    SELECT company_id, COUNT(DISTINCT tender_id) AS n FROM b GROUP BY company_id
),
pairs AS (
    SELECT a.company_id AS company_a, c.company_id AS company_b,
           COUNT(DISTINCT a.tender_id) AS shared_tenders,
           SUM(CASE WHEN a.won THEN 1 ELSE 0 END) AS wins_a,
           SUM(CASE WHEN c.won THEN 1 ELSE 0 END) AS wins_b
    FROM b a
    JOIN b c ON c.tender_id = a.tender_id AND a.company_id < c.company_id
    GROUP BY a.company_id, c.company_id
    HAVING COUNT(DISTINCT a.tender_id) >= ${min_shared}
),
rings AS (
    SELECT p.*, CAST(p.shared_tenders AS DOUBLE) / (na.n + nb.n - p.shared_tenders) AS overlap
    FROM pairs p
    JOIN per_company na ON na.company_id = p.company_a
    JOIN per_company nb ON nb.company_id = p.company_b
    WHERE p.wins_a >= 1 AND p.wins_b >= 1
)
SELECT r.company_a || '+' || r.company_b AS pair,
       r.company_a,
       r.company_b,
       r.shared_tenders,
       r.wins_a,
       r.wins_b,
       round(100.0 * r.overlap, 1) AS overlap_pct,
       MIN(t.unit_id) AS unit_id,
       MAX(t.awarded_on) AS last_on,
       array_agg(ev('tenders', t._batch, t._row)) AS evidence
FROM rings r
JOIN b ba ON ba.company_id = r.company_a
JOIN b bb ON bb.company_id = r.company_b AND bb.tender_id = ba.tender_id
JOIN tenders t ON t.tender_id = ba.tender_id
WHERE r.overlap >= ${min_overlap}
GROUP BY r.company_a, r.company_b, r.shared_tenders, r.wins_a, r.wins_b, r.overlap
