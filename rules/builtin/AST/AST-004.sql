-- Fills outside the home city on a day without an approved trip.
WITH trips AS (
    SELECT vehicle_id, CAST(start_at AS DATE) AS first_day, CAST(COALESCE(end_at, start_at) AS DATE) AS last_day
    FROM vehicle_trips
    WHERE approved = TRUE
),
away AS (
    SELECT f.*, v.plate, v.unit_id, v.base_city
    FROM fuel_transactions f
    JOIN vehicles v ON v.vehicle_id = f.vehicle_id
    WHERE f.city IS NOT NULL AND v.base_city IS NOT NULL AND f.city <> v.base_city
      AND f.product <> 'non_fuel'
),
covered AS (
    SELECT DISTINCT a.txn_id
    FROM away a
    JOIN trips t ON t.vehicle_id = a.vehicle_id
     AND CAST(a.at AS DATE) >= t.first_day AND CAST(a.at AS DATE) <= t.last_day
)
SELECT a.txn_id,
       a.vehicle_id,
       a.plate,
       a.unit_id,
       a.base_city,
       a.city,
       COALESCE(a.station, '—') AS station,
       a.at,
       CAST(a.at AS DATE) AS day,
       a.liters,
       a.amount,
       ev('fuel_transactions', a._batch, a._row) AS evidence
FROM away a
LEFT JOIN covered c ON c.txn_id = a.txn_id
WHERE c.txn_id IS NULL
