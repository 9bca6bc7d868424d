-- Vehicles filled up several times on one day.
SELECT COALESCE(vehicle_id, card_no) AS vehicle_id,
       CAST(at AS DATE) AS day,
       COUNT(*) AS n_fills,
       ROUND(SUM(liters), 2) AS liters,
       SUM(amount) AS amount,
       array_to_string(array_agg(to_char(at, '%H:%M') ORDER BY at), '、') AS times,
       array_agg(ev('fuel_transactions', _batch, _row)) AS evidence
FROM fuel_transactions
WHERE product IN ('gasoline', 'diesel')
  AND COALESCE(vehicle_id, card_no) IS NOT NULL
GROUP BY COALESCE(vehicle_id, card_no), CAST(at AS DATE)
HAVING COUNT(*) >= ${min_fills}
