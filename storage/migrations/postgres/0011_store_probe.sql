-- strikebot schema v11: scratch space for the health check's write probe
-- (/healthz). The probe writes a row and deletes it in one committed
-- transaction, so a full disk, a read-only server or an I/O error shows up in
-- health before it shows up in a lost report.
CREATE TABLE store_probe (
    id     integer PRIMARY KEY,
    filler bytea NOT NULL
);
