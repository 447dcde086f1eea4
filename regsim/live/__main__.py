"""`python -m regsim.live`: the same as `regsim serve`."""

import sys

from regsim.live.cli import main

sys.exit(main())
