-- Repeated after-hours trips between the same two places.
WITH off_hours AS (
    SELECT t.*,
           CASE WHEN COALESCE(t.from_place, '') <= COALESCE(t.to_place, '')
                THEN COALESCE(t.from_place, '?') || ' ↔ ' || COALESCE(t.to_place, '?')
                ELSE COALESCE(t.to_place, '?') || ' ↔ ' || COALESCE(t.from_place, '?') END AS route
    FROM vehicle_trips t
    WHERE date_part('hour', t.start_at) >= ${evening_hour}
       OR date_part('hour', t.start_at) < ${morning_hour}
       OR NOT is_working_day(CAST(t.start_at AS DATE))
)
SELECT vehicle_id,
       route,
       COUNT(*) AS n_trips,
       MIN(CAST(start_at AS DATE)) AS first_day,
       MAX(CAST(start_at AS DATE)) AS last_day,
       array_to_string(array_sort(array_agg(DISTINCT COALESCE(purpose, '未填'))), '、') AS purposes,
       array_agg(ev('vehicle_trips', _batch, _row)) AS evidence
FROM off_hours
GROUP BY vehicle_id, route
HAVING COUNT(*) >= ${min_trips}
