"""`python -m bot.cli`, as the `mingbai` script."""

import sys

from bot.cli import main

sys.exit(main())
