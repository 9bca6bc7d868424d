-- Disposals to staff or their declared relatives (by name).
WITH people AS (
    SELECT name AS who, '本单位职工 ' || person_id AS who_zh, 'a staff member (' || person_id || ')' AS who_en,
           ev('persons', _batch, _row) AS ev_person
    FROM persons
    UNION ALL
    SELECT relative_name, '职工 ' || person_id || ' 的特定关系人', 'a declared relative of staff member ' || person_id,
           ev('person_relations', _batch, _row)
    FROM person_relations
)
SELECT a.asset_id,
       a.name,
       a.unit_id,
       a.disposed_on,
       a.disposal_price,
       COALESCE(a.valuation, a.value) AS valuation,
       a.buyer_name AS buyer,
       array_to_string(array_sort(array_agg(DISTINCT p.who_zh)), '、') AS who_zh,
       array_to_string(array_sort(array_agg(DISTINCT p.who_en)), '; ') AS who_en,
       ev('assets', a._batch, a._row) AS evidence_asset,
       array_agg(p.ev_person) AS evidence_people
FROM assets a
JOIN people p ON p.who = a.buyer_name
WHERE a.disposed_on IS NOT NULL
GROUP BY a.asset_id, a.name, a.unit_id, a.disposed_on, a.disposal_price, a.valuation, a.value, a.buyer_name, a._batch, a._row
