"""`python -m eval`: the entry point `runri eval` dispatches to."""

import sys

from eval.cli import main

sys.exit(main())
