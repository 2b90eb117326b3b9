-- strikebot schema v2: quiet hours per subscription. Alerts still arrive
-- inside the window, without a notification sound. Minutes after local
-- midnight (STRIKEBOT_TIMEZONE), 0..1439; both NULL = no quiet hours. A window
-- whose start is after its end crosses midnight (23:00-07:00).

ALTER TABLE subscriptions ADD COLUMN quiet_start INTEGER
    CHECK (quiet_start BETWEEN 0 AND 1439);
ALTER TABLE subscriptions ADD COLUMN quiet_end INTEGER
    CHECK (quiet_end BETWEEN 0 AND 1439 AND (quiet_start IS NULL) = (quiet_end IS NULL));
