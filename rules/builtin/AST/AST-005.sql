-- Fills far from where the vehicle was during a trip.
SELECT f.txn_id,
       f.vehicle_id,
       f.at,
       CAST(f.at AS DATE) AS day,
       f.amount,
       COALESCE(f.station, '—') AS station,
       t.start_at AS trip_start,
       t.end_at AS trip_end,
       COALESCE(t.to_place, '—') AS to_place,
       ROUND(haversine_km(f.lat, f.lon, t.to_lat, t.to_lon), 0) AS distance_km,
       ev('fuel_transactions', f._batch, f._row) AS evidence_fill,
       ev('vehicle_trips', t._batch, t._row) AS evidence_trip
FROM fuel_transactions f
JOIN vehicle_trips t ON t.vehicle_id = f.vehicle_id
 AND CAST(f.at AS BIGINT) > CAST(t.start_at AS BIGINT) + ${margin_hours} * 3600000
 AND CAST(f.at AS BIGINT) < CAST(t.end_at AS BIGINT) - ${margin_hours} * 3600000
WHERE f.lat IS NOT NULL AND f.lon IS NOT NULL AND t.to_lat IS NOT NULL AND t.to_lon IS NOT NULL
  AND haversine_km(f.lat, f.lon, t.to_lat, t.to_lon) > ${max_km}
