"""The `strikebot` command line: one sub-command per operator task."""

from bot.cli.main import main

__all__ = ["main"]
