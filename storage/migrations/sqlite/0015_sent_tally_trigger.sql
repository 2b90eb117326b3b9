-- strikebot schema v15 (SQLite only): a row that becomes sent tallies itself.
--
-- A batch of delivery results is then one UPDATE that needs no transaction
-- around it: the statement and the tallies its trigger writes commit together.
-- Before, the batch counted its newly sent rows first, in a transaction of its
-- own (four hand-offs to SQLite's thread instead of one).
--
-- Each increment goes to the unmerged tally row of its moment (the batch's
-- `updated_at`), so a batch still leaves one row and the prune's per-minute
-- merge is unchanged. Sharing a row is free here: SQLite has one writer at a
-- time anyway. (PostgreSQL keeps insert-only tallies, written by the batch's
-- own statement: there a shared row would serialize concurrent dispatchers;
-- see 73e5868.)

-- rows tallied before this version are kept as they are, out of the new index's way
UPDATE delivery_tallies SET merged = 1 WHERE merged = 0;

CREATE UNIQUE INDEX delivery_tallies_open ON delivery_tallies (sent_at) WHERE merged = 0;

CREATE TRIGGER deliveries_tally_sent AFTER UPDATE OF status ON deliveries
WHEN NEW.status = 'sent' AND OLD.status != 'sent'
BEGIN
    INSERT INTO delivery_tallies (sent_at, sent)
    VALUES ((julianday(NEW.updated_at) - 2440587.5) * 86400.0, 1)
    ON CONFLICT (sent_at) WHERE merged = 0 DO UPDATE SET sent = sent + 1;
END;
