-- Paid companies that share a phone, an account or an address with a staff member.
WITH paid AS (
    SELECT payee_company_id AS company_id, SUM(amount) AS paid, COUNT(*) AS n_payments, MIN(paid_on) AS first_paid_on
    FROM payments
    WHERE payee_company_id IS NOT NULL
    GROUP BY payee_company_id
),
matches AS (
    SELECT c.company_id, c.name AS company_name, s.person_id, s.name AS person_name,
           c.phone = s.phone AS s_phone,
           c.bank_account = s.bank_account AS s_account,
           trim(c.address) = trim(s.address) AS s_address,
           ev('companies', c._batch, c._row) AS ev_company,
           ev('persons', s._batch, s._row) AS ev_person
    FROM companies c
    JOIN persons s
      ON c.phone = s.phone OR c.bank_account = s.bank_account OR trim(c.address) = trim(s.address)
)
SELECT m.company_id,
       m.company_name,
       m.person_id,
       m.person_name,
       p.paid,
       p.n_payments,
       p.first_paid_on,
       concat_ws(', ', CASE WHEN m.s_phone THEN 'phone' END, CASE WHEN m.s_account THEN 'bank account' END,
                 CASE WHEN m.s_address THEN 'address' END) AS shared,
       concat_ws('、', CASE WHEN m.s_phone THEN '联系电话' END, CASE WHEN m.s_account THEN '银行账户' END,
                 CASE WHEN m.s_address THEN '地址' END) AS shared_zh,
       m.ev_company AS evidence_company,
       m.ev_person AS evidence_person
FROM matches m
JOIN paid p ON p.company_id = m.company_id
