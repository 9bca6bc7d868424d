-- One deposit account paying the deposits of several competing bidders.
SELECT b.tender_id,
       MIN(t.unit_id) AS unit_id,
       MIN(CAST(t.deadline_at AS DATE)) AS deadline_on,
       MIN(COALESCE(b.deposit_account_masked, '账户')) AS account,
       array_to_string(array_sort(array_agg(DISTINCT b.company_id)), '、') AS companies,
       array_agg(ev('bids', b._batch, b._row)) AS evidence
FROM bids b
LEFT JOIN tenders t ON t.tender_id = b.tender_id
WHERE b.deposit_account IS NOT NULL
GROUP BY b.tender_id, b.deposit_account
HAVING COUNT(DISTINCT b.company_id) >= 2
