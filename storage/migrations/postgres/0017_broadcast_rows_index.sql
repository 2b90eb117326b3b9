-- strikebot schema v17 (PostgreSQL; v15 and v16 were SQLite only): the deliveries of a broadcast are found by an index.
--
-- The prune deletes broadcasts older than its cut-off once none of their rows
-- is left. Each broadcast it looked at, and each one it deleted (the foreign
-- key's check), read the whole outbox: with 20 old broadcasts beside
-- 1,000,000 rows the write lock was held 6.0 s on SQLite, 2.9 s on
-- PostgreSQL. Alert rows have no broadcast and stay out of the index, so a
-- fan-out of an alert does not write to it.
CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id) WHERE broadcast_id IS NOT NULL;
