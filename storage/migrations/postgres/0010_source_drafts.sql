-- strikebot schema v10: source posts waiting for a bot admin's review. The
-- preview's buttons carry the token; keeping the draft (and where its copies
-- were shown) in the database lets an admin decide it after a restart, or on
-- another process than the one that polled the source.
CREATE TABLE source_drafts (
    token text PRIMARY KEY,
    source_url text NOT NULL,
    post_url text NOT NULL,
    payload jsonb NOT NULL,
    shown jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX source_drafts_expiry ON source_drafts (expires_at);
