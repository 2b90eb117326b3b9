"""Renderers: summaries, lists and replies as neutral Messages in the chat's locale."""

from handlers.render.alert import render_alert, render_broadcast, render_retracted

__all__ = ["render_alert", "render_broadcast", "render_retracted"]
