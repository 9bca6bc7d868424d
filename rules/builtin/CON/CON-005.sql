-- Projects whose works started before the project was approved.
WITH starts AS (
    SELECT project_id, MIN(start_on) AS contract_start, array_agg(ev('contracts', _batch, _row)) AS ev_contracts
    FROM contracts
    WHERE project_id IS NOT NULL AND start_on IS NOT NULL
    GROUP BY project_id
),
dated AS (
    SELECT p.*,
           CASE WHEN d.decided_on IS NOT NULL AND (p.approved_on IS NULL OR d.decided_on > p.approved_on)
                THEN d.decided_on ELSE p.approved_on END AS approval,
           CASE WHEN s.contract_start IS NOT NULL AND (p.start_on IS NULL OR s.contract_start < p.start_on)
                THEN s.contract_start ELSE p.start_on END AS first_start,
           s.ev_contracts
    FROM projects p
    LEFT JOIN decisions d ON d.decision_id = p.decision_id
    LEFT JOIN starts s ON s.project_id = p.project_id
)
SELECT project_id,
       name,
       unit_id,
       budget,
       first_start AS start_on,
       approval AS approved_on,
       days_between(first_start, approval) AS days_early,
       ev('projects', _batch, _row) AS evidence_project,
       ev_contracts AS evidence_contracts
FROM dated
WHERE approval IS NOT NULL AND first_start IS NOT NULL AND first_start < approval
