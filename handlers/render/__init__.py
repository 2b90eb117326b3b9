"""Renderers: summaries, lists and replies as neutral Messages in the chat's locale."""

from handlers.render.alert import render_alert, render_broadcast, render_retracted
from handlers.render.compact import render_compact, render_compact_retracted

__all__ = ["render_alert", "render_broadcast", "render_compact", "render_compact_retracted", "render_retracted"]
