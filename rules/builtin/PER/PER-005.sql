-- Appointments missing a required procedural step.
WITH has_decisions AS (
    SELECT COUNT(*) > 0 AS yes FROM decisions
),
approved AS (
    SELECT DISTINCT decision_id FROM decisions WHERE outcome = 'approved'
),
checked AS (
    SELECT a.*,
           (a.decision_id IS NULL OR (h.yes AND ap.decision_id IS NULL)) AS no_decision
    FROM appointments a
    CROSS JOIN has_decisions h
    LEFT JOIN approved ap ON ap.decision_id = a.decision_id
)
SELECT appointment_id,
       person_id,
       unit_id,
       to_position,
       effective_on,
       concat_ws(', ',
           CASE WHEN recommended_on IS NULL THEN 'democratic recommendation' END,
           CASE WHEN inspected_on IS NULL THEN 'inspection' END,
           CASE WHEN no_decision THEN 'collective decision' END,
           CASE WHEN notice_start_on IS NULL THEN 'public notice' END) AS missing,
       concat_ws('、',
           CASE WHEN recommended_on IS NULL THEN '民主推荐' END,
           CASE WHEN inspected_on IS NULL THEN '组织考察' END,
           CASE WHEN no_decision THEN '集体讨论决定' END,
           CASE WHEN notice_start_on IS NULL THEN '任前公示' END) AS missing_zh,
       ev('appointments', _batch, _row) AS evidence
FROM checked
WHERE recommended_on IS NULL OR inspected_on IS NULL OR no_decision OR notice_start_on IS NULL
