-- strikebot schema v2: quiet hours per subscription. Alerts still arrive
-- inside the window, without a notification sound. Minutes after local
-- midnight (STRIKEBOT_TIMEZONE), 0..1439; both NULL = no quiet hours. A window
-- whose start is after its end crosses midnight (23:00-07:00).

ALTER TABLE subscriptions
    ADD COLUMN quiet_start integer CHECK (quiet_start BETWEEN 0 AND 1439),
    ADD COLUMN quiet_end integer CHECK (quiet_end BETWEEN 0 AND 1439),
    ADD CONSTRAINT subscriptions_quiet_both CHECK ((quiet_start IS NULL) = (quiet_end IS NULL));
