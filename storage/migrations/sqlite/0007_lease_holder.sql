-- strikebot schema v7: who holds an outbox row's lease. A dispatcher renews the
-- leases it holds while it works on them and records a result only where it
-- still holds the lease, so a row another process took over is not written twice.
ALTER TABLE deliveries ADD COLUMN lease_holder text;
