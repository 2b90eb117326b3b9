"""Followed sources (STRIKEBOT_SOURCES): feeds and t.me/s pages polled for new report posts."""
