-- strikebot schema v8: followed sources (STRIKEBOT_SOURCES). One row per feed
-- URL holds its conditional-GET validators, the outcome of its last poll and
-- the lease that lets one process poll it; one row per post seen there holds
-- the hash of the text last handled, so a restart handles nothing twice and
-- an edited post is noticed.
CREATE TABLE sources (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_success TEXT,
    last_error TEXT,
    last_error_at TEXT,
    lease_holder TEXT,
    lease_until TEXT
);

CREATE TABLE source_posts (
    source_url TEXT NOT NULL REFERENCES sources (url) ON DELETE CASCADE,
    post_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    report INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (source_url, post_id)
);
