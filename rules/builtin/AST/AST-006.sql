-- Unapproved trips on weekends and public holidays.
SELECT trip_id,
       vehicle_id,
       CAST(start_at AS DATE) AS day,
       day_kind(CAST(start_at AS DATE)) AS day_kind,
       CASE day_kind(CAST(start_at AS DATE)) WHEN 'holiday'
            THEN COALESCE(holiday_name(CAST(start_at AS DATE)), '法定节假日') || '假期' ELSE '周末' END AS day_zh,
       COALESCE(from_place, '—') AS from_place,
       COALESCE(to_place, '—') AS to_place,
       km,
       ev('vehicle_trips', _batch, _row) AS evidence
FROM vehicle_trips
WHERE NOT is_working_day(CAST(start_at AS DATE))
  AND COALESCE(approved, FALSE) = FALSE
