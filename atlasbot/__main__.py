"""``python -m atlasbot``: the command line."""

import sys

from atlasbot.cli import main

sys.exit(main())
