-- Payments approved or made on a weekend or public holiday.
WITH decided AS (
    SELECT DISTINCT contract_id
    FROM decisions
    WHERE outcome = 'approved' AND decided_by = 'meeting' AND contract_id IS NOT NULL
),
flagged AS (
    SELECT p.*,
           CASE WHEN NOT is_working_day(p.paid_on) THEN p.paid_on
                ELSE CAST(p.approved_at AS DATE) END AS act_on
    FROM payments p
    LEFT JOIN decided d ON d.contract_id = p.contract_id
    WHERE d.contract_id IS NULL
      AND p.amount >= ${min_amount}
      AND (p.method IS NULL OR p.method NOT IN ${exempt_methods})
      AND (NOT is_working_day(p.paid_on)
           OR (p.approved_at IS NOT NULL AND NOT is_working_day(CAST(p.approved_at AS DATE))))
)
SELECT payment_id,
       payee_name,
       unit_id,
       amount,
       paid_on,
       act_on,
       COALESCE(purpose, '未填用途') AS purpose,
       day_kind(act_on) AS day_kind,
       CASE day_kind(act_on) WHEN 'holiday' THEN COALESCE(holiday_name(act_on), '法定节假日') || '假期'
            ELSE '周末' END AS day_zh,
       ev('payments', _batch, _row) AS evidence
FROM flagged
