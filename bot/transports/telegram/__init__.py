"""The Telegram adapter: long polling in, HTML messages out, one module per concept."""
