-- strikebot schema v5: /status and /metrics count outbox rows by status and age
-- without reading every row ever sent (sent rows stay for corrections).
CREATE INDEX deliveries_status_updated ON deliveries (status, updated_at);
