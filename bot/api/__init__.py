"""The HTTP API: `build_api` gives the aiohttp application that app.py serves."""

from bot.api.routes import build_api

__all__ = ["build_api"]
