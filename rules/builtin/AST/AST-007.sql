-- Disposals far below the valuation.
SELECT asset_id,
       name,
       unit_id,
       disposed_on,
       COALESCE(valuation, value) AS valuation,
       disposal_price,
       ROUND(CAST(disposal_price AS DOUBLE) / CAST(COALESCE(valuation, value) AS DOUBLE) * 100.0, 1) AS price_pct,
       COALESCE(valuation, value) - disposal_price AS shortfall,
       COALESCE(buyer_name, '未记录受让方') AS buyer,
       ev('assets', _batch, _row) AS evidence
FROM assets
WHERE disposal_price IS NOT NULL
  AND COALESCE(valuation, value) >= ${min_value}
  AND CAST(disposal_price AS DOUBLE) < CAST(COALESCE(valuation, value) AS DOUBLE) * ${min_share}
