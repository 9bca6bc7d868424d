-- Warnings (三级预警), their append-only history, cases and suppressions.

CREATE TABLE warning_cases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL CHECK (length(trim(title)) > 0),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Whistleblower reports taken into a case.
CREATE TABLE case_reports (
    case_id     INTEGER NOT NULL REFERENCES warning_cases (id),
    report_id   TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, report_id)
);

CREATE TABLE warnings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id    INTEGER UNIQUE REFERENCES findings (id),
    source_id     TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    subject_name  TEXT,
    department    TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    amount_fen    INTEGER,
    title_zh      TEXT NOT NULL,
    title_en      TEXT NOT NULL,
    level         INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    level_reason  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('new', 'assigned', 'responded', 'verifying',
                      'closed_false_positive', 'confirmed', 'rectification', 'closed')),
    -- 1 while the warning is not closed; leads every inbox index.
    is_open       INTEGER NOT NULL,
    assignee      TEXT,
    disposition   TEXT,
    deadline      TEXT NOT NULL,
    reminded_on   TEXT,
    case_id       INTEGER REFERENCES warning_cases (id),
    rectification INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    closed_at     TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    CHECK (is_open = (state NOT IN ('closed_false_positive', 'closed')))
);

-- The inbox: one index per combination of the equality filters (department, level, state or
-- open), each ending in the deadline, so a page of 50 is read in order and never sorted.
CREATE INDEX warnings_open_deadline ON warnings (is_open, deadline, id);
CREATE INDEX warnings_open_dept ON warnings (is_open, department, deadline, id);
CREATE INDEX warnings_open_level ON warnings (is_open, level, deadline, id);
CREATE INDEX warnings_open_dept_level ON warnings (is_open, department, level, deadline, id);
CREATE INDEX warnings_state ON warnings (state, deadline, id);
CREATE INDEX warnings_dept_state ON warnings (department, state, deadline, id);
CREATE INDEX warnings_level_state ON warnings (level, state, deadline, id);
CREATE INDEX warnings_dept_level_state ON warnings (department, level, state, deadline, id);
CREATE INDEX warnings_subject ON warnings (subject_kind, subject_id);
CREATE INDEX warnings_assignee ON warnings (assignee, is_open);
CREATE INDEX warnings_case ON warnings (case_id);
CREATE INDEX warnings_created ON warnings (created_at);

-- Every change of a warning, append-only: seq is the warning's version after the entry.
CREATE TABLE warning_transitions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    warning_id   INTEGER NOT NULL REFERENCES warnings (id),
    seq          INTEGER NOT NULL,
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    from_level   INTEGER,
    to_level     INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    at           TEXT NOT NULL,
    comment      TEXT,
    disposition  TEXT,
    attachments  TEXT NOT NULL DEFAULT '[]',
    UNIQUE (warning_id, seq)
);

CREATE TRIGGER warning_transitions_no_update BEFORE UPDATE ON warning_transitions
BEGIN
    SELECT RAISE(ABORT, 'warning history is append-only');
END;

CREATE TRIGGER warning_transitions_no_delete BEFORE DELETE ON warning_transitions
BEGIN
    SELECT RAISE(ABORT, 'warning history is append-only');
END;

CREATE TABLE suppressions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id     TEXT,
    subject_kind  TEXT,
    subject_id    TEXT,
    reason        TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    lifted_by     TEXT,
    lifted_at     TEXT,
    lift_reason   TEXT,
    CHECK (source_id IS NOT NULL OR subject_id IS NOT NULL),
    CHECK ((subject_id IS NULL) = (subject_kind IS NULL))
);

CREATE TRIGGER suppressions_no_delete BEFORE DELETE ON suppressions
BEGIN
    SELECT RAISE(ABORT, 'suppressions are kept for audit; lift one instead');
END;
