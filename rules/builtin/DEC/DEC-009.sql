-- Decision bodies that approved every matter unanimously over many decisions.
WITH voted AS (
    SELECT v.decision_id,
           MIN(v.meeting_id) AS meeting_id,
           COUNT(*) AS n_votes,
           SUM(CASE WHEN v.vote <> 'for' THEN 1 ELSE 0 END) AS dissent
    FROM meeting_votes v
    WHERE NOT COALESCE(v.recused, FALSE)
    GROUP BY v.decision_id
),
bodies AS (
    SELECT m.unit_id, COALESCE(m.kind, 'other') AS body, m.held_on, m.meeting_id,
           d.decision_id, d.outcome, vt.n_votes, vt.dissent, d._batch, d._row
    FROM voted vt
    JOIN decisions d ON d.decision_id = vt.decision_id
    JOIN meetings m ON m.meeting_id = vt.meeting_id
)
SELECT unit_id,
       body,
       CASE body WHEN 'party_committee' THEN '党委会' WHEN 'executive_meeting' THEN '总经理（主任）办公会'
            WHEN 'board' THEN '董事会' ELSE '决策会议' END AS body_zh,
       COUNT(DISTINCT decision_id) AS n_decisions,
       COUNT(DISTINCT meeting_id) AS n_meetings,
       SUM(n_votes) AS n_votes,
       MIN(held_on) AS first_held_on,
       MAX(held_on) AS last_held_on,
       array_agg(ev('decisions', _batch, _row)) AS evidence
FROM bodies
GROUP BY unit_id, body
HAVING COUNT(DISTINCT decision_id) >= ${min_decisions}
   AND SUM(dissent) = 0
   AND SUM(CASE WHEN outcome <> 'approved' THEN 1 ELSE 0 END) = 0
