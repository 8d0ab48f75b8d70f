"""``python -m fastworker``: the same as the ``fastworker`` command."""
import sys

from .cli import main

sys.exit(main())
