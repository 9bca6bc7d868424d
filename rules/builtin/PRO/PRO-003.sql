-- Open and invited tenders with a bidding period under the legal minimum.
SELECT tender_id,
       title,
       unit_id,
       estimate,
       published_on,
       CAST(deadline_at AS DATE) AS deadline_on,
       days_between(published_on, CAST(deadline_at AS DATE)) AS period_days,
       ${min_days} AS min_days,
       ev('tenders', _batch, _row) AS evidence
FROM tenders
WHERE method IN ('open', 'invited')
  AND published_on IS NOT NULL AND deadline_at IS NOT NULL
  AND days_between(published_on, CAST(deadline_at AS DATE)) < ${min_days}
