-- Contracts signed or started before their tender's award.
SELECT t.tender_id,
       t.title,
       c.unit_id,
       c.contract_id,
       c.amount,
       t.awarded_on,
       c.signed_on,
       c.start_on,
       CASE WHEN c.start_on IS NOT NULL AND c.start_on < c.signed_on THEN c.start_on ELSE c.signed_on END AS first_act_on,
       days_between(CASE WHEN c.start_on IS NOT NULL AND c.start_on < c.signed_on THEN c.start_on ELSE c.signed_on END, t.awarded_on) AS days_early,
       CASE WHEN c.start_on IS NOT NULL AND c.start_on < t.awarded_on
            THEN '已于 ' || CAST(c.start_on AS VARCHAR) || ' 开始履约'
            ELSE '已于 ' || CAST(c.signed_on AS VARCHAR) || ' 签订' END AS what_zh,
       CASE WHEN c.start_on IS NOT NULL AND c.start_on < t.awarded_on
            THEN 'started on ' || CAST(c.start_on AS VARCHAR)
            ELSE 'was signed on ' || CAST(c.signed_on AS VARCHAR) END AS what_en,
       ev('tenders', t._batch, t._row) AS evidence_tender,
       ev('contracts', c._batch, c._row) AS evidence_contract
FROM contracts c
JOIN tenders t ON t.tender_id = c.tender_id
WHERE t.awarded_on IS NOT NULL
  AND (c.signed_on < t.awarded_on OR c.start_on < t.awarded_on)
