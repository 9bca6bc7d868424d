-- Appointment steps in the wrong order.
WITH steps AS (
    SELECT a.*, d.decided_on
    FROM appointments a
    LEFT JOIN decisions d ON d.decision_id = a.decision_id
),
checked AS (
    SELECT *,
           inspected_on < recommended_on AS p_inspect,
           decided_on < inspected_on AS p_decide,
           notice_start_on < decided_on AS p_notice,
           effective_on <= notice_end_on
             OR working_days_between(notice_start_on, effective_on) < ${min_notice_working_days} AS p_office
    FROM steps
)
SELECT appointment_id,
       person_id,
       unit_id,
       to_position,
       effective_on,
       concat_ws('; ',
           CASE WHEN p_inspect THEN 'inspected before recommendation' END,
           CASE WHEN p_decide THEN 'decided before inspection' END,
           CASE WHEN p_notice THEN 'public notice before the decision' END,
           CASE WHEN p_office THEN 'took office before the public notice period was over' END) AS problems,
       concat_ws('；',
           CASE WHEN p_inspect THEN '考察早于民主推荐' END,
           CASE WHEN p_decide THEN '集体决定早于考察' END,
           CASE WHEN p_notice THEN '公示早于集体决定' END,
           CASE WHEN p_office THEN '公示期未满即任职（公示 ' || CAST(notice_start_on AS VARCHAR) || ' 至 ' || CAST(notice_end_on AS VARCHAR) || '，任职 ' || CAST(effective_on AS VARCHAR) || '）' END) AS problems_zh,
       ev('appointments', _batch, _row) AS evidence
FROM checked
WHERE COALESCE(p_inspect, FALSE) OR COALESCE(p_decide, FALSE) OR COALESCE(p_notice, FALSE) OR COALESCE(p_office, FALSE)
