"""The Discord adapter: slash commands and buttons in, embeds out, one module per concept."""
