-- Purchases from one supplier split into non-open procedures under the tender threshold.
WITH thresholds AS (
    SELECT u.unit_id, COALESCE(u.tender_threshold, p.tender_threshold) AS threshold
    FROM org_units u
    LEFT JOIN org_units p ON p.unit_id = u.parent_id
),
small AS (
    SELECT t.tender_id, t.unit_id, t.winner_company_id, COALESCE(t.category, '—') AS category,
           t.awarded_on, t.award_amount, t._batch, t._row,
           COALESCE(th.threshold, ${default_threshold}) AS threshold
    FROM tenders t
    LEFT JOIN thresholds th ON th.unit_id = t.unit_id
    WHERE t.method <> 'open'
      AND t.winner_company_id IS NOT NULL
      AND t.awarded_on IS NOT NULL
      AND t.award_amount IS NOT NULL
),
below AS (
    SELECT * FROM small WHERE award_amount < threshold
),
runs AS (
    SELECT a.tender_id AS anchor, b.tender_id, b.unit_id, b.winner_company_id, b.category,
           b.awarded_on, b.award_amount, b.threshold, b._batch, b._row
    FROM below a
    JOIN below b
      ON b.unit_id = a.unit_id
     AND b.winner_company_id = a.winner_company_id
     AND b.category = a.category
     AND days_between(a.awarded_on, b.awarded_on) BETWEEN 0 AND ${window_days}
),
hit_runs AS (
    SELECT anchor
    FROM runs
    GROUP BY anchor
    HAVING COUNT(*) >= 2 AND SUM(award_amount) >= MAX(threshold)
),
members AS (
    SELECT DISTINCT r.tender_id, r.unit_id, r.winner_company_id, r.category, r.awarded_on,
           r.award_amount, r.threshold, r._batch, r._row
    FROM runs r
    JOIN hit_runs h ON h.anchor = r.anchor
)
SELECT winner_company_id AS supplier,
       unit_id,
       category,
       MAX(threshold) AS threshold,
       COUNT(*) AS n_purchases,
       SUM(award_amount) AS total,
       MIN(awarded_on) AS first_awarded_on,
       MAX(awarded_on) AS last_awarded_on,
       ${window_days} AS window_days,
       array_to_string(array_agg(tender_id ORDER BY awarded_on, tender_id), '、') AS tenders,
       array_agg(ev('tenders', _batch, _row)) AS evidence
FROM members
GROUP BY winner_company_id, unit_id, category
