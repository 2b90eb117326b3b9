-- strikebot schema v12: /status, /metrics and `strikebot status` read the
-- outbox figures from small index ranges instead of rows.
--
-- Sends are tallied in rows that are only ever inserted (one per batch of
-- results that marked rows sent, in the same transaction) and merged into one
-- row per minute by the outbox prune; the figure "sent in the last 24 hours"
-- sums them. No writer updates a shared row, so concurrent dispatchers never
-- wait on each other for it (see the reverted per-minute counters, 73e5868).
CREATE TABLE delivery_tallies (
    id      INTEGER PRIMARY KEY,
    sent_at REAL NOT NULL,    -- epoch seconds, like the outbox times
    sent    INTEGER NOT NULL,
    merged  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX delivery_tallies_sent_at ON delivery_tallies (sent_at, sent);

-- leased pending rows (in flight, or a lease that ran out): a few hundred
CREATE INDEX deliveries_leased ON deliveries (lease_until, next_attempt_at)
    WHERE status = 'pending' AND lease_until IS NOT NULL;

-- the newest error of a row still pending, dead or skipped
CREATE INDEX deliveries_recent_errors ON deliveries (updated_at)
    WHERE last_error IS NOT NULL AND status IN ('pending', 'dead', 'skipped');
