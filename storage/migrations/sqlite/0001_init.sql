-- strikebot schema v1: summaries with a per-day rollup, subscriptions, outbox.
-- Times are TEXT in UTC, '%Y-%m-%dT%H:%M:%S.%fZ' (sortable); outbox timers are
-- REAL Unix seconds because the dispatcher compares them on every poll.

CREATE TABLE summaries (
    id                INTEGER PRIMARY KEY,
    external_id       TEXT UNIQUE,
    source            TEXT,
    source_url        TEXT,
    period_start      TEXT NOT NULL,
    period_end        TEXT NOT NULL,
    regions           TEXT NOT NULL DEFAULT '[]',
    weapons           TEXT NOT NULL DEFAULT '[]',
    hit_locations     INTEGER,
    debris_locations  INTEGER,
    killed            INTEGER,
    injured           INTEGER,
    damage            TEXT NOT NULL DEFAULT '[]',
    notes             TEXT,
    launched          INTEGER NOT NULL,
    drones_launched   INTEGER NOT NULL,
    missiles_launched INTEGER NOT NULL,
    destroyed         INTEGER NOT NULL,
    suppressed        INTEGER NOT NULL,
    content_hash      TEXT NOT NULL,
    revision          INTEGER NOT NULL DEFAULT 1,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retracted')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (period_end >= period_start)
);
CREATE INDEX summaries_status_end ON summaries (status, period_end);

CREATE TABLE summary_regions (
    region_id  TEXT NOT NULL,
    period_end TEXT NOT NULL,
    summary_id INTEGER NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,
    PRIMARY KEY (region_id, period_end, summary_id)
) WITHOUT ROWID;
CREATE INDEX summary_regions_summary ON summary_regions (summary_id);

-- One row per UTC day (region_id '' = all regions) of active summaries, so
-- that stats over years read a few thousand rows instead of every summary.
CREATE TABLE daily_totals (
    region_id          TEXT NOT NULL,
    day                TEXT NOT NULL,
    summaries          INTEGER NOT NULL,
    launched           INTEGER NOT NULL,
    drones_launched    INTEGER NOT NULL,
    missiles_launched  INTEGER NOT NULL,
    destroyed          INTEGER NOT NULL,
    suppressed         INTEGER NOT NULL,
    killed             INTEGER NOT NULL,
    injured            INTEGER NOT NULL,
    largest_id         INTEGER NOT NULL,
    largest_launched   INTEGER NOT NULL,
    largest_period_end TEXT NOT NULL,
    PRIMARY KEY (region_id, day)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    thread_id    TEXT NOT NULL DEFAULT '',
    locale       TEXT NOT NULL DEFAULT 'en',
    regions      TEXT NOT NULL DEFAULT '[]',
    min_launched INTEGER NOT NULL DEFAULT 0,
    muted_until  TEXT,
    active       INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (platform, chat_id, thread_id)
);
CREATE INDEX subscriptions_active ON subscriptions (active, platform);

CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    text       TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE deliveries (
    id                  INTEGER PRIMARY KEY,
    summary_id          INTEGER REFERENCES summaries (id),
    broadcast_id        INTEGER REFERENCES broadcasts (id),
    revision            INTEGER NOT NULL DEFAULT 1,
    subscription_id     INTEGER NOT NULL REFERENCES subscriptions (id),
    action              TEXT NOT NULL CHECK (action IN ('send', 'edit', 'retract')),
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sent', 'skipped', 'dead')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     REAL NOT NULL,
    lease_until         REAL,
    platform_message_id TEXT,
    message_revision    INTEGER,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_pending_subscription ON deliveries (subscription_id, id) WHERE status = 'pending';
CREATE INDEX deliveries_summary ON deliveries (summary_id, subscription_id);
