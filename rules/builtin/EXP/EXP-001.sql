-- Hotel claims above the nightly standard for the claimant's grade and the city's tier.
WITH claims AS (
    SELECT c.*,
           p.grade,
           CASE WHEN c.city IN ${tier1_cities} THEN 'T1'
                WHEN c.city IN ${tier2_cities} THEN 'T2' ELSE 'T3' END AS tier,
           GREATEST(COALESCE(c.nights, 1), 1) AS n_nights
    FROM expense_claims c
    JOIN persons p ON p.person_id = c.person_id
    WHERE c.kind = 'hotel'
),
matched AS (
    SELECT c.*, s.daily_max,
           ROW_NUMBER() OVER (PARTITION BY c.claim_id
                              ORDER BY CASE WHEN s.grade = '*' THEN 1 ELSE 0 END + CASE WHEN s.city_tier = '*' THEN 1 ELSE 0 END) AS pick
    FROM claims c
    JOIN expense_standards s
      ON s.kind = 'hotel'
     AND (s.grade = c.grade OR s.grade = '*')
     AND (s.city_tier = c.tier OR s.city_tier = '*')
)
SELECT claim_id,
       person_id,
       unit_id,
       grade,
       expense_date,
       COALESCE(city, '') AS city,
       n_nights AS nights,
       amount,
       ROUND(amount / n_nights, 2) AS per_night,
       daily_max AS standard,
       amount - daily_max * n_nights AS excess,
       ev('expense_claims', _batch, _row) AS evidence
FROM matched
WHERE pick = 1
  AND CAST(amount AS DOUBLE) / n_nights > CAST(daily_max AS DOUBLE) * (1.0 + ${tolerance}) + 0.005
