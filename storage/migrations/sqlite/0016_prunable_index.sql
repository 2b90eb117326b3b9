-- strikebot schema v16 (SQLite only): the prune's index holds only the rows it may delete.
--
-- deliveries_status_updated (v5) held every row by (status, updated_at), so each
-- claim (which stamps updated_at) and each result moved an entry in it: about a
-- fifth of what SQLite's thread spent on a fan-out's rows. An alert's own send
-- that went out stays for corrections and is never pruned; pending rows are not
-- pruned either. Neither needs to be in the index, and those are the rows a
-- fan-out writes. The dead count, the only other reader, gets a small index of
-- its own (dead rows are few).
DROP INDEX deliveries_status_updated;

CREATE INDEX deliveries_prunable ON deliveries (updated_at)
    WHERE status IN ('skipped', 'dead') OR (status = 'sent' AND (action <> 'send' OR summary_id IS NULL));

CREATE INDEX deliveries_dead ON deliveries (id) WHERE status = 'dead';
