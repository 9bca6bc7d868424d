-- Competing bids (different companies, one tender) with the same IP, MAC, file hash or author.
WITH pairs AS (
    SELECT a.tender_id, a.bid_id AS bid_a, b.bid_id AS bid_b,
           a.ip = b.ip AS s_ip,
           a.mac = b.mac AS s_mac,
           a.file_hash = b.file_hash AS s_hash,
           a.document_author = b.document_author AS s_author
    FROM bids a
    JOIN bids b ON a.tender_id = b.tender_id AND a.company_id < b.company_id
    WHERE a.ip = b.ip OR a.mac = b.mac OR a.file_hash = b.file_hash
       OR a.document_author = b.document_author
),
flags AS (
    SELECT tender_id, bool_or(s_ip) AS s_ip, bool_or(s_mac) AS s_mac,
           bool_or(s_hash) AS s_hash, bool_or(s_author) AS s_author
    FROM pairs
    GROUP BY tender_id
),
involved AS (
    SELECT tender_id, bid_a AS bid_id FROM pairs
    UNION
    SELECT tender_id, bid_b AS bid_id FROM pairs
)
SELECT f.tender_id,
       MIN(t.unit_id) AS unit_id,
       MIN(CAST(t.deadline_at AS DATE)) AS deadline_on,
       array_to_string(array_sort(array_agg(DISTINCT b.company_id)), '、') AS companies,
       concat_ws(', ', CASE WHEN f.s_ip THEN 'IP address' END, CASE WHEN f.s_mac THEN 'MAC address' END,
                 CASE WHEN f.s_hash THEN 'file hash' END, CASE WHEN f.s_author THEN 'document author' END) AS shared,
       concat_ws('、', CASE WHEN f.s_ip THEN 'IP 地址' END, CASE WHEN f.s_mac THEN '机器码（MAC）' END,
                 CASE WHEN f.s_hash THEN '文件哈希' END, CASE WHEN f.s_author THEN '文档作者' END) AS shared_zh,
       array_agg(ev('bids', b._batch, b._row)) AS evidence
FROM flags f
JOIN involved i ON i.tender_id = f.tender_id
JOIN bids b ON b.bid_id = i.bid_id
LEFT JOIN tenders t ON t.tender_id = f.tender_id
GROUP BY f.tender_id, f.s_ip, f.s_mac, f.s_hash, f.s_author
