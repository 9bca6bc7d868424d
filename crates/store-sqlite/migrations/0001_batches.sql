-- Import batches: one row per imported file.
CREATE TABLE batches (
    id               TEXT PRIMARY KEY,
    dataset          TEXT NOT NULL,
    source_name      TEXT NOT NULL,
    source_sha256    TEXT NOT NULL,
    source_bytes     INTEGER NOT NULL,
    format           TEXT NOT NULL,
    encoding         TEXT NOT NULL,
    rows_read        INTEGER NOT NULL,
    rows_accepted    INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    mapping          TEXT NOT NULL,
    lake_file        TEXT NOT NULL,
    quarantine_file  TEXT,
    imported_at      TEXT NOT NULL,
    imported_by      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('committing', 'committed', 'failed')),
    note             TEXT,
    CHECK (rows_read = rows_accepted + rows_quarantined)
);
CREATE INDEX batches_dataset_hash ON batches (dataset, source_sha256);
CREATE INDEX batches_status ON batches (status);
