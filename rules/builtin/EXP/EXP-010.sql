-- Claims of one person whose invoice numbers run in sequence across different days.
WITH numbered AS (
    SELECT c.*,
           substr(c.invoice_no, 1, character_length(c.invoice_no) - 12) AS prefix,
           CAST(substr(c.invoice_no, character_length(c.invoice_no) - 11) AS BIGINT) AS seq
    FROM expense_claims c
    WHERE character_length(c.invoice_no) >= 13
      AND regexp_like(c.invoice_no, '[0-9]{12}$')
),
pairs AS (
    SELECT a.person_id, a.claim_id AS claim_a, b.claim_id AS claim_b
    FROM numbered a
    JOIN numbered b ON a.person_id = b.person_id AND a.prefix = b.prefix AND b.seq = a.seq + 1
    WHERE a.expense_date <> b.expense_date
),
members AS (
    SELECT person_id, claim_a AS claim_id FROM pairs
    UNION
    SELECT person_id, claim_b AS claim_id FROM pairs
)
SELECT c.person_id,
       MIN(c.unit_id) AS unit_id,
       COUNT(*) AS n_invoices,
       SUM(c.amount) AS total,
       MIN(c.expense_date) AS first_date,
       MAX(c.expense_date) AS last_date,
       array_to_string(array_agg(c.invoice_no ORDER BY c.invoice_no), '、') AS invoices,
       array_agg(ev('expense_claims', c._batch, c._row)) AS evidence
FROM members m
JOIN expense_claims c ON c.claim_id = m.claim_id
GROUP BY c.person_id
HAVING COUNT(*) >= ${min_invoices}
