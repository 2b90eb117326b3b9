"""Several `strikebot run` processes on one PostgreSQL database: leader, instances, wake-ups, shared rates."""
