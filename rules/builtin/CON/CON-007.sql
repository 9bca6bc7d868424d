-- Projects completed in a small fraction of their planned duration.
SELECT project_id,
       name,
       unit_id,
       budget,
       start_on,
       planned_completion_on,
       completed_on,
       days_between(start_on, completed_on) AS actual_days,
       days_between(start_on, planned_completion_on) AS planned_days,
       ROUND(${min_share} * 100.0, 0) AS share_pct,
       ev('projects', _batch, _row) AS evidence
FROM projects
WHERE start_on IS NOT NULL AND planned_completion_on IS NOT NULL AND completed_on IS NOT NULL
  AND days_between(start_on, planned_completion_on) >= ${min_planned_days}
  AND CAST(days_between(start_on, completed_on) AS DOUBLE)
      < CAST(days_between(start_on, planned_completion_on) AS DOUBLE) * ${min_share}
