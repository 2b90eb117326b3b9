"""`python -m bot` is the `strikebot` command."""

import sys

from bot.cli import main

sys.exit(main())
