-- The console's general inbox with closed warnings and no state (filtered by category or
-- amount): read in deadline order, for a department or for all, instead of sorting them.
CREATE INDEX warnings_dept_deadline ON warnings (department, deadline, id);
CREATE INDEX warnings_deadline ON warnings (deadline, id);
