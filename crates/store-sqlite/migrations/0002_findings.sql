-- Findings of rules and models, deduplicated by fingerprint across runs.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint     TEXT NOT NULL UNIQUE,
    source_kind     TEXT NOT NULL CHECK (source_kind IN ('rule', 'model')),
    source_id       TEXT NOT NULL,
    source_version  TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    category        TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    subject_kind    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    subject_name    TEXT,
    department      TEXT,
    amount_fen      INTEGER,
    occurred_on     TEXT,
    explanation_zh  TEXT NOT NULL,
    explanation_en  TEXT NOT NULL,
    facts           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'resolved_by_data')),
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    resolved_at     TEXT
);
CREATE INDEX findings_source ON findings (source_id, status);
CREATE INDEX findings_subject ON findings (subject_id);

-- The source rows (lake dataset, batch, row) that make a finding.
CREATE TABLE finding_evidence (
    finding_id  INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    dataset     TEXT NOT NULL,
    batch       TEXT NOT NULL,
    row         INTEGER NOT NULL,
    PRIMARY KEY (finding_id, dataset, batch, row)
);
