-- The console's dashboard from tallies instead of reading every warning: three small count
-- tables kept by triggers on `warnings`, so the dashboard is a GROUP BY over a few thousand
-- rows whatever the number of warnings. Only the overdue count depends on the day; it is
-- counted from the inbox's (is_open, [department,] deadline) indexes.
--
-- A warning's "verdict" is how people judged it: 'tp' a real problem (confirmed, rectified,
-- referred, or in the states confirmed / rectification), 'fp' a false positive (data_error,
-- legitimate, rule_too_broad), 'dup' a duplicate, '' not judged yet. A rule's precision is
-- tp / (tp + fp), as in the workflow's metrics.

-- By department, rule-id prefix (category) and month raised (Beijing time): the heat map,
-- the trend, the categories and the departments.
CREATE TABLE warning_tally_month (
    department  TEXT NOT NULL,
    category    TEXT NOT NULL,
    month       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (department, category, month)
) WITHOUT ROWID;

-- By department, rule and verdict: top rules by volume and by precision, lead conversion.
CREATE TABLE warning_tally_rule (
    department  TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (department, source_id, verdict)
) WITHOUT ROWID;

-- By department, level and state, with what the rates need: closed on time (Beijing day of
-- closing not after the deadline), entered rectification, closed as rectified.
CREATE TABLE warning_tally_state (
    department   TEXT NOT NULL,
    level        INTEGER NOT NULL,
    state        TEXT NOT NULL,
    on_time      INTEGER NOT NULL,
    rectification INTEGER NOT NULL,
    rectified    INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (department, level, state, on_time, rectification, rectified)
) WITHOUT ROWID;

-- The tally keys of a warning row, written out in each trigger (SQLite has no functions to
-- share them): category = the source id up to its first '-'; month = strftime('%Y-%m',
-- created_at, '+8 hours'); verdict as above; on_time = closed and date(closed_at, '+8 hours')
-- <= deadline; rectified = closed with disposition 'rectified'.

CREATE TRIGGER warnings_tally_insert AFTER INSERT ON warnings
BEGIN
    INSERT INTO warning_tally_month (department, category, month, n)
    VALUES (NEW.department,
            CASE WHEN instr(NEW.source_id, '-') > 0
                 THEN substr(NEW.source_id, 1, instr(NEW.source_id, '-') - 1)
                 ELSE NEW.source_id END,
            strftime('%Y-%m', NEW.created_at, '+8 hours'), 1)
    ON CONFLICT (department, category, month) DO UPDATE SET n = n + 1;
    INSERT INTO warning_tally_rule (department, source_id, verdict, n)
    VALUES (NEW.department, NEW.source_id,
            CASE WHEN NEW.disposition IN ('confirmed', 'rectified', 'referred') THEN 'tp'
                 WHEN NEW.disposition IN ('data_error', 'legitimate', 'rule_too_broad') THEN 'fp'
                 WHEN NEW.disposition = 'duplicate' THEN 'dup'
                 WHEN NEW.state IN ('confirmed', 'rectification') THEN 'tp'
                 ELSE '' END, 1)
    ON CONFLICT (department, source_id, verdict) DO UPDATE SET n = n + 1;
    INSERT INTO warning_tally_state (department, level, state, on_time, rectification, rectified, n)
    VALUES (NEW.department, NEW.level, NEW.state,
            NEW.is_open = 0 AND NEW.closed_at IS NOT NULL
                AND date(NEW.closed_at, '+8 hours') <= NEW.deadline,
            NEW.rectification <> 0,
            NEW.is_open = 0 AND NEW.disposition IS 'rectified', 1)
    ON CONFLICT (department, level, state, on_time, rectification, rectified)
    DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER warnings_tally_delete AFTER DELETE ON warnings
BEGIN
    UPDATE warning_tally_month SET n = n - 1
    WHERE department = OLD.department
      AND category = CASE WHEN instr(OLD.source_id, '-') > 0
                          THEN substr(OLD.source_id, 1, instr(OLD.source_id, '-') - 1)
                          ELSE OLD.source_id END
      AND month = strftime('%Y-%m', OLD.created_at, '+8 hours');
    UPDATE warning_tally_rule SET n = n - 1
    WHERE department = OLD.department AND source_id = OLD.source_id
      AND verdict = CASE WHEN OLD.disposition IN ('confirmed', 'rectified', 'referred') THEN 'tp'
                         WHEN OLD.disposition IN ('data_error', 'legitimate', 'rule_too_broad') THEN 'fp'
                         WHEN OLD.disposition = 'duplicate' THEN 'dup'
                         WHEN OLD.state IN ('confirmed', 'rectification') THEN 'tp'
                         ELSE '' END;
    UPDATE warning_tally_state SET n = n - 1
    WHERE department = OLD.department AND level = OLD.level AND state = OLD.state
      AND on_time = (OLD.is_open = 0 AND OLD.closed_at IS NOT NULL
                     AND date(OLD.closed_at, '+8 hours') <= OLD.deadline)
      AND rectification = (OLD.rectification <> 0)
      AND rectified = (OLD.is_open = 0 AND OLD.disposition IS 'rectified');
