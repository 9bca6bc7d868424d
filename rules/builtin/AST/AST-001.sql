-- Fuel within a few hours above the tank capacity.
WITH fills AS (
    SELECT f.*, v.tank_liters, v.plate, v.unit_id
    FROM fuel_transactions f
    JOIN vehicles v ON v.vehicle_id = f.vehicle_id
    WHERE f.product IN ('gasoline', 'diesel') AND v.tank_liters > 0
),
windows AS (
    SELECT a.txn_id, a.vehicle_id, a.plate, a.unit_id, a.tank_liters, a.at, a._batch, a._row,
           SUM(b.liters) AS liters, SUM(b.amount) AS amount,
           array_agg(ev('fuel_transactions', b._batch, b._row)) AS evidence
    FROM fills a
    JOIN fills b ON b.vehicle_id = a.vehicle_id
     AND b.at >= a.at
     AND CAST(b.at AS BIGINT) - CAST(a.at AS BIGINT) <= ${window_hours} * 3600000
    GROUP BY a.txn_id, a.vehicle_id, a.plate, a.unit_id, a.tank_liters, a.at, a._batch, a._row
),
over AS (
    SELECT w.*,
           ROW_NUMBER() OVER (PARTITION BY w.vehicle_id, CAST(w.at AS DATE) ORDER BY w.at) AS rk
    FROM windows w
    WHERE w.liters > w.tank_liters * (1.0 + ${tolerance})
)
SELECT txn_id,
       vehicle_id,
       plate,
       unit_id,
       tank_liters,
       ROUND(liters, 2) AS liters,
       amount,
       at,
       CAST(at AS DATE) AS fill_on,
       ${window_hours} AS window_hours,
       evidence
FROM over
WHERE rk = 1
