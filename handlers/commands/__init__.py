"""Chat commands, one module per group; handlers/router.py dispatches to them."""
