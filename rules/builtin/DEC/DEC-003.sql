-- Meetings below quorum that still approved decisions.
SELECT m.meeting_id,
       m.unit_id,
       m.kind,
       CASE m.kind WHEN 'party_committee' THEN '党委会' WHEN 'executive_meeting' THEN '总经理办公会'
                   WHEN 'board' THEN '董事会' ELSE '会议' END AS kind_zh,
       m.held_on,
       m.members_total,
       m.attendees,
       COUNT(*) AS n_decisions,
       ev('meetings', m._batch, m._row) AS evidence_meeting,
       array_agg(ev('decisions', d._batch, d._row)) AS evidence_decisions
FROM meetings m
JOIN decisions d ON d.meeting_id = m.meeting_id AND d.outcome = 'approved'
WHERE m.members_total > 0
  AND CAST(m.attendees AS DOUBLE) < CAST(m.members_total AS DOUBLE) * ${quorum} - 0.000001
GROUP BY m.meeting_id, m.unit_id, m.kind, m.held_on, m.members_total, m.attendees, m._batch, m._row
