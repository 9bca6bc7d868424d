-- Fuel-card purchases of non-fuel goods.
SELECT txn_id,
       COALESCE(vehicle_id, card_no) AS vehicle_id,
       at,
       CAST(at AS DATE) AS day,
       amount,
       COALESCE(station, '—') AS station,
       ev('fuel_transactions', _batch, _row) AS evidence
FROM fuel_transactions
WHERE product = 'non_fuel' AND amount >= ${min_amount}
  AND COALESCE(vehicle_id, card_no) IS NOT NULL
