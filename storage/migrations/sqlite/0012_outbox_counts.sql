-- strikebot schema v12: /status and /metrics at 1,000,000 outbox rows.
-- Rows sent in the last 24 hours are counted per minute by triggers on the
-- outbox itself, so every write path (results, adoptions, prunes) keeps the
-- count exact and a read sums at most 1,440 minutes plus the partial minute
-- at the window's start. The triggers run only for rows that are or were
-- sent: enqueueing pending rows pays nothing for them.
CREATE TABLE outbox_sent_minutes (
    minute TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO outbox_sent_minutes (minute, n)
    SELECT substr(updated_at, 1, 16), count(*) FROM deliveries WHERE status = 'sent' GROUP BY 1;
CREATE TRIGGER deliveries_sent_insert AFTER INSERT ON deliveries WHEN NEW.status = 'sent' BEGIN
    INSERT INTO outbox_sent_minutes (minute, n) VALUES (substr(NEW.updated_at, 1, 16), 1)
        ON CONFLICT (minute) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deliveries_sent_delete AFTER DELETE ON deliveries WHEN OLD.status = 'sent' BEGIN
    UPDATE outbox_sent_minutes SET n = n - 1 WHERE minute = substr(OLD.updated_at, 1, 16);
END;
CREATE TRIGGER deliveries_sent_update AFTER UPDATE OF status, updated_at ON deliveries
WHEN (OLD.status = 'sent') <> (NEW.status = 'sent')
    OR (NEW.status = 'sent' AND substr(OLD.updated_at, 1, 16) <> substr(NEW.updated_at, 1, 16)) BEGIN
    UPDATE outbox_sent_minutes SET n = n - 1
        WHERE OLD.status = 'sent' AND minute = substr(OLD.updated_at, 1, 16);
    INSERT INTO outbox_sent_minutes (minute, n) SELECT substr(NEW.updated_at, 1, 16), 1
        WHERE NEW.status = 'sent' ON CONFLICT (minute) DO UPDATE SET n = n + 1;
END;
-- leased rows and rows with an error are few: /status reads them from their own ranges
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE INDEX deliveries_errors ON deliveries (status, updated_at) WHERE last_error IS NOT NULL;
CREATE INDEX subscriptions_active_platform ON subscriptions (platform) WHERE active = 1;
