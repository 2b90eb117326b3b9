"""Slash commands: one module per audience of the router's COMMANDS, joined into one tree."""
