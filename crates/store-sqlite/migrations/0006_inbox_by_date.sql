-- The inbox filtered by the day raised (a month, a date range): the range's rows are read from
-- this index alone (everything the filters and the deadline order need is in it) and only
-- they are sorted, instead of looking each up in the table.
CREATE INDEX warnings_created_cover ON warnings (created_at, is_open, deadline, id, department,
    level, state, source_id, amount_fen);
