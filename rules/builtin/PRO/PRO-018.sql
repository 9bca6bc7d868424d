-- Large contracts signed with companies founded months earlier that have no staff or capital.
SELECT c.contract_id,
       c.supplier_company_id,
       COALESCE(co.name, c.supplier_company_id) AS company_name,
       c.unit_id,
       c.signed_on,
       c.amount,
       days_between(co.founded_on, c.signed_on) AS age_days,
       co.staff_count,
       co.registered_capital,
       ev('contracts', c._batch, c._row) AS evidence_contract,
       ev('companies', co._batch, co._row) AS evidence_company
FROM contracts c
JOIN companies co ON co.company_id = c.supplier_company_id
WHERE c.amount >= ${min_amount}
  AND co.founded_on IS NOT NULL
  AND days_between(co.founded_on, c.signed_on) BETWEEN 0 AND ${max_age_days}
  AND (co.staff_count < ${min_staff}
       OR CAST(co.registered_capital AS DOUBLE) < CAST(c.amount AS DOUBLE) * ${capital_share})