END;

-- An update is the old row taken out and the new one put in (only when a tallied column is
-- in the SET list; the workflow's updates always name state and level).
CREATE TRIGGER warnings_tally_update AFTER UPDATE OF department, source_id, created_at, level,
    state, is_open, disposition, closed_at, deadline, rectification ON warnings
BEGIN
    UPDATE warning_tally_month SET n = n - 1
    WHERE department = OLD.department
      AND category = CASE WHEN instr(OLD.source_id, '-') > 0
                          THEN substr(OLD.source_id, 1, instr(OLD.source_id, '-') - 1)
                          ELSE OLD.source_id END
      AND month = strftime('%Y-%m', OLD.created_at, '+8 hours');
    UPDATE warning_tally_rule SET n = n - 1
    WHERE department = OLD.department AND source_id = OLD.source_id
      AND verdict = CASE WHEN OLD.disposition IN ('confirmed', 'rectified', 'referred') THEN 'tp'
                         WHEN OLD.disposition IN ('data_error', 'legitimate', 'rule_too_broad') THEN 'fp'
                         WHEN OLD.disposition = 'duplicate' THEN 'dup'
                         WHEN OLD.state IN ('confirmed', 'rectification') THEN 'tp'
                         ELSE '' END;
    UPDATE warning_tally_state SET n = n - 1
    WHERE department = OLD.department AND level = OLD.level AND state = OLD.state
      AND on_time = (OLD.is_open = 0 AND OLD.closed_at IS NOT NULL
                     AND date(OLD.closed_at, '+8 hours') <= OLD.deadline)
      AND rectification = (OLD.rectification <> 0)
      AND rectified = (OLD.is_open = 0 AND OLD.disposition IS 'rectified');
    INSERT INTO warning_tally_month (department, category, month, n)
    VALUES (NEW.department,
            CASE WHEN instr(NEW.source_id, '-') > 0
                 THEN substr(NEW.source_id, 1, instr(NEW.source_id, '-') - 1)
                 ELSE NEW.source_id END,
            strftime('%Y-%m', NEW.created_at, '+8 hours'), 1)
    ON CONFLICT (department, category, month) DO UPDATE SET n = n + 1;
    INSERT INTO warning_tally_rule (department, source_id, verdict, n)
    VALUES (NEW.department, NEW.source_id,
            CASE WHEN NEW.disposition IN ('confirmed', 'rectified', 'referred') THEN 'tp'
                 WHEN NEW.disposition IN ('data_error', 'legitimate', 'rule_too_broad') THEN 'fp'
                 WHEN NEW.disposition = 'duplicate' THEN 'dup'
                 WHEN NEW.state IN ('confirmed', 'rectification') THEN 'tp'
                 ELSE '' END, 1)
    ON CONFLICT (department, source_id, verdict) DO UPDATE SET n = n + 1;
    INSERT INTO warning_tally_state (department, level, state, on_time, rectification, rectified, n)
    VALUES (NEW.department, NEW.level, NEW.state,
            NEW.is_open = 0 AND NEW.closed_at IS NOT NULL
                AND date(NEW.closed_at, '+8 hours') <= NEW.deadline,
            NEW.rectification <> 0,
            NEW.is_open = 0 AND NEW.disposition IS 'rectified', 1)
    ON CONFLICT (department, level, state, on_time, rectification, rectified)
    DO UPDATE SET n = n + 1;
END;

-- Warnings already in the desk.
INSERT INTO warning_tally_month (department, category, month, n)
SELECT department,
       CASE WHEN instr(source_id, '-') > 0 THEN substr(source_id, 1, instr(source_id, '-') - 1)
            ELSE source_id END AS category,
       strftime('%Y-%m', created_at, '+8 hours') AS month, count(*)
FROM warnings GROUP BY 1, 2, 3;

INSERT INTO warning_tally_rule (department, source_id, verdict, n)
SELECT department, source_id,
       CASE WHEN disposition IN ('confirmed', 'rectified', 'referred') THEN 'tp'
            WHEN disposition IN ('data_error', 'legitimate', 'rule_too_broad') THEN 'fp'
            WHEN disposition = 'duplicate' THEN 'dup'
            WHEN state IN ('confirmed', 'rectification') THEN 'tp'
            ELSE '' END AS verdict, count(*)
FROM warnings GROUP BY 1, 2, 3;

INSERT INTO warning_tally_state (department, level, state, on_time, rectification, rectified, n)
SELECT department, level, state,
       is_open = 0 AND closed_at IS NOT NULL AND date(closed_at, '+8 hours') <= deadline,
       rectification <> 0,
       is_open = 0 AND disposition IS 'rectified', count(*)
FROM warnings GROUP BY 1, 2, 3, 4, 5, 6;
