-- strikebot schema v11: scratch space for the health check's write probe
-- (/healthz). The probe writes a row of several pages and deletes it in one
-- committed transaction, so a full disk, a read-only file or an I/O error
-- shows up in health before it shows up in a lost report.
CREATE TABLE store_probe (
    id     INTEGER PRIMARY KEY,
    filler BLOB NOT NULL
);
