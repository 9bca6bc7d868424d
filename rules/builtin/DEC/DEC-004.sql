-- Meetings where the chair's speaking turn was not the last one on a matter.
WITH spoken AS (
    SELECT v.meeting_id, v.decision_id, v.person_id, v.speaking_order, v._batch, v._row,
           MAX(v.speaking_order) OVER (PARTITION BY v.meeting_id, v.decision_id) AS last_order
    FROM meeting_votes v
    WHERE v.speaking_order IS NOT NULL AND COALESCE(v.recused, FALSE) = FALSE
)
SELECT m.meeting_id,
       m.unit_id,
       m.held_on,
       m.chair_id,
       COUNT(DISTINCT s.decision_id) AS n_matters,
       array_to_string(array_agg(s.decision_id || ' 第' || CAST(s.speaking_order AS VARCHAR) || '/' || CAST(s.last_order AS VARCHAR) ORDER BY s.decision_id), '，') AS orders,
       ev('meetings', m._batch, m._row) AS evidence_meeting,
       array_agg(ev('meeting_votes', s._batch, s._row)) AS evidence_votes
FROM spoken s
JOIN meetings m ON m.meeting_id = s.meeting_id
WHERE s.person_id = m.chair_id AND s.speaking_order < s.last_order
GROUP BY m.meeting_id, m.unit_id, m.held_on, m.chair_id, m._batch, m._row
