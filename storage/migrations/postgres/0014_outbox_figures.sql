-- strikebot schema v14: the outbox figures behind /status, /metrics and
-- `strikebot status`, kept as one snapshot row. Counting 100,000 pending rows
-- and a million sent ones takes longer than a status request may; the bot
-- refreshes this row in the background and readers take it while it is fresh.
CREATE TABLE outbox_figures (
    id       integer PRIMARY KEY CHECK (id = 1),
    taken_at timestamptz NOT NULL,
    figures  text NOT NULL
);
