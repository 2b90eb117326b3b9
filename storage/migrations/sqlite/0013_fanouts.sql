-- strikebot schema v13: a durable fan-out cursor per new summary whose
-- matching chats are too many to queue inside the ingest transaction.
--
-- The ingest queues the first chunk of matching subscriptions (ascending id)
-- and leaves a row here; a background expander queues the rest in chunks,
-- oldest row first, and deletes the row when it is done. A summary ingested
-- while an older one is still being expanded gets only a row here (cursor 0),
-- so it never gets a delivery row in a chat before the older summary's.
CREATE TABLE fanouts (
    id                  INTEGER PRIMARY KEY,
    summary_id          INTEGER NOT NULL REFERENCES summaries (id),
    revision            INTEGER NOT NULL,   -- the summary's revision at ingest (for the log)
    cursor_id           INTEGER NOT NULL,   -- the last subscription id already queued
    max_subscription_id INTEGER NOT NULL,   -- the highest subscription id at ingest
    created_at          TEXT NOT NULL
);
CREATE INDEX fanouts_summary ON fanouts (summary_id);
