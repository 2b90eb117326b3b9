-- strikebot schema v4: the alert format per subscription. 'full' is the
-- whole alert; 'compact' is the headline, the counts and the report id.

ALTER TABLE subscriptions ADD COLUMN format text NOT NULL DEFAULT 'full'
    CHECK (format IN ('full', 'compact'));
