-- Awards to suppliers on a debarment list at the award date.
SELECT t.tender_id,
       t.title,
       t.unit_id,
       t.awarded_on,
       t.award_amount,
       COALESCE(c.name, t.winner_company_id) AS winner,
       s.listed_on,
       s.until,
       COALESCE(s.authority, '主管机关') AS authority,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       ev('sanctions', s._batch, s._row) AS evidence_sanction
FROM tenders t
LEFT JOIN companies c ON c.company_id = t.winner_company_id
JOIN sanctions s
  ON s.company_id = t.winner_company_id
  OR (s.company_id IS NULL AND s.uscc IS NOT NULL AND s.uscc = c.uscc)
  OR (s.company_id IS NULL AND s.uscc IS NULL AND s.name = c.name)
WHERE t.awarded_on IS NOT NULL
  AND s.listed_on <= t.awarded_on
  AND (s.until IS NULL OR s.until >= t.awarded_on)
