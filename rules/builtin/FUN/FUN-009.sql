-- Cash payments at or above the limit.
SELECT payment_id,
       payee_name,
       unit_id,
       paid_on,
       amount,
       ${limit} AS limit,
       COALESCE(purpose, '未填用途') AS purpose,
       ev('payments', _batch, _row) AS evidence
FROM payments
WHERE method = 'cash' AND amount >= ${limit}
