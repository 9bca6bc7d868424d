-- Subcontracts given to a losing bidder of the main contract's tender.
SELECT s.contract_id AS sub_contract_id,
       s.parent_contract_id,
       s.unit_id,
       s.amount AS sub_amount,
       s.signed_on,
       m.tender_id,
       s.supplier_company_id AS subcontractor,
       b.amount AS bid_amount,
       ev('contracts', s._batch, s._row) AS evidence_subcontract,
       ev('bids', b._batch, b._row) AS evidence_bid
FROM contracts s
JOIN contracts m ON m.contract_id = s.parent_contract_id
JOIN bids b ON b.tender_id = m.tender_id AND b.company_id = s.supplier_company_id
WHERE COALESCE(b.is_winner, FALSE) = FALSE
  AND s.supplier_company_id <> m.supplier_company_id
