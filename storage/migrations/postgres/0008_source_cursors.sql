-- strikebot schema v8: followed sources (STRIKEBOT_SOURCES). One row per feed
-- URL holds its conditional-GET validators, the outcome of its last poll and
-- the lease that lets one process poll it; one row per post seen there holds
-- the hash of the text last handled, so a restart handles nothing twice and
-- an edited post is noticed.
CREATE TABLE sources (
    url text PRIMARY KEY,
    etag text,
    last_modified text,
    last_success timestamptz,
    last_error text,
    last_error_at timestamptz,
    lease_holder text,
    lease_until timestamptz
);

CREATE TABLE source_posts (
    source_url text NOT NULL REFERENCES sources (url) ON DELETE CASCADE,
    post_id text NOT NULL,
    content_hash text NOT NULL,
    sort_key text NOT NULL,
    report boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (source_url, post_id)
);
