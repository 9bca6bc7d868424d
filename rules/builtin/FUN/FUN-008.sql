-- Payments into a declared relative's bank account.
SELECT r.person_id,
       r.relative_name,
       r.relation,
       CASE r.relation WHEN 'spouse' THEN '配偶' WHEN 'child' THEN '子女' WHEN 'parent' THEN '父母'
            WHEN 'sibling' THEN '兄弟姐妹' WHEN 'in_law' THEN '姻亲' ELSE '特定关系人' END AS relation_zh,
       MIN(p.payee_name) AS payee_name,
       MIN(p.unit_id) AS unit_id,
       COUNT(*) AS n_payments,
       SUM(p.amount) AS total,
       MIN(p.paid_on) AS first_paid_on,
       array_agg(ev('payments', p._batch, p._row)) AS evidence_payments,
       ev('person_relations', r._batch, r._row) AS evidence_relation
FROM payments p
JOIN person_relations r ON r.relative_bank_account = p.payee_account
GROUP BY r.person_id, r.relative_name, r.relation, COALESCE(p.payee_company_id, p.payee_name), r._batch, r._row
